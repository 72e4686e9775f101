"""Budget monitoring in the report: the morning report's section and the print-ready panel page per quarter
(`reports/<run>/budget-monitoring-<year>-Q<n>.html`, A4, one self-contained file), from marts.budget_monitoring,
marts.funding_source_position, marts.ppa_fund_forecast and the Innovation Fund's contributions. Figures are the
marts'; this module only chooses, formats and words them (the notes come from the variances)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from opcc import run_record
from opcc.report.formatting import gbp, to_decimal
from opcc.report.tables import Cell, Row, Table, num, plain
from opcc.warehouse_read import Reader, ReadError, WarehouseSource, open_reader

QUARTER_MONTHS = {1: 3, 2: 6, 3: 9, 4: 12}  # quarter -> financial month number of its last month
QUARTER_LABEL = {1: "April–June", 2: "July–September", 3: "October–December", 4: "January–March"}
RAG_CSS = {"RED": "FAIL", "AMBER": "WARN", "GREEN": "PASS"}


@dataclass
class MonitoringData:
    rows: list[dict[str, Any]] = field(default_factory=list)  # marts.budget_monitoring
    sources: list[dict[str, Any]] = field(default_factory=list)  # marts.funding_source_position
    ppa: list[dict[str, Any]] = field(default_factory=list)  # marts.ppa_fund_forecast
    contributions: list[dict[str, Any]] = field(default_factory=list)  # reference.fund_contributions + spend

    def years(self) -> list[str]:
        return sorted({r["financial_year"] for r in self.rows})


def _rows(con: Reader, sql: str) -> list[dict[str, Any]]:
    try:
        return con.rows(sql)
    except ReadError:
        return []  # a mart missing from the build: the section says there is nothing to show


def read_monitoring(source: WarehouseSource) -> MonitoringData:
    with open_reader(source) as con:
        return MonitoringData(
            rows=_rows(con, "SELECT * FROM marts.budget_monitoring "
                            "ORDER BY financial_year, month_end, funding_source_code, fund_code"),
            sources=_rows(con, "SELECT * FROM marts.funding_source_position "
                               "ORDER BY financial_year, funding_source_code"),
            ppa=_rows(con, "SELECT * FROM marts.ppa_fund_forecast ORDER BY month_end"),
            contributions=_rows(con, """
                SELECT c.financial_year, c.fund_code, f.fund_name, c.contribution_source, c.description, c.amount
                FROM reference.fund_contributions AS c JOIN reference.funds AS f USING (fund_code)
                ORDER BY c.fund_code, c.financial_year, c.contribution_source"""),
        )


# -- notes ------------------------------------------------------------------------------------------

def note(row: dict[str, Any]) -> str | None:
    """One plain-English sentence for a fund that is not GREEN, naming what drives its forecast."""
    fund, variance = row["fund_name"] or row["fund_code"], to_decimal(row["forecast_variance"]) or Decimal(0)
    revised = to_decimal(row["revised_budget"]) or Decimal(0)
    planned = to_decimal(row["planned_remaining"]) or Decimal(0)
    committed = to_decimal(row["committed_remaining"]) or Decimal(0)
    run_rate = to_decimal(row["run_rate_remaining"]) or Decimal(0)
    if row["rag_status"] == "GREEN":
        return None
    if row["rag_status"] == "NO BUDGET":
        return f"{fund} forecast {gbp(row['forecast_outturn'])} with no budget line (financed outside the budget)."
    if variance < 0:
        over = -variance
        if planned >= over and row["forecast_outturn"] - planned <= revised:
            why = "planned projects exceed the budget"
        elif committed > 0 and (to_decimal(row["actual_to_date"]) or Decimal(0)) + committed > revised:
            why = "commitments alone exceed the budget"
        elif run_rate > 0:
            why = "spend outside commitments is running ahead of the budget"
        else:
            why = "spend to date exceeds the budget"
        return f"{fund} forecast {gbp(over)} over budget: {why}."
    ring = " This is ring-fenced money the PCC must not lose." if row.get("ring_fenced") else ""
    return f"{fund} forecast {gbp(variance)} under budget.{ring}"


# -- tables and charts ------------------------------------------------------------------------------

FUND_HEADERS = ["Fund", "Source", "Original budget", "Revised budget", "Profiled to date", "Actual to date",
                "Variance to profile", "Committed remaining", "Planned remaining", "Run-rate remaining",
                "Forecast outturn", "Forecast variance", "RAG"]
MONEY_COLS = ("original_budget", "revised_budget", "profiled_budget_to_date", "actual_to_date", "variance_to_profile",
              "committed_remaining", "planned_remaining", "run_rate_remaining", "forecast_outturn", "forecast_variance")


def fund_table(rows: list[dict[str, Any]]) -> Table:
    """The position by fund, a subtotal per funding source and a total."""
    out: list[Row] = []
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_source.setdefault(r["funding_source_code"] or "", []).append(r)
    for source, group in by_source.items():
        for r in group:
            status = r["rag_status"]
            out.append(Row([plain(r["fund_name"] or r["fund_code"]), plain(source),
                            *(num(gbp(r[c]), r[c]) for c in MONEY_COLS),
                            Cell(status, f"rag {RAG_CSS.get(status, 'NA')}")]))
        if len(group) > 1:
            out.append(Row([plain(f"{source} total"), plain(""),
                            *(num(gbp(s), s) for s in (sum(r[c] for r in group) for c in MONEY_COLS)), plain("")],
                           css="subtotal"))
    out.append(Row([plain("Total"), plain(""),
                    *(num(gbp(s), s) for s in (sum(r[c] for r in rows) for c in MONEY_COLS)), plain("")], css="total"))
    return Table(FUND_HEADERS, out, frozenset(range(2, 12)))


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    series: list[dict[str, Any]]  # name, colour, points ("x,y x,y"), dashed
    x_labels: list[dict[str, Any]]  # x, text
    y_labels: list[dict[str, Any]]  # y, text


def line_chart(title: str, labels: list[str], series: list[tuple[str, str, list[Decimal], bool]],
               width: int = 640, height: int = 240) -> LineChart:
    """Lines over month-ends, scaled from 0 to the largest value (money in £'000 on the axis)."""
    left, right, top, bottom = 70, 150, 30, 30
    top_value = max([v for _, _, values, _ in series for v in values] + [Decimal(1)])
    step = (width - left - right) / max(len(labels) - 1, 1)

    def y(v: Decimal) -> float:
        return round(top + (height - top - bottom) * (1 - float(v / top_value)), 1)

    out = []
    for i, (name, colour, values, dashed) in enumerate(series):
        points = " ".join(f"{round(left + step * j, 1)},{y(v)}" for j, v in enumerate(values))
        out.append({"name": name, "colour": colour, "points": points, "dashed": dashed,
                    "legend_x": width - right + 10, "legend_y": top + 16 * i + 8})
    x_labels = [{"x": round(left + step * j, 1), "text": t} for j, t in enumerate(labels)]
    y_labels = [{"y": y(top_value * k / 4), "text": f"£{top_value * k / 4 / 1000:,.0f}k"} for k in range(5)]
    return LineChart(title, width, height, out, x_labels, y_labels)


@dataclass
class Panel:
    year: str
    quarter: int
    month_end: str
    file_name: str
    table: Table
    sources: Table
    notes: list[str]
    cumulative_chart: LineChart
    forecast_chart: LineChart
    ppa: dict[str, str] | None
    innovation: Table | None
    year_over: bool


def _sum(rows: list[dict[str, Any]], column: str) -> Decimal:
    return sum((to_decimal(r[column]) or Decimal(0) for r in rows), Decimal(0))


def panel(data: MonitoringData, year: str, quarter: int) -> Panel | None:
    month = QUARTER_MONTHS[quarter]
    in_year = [r for r in data.rows if r["financial_year"] == year]
    at = [r for r in in_year if r["financial_month_number"] == month]
    if not at:
        return None
    month_end = at[0]["month_end"]
    months = sorted({r["month_end"] for r in in_year if r["financial_month_number"] <= month})
    labels = [m.strftime("%b") for m in months]
    per_month = [[r for r in in_year if r["month_end"] == m] for m in months]
    cumulative = line_chart(
        f"Cumulative actual against profiled budget, {year}", labels,
        [("Profiled budget", "#9e9e9e", [_sum(g, "profiled_budget_to_date") for g in per_month], True),
         ("Actual", "#1f4e79", [_sum(g, "actual_to_date") for g in per_month], False)])
    forecast = line_chart(
        f"Forecast outturn at each month-end, {year}", labels,
        [("Revised budget", "#9e9e9e", [_sum(g, "revised_budget") for g in per_month], True),
         ("Forecast outturn", "#b26a00", [_sum(g, "forecast_outturn") for g in per_month], False)])
    sources: dict[str, dict[str, Any]] = {}
    for r in at:
        s = sources.setdefault(r["funding_source_code"] or "", {
            "name": r["funding_source_name"] or r["funding_source_code"], "ring": r["ring_fenced"],
            "revised": Decimal(0), "forecast": Decimal(0)})
        s["revised"] += r["revised_budget"]
        s["forecast"] += r["forecast_outturn"]
    source_rows = [Row([plain(code), plain(s["name"]), plain("yes" if s["ring"] else ""),
                        num(gbp(s["revised"]), s["revised"]),
                        num(gbp(s["forecast"]), s["forecast"]),
                        num(gbp(s["revised"] - s["forecast"]), s["revised"] - s["forecast"])])
                   for code, s in sources.items()]
    ppa_row = next((p for p in data.ppa if p["month_end"] == month_end), None)
    innovation = None
    innov = [c for c in data.contributions if c["financial_year"] <= year]
    if innov:
        spent = {c["fund_code"]: sum((r["actual_to_date"] for r in data.rows if r["fund_code"] == c["fund_code"] and (
            r["financial_year"] < year and r["financial_month_number"] == 12 or r["financial_year"] == year
            and r["financial_month_number"] == month)), Decimal(0)) for c in innov}
        rows = [Row([plain(c["fund_name"]), plain(c["financial_year"]),
                     plain(c["description"] or c["contribution_source"]),
                     num(gbp(c["amount"]), c["amount"])]) for c in innov]
        for fund_code, spend in spent.items():
            given = sum((c["amount"] for c in innov if c["fund_code"] == fund_code), Decimal(0))
            name = next(c["fund_name"] for c in innov if c["fund_code"] == fund_code)
            rows.append(Row([plain(f"{name}: spent to {month_end:%d %B %Y}"), plain(""), plain(""),
                             num(gbp(-spend), -spend)]))
            rows.append(Row([plain(f"{name}: remaining"), plain(""), plain(""), num(gbp(given - spend), given - spend)],
                            css="total"))
        innovation = Table(["Fund", "Year", "Contribution", "Amount"], rows, frozenset({3}))
    return Panel(
        year=year, quarter=quarter, month_end=f"{month_end:%d %B %Y}",
        file_name=run_record.budget_monitoring_file_name(year, quarter),
        table=fund_table(at),
        sources=Table(["Source", "Funding source", "Ring-fenced", "Revised budget", "Forecast outturn",
                       "Forecast variance"], source_rows, frozenset({3, 4, 5})),
        notes=[n for n in (note(r) for r in at) if n],
        cumulative_chart=cumulative, forecast_chart=forecast,
        ppa=None if ppa_row is None else {k: gbp(ppa_row[k]) for k in (
            "closing_balance", "trailing_monthly_receipts", "forecast_receipts", "grants_committed",
            "forecast_year_end_balance")},
        innovation=innovation, year_over=month == 12)


def panels(data: MonitoringData) -> list[Panel]:
    return [p for year in data.years() for q in QUARTER_MONTHS if (p := panel(data, year, q)) is not None]


def current(data: MonitoringData) -> Panel | None:
    """The morning report's position: the latest forecast month (is_latest) of the latest year with a ledger."""
    latest = [r for r in data.rows if r["is_latest"]]
    if not latest:
        return None
    row = max(latest, key=lambda r: r["month_end"])
    quarter = next(q for q, m in QUARTER_MONTHS.items() if row["financial_month_number"] <= m)
    return panel(data, row["financial_year"], quarter)


@dataclass(frozen=True)
class MonitoringSection:
    current: Panel | None  # the latest ledger month's quarter, shown in the morning report
    pages: list[Panel]  # every quarter, each written as its own print-ready page
