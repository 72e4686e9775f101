"""The synthetic ledger: `rows` lines in the published "spend over £500" layout, written in chunks of a million
with numpy and pyarrow so that memory stays flat."""


from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opcc.synth.vocabulary import BODY, CHUNK, EXPENSE_TYPES, TX_HEADER, _Areas, _csv_field, _dmy, _rng, _Suppliers

# -- transactions ---------------------------------------------------------------------------------

def _format_amounts(pence: np.ndarray) -> pa.Array:
    """Pence -> '£650.00', '"£12,500.00"', '"(1,250.00)"' (CSV-quoted when a comma is inside), + newline."""
    neg = pence < 0
    a = np.abs(pence)
    pounds = a // 100
    p_str = pc.utf8_lpad(pc.cast(pa.array(a % 100), pa.string()), 2, "0")
    units = pc.cast(pa.array(pounds % 1000), pa.string())
    units3 = pc.utf8_lpad(units, 3, "0")
    thousands = pc.cast(pa.array((pounds // 1000) % 1000), pa.string())
    thousands3 = pc.utf8_lpad(thousands, 3, "0")
    millions = pc.cast(pa.array(pounds // 1_000_000), pa.string())
    big = pa.array(pounds >= 1_000_000)
    mid = pa.array(pounds >= 1000)
    grouped = pc.if_else(
        big, pc.binary_join_element_wise(millions, thousands3, units3, ","),
        pc.if_else(mid, pc.binary_join_element_wise(thousands, units3, ","), units))
    number = pc.binary_join_element_wise(grouped, p_str, ".")
    neg_a = pa.array(neg)
    opener = pc.if_else(neg_a, pa.scalar("("), pa.scalar("£"))
    closer = pc.if_else(neg_a, pa.scalar(")"), pa.scalar(""))
    quote = pc.if_else(mid, pa.scalar('"'), pa.scalar(""))
    return pc.binary_join_element_wise(quote, opener, number, closer, quote, pa.scalar("\n"), "")


def _tx_chunk(rng: np.random.Generator, sup: _Suppliers, areas: _Areas, day_idx: np.ndarray,
              date_strs: pa.Array, first_number: int, numbers_prefix: str,
              body: pa.Scalar) -> tuple[memoryview, int, int]:
    """One chunk of ledger lines as CSV bytes; returns (bytes, sum of pence, transaction numbers used)."""
    n = len(day_idx)
    # Split transactions: a line that continues the previous line's transaction (same number,
    # date and supplier, another expense line).
    split = rng.random(n) < 0.03
    split[0] = False
    split[1:] &= day_idx[1:] == day_idx[:-1]
    leader = np.flatnonzero(~split)
    group = np.cumsum(~split) - 1
    numbers = first_number + group
    supplier = sup.draw(rng, n)[leader][group]
    # Expense area: mostly the supplier's home area, sometimes another in a random group.
    n_groups = len(areas.group_areas)
    home_group = sup.home_area[supplier]
    other_group = rng.integers(0, n_groups, n)
    grp = np.where(rng.random(n) < 0.85, home_group, other_group)
    grp[supplier == sup.redacted] = sup.home_area[sup.redacted]
    pick = rng.integers(0, 1 << 30, n)
    sizes = np.array([len(g) for g in areas.group_areas])
    flat = np.concatenate([np.array(g) for g in areas.group_areas])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    area = flat[starts[grp] + pick % sizes[grp]]
    home_type = sup.home_type_pick[supplier]
    type_pick = np.where(rng.random(n) < 0.7, home_type, pick >> 4)
    etype = areas.type_table[area, type_pick % areas.type_count[area]]
    vs = areas.types.index("Victim Support Payments")
    etype[supplier == sup.redacted] = vs
    # Amounts: log-normal around the supplier's typical payment, over £500, many round sums.
    pounds = np.exp(sup.log_mean[supplier] + rng.normal(0.0, 0.9, n))
    pounds = np.clip(pounds, 500, 2_500_000)
    round_sum = rng.random(n) < 0.55
    pence = np.where(round_sum, np.round(pounds / 50) * 5000, np.floor(pounds * 100)).astype(np.int64)
    pence = np.maximum(pence, 50_000)
    credit = rng.random(n) < 0.015
    pence = np.where(credit, -pence, pence)

    body_col = pa.repeat(body, n)
    date_col = date_strs.take(pa.array(day_idx))
    num_col = pc.binary_join_element_wise(pa.scalar(numbers_prefix), pc.cast(pa.array(numbers), pa.string()), "")
    type_col = _VOCAB_TYPES.take(pa.array(etype))
    area_col = _vocab_areas(areas).take(pa.array(area))
    sup_col = _vocab_suppliers(sup).take(pa.array(supplier))
    amount_col = _format_amounts(pence)
    lines = pc.binary_join_element_wise(body_col, date_col, num_col, type_col, area_col, sup_col, amount_col, ",")
    return _string_bytes(lines), int(pence.sum()), int(group[-1]) + 1


def _string_bytes(arr: pa.Array) -> memoryview:
    """The concatenated characters of a string array (its values buffer, between the offsets)."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32 if arr.type == pa.string() else np.int64)
    start, end = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return memoryview(arr.buffers()[2])[start:end]


_VOCAB_TYPES = pa.array([_csv_field(t) for t in sorted({t for ts in EXPENSE_TYPES.values() for t in ts})])


def _vocab_suppliers(sup: _Suppliers) -> pa.Array:
    # Kept on the object itself: a cache keyed by id() hands a later object a dead one's vocabulary.
    if not hasattr(sup, "vocab"):
        sup.vocab = pa.array([_csv_field(s) for s in sup.names])
    return sup.vocab


def _vocab_areas(areas: _Areas) -> pa.Array:
    if not hasattr(areas, "vocab"):
        areas.vocab = pa.array([_csv_field(a) for a in areas.names])
    return areas.vocab


def _total_line(pence: int) -> bytes:
    sign = "-" if pence < 0 else ""
    p = abs(pence)
    return f'Total,,,,,,"{sign}£{p // 100:,}.{p % 100:02d}"\n'.encode()


def _write_transactions(path: Path, rows: int, seed: int, stream: int, days: list[dt.date],
                        numbers_prefix: str, first_number: int) -> Path:
    sup = _Suppliers(seed)
    areas = _Areas()
    date_strs = pa.array([_dmy(d) for d in days])
    body = pa.scalar(_csv_field(BODY))
    path.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    number = first_number
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        fh.write((TX_HEADER + "\n").encode("utf-8"))
        for chunk_no, start in enumerate(range(0, rows, CHUNK)):
            idx = np.arange(start, min(start + CHUNK, rows), dtype=np.int64)
            day_idx = (idx * len(days)) // rows
            rng = _rng(seed, stream, chunk_no)
            data, pence, used = _tx_chunk(rng, sup, areas, day_idx, date_strs, number, numbers_prefix, body)
            fh.write(data)
            total += pence
            number += used
        fh.write(_total_line(total))
    tmp.replace(path)
    return path
