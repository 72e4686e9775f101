"""Synthetic extracts at any scale: `opcc synth --rows N --out DIR`.

Deterministic (the same seed and row count give byte-identical files) and realistic enough to
exercise the whole pipeline: transactions in the published "spend over £500" layout, plus budgets,
commitments, planned projects, Police Property Act receipts and community grant awards consistent
with `seeds/reference/` and the checks in `expectations/`:

- transactions: `DIR/transactions/<name>.csv`, one file, header
  `Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £`, `rows` ledger
  lines in date order over financial years 2018/19-2020/21 (weekdays), amounts like `"£12,500.00"`
  and credits `(1,250.00)`, a few thousand suppliers (Zipf-distributed, incl. `REDACTED PERSONAL DATA`),
  every expense area of `fund_mapping_rules.csv` plus a few unmapped ones, some split transactions sharing
  a number, names with commas (quoted), and a `Total` line at the end equal to the sum of the lines.
  No blank lines and no line breaks inside cells, so DuckDB's fast reader keeps line numbers.
  The file therefore has `rows + 2` physical lines (header and totals).
- budgets: one file per year, Priority Commissioning funds only (CSF, LIF on PCC; VCF, VFCSA on MOJ),
  reconciling exactly to `budget_controls.csv`.
- commitments / planned_projects: one register each, sized with `rows`, scaled so that no funding
  source is over-committed in any year (committed <= 80% and planned <= 15% of its budget).
- ppa_receipts / grant_awards: one file per year; net = gross - costs; grants never overdraw the
  Police Property Act Fund (from its opening balance in `fund_opening_balances.csv`).

`day=date(...)` writes only one day's transactions (`--day 2021-04-01 --rows 30000`), numbered apart
from the history, for an incremental nightly run.

The transactions are built with numpy (random draws) and pyarrow string kernels in chunks of a
million lines, each chunk drawn from its own seeded generator, so memory stays flat and the
output does not depend on anything but (seed, rows, day).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opcc.config import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "seeds" / "reference"
BODY = "Police and Crime Commissioner for Dorset"
FIRST_FY = 2018  # financial years 2018/19 ..
LAST_FY = 2020  # .. 2020/21: the years budget_controls.csv approves and the pillars cover
HISTORY_START = dt.date(FIRST_FY, 4, 1)
HISTORY_END = dt.date(LAST_FY + 1, 3, 31)
CHUNK = 1_000_000
TX_HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £"
REDACTED = "REDACTED PERSONAL DATA"

# Feed ids mixed into the seed so each feed draws its own stream.
_TX, _SUPPLIERS, _BUDGETS, _COMMIT, _PLANNED, _PPA, _GRANTS, _DAY = range(1, 9)

UNMAPPED_AREAS = [
    "OPCC Office Running Costs",
    "OPCC Estates and Facilities",
    "OPCC Audit and Assurance",
    "Force Collaboration - Regional Contributions",
]
EXPENSE_TYPES = {
    "CSF": ["Grants to Voluntary Organisations", "Contributions to Partner Organisations",
            "Grants to Other Public Bodies", "Contract Payments - Commissioned Services"],
    "LIF": ["Grants to Voluntary Organisations", "Contributions to Partner Organisations",
            "Professional Services", "Consultancy"],
    "VCF": ["Contract Payments - Commissioned Services", "Grants to Voluntary Organisations",
            "Victim Support Payments", "Contributions to Partner Organisations"],
    "VFCSA": ["Grants to Voluntary Organisations", "Contract Payments - Commissioned Services"],
    "CGS": ["Community Grants"],
    "INNOV": ["Equipment and Vehicles", "Uniform and Clothing", "IT Hardware and Software"],
    "WELL": ["Staff Wellbeing Services", "Occupational Health"],
    None: ["Office Supplies", "Rent and Rates", "Audit Fees", "Legal Fees", "Travel and Subsistence",
           "Utilities", "Training Courses", "Printing and Stationery", "Subscriptions"],
}
# Share of ledger lines per expense area (mapped areas in fund_mapping_rules.csv order, then unmapped).
AREA_WEIGHTS = {"CSF": 0.24, "LIF": 0.16, "VCF": 0.20, "VFCSA": 0.05, "CGS": 0.08, "INNOV": 0.06, "WELL": 0.08}
UNMAPPED_WEIGHT = 0.13

KNOWN_SUPPLIERS = [
    "Victim Support", "G4S Health Services (UK) Ltd", "Restorative Dorset", "You First",
    "Dorset Rape Crisis Support Centre", "The Hampton Trust", "Circles Southwest",
    "Dorset Neighbourhood Watch Association", "AFC Bournemouth Community Sports Trust",
    "Bournemouth Street Pastors", "Dorset Police", "Dorset Council", "Dorset Mind",
    "Bournemouth, Christchurch and Poole Council", "Dorset Combined Youth Offending Service",
    "Dorset Criminal Justice Board", "Environment Agency", "Health Assured Ltd",
    "Oscar Kilo Wellbeing Services", "Bobby Van Trust", "Volunteer Police Cadets National Office",
    "Dorset County Council", "Weymouth Sea Cadets", "Wareham Youth Project",
    "Gillingham Action for Youth", "Swanage Men's Shed", "Bridport Youth and Community Centre",
]
TOWNS = [
    "Bournemouth", "Poole", "Christchurch", "Weymouth", "Dorchester", "Bridport", "Swanage", "Wareham",
    "Wimborne", "Ferndown", "Verwood", "Blandford", "Shaftesbury", "Gillingham", "Sherborne", "Lyme Regis",
    "Portland", "Beaminster", "Sturminster Newton", "Highcliffe", "Boscombe", "Kinson", "Wool",
    "Crossways", "Corfe Mullen", "Broadstone", "Parkstone", "Hamworthy", "West Moors", "Charmouth",
    "Puddletown", "Stalbridge", "Upton", "Lytchett Matravers", "West Bay", "Purbeck", "Canford Heath",
    "Southbourne", "Winton", "Westbourne",
]
ORG_NOUNS = [
    "Community Trust", "Youth Project", "Women's Refuge", "Men's Shed", "Street Pastors", "Community Hub",
    "Safeguarding Partnership", "Family Support", "Mediation Service", "Recovery Service",
    "Advocacy Service", "Counselling Centre", "Rural Watch", "Speedwatch", "Sea Cadets",
    "Boxing Club", "Football Club", "Credit Union", "Housing Association", "Food Bank",
    "Hate Crime Network", "Mental Health Forum", "Drug and Alcohol Service", "Domestic Abuse Forum",
    "Digital Safety Sessions", "Youth and Community Centre", "Community Allotment Project",
    "Community Safety Forum", "Neighbourhood Watch", "Scouts",
]
BUSINESS_NOUNS = [
    "Security", "Consulting", "Training", "IT Services", "Facilities", "Cleaning", "Catering",
    "Printing", "Legal", "Analytics", "Fleet", "Property", "Interpreting", "Recruitment", "Research",
]
BUSINESS_SUFFIXES = ["Ltd", "Limited", "LLP", "& Co", "Group Ltd", "Services Ltd", "(UK) Ltd", "plc"]

GRANT_CONDITIONS = "Quarterly monitoring returns to the OPCC; unspent grant returned at the end of the agreement"
COMMITMENT_TITLES = [
    "Victims' Services Contract", "Sexual Assault Referral Centre (SARC) and ISVA Service",
    "Restorative Justice Service", "Domestic Abuse Outreach and IDVA Support", "Adult Return Home Interviews",
    "Child Sexual Abuse Counselling", "Stalking Advocacy Service", "Youth Diversion Programme",
    "Out of Court Disposals Pathway", "Hate Crime Third Party Reporting", "Rural Crime Partnership",
    "Mental Health Street Triage", "Modern Slavery Support", "Knife Crime Prevention", "Drug Intervention Programme",
    "Women's Diversion Scheme", "Perpetrator Programme", "Community Speedwatch Support",
    "Cyber Crime Prevention", "Night-time Economy Safety", "Fraud Victims Support", "Integrated Offender Management",
]
PROJECT_TITLES = [
    "County Lines - exploitation and disruption options", "Fly Tipping analyst post (joint commission)",
    "Youth Early Intervention Programme", "RTC evidence capture technology - roll-out",
    "Knife Crime Prevention for Young People", "Victim Needs Assessment", "Rural Crime Drones",
    "Domestic Abuse Perpetrator Pilot", "Safer Streets Lighting", "Online Safety for Schools",
    "Restorative Justice in Schools", "ASB Case Review Support", "Community Remedy Pilot",
]
FUND_NAMES = {"CSF": "Commissioner's Safety Fund", "LIF": "Local Innovation Fund",
              "VCF": "Victims Core Fund", "VFCSA": "Victims Fund CSA element"}
BUDGET_LINES = {
    "CSF": ["grant agreements and contracts", "partnership contributions", "community safety partnerships"],
    "LIF": ["new innovative services", "pilot projects", "evaluation"],
    "VCF": ["victim services", "restorative justice", "witness care"],
    "VFCSA": ["CSA element", "CSA counselling"],
}
PC_FUNDS = {"CSF": "PCC", "LIF": "PCC", "VCF": "MOJ", "VFCSA": "MOJ"}


# -- helpers --------------------------------------------------------------------------------------

def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n\r') else text


def _reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expense_area_rules() -> list[dict[str, str]]:
    """The demo's mapping rules that map an expense area alone (the synthetic ledger's cost centres)."""
    others = ("expense_type", "body", "supplier", "extra_column", "extra_value")
    return [r for r in _reference("fund_mapping_rules.csv") if r["expense_area"] and not any(r[c] for c in others)]


def _fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _fy_slug(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def _dmy(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _money(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}" if pence >= 0 else "-" + _money(-pence)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


# -- suppliers ------------------------------------------------------------------------------------

class _Suppliers:
    """A few thousand suppliers, each with a home expense area and type and a typical amount."""

    vocab: pa.Array  # set on first use, by _vocab_suppliers

    def __init__(self, seed: int, count: int = 3000) -> None:
        rng = _rng(seed, _SUPPLIERS)
        names = list(KNOWN_SUPPLIERS)
        seen = set(names)
        candidates = [f"{t} {n}" for t in TOWNS for n in ORG_NOUNS]
        candidates += [f"{t} {b} {s}" for t in TOWNS for b in BUSINESS_NOUNS for s in BUSINESS_SUFFIXES[:3]]
        candidates += [f"{a}, {b} and {c} Partnership" for a, b, c in zip(TOWNS, TOWNS[5:], TOWNS[11:], strict=False)]
        for i in rng.permutation(len(candidates)):
            if len(names) >= count - 1:
                break
            if candidates[i] not in seen:
                seen.add(candidates[i])
                names.append(candidates[i])
        names.insert(3, REDACTED)  # a frequent payee, as in every published file
        self.names = names
        n = len(names)
        # Zipf-like: a handful of big providers, a long tail of one-off payees.
        weights = 1.0 / np.arange(1, n + 1) ** 1.05
        self.cum = np.cumsum(weights / weights.sum())
        self.cum[-1] = 1.0
        area_codes = list(AREA_WEIGHTS) + [None]
        area_p = np.array(list(AREA_WEIGHTS.values()) + [UNMAPPED_WEIGHT])
        self.home_area = rng.choice(len(area_codes), size=n, p=area_p / area_p.sum())
        self.home_type_pick = rng.integers(0, 1 << 30, size=n)
        # Typical payment (log pounds): providers of contracts pay more than one-off payees.
        self.log_mean = rng.uniform(np.log(900), np.log(15000), size=n)
        redacted = names.index(REDACTED)
        self.home_area[redacted] = area_codes.index("VCF")
        self.log_mean[redacted] = np.log(700)
        self.redacted = redacted

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.searchsorted(self.cum, rng.random(n), side="right").astype(np.int32)


class _Areas:
    vocab: pa.Array  # set on first use, by _vocab_areas

    def __init__(self) -> None:
        mapped = _expense_area_rules()
        self.names = [r["expense_area"] for r in mapped] + UNMAPPED_AREAS
        self.funds = [r["fund_code"] for r in mapped] + [None] * len(UNMAPPED_AREAS)
        # areas by group: group i (AREA_WEIGHTS order, then unmapped) -> area indices
        groups = list(AREA_WEIGHTS) + [None]
        self.group_areas = [[i for i, f in enumerate(self.funds) if f == g] for g in groups]
        self.types = sorted({t for ts in EXPENSE_TYPES.values() for t in ts})
        # per area: the expense types it uses
        width = max(len(v) for v in EXPENSE_TYPES.values())
        self.type_table = np.zeros((len(self.names), width), dtype=np.int32)
        self.type_count = np.zeros(len(self.names), dtype=np.int32)
        for a, fund in enumerate(self.funds):
            ts = EXPENSE_TYPES[fund]
            self.type_count[a] = len(ts)
            for j in range(width):
                self.type_table[a, j] = self.types.index(ts[j % len(ts)])


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


# -- the other feeds ------------------------------------------------------------------------------

def _controls() -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for r in _reference("budget_controls.csv"):
        year = int(r["financial_year"][:4])
        out.setdefault(year, {})[r["control_code"]] = round(float(r["amount"]) * 100)
    return out


def _split(total: int, parts: int, rng: np.random.Generator, unit: int = 100_000) -> list[int]:
    """`total` pence in `parts` positive pieces, multiples of `unit` except the last, summing exactly."""
    if parts <= 1:
        return [total]
    w = rng.uniform(0.5, 1.5, parts)
    pieces = [int(x) for x in np.floor(total * w / w.sum() / unit) * unit]
    pieces[-1] = total - sum(pieces[:-1])
    return pieces


def _budgets(out: Path, rows: int, seed: int) -> tuple[list[Path], dict[tuple[str, int], int]]:
    rng = _rng(seed, _BUDGETS)
    controls = _controls()
    per_fund = max(1, min(50, rows // 200_000))
    paths: list[Path] = []
    budget: dict[tuple[str, int], int] = {}
    for year in range(FIRST_FY, LAST_FY + 1):
        c = controls.get(year) or {"priority_commissioning_total": 230_000_000, "moj_ring_fence": 90_000_000}
        moj = c["moj_ring_fence"]
        pcc = c["priority_commissioning_total"] - moj
        csf = (pcc * 62 // 100) // 100_000 * 100_000
        vfcsa = (moj * 55 // 1000) // 100_000 * 100_000
        fund_totals = {"CSF": csf, "LIF": pcc - csf, "VCF": moj - vfcsa, "VFCSA": vfcsa}
        lines = []
        for fund, amount in fund_totals.items():
            source = PC_FUNDS[fund]
            budget[(source, year)] = budget.get((source, year), 0) + amount
            area = next(r["expense_area"] for r in _expense_area_rules() if r["fund_code"] == fund)
            for i, piece in enumerate(_split(amount, per_fund, rng)):
                what = BUDGET_LINES[fund][i % len(BUDGET_LINES[fund])]
                suffix = f" ({i // len(BUDGET_LINES[fund]) + 1})" if per_fund > len(BUDGET_LINES[fund]) else ""
                lines.append([_fy_label(year), source, fund, area, f"{FUND_NAMES[fund]} - {what}{suffix}",
                              _money(piece)])
        paths.append(_write_csv(out / "budgets" / f"dorset-opcc-priority-commissioning-budget-{_fy_slug(year)}.csv",
                                ["Financial Year", "Funding Source", "Fund", "Cost Centre", "Description", "Amount"],
                                lines))
    return paths, budget


def _months_in_fy(start: dt.date, end: dt.date, year: int) -> int:
    lo = max(start, dt.date(year, 4, 1))
    hi = min(end, dt.date(year + 1, 3, 31))
    if hi < lo:
        return 0
    return (hi.year - lo.year) * 12 + hi.month - lo.month + 1


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _pillars() -> list[tuple[str, str]]:
    return [(r["pillar_code"], r["pillar_name"]) for r in _reference("pillars.csv")]


def _commitments(out: Path, rows: int, seed: int, budget: dict[tuple[str, int], int],
                 providers: list[str]) -> tuple[list[Path], dict[tuple[str, int], int]]:
    rng = _rng(seed, _COMMIT)
    n = max(35, min(1500, rows // 5000))
    pillars = _pillars()
    funds = list(PC_FUNDS)
    fund_p = np.array([0.4, 0.25, 0.28, 0.07])
    types = [("C", "Contract"), ("G", "Grant Agreement"), ("P", "Partnership Funding Agreement")]
    drafts = []
    for _ in range(n):
        fund = funds[rng.choice(4, p=fund_p)]
        start_year = int(rng.integers(FIRST_FY - 2, LAST_FY + 1))
        start_month = int(rng.choice([4, 4, 4, 7, 10, 1]))
        sy = start_year + (start_month < 4)
        start = dt.date(sy, start_month, 1)
        months = int(rng.choice([6, 12, 12, 24, 24, 36, 36, 48]))
        end_m = start_month + months - 1
        end = _month_end(sy + (end_m - 1) // 12, (end_m - 1) % 12 + 1)
        weight = float(rng.lognormal(0, 0.8))
        drafts.append((fund, start, end, weight))
    # Scale each funding source so that it is committed to at most 80% of its budget in every year.
    scale: dict[str, float] = {}
    for source in ("PCC", "MOJ"):
        ratios = []
        for year in range(FIRST_FY, LAST_FY + 1):
            raw = sum(w * _months_in_fy(s, e, year) / 12 for f, s, e, w in drafts if PC_FUNDS[f] == source)
            if raw > 0:
                ratios.append(0.80 * budget[(source, year)] / raw)
        scale[source] = min(ratios) if ratios else 0.0
    lines = []
    committed: dict[tuple[str, int], int] = {}
    for i, (fund, start, end, weight) in enumerate(drafts):
        annual = int(weight * scale[PC_FUNDS[fund]]) // 1200 * 1200  # whole £12s: spreads to whole pounds
        for year in range(FIRST_FY, LAST_FY + 1):
            key = (PC_FUNDS[fund], year)
            committed[key] = committed.get(key, 0) + annual * _months_in_fy(start, end, year) // 12
        letter, ctype = types[int(rng.integers(0, 3))]
        if fund in ("VCF", "VFCSA"):
            code, name = pillars[2] if rng.random() < 0.7 else pillars[0]
        else:
            code, name = pillars[int(rng.integers(0, len(pillars)))]
        title = COMMITMENT_TITLES[int(rng.integers(0, len(COMMITMENT_TITLES)))]
        provider = providers[int(rng.integers(0, len(providers)))]
        ref = f"DOR-{letter}-{i + 101:04d}"
        # Optional columns, by position (no random draws, so the other columns stay as they were): half the
        # contracts link their document; two grant agreements in three give their conditions.
        url = (f"https://www.dorset.pcc.police.uk/media/contracts/{ref.lower()}.pdf"
               if ctype == "Contract" and i % 2 == 0 else "")
        conditions = GRANT_CONDITIONS if ctype == "Grant Agreement" and i % 3 else ""
        lines.append([
            ref, title, provider, ctype,
            FUND_NAMES[fund] if fund != "VFCSA" and rng.random() < 0.1 else fund,
            name if rng.random() < 0.15 else code,
            _dmy(start), _dmy(end), _money(annual), url, conditions,
        ])
    path = _write_csv(out / "commitments" / "dorset-opcc-commitments-register.csv",
                      ["Commitment ID", "Title", "Provider", "Commitment Type", "Fund", "Main Pillar",
                       "Start Date", "End Date", "Annual Value", "Contract URL", "Conditions"], lines)
    return [path], committed


def _planned(out: Path, rows: int, seed: int, budget: dict[tuple[str, int], int],
             committed: dict[tuple[str, int], int], providers: list[str]) -> list[Path]:
    rng = _rng(seed, _PLANNED)
    n = max(20, min(1500, rows // 6000))
    pillars = _pillars()
    funds = list(PC_FUNDS)
    fund_p = np.array([0.15, 0.7, 0.1, 0.05])
    drafts = []
    for _ in range(n):
        drafts.append((funds[rng.choice(4, p=fund_p)], int(rng.integers(FIRST_FY, LAST_FY + 1)),
                       float(rng.lognormal(0, 0.6))))
    # Planned spend takes at most 15% of the budget (and never beyond what commitments leave).
    room: dict[tuple[str, int], float] = {}
    for key, amount in budget.items():
        room[key] = max(0, min(amount * 15 // 100, amount - committed.get(key, 0)))
    raw: dict[tuple[str, int], float] = {}
    for f, y, w in drafts:
        raw[(PC_FUNDS[f], y)] = raw.get((PC_FUNDS[f], y), 0) + w
    seq: dict[int, int] = {}
    lines = []
    for f, y, w in drafts:
        key = (PC_FUNDS[f], y)
        pence = int(w / raw[key] * room[key]) // 100_000 * 100_000  # whole £1,000s
        seq[y] = seq.get(y, 0) + 1
        code, name = pillars[int(rng.integers(0, len(pillars)))]
        provider = providers[int(rng.integers(0, len(providers)))] if rng.random() < 0.5 else ""
        lines.append([
            f"PP-{y % 100:02d}{(y + 1) % 100:02d}-{seq[y]:02d}",
            PROJECT_TITLES[int(rng.integers(0, len(PROJECT_TITLES)))], provider,
            FUND_NAMES[f] if f == "LIF" and rng.random() < 0.1 else f,
            name if rng.random() < 0.15 else code, _fy_label(y), _money(pence),
            "Approved in principle" if rng.random() < 0.35 else "Proposed",
        ])
    return [_write_csv(out / "planned_projects" / "dorset-opcc-planned-projects.csv",
                       ["Project ID", "Title", "Proposed Provider", "Fund", "Main Pillar", "Financial Year",
                        "Anticipated Spend", "Status"], lines)]


def _ppa_and_grants(out: Path, rows: int, seed: int) -> tuple[list[Path], list[Path]]:
    rng = _rng(seed, _PPA)
    grng = _rng(seed, _GRANTS)
    per_year = max(25, min(3000, rows // 5000))
    opening = next(round(float(r["opening_balance"]) * 100) for r in _reference("fund_opening_balances.csv")
                   if r["fund_code"] == "CGS")
    pillars = _pillars()
    recipients = [f"{t} {n}" for t in TOWNS for n in ORG_NOUNS]
    recipients = [recipients[i] for i in _rng(seed, _GRANTS, 1).permutation(len(recipients))]
    balance = opening
    ppa_paths, grant_paths = [], []
    for year in range(FIRST_FY, LAST_FY + 1):
        days = _weekdays(dt.date(year, 4, 1), dt.date(year + 1, 3, 31))
        picks = np.sort(rng.choice(len(days), size=per_year, replace=per_year > len(days)))
        receipts = []
        seq: dict[tuple[int, int], int] = {}
        for k in picks:
            d = days[int(k)]
            kind = rng.random()
            if kind < 0.6:
                prefix, desc, gross, rate = "BBA", "Bumblebee Auctions - settlement of unclaimed property lots", \
                    int(rng.uniform(1500, 4500) * 100), 0.175
            elif kind < 0.7:
                prefix, desc, gross, rate = "BBA", "Bumblebee Auctions - recovered pedal cycles", \
                    int(rng.uniform(300, 1500) * 100), 0.2
            else:
                prefix, desc, gross, rate = "UFC", "Unclaimed found cash - owner not traced", \
                    int(rng.uniform(50, 1000) * 100), 0.0
            costs = int(round(gross * rate))
            seq[(d.year, d.month)] = seq.get((d.year, d.month), 0) + 1
            ref = f"{prefix}-{d.year % 100:02d}{d.month:02d}-{seq[(d.year, d.month)]:02d}"
            receipts.append((d, ref, desc, gross, costs))
        ppa_paths.append(_write_csv(
            out / "ppa_receipts" / f"dorset-opcc-police-property-act-receipts-{_fy_slug(year)}.csv",
            ["Receipt Date", "Reference", "Description", "Gross Amount", "Sale Costs", "Net Amount"],
            [[_dmy(d), ref, desc, _money(g), _money(c), _money(g - c)] for d, ref, desc, g, c in receipts]))
        # Grant rounds in June, September, December and March; each spends part of what the fund holds.
        awards = []
        n_awards = max(12, per_year // 2)
        round_months = [(year, 6), (year, 9), (year, 12), (year + 1, 3)]
        seq_no = 0
        for y, m in [(year + (mm < 4), mm) for mm in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]:
            net_in = sum(g - c for d, _, _, g, c in receipts if (d.year, d.month) == (y, m))
            available = balance + net_in
            spent = 0
            if (y, m) in round_months:
                count = n_awards // 4
                pot = available * 60 // 100
                amounts = grng.uniform(0.3, 1.0, count)
                amounts = (np.floor(amounts / amounts.sum() * pot / 5000) * 5000).astype(np.int64)
                amounts = np.minimum(amounts, 500_000)  # £5,000 at most per award
                award_day = dt.date(y, m, 1) + dt.timedelta(days=int(grng.integers(4, 20)))
                for amount in amounts:
                    if amount < 25_000:  # below £250 is not worth an award
                        continue
                    seq_no += 1
                    code, name = pillars[1] if grng.random() < 0.8 else pillars[int(grng.integers(0, len(pillars)))]
                    awards.append([_dmy(award_day), f"CGS-{year % 100:02d}{(year + 1) % 100:02d}-{seq_no:03d}",
                                   recipients[int(grng.integers(0, len(recipients)))],
                                   name if grng.random() < 0.1 else code, _money(int(amount))])
                    spent += int(amount)
            balance = available - spent
        grant_paths.append(_write_csv(
            out / "grant_awards" / f"dorset-opcc-community-grant-awards-{_fy_slug(year)}.csv",
            ["Award Date", "Reference", "Recipient", "Pillar", "Amount"], awards))
    return ppa_paths, grant_paths


# -- entry points ---------------------------------------------------------------------------------

def generate(out_dir: Path, rows: int, seed: int = 2019, day: dt.date | None = None) -> dict[str, list[Path]]:
    """Write synthetic extracts under `out_dir/<feed>/`; returns the files written by feed.

    Without `day`: the history (all six feeds, `rows` transaction lines). With `day`: only one
    transactions file of `rows` lines dated `day` (for an incremental run after the history)."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    out_dir = Path(out_dir)
    if day is not None:
        path = out_dir / "transactions" / f"dorset-opcc-spend-over-500-{day:%Y-%m-%d}.csv"
        prefix = f"{day:%y%m%d}"
        _write_transactions(path, rows, seed, _DAY * 1_000_000 + day.toordinal(), [day], prefix, 100_001)
        return {"transactions": [path]}
    tx = out_dir / "transactions" / (f"dorset-opcc-spend-over-500-{_fy_slug(FIRST_FY)}-to-{_fy_slug(LAST_FY)}.csv")
    _write_transactions(tx, rows, seed, _TX, _weekdays(HISTORY_START, HISTORY_END), "", 40_000_001)
    providers = [s for s in _Suppliers(seed).names[:400] if s != REDACTED]
    budget_paths, budget = _budgets(out_dir, rows, seed)
    commit_paths, committed = _commitments(out_dir, rows, seed, budget, providers)
    planned_paths = _planned(out_dir, rows, seed, budget, committed, providers)
    ppa_paths, grant_paths = _ppa_and_grants(out_dir, rows, seed)
    return {"transactions": [tx], "budgets": budget_paths, "commitments": commit_paths,
            "planned_projects": planned_paths, "ppa_receipts": ppa_paths, "grant_awards": grant_paths}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="transaction lines to write (default 1,000,000; the file adds a header and a totals line)")
    parser.add_argument("--out", type=Path, required=True, help="directory to write <feed>/*.csv into")
    parser.add_argument("--seed", type=int, default=2019, help="random seed (same seed, same bytes)")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=None,
                        help="write only one day's transactions file for this date (YYYY-MM-DD), "
                             f"e.g. the day after the history ({HISTORY_END + dt.timedelta(days=1)})")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    written = generate(args.out, args.rows, seed=args.seed, day=args.day)
    elapsed = time.perf_counter() - started
    for feed, paths in written.items():
        for p in paths:
            print(f"{feed:<17} {p}  ({p.stat().st_size / 1e6:,.1f} MB)")
    print(f"synth: {args.rows:,} transaction lines in {elapsed:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m opcc.synth", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
