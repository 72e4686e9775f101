"""Contracts ending within the re-commissioning window of a financial year's start, by year."""

from __future__ import annotations

from dataclasses import dataclass

from opcc.report.formatting import count, gbp
from opcc.report.sections.base import Inputs
from opcc.report.tables import Row, Table, num, plain

ANCHOR = "recommissioning"
NAV = "Re-commissioning"


@dataclass(frozen=True)
class Recommissioning:
    available: bool
    years: list[tuple[str, Table]]


def build(inputs: Inputs) -> Recommissioning | None:
    """None without the marts (the headroom section says why)."""
    data = inputs.marts
    if data is None:
        return None
    due = [c for c in data.commitments
           if c.get("recommissioning_due") in (True, "true") and c.get("status") == "committed"]
    years = []
    for year in data.years:
        rows = sorted((c for c in due if c["financial_year"] == year),
                      key=lambda c: (str(c.get("end_date")), str(c.get("commitment_id"))))
        if rows:
            years.append((year, Table(
                ["Commitment", "Title", "Provider", "Fund", "Ends", "Months to expiry (from 1 April)", "Annual value"],
                [Row([plain(c.get("commitment_id")), plain(c.get("title")), plain(c.get("provider")),
                      plain(c.get("fund_name") or c.get("fund_code")), plain(c.get("end_date")),
                      num(count(c.get("months_to_expiry"))), num(gbp(c.get("annual_value")), c.get("annual_value"))])
                 for c in rows],
                frozenset({5, 6}))))
    return Recommissioning(bool(data.commitments), years)
