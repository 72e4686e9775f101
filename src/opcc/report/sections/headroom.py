"""Each funding source's and fund's headroom: budget, committed, planned and what is left, with a chart per year.
Without the marts, this section says why none of the marts' sections are shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opcc.report import svg
from opcc.report.formatting import gbp, to_decimal
from opcc.report.sections.base import Inputs
from opcc.report.tables import Row, Table, num, plain

if TYPE_CHECKING:
    from opcc.report.marts import MartData

ANCHOR = "headroom"
NAV = "Headroom"


@dataclass(frozen=True)
class HeadroomYear:
    year: str
    sources: Table | None
    chart: svg.PositionChart | None
    funds: Table | None


@dataclass(frozen=True)
class Headroom:
    note: str | None  # why the marts are not shown; None when they are
    missing: list[str]  # marts this build could not give
    available: bool
    years: list[HeadroomYear]


def build(inputs: Inputs) -> Headroom:
    data = inputs.marts
    if data is None:
        return Headroom(inputs.marts_note, [], False, [])
    return Headroom(None, list(data.missing), bool(data.funding_source_position or data.fund_position),
                    [y for y in (headroom_year(data, year) for year in data.years) if y is not None])


def any_money(row: dict[str, Any], keys: tuple[str, ...] = ("budget", "committed", "planned", "actual")) -> bool:
    """A position row worth showing: some budget, commitment, plan (or spend)."""
    return any((to_decimal(row.get(k)) or 0) != 0 for k in keys)


def headroom_year(data: MartData, year: str) -> HeadroomYear | None:
    sources = [r for r in data.funding_source_position if r["financial_year"] == year and any_money(r)]
    funds = [r for r in data.fund_position if r["financial_year"] == year and any_money(r)]
    if not sources and not funds:
        return None
    sources_table = chart = funds_table = None
    if sources:
        sources_table = Table(
            ["Funding source", "Budget", "Committed", "Committed headroom", "Planned", "Headroom", "Actual spend"],
            [Row([plain(f"{r.get('funding_source_name') or r.get('funding_source_code')}"
                        f"{' (ring-fenced)' if r.get('ring_fenced') in (True, 'true') else ''}")]
                 + [num(gbp(r.get(k)), r.get(k))
                    for k in ("budget", "committed", "committed_headroom", "planned", "headroom", "actual")])
             for r in sources],
            frozenset({1, 2, 3, 4, 5, 6}))
        chart_rows = [
            {"label": r.get("funding_source_name") or r.get("funding_source_code"), "budget": r.get("budget"),
             "committed": r.get("committed"), "planned": r.get("planned")}
            for r in sources if any_money(r, ("budget", "committed", "planned"))
        ]
        if chart_rows:
            chart = svg.position_bars(chart_rows, f"Budget, committed and planned by funding source, {year}")
    if funds:
        funds_table = Table(
            ["Fund", "Scheme", "Funding source", "Budget", "Committed", "Planned", "Headroom", "Actual spend"],
            [Row([plain(r.get("fund_name") or r.get("fund_code")), plain(r.get("scheme")),
                  plain(r.get("funding_source_code"))]
                 + [num(gbp(r.get(k)), r.get(k)) for k in ("budget", "committed", "planned", "headroom", "actual")])
             for r in funds],
            frozenset({3, 4, 5, 6, 7}))
    return HeadroomYear(year, sources_table, chart, funds_table)
