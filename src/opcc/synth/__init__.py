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
import datetime as dt
import time
from pathlib import Path

from opcc.synth.other_feeds import _budgets, _commitments, _planned, _ppa_and_grants
from opcc.synth.transactions import _write_transactions
from opcc.synth.vocabulary import (
    _DAY,
    _TX,
    FIRST_FY,
    HISTORY_END,
    HISTORY_START,
    LAST_FY,
    REDACTED,
    TX_HEADER,
    _fy_slug,
    _Suppliers,
    _weekdays,
)

__all__ = ["HISTORY_END", "HISTORY_START", "TX_HEADER", "add_arguments", "generate", "run"]


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
