"""The reconciliation checks, failures first: expected, actual and difference, and the rows behind each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opcc import run_record
from opcc.freshness.messages import FEEDS_CHECK
from opcc.report.formatting import amount, count, gbp, to_decimal
from opcc.report.sections.base import Inputs
from opcc.report.tables import Cell, Row, Table, num, plain
from opcc.run_record import RunRecord

ANCHOR = "checks"
NAV = "Checks"

# Columns of failing or compared rows shown as money.
MONEY_COLUMNS = frozenset((
    "expected", "actual", "difference", "amount", "budget", "committed", "planned", "annual_value", "value",
    "control_total", "loaded_amount", "closing_balance", "opening_balance", "limit_with_tolerance", "gross_amount",
    "sale_costs", "net_amount", "gross_receipts", "ppa_receipts", "grants_awarded"))


@dataclass(frozen=True)
class CheckRow:
    status: str
    badge: str
    description: str
    check_id: str
    severity: str
    error: str | None
    failing_summary: str | None  # "3 failing rows (first 2 shown)"; None when none failed
    failing_open: bool
    failing_table: Table | None
    failures_csv: str | None  # relative to the run's folder
    compared_summary: str | None  # "What was compared (1 row)"
    compared_table: Table | None
    expected: Cell
    actual: Cell
    difference: Cell


@dataclass(frozen=True)
class Checks:
    ran: bool
    record_file: str
    rows: list[CheckRow]


def build(inputs: Inputs) -> Checks:
    return Checks(inputs.record.checks is not None, run_record.CHECKS_FILE, check_rows(inputs.record))


def badge_css(status: str) -> str:
    return status if status in ("PASS", "WARN", "FAIL") else "NA"


def rows_table(rows: list[dict[str, Any]]) -> Table | None:
    """Failing or compared rows as they came, money columns as £."""
    if not rows:
        return None
    headers = list(rows[0].keys())
    body = []
    for r in rows:
        cells = []
        for h in headers:
            v = r.get(h)
            if h in MONEY_COLUMNS and to_decimal(v) is not None and "." in str(v):
                cells.append(num(gbp(v, signed=h == "difference"), v))
            else:
                cells.append(plain(v))
        body.append(Row(cells))
    return Table(headers, body)


def check_rows(record: RunRecord) -> list[CheckRow]:
    order = {"FAIL": 0, "WARN": 1, "PASS": 2}
    out = []
    for c in sorted(record.checks or [], key=lambda c: order.get(c.get("status", ""), 3)):
        st, unit = c.get("status", ""), c.get("unit")
        expected = amount(c.get("expected"), unit)
        if c.get("expected_label") and c.get("expected") is not None:
            expected = f"{c['expected_label']} {expected}"
        failing_summary = failing_table = failures_csv = compared_summary = compared_table = None
        n = c.get("failing_rows_count") or 0
        if n:
            shown = c.get("failing_rows") or []
            failing_summary = (f"{count(n)} failing row{'s' if n != 1 else ''}"
                               + (f" (first {len(shown)} shown)" if len(shown) < n else ""))
            failing_table = rows_table(shown)
            failures_csv = c.get("failures_csv") or f"failures/{c.get('id')}.csv"
        elif c.get("compared") and (unit == "GBP" or c.get("id") == FEEDS_CHECK):  # each feed's last file
            shown = [{k: v for k, v in r.items() if k != "ok"} for r in c["compared"]]
            compared = c.get("compared_rows") or len(shown)
            compared_summary = f"What was compared ({count(compared)} row{'s' if compared != 1 else ''})"
            compared_table = rows_table(shown)
        out.append(CheckRow(
            status=st, badge=badge_css(st), description=str(c.get("description") or ""),
            check_id=str(c.get("id") or ""), severity=str(c.get("severity") or ""),
            error=(c.get("error") or "")[:600] or None,
            failing_summary=failing_summary, failing_open=st == "FAIL", failing_table=failing_table,
            failures_csv=failures_csv, compared_summary=compared_summary, compared_table=compared_table,
            expected=num(expected, c.get("expected")),
            actual=num(amount(c.get("actual"), unit), c.get("actual")),
            difference=num(amount(c.get("difference"), unit, signed=True), c.get("difference")),
        ))
    return out
