"""What the report reads from the build's or the published marts (read-only; marts are tables, no raw needed),
in DuckDB or PostgreSQL (`opcc.warehouse_read`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opcc.report.sections.unmapped import AMBIGUOUS_SQL, UNMAPPED_SQL
from opcc.warehouse_read import Reader, ReadError, WarehouseSource, open_reader


@dataclass
class MartData:
    years: list[str] = field(default_factory=list)  # financial years shown, in display order
    control_years: set[str] = field(default_factory=set)
    fund_position: list[dict[str, Any]] = field(default_factory=list)
    funding_source_position: list[dict[str, Any]] = field(default_factory=list)
    commitments: list[dict[str, Any]] = field(default_factory=list)
    pillar_spend: list[dict[str, Any]] = field(default_factory=list)
    # The funds of the scheme the budget controls cover (reference data), the rows of tables 3.1 and 3.3.
    priority_funds: list[dict[str, Any]] = field(default_factory=list)  # fund_code, fund_name, scheme
    scheme: str = "Commissioning"  # that scheme's name, as budget_controls.csv gives it
    missing: list[str] = field(default_factory=list)  # relations that could not be read
    # Unmapped ledger spend by the value a mapping rule needs (report/sections/unmapped.py); None when not readable.
    unmapped: list[dict[str, Any]] | None = None
    ambiguous_mapping: list[dict[str, Any]] = field(default_factory=list)


def _try(con: Reader, data: MartData, name: str, sql: str) -> list[dict[str, Any]]:
    try:
        return con.rows(sql)
    except ReadError:
        data.missing.append(name)
        return []


def fy_start(year: str) -> int:
    try:
        return int(str(year)[:4])
    except ValueError:
        return 0


def read_marts(source: WarehouseSource, prefer_year: str | None = None) -> MartData:
    """The marts the report shows. Years: `prefer_year` (the run's financial year) first when present,
    then years with approved budget controls, then the rest; latest first within each group."""
    data = MartData()
    with open_reader(source) as con:
        data.fund_position = _try(con, data, "marts.fund_position",
            "SELECT * FROM marts.fund_position ORDER BY financial_year DESC, funding_source_code, fund_code")
        data.funding_source_position = _try(con, data, "marts.funding_source_position",
            "SELECT * FROM marts.funding_source_position ORDER BY financial_year DESC, funding_source_code")
        data.commitments = _try(con, data, "marts.commitments",
            "SELECT * FROM marts.commitments ORDER BY financial_year DESC, status, fund_code, commitment_id")
        data.pillar_spend = _try(con, data, "marts.pillar_spend",
            "SELECT * FROM marts.pillar_spend ORDER BY financial_year DESC, total DESC, pillar_code")
        try:
            data.unmapped = con.rows(UNMAPPED_SQL)
            data.ambiguous_mapping = con.rows(AMBIGUOUS_SQL)
        except ReadError:
            data.missing.append("marts.spend_transactions (mapping_rule)")
        controls = _try(con, data, "reference.budget_controls",
            "SELECT DISTINCT financial_year FROM reference.budget_controls")
        data.control_years = {r["financial_year"] for r in controls}
        data.priority_funds = _try(con, data, "reference.funds",
            """SELECT fund_code, fund_name, scheme FROM reference.funds
               WHERE scheme IN (SELECT scheme FROM reference.budget_controls) ORDER BY fund_code""")
        if data.priority_funds:
            data.scheme = data.priority_funds[0]["scheme"]
    if not data.priority_funds:  # fall back to the funds the commitments name
        seen: dict[str, str] = {}
        for c in data.commitments:
            if c.get("fund_code") and c["fund_code"] not in seen:
                seen[c["fund_code"]] = c.get("fund_name") or c["fund_code"]
        data.priority_funds = [{"fund_code": k, "fund_name": v} for k, v in sorted(seen.items())]
    years = {r["financial_year"]
             for r in data.commitments + data.fund_position + data.funding_source_position + data.pillar_spend}
    years.discard(None)
    with_controls = sorted((y for y in years if y in data.control_years), key=fy_start, reverse=True)
    others = sorted((y for y in years if y not in data.control_years), key=fy_start, reverse=True)
    data.years = with_controls + others
    if prefer_year in data.years:
        data.years.remove(prefer_year)
        data.years.insert(0, prefer_year)
    return data
