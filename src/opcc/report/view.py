"""What the morning report shows, as data: every figure already formatted (report/formatting.py), every
link relative to the run's folder. The templates (src/opcc/templates/) only lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from opcc import run_outcome, run_record
from opcc.config import FEEDS
from opcc.freshness.messages import FEEDS_CHECK, freshness_lines, last_file_line
from opcc.report import svg, unmapped
from opcc.report.formatting import amount, count, gbp, thousands, to_decimal
from opcc.report.marts import MartData
from opcc.report.tables import Cell, Row, Table, num, plain
from opcc.run_outcome import Outcome
from opcc.run_record import RunRecord

# Columns of failing or compared rows shown as money.
MONEY_COLUMNS = frozenset((
    "expected", "actual", "difference", "amount", "budget", "committed", "planned", "annual_value", "value",
    "control_total", "loaded_amount", "closing_balance", "opening_balance", "limit_with_tolerance", "gross_amount",
    "sale_costs", "net_amount", "gross_receipts", "ppa_receipts", "grants_awarded"))


def badge_css(status: str) -> str:
    return status if status in ("PASS", "WARN", "FAIL") else "NA"


# -- the page ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusBanner:
    css: str  # ok | warnb | bad
    headline: str
    meaning: str
    details: list[str]
    run_id: str
    started_at: str


@dataclass(frozen=True)
class FeedFiles:
    feed: str
    title: str
    table: Table | None  # None: the step did not run (no record) or no new file arrived
    ran: bool
    record_file: str  # what the step would have left in the run's folder
    last_file: str | None = None  # no new file: the feed's last one and when it came (opcc.freshness)


@dataclass(frozen=True)
class Build:
    ran: bool
    record_file: str = run_record.DBT_FILE
    status: str = ""
    message: str = ""
    failed_nodes: list[str] = field(default_factory=list)


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
class HeadroomYear:
    year: str
    sources: Table | None
    chart: svg.PositionChart | None
    funds: Table | None


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
class Marts:
    missing: list[str]
    headroom_available: bool
    headroom: list[HeadroomYear]
    intentions_available: bool
    intentions: list[IntentionsYear]
    recommissioning_available: bool
    recommissioning: list[tuple[str, Table]]
    unmapped: unmapped.UnmappedSection


@dataclass(frozen=True)
class Page:
    headline: str
    run_date: str
    status: StatusBanner
    feeds: list[FeedFiles]
    build: Build
    checks_ran: bool
    checks_file: str
    checks: list[CheckRow]
    marts: Marts | None
    marts_note: str | None  # why the marts are not shown
    has_docs: bool
    has_dbt_docs: bool
    generated: str
    publications: Any = None  # report.publications_view.PublicationsSection
    reference: Any = None  # report.reference_view.ReferenceSection


def page(record: RunRecord, data: MartData | None, marts_note: str | None, has_docs: bool, has_dbt_docs: bool,
         generated: dt.datetime) -> Page:
    from opcc.report.publications_view import publications_section
    from opcc.report.reference_view import reference_section

    outcome = run_outcome.explain(record)
    return Page(
        publications=publications_section(record.folder),
        reference=reference_section(record.reference),
        headline=outcome.headline,
        run_date=record.run.run_date if record.run else "unknown date",
        status=status_banner(record, outcome),
        feeds=[feed_files(record, feed) for feed in FEEDS],
        build=build(record),
        checks_ran=record.checks is not None,
        checks_file=run_record.CHECKS_FILE,
        checks=check_rows(record),
        marts=None if data is None else marts(data),
        marts_note=marts_note,
        has_docs=has_docs,
        has_dbt_docs=has_dbt_docs,
        generated=generated.isoformat(timespec="seconds"),
    )


def checks_summary(record: RunRecord) -> str:
    if record.checks is None:
        return "checks did not run"
    return ", ".join(f"{len(record.checks_with(s))} {s.lower()}" for s in ("PASS", "WARN", "FAIL"))


def status_banner(record: RunRecord, outcome: Outcome) -> StatusBanner:
    details = []
    if record.run is None:
        details.append(f"The run record ({run_record.RUN_FILE}) is missing: the start of the run was not recorded.")
    if record.checks is not None:
        n = {s: len(record.checks_with(s)) for s in ("PASS", "WARN", "FAIL")}
        details.append(f"Checks: {n['PASS']} passed, {n['WARN']} warning{'s' if n['WARN'] != 1 else ''}, "
                       f"{n['FAIL']} failed.")
    if record.publish is not None and record.publish.message:
        details.append(f"Publish: {record.publish.message}")
    details += freshness_lines(record.checks)  # a feed overdue belongs on the first screen, not only in the checks
    warn = record.checks_with("WARN") or outcome.publications_blocked
    css = ("warnb" if warn else "ok") if outcome.published else "bad"
    return StatusBanner(css, outcome.headline, outcome.meaning, details,
                        record.run.run_id if record.run else "unknown",
                        record.run.started_at if record.run else "unknown")


def feed_files(record: RunRecord, feed: str) -> FeedFiles:
    title = feed.replace("_", " ").capitalize()
    results = record.ingest.get(feed)
    record_file = run_record.ingest_file_name(feed)
    if not results:
        return FeedFiles(feed, title, None, results is not None, record_file, last_file_line(record.checks, feed))
    rows = [
        Row([plain(f.file_name), plain(f.status), num(count(f.rows_received)), num(count(f.rows_loaded)),
             num(count(f.rows_quarantined)), num(gbp(f.control_total), f.control_total),
             num(gbp(f.loaded_amount), f.loaded_amount), plain(f.message)],
            "row-FAIL" if f.status == "rejected" else ("row-WARN" if f.rows_quarantined else ""))
        for f in results
    ]
    headers = ["File", "Status", "Rows received", "Loaded", "Quarantined", "Control total", "Amount loaded", "Message"]
    return FeedFiles(feed, title, Table(headers, rows, frozenset({2, 3, 4, 5, 6})), True, record_file)


def build(record: RunRecord) -> Build:
    if record.dbt is None:
        return Build(ran=False)
    return Build(True, run_record.DBT_FILE, "PASS" if record.dbt.ok else "FAIL", record.dbt.message or "",
                 list(record.dbt.failed_nodes or []))


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


# -- the marts --------------------------------------------------------------------------------------

def _any_money(row: dict[str, Any], keys: tuple[str, ...] = ("budget", "committed", "planned", "actual")) -> bool:
    """A position row worth showing: some budget, commitment, plan (or spend)."""
    return any((to_decimal(row.get(k)) or 0) != 0 for k in keys)


def marts(data: MartData) -> Marts:
    return Marts(
        missing=list(data.missing),
        headroom_available=bool(data.funding_source_position or data.fund_position),
        headroom=[y for y in (headroom_year(data, year) for year in data.years) if y is not None],
        intentions_available=bool(data.commitments),
        intentions=[y for y in (intentions_year(data, year) for year in data.years) if y is not None],
        recommissioning_available=bool(data.commitments),
        recommissioning=recommissioning(data),
        unmapped=unmapped.section(data.unmapped, data.ambiguous_mapping),
    )


def headroom_year(data: MartData, year: str) -> HeadroomYear | None:
    sources = [r for r in data.funding_source_position if r["financial_year"] == year and _any_money(r)]
    funds = [r for r in data.fund_position if r["financial_year"] == year and _any_money(r)]
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
            for r in sources if _any_money(r, ("budget", "committed", "planned"))
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


def recommissioning(data: MartData) -> list[tuple[str, Table]]:
    due = [c for c in data.commitments
           if c.get("recommissioning_due") in (True, "true") and c.get("status") == "committed"]
    out = []
    for year in data.years:
        rows = sorted((c for c in due if c["financial_year"] == year),
                      key=lambda c: (str(c.get("end_date")), str(c.get("commitment_id"))))
        if rows:
            out.append((year, Table(
                ["Commitment", "Title", "Provider", "Fund", "Ends", "Months to expiry (from 1 April)", "Annual value"],
                [Row([plain(c.get("commitment_id")), plain(c.get("title")), plain(c.get("provider")),
                      plain(c.get("fund_name") or c.get("fund_code")), plain(c.get("end_date")),
                      num(count(c.get("months_to_expiry"))), num(gbp(c.get("annual_value")), c.get("annual_value"))])
                 for c in rows],
                frozenset({5, 6}))))
    return out


# -- the history of runs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryRow:
    folder: str  # the run's folder under reports/, its page's link
    has_page: bool
    run_date: str
    started: str  # when the run started, Europe/London
    headline: str
    badge: str
    checks: str
    run_id: str


def history_row(record: RunRecord) -> HistoryRow:
    outcome = run_outcome.explain(record)
    started = record.run.started_at if record.run else ""
    try:
        started = dt.datetime.fromisoformat(started).astimezone(run_record.LONDON).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        pass
    return HistoryRow(
        folder=record.folder.name,
        has_page=(record.folder / "index.html").exists(),
        run_date=record.run.run_date if record.run else record.folder.name[:10],
        started=started,
        headline=outcome.headline,
        badge={"PUBLISHED": "PASS", "NOT_PUBLISHED": "FAIL", "FAILED": "FAIL"}.get(outcome.code, "NA"),
        checks=checks_summary(record),
        run_id=record.run.run_id if record.run else "",
    )
