"""The commissioning-intentions report's tables, regenerated from the commitments register: contractual
commitments (table 3.1) and planned projects (table 3.3) by fund, and the share by Police and Crime Plan pillar."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from opcc.report import svg
from opcc.report.formatting import gbp, thousands, to_decimal
from opcc.report.sections.base import Inputs
from opcc.report.tables import Row, Table, num, plain

if TYPE_CHECKING:
    from opcc.report.marts import MartData

ANCHOR = "intentions"
NAV = "Intentions"


@dataclass(frozen=True)
class IntentionsYear:
    year: str
    has_controls: bool
    committed: Table
    committed_count: int
    planned: Table
    planned_count: int
    pillars: svg.ShareChart | None


@dataclass(frozen=True)
class Intentions:
    available: bool
    years: list[IntentionsYear]


def build(inputs: Inputs) -> Intentions | None:
    """None without the marts (the headroom section says why)."""
    data = inputs.marts
    if data is None:
        return None
    return Intentions(bool(data.commitments),
                      [y for y in (intentions_year(data, year) for year in data.years) if y is not None])


def by_fund_table(data: MartData, year: str, status: str, caption: str, dash_for_zero: bool) -> tuple[Table, int]:
    """Tables 3.1 and 3.3: each commissioning fund's total in £'000s and £ (the scheme budget_controls covers)."""
    lines = [c for c in data.commitments if c["financial_year"] == year and c.get("status") == status]
    totals: dict[str | None, Decimal] = {}  # a line without a fund counts under "Other funds"
    for c in lines:
        fund = c.get("fund_code")
        totals[fund] = totals.get(fund, Decimal(0)) + (to_decimal(c.get("value")) or Decimal(0))
    known = {f["fund_code"] for f in data.priority_funds}
    rows = []
    grand = Decimal(0)
    for f in data.priority_funds:
        v = totals.get(f["fund_code"], Decimal(0))
        grand += v
        rows.append(Row([plain(f["fund_name"]), num(thousands(v, dash_for_zero), v), num(gbp(v), v)]))
    other = sum((v for k, v in totals.items() if k not in known), Decimal(0))
    if other:
        grand += other
        rows.append(Row([plain("Other funds"), num(thousands(other), other), num(gbp(other), other)]))
    rows.append(Row([plain("Total"), num(thousands(grand), grand), num(gbp(grand), grand)], "total"))
    headers = [data.scheme, f"{year} {caption} \u00a3'000s", "\u00a3"]
    return Table(headers, rows, frozenset({1, 2})), len({c.get("commitment_id") for c in lines})


def intentions_year(data: MartData, year: str) -> IntentionsYear | None:
    if not any(c["financial_year"] == year for c in data.commitments) and not any(
            p["financial_year"] == year for p in data.pillar_spend):
        return None
    committed, n_committed = by_fund_table(data, year, "committed", "Contractual Commitments", dash_for_zero=False)
    planned, n_planned = by_fund_table(data, year, "planned", "Planned", dash_for_zero=True)
    pillars = [p for p in data.pillar_spend if p["financial_year"] == year]
    chart = svg.share_bars(
        [{"label": p.get("pillar_name") or p.get("pillar_code"), "share": p.get("share_of_total"),
          "total": p.get("total")} for p in pillars],
        f"Share of total by Police and Crime Plan pillar, {year}") if pillars else None
    return IntentionsYear(year, year in data.control_years, committed, n_committed, planned, n_planned, chart)
