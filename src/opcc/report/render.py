"""Render the morning report: run status, files received, checks, fund headroom, the commissioning
intentions tables (3.1, 3.3), the pillar chart and contracts due for re-commissioning.

One self-contained HTML page: inline CSS, inline SVG, no JavaScript, no external requests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opcc.config import FEEDS
from opcc.report import svg
from opcc.report.formatting import amount, count, gbp, thousands, to_decimal
from opcc.report.marts import MartData, read_marts

if TYPE_CHECKING:
    from opcc.config import Settings

STATUS_FILE = "status.json"
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#1b1b1b;margin:0 auto;max-width:1150px;padding:0 1rem 3rem;line-height:1.4}
h1{font-size:1.6rem;margin:1rem 0 .2rem}h2{font-size:1.25rem;border-bottom:2px solid #1f4e79;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.9rem}th,td{border:1px solid #c8c8c8;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f6}td.num,th.num{text-align:right;white-space:nowrap}tr.total td{font-weight:bold;border-top:2px solid #555}
.banner{padding:1rem 1.2rem;border-radius:6px;margin:1rem 0;border:2px solid}
.banner h2{border:none;margin:0 0 .3rem;font-size:1.4rem}
.ok{background:#e6f4ea;border-color:#2e7d32}.warnb{background:#fff4e0;border-color:#b26a00}.bad{background:#fdecea;border-color:#b3261e}
.badge{display:inline-block;font-weight:bold;padding:.1rem .45rem;border-radius:3px;color:#fff;min-width:3em;text-align:center}
.PASS{background:#2e7d32}.WARN{background:#b26a00}.FAIL{background:#b3261e}.NA{background:#6b6b6b}
tr.row-FAIL td{background:#fdf3f2}tr.row-WARN td{background:#fffaf0}
.neg{color:#b3261e}.muted{color:#5f5f5f}.small{font-size:.82rem}
details{margin:.3rem 0}summary{cursor:pointer}
nav a{margin-right:1rem}
"""


@dataclass
class RunFiles:
    run: dict | None
    ingest: dict[str, list | None]
    dbt: dict | None
    checks: list | None
    publish: dict | None


def _load_json(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def load_run_files(run_dir: Path) -> RunFiles:
    return RunFiles(
        run=_load_json(run_dir / "run.json"),
        ingest={feed: _load_json(run_dir / f"ingest-{feed}.json") for feed in FEEDS},
        dbt=_load_json(run_dir / "dbt.json"),
        checks=_load_json(run_dir / "checks.json"),
        publish=_load_json(run_dir / "publish.json"),
    )


# -- run status ---------------------------------------------------------------------------------

@dataclass
class RunStatus:
    code: str  # PUBLISHED | NOT_PUBLISHED | FAILED
    headline: str
    meaning: str
    css: str


def run_status(files: RunFiles) -> RunStatus:
    checks = files.checks or []
    fails = [c for c in checks if c.get("status") == "FAIL"]
    warns = [c for c in checks if c.get("status") == "WARN"]
    publish = files.publish or {}
    if publish.get("published"):
        extra = (
            f" {len(warns)} check(s) gave a warning: read them below; they did not stop publishing."
            if warns else " Every check passed."
        )
        return RunStatus("PUBLISHED", "PUBLISHED",
                         "Last night's extracts were loaded, reconciled and published: the warehouse that "
                         "reports and spreadsheets read now holds this run's figures." + extra, "ok" if not warns else "warnb")
    if fails:
        return RunStatus("NOT_PUBLISHED", "NOT PUBLISHED \u2014 FAIL checks blocked it",
                         f"{len(fails)} reconciliation check(s) failed, so this run's figures were NOT published. "
                         "Reports and spreadsheets still show the last good version. Fix the failing data "
                         "(see the failing rows and their CSV files below) and re-run.", "bad")
    if files.dbt is not None and not files.dbt.get("ok", False):
        nodes = ", ".join(files.dbt.get("failed_nodes") or [])
        return RunStatus("FAILED", "FAILED at step: build (dbt)",
                         "The warehouse build did not complete"
                         + (f" (failed: {nodes})" if nodes else "")
                         + ". Nothing was checked or published; reports and spreadsheets still show the last "
                         "good version. The data team needs to look at the build error below.", "bad")
    if all(v is None for v in files.ingest.values()) and files.dbt is None:
        return RunStatus("FAILED", "FAILED at step: ingest",
                         "No extract was processed: the run stopped before or while loading files. Nothing was "
                         "published; reports and spreadsheets still show the last good version.", "bad")
    if files.dbt is None:
        return RunStatus("FAILED", "FAILED at step: build (dbt)",
                         "The warehouse build never ran (no result recorded). Nothing was published.", "bad")
    if files.checks is None:
        return RunStatus("FAILED", "FAILED at step: audit (checks)",
                         "The reconciliation checks did not run, so the build could not be verified and was not "
                         "published. Reports and spreadsheets still show the last good version.", "bad")
    if files.publish is None:
        return RunStatus("FAILED", "FAILED at step: publish",
                         "Every check passed but the publish step did not complete: reports and spreadsheets "
                         "still show the last good version.", "bad")
    return RunStatus("NOT_PUBLISHED", "NOT PUBLISHED",
                     "The run finished but the warehouse was not replaced: " + str(publish.get("message") or "no reason given")
                     + ". Reports and spreadsheets still show the last good version.", "bad")


# -- HTML helpers ------------------------------------------------------------------------------

def e(value: Any) -> str:
    return escape("" if value is None else str(value))


def num_cell(text: str, value: Any = None) -> str:
    d = to_decimal(value) if value is not None else None
    cls = "num neg" if d is not None and d < 0 else "num"
    return f'<td class="{cls}">{e(text)}</td>'


def badge(status: str) -> str:
    css = status if status in ("PASS", "WARN", "FAIL") else "NA"
    return f'<span class="badge {css}">{e(status)}</span>'


def table(headers: list[str], rows: list[str], numeric: set[int] = frozenset(), caption: str | None = None) -> str:
    head = "".join(f'<th class="num">{e(h)}</th>' if i in numeric else f"<th>{e(h)}</th>" for i, h in enumerate(headers))
    cap = f"<caption class='small muted'>{e(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# -- sections ------------------------------------------------------------------------------------

def section_status(status: RunStatus, files: RunFiles) -> str:
    run = files.run or {}
    checks = files.checks or []
    counts = {s: sum(1 for c in checks if c.get("status") == s) for s in ("PASS", "WARN", "FAIL")}
    details = []
    if files.run is None:
        details.append("The run record (run.json) is missing: the start of the run was not recorded.")
    if files.checks is not None:
        details.append(f"Checks: {counts['PASS']} passed, {counts['WARN']} warning{'s' if counts['WARN'] != 1 else ''}, "
                       f"{counts['FAIL']} failed.")
    if files.publish is not None and files.publish.get("message"):
        details.append(f"Publish: {files.publish['message']}")
    info = f"Run {e(run.get('run_id', 'unknown'))}, started {e(run.get('started_at', 'unknown'))}."
    return (
        f'<div class="banner {status.css}" id="status"><h2>{e(status.headline)}</h2>'
        f"<p>{e(status.meaning)}</p>"
        + "".join(f"<p>{e(d)}</p>" for d in details)
        + f'<p class="small muted">{info}</p></div>'
    )


def section_ingest(files: RunFiles) -> str:
    out = ['<h2 id="files">Files received and how they loaded</h2>',
           "<p>Every extract that arrived last night, by feed. <em>Loaded</em> lines reached the warehouse; "
           "<em>quarantined</em> lines broke a rule and were set aside with a reason (nothing is dropped silently); "
           "a <em>duplicate</em> file was already received; a <em>superseded</em> file was replaced by a corrected "
           "one of the same name; a <em>rejected</em> file could not be read as that feed at all.</p>"]
    headers = ["File", "Status", "Rows received", "Loaded", "Quarantined", "Control total", "Amount loaded", "Message"]
    for feed in FEEDS:
        entries = files.ingest.get(feed)
        title = feed.replace("_", " ").capitalize()
        if entries is None:
            out.append(f"<h3>{e(title)}</h3><p class='muted'>The ingest step for this feed did not run "
                       f"(no ingest-{e(feed)}.json): its files were not looked at this time.</p>")
            continue
        if not entries:
            out.append(f"<h3>{e(title)}</h3><p class='muted'>No new file arrived.</p>")
            continue
        rows = []
        for f in entries:
            st = str(f.get("status") or "")
            css = "row-FAIL" if st == "rejected" else ("row-WARN" if (f.get("rows_quarantined") or 0) else "")
            rows.append(
                f'<tr class="{css}"><td>{e(f.get("file_name"))}</td><td>{e(st)}</td>'
                + num_cell(count(f.get("rows_received")))
                + num_cell(count(f.get("rows_loaded")))
                + num_cell(count(f.get("rows_quarantined")))
                + num_cell(gbp(f.get("control_total")), f.get("control_total"))
                + num_cell(gbp(f.get("loaded_amount")), f.get("loaded_amount"))
                + f"<td>{e(f.get('message'))}</td></tr>"
            )
        out.append(f"<h3>{e(title)}</h3>" + table(headers, rows, numeric={2, 3, 4, 5, 6}))
    return "".join(out)


def section_dbt(files: RunFiles) -> str:
    if files.dbt is None:
        return '<h2 id="build">Warehouse build</h2><p class="muted">The build step did not run (no dbt.json).</p>'
    ok = files.dbt.get("ok")
    nodes = files.dbt.get("failed_nodes") or []
    body = f"<p>{badge('PASS' if ok else 'FAIL')} {e(files.dbt.get('message'))}</p>"
    if nodes:
        body += "<p>Failed models/tests:</p><ul>" + "".join(f"<li><code>{e(n)}</code></li>" for n in nodes) + "</ul>"
    return '<h2 id="build">Warehouse build</h2>' + body


def _failing_rows_table(rows: list[dict]) -> str:
    if not rows:
        return ""
    headers = list(rows[0].keys())
    body = []
    for r in rows:
        cells = []
        for h in headers:
            v = r.get(h)
            money = h in ("expected", "actual", "difference", "amount", "budget", "committed", "planned",
                          "annual_value", "value", "control_total", "loaded_amount", "closing_balance",
                          "opening_balance", "limit_with_tolerance", "gross_amount", "sale_costs", "net_amount",
                          "gross_receipts", "ppa_receipts", "grants_awarded")
            if money and to_decimal(v) is not None and "." in str(v):
                cells.append(num_cell(gbp(v, signed=h == "difference"), v))
            else:
                cells.append(f"<td>{e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return table(headers, body)


def section_checks(files: RunFiles, link_prefix: str) -> str:
    out = ['<h2 id="checks">Reconciliation checks</h2>']
    if files.checks is None:
        out.append("<p class='muted'>The checks did not run this time (no checks.json): the build was not verified.</p>")
        return "".join(out)
    out.append(
        "<p><span class='badge PASS'>PASS</span> the figures reconcile. <span class='badge WARN'>WARN</span> "
        "worth a look, does not stop publishing. <span class='badge FAIL'>FAIL</span> blocks publishing until fixed. "
        "Difference = actual \u2212 expected.</p>"
    )
    order = {"FAIL": 0, "WARN": 1, "PASS": 2}
    rows = []
    for c in sorted(files.checks, key=lambda c: order.get(c.get("status"), 3)):
        st, unit = c.get("status", ""), c.get("unit")
        label = c.get("expected_label")
        expected = amount(c.get("expected"), unit)
        if label and c.get("expected") is not None:
            expected = f"{label} {expected}"
        detail = ""
        if c.get("error"):
            detail += f"<p class='neg small'>{e(c['error'][:600])}</p>"
        n = c.get("failing_rows_count") or 0
        if n:
            shown = c.get("failing_rows") or []
            csv_link = c.get("failures_csv") or f"failures/{c.get('id')}.csv"
            detail += (
                f"<details {'open' if st == 'FAIL' else ''}><summary>{count(n)} failing row{'s' if n != 1 else ''}"
                f"{f' (first {len(shown)} shown)' if len(shown) < n else ''}</summary>"
                + _failing_rows_table(shown)
                + "</details>"
                + f'<p class="small"><a href="{e(link_prefix + csv_link)}">All failing rows (CSV)</a></p>'
            )
        elif c.get("compared") and c.get("unit") == "GBP":
            shown = [{k: v for k, v in r.items() if k != "ok"} for r in c["compared"]]
            detail += (f"<details><summary class='small'>What was compared ({count(c.get('compared_rows') or len(shown))} "
                       f"row{'s' if (c.get('compared_rows') or len(shown)) != 1 else ''})</summary>"
                       + _failing_rows_table(shown) + "</details>")
        rows.append(
            f'<tr class="row-{e(st)}"><td>{badge(st)}</td><td><strong>{e(c.get("description"))}</strong>'
            f'<br><span class="small muted">{e(c.get("id"))} \u00b7 severity {e(c.get("severity"))}</span>{detail}</td>'
            + num_cell(expected, c.get("expected"))
            + num_cell(amount(c.get("actual"), unit), c.get("actual"))
            + num_cell(amount(c.get("difference"), unit, signed=True), c.get("difference"))
            + "</tr>"
        )
    out.append(table(["Status", "Check", "Expected", "Actual", "Difference"], rows, numeric={2, 3, 4}))
    return "".join(out)


def _any_money(row: dict) -> bool:
    """A position row worth showing: some budget, commitment, plan or spend."""
    return any((to_decimal(row.get(k)) or 0) != 0 for k in ("budget", "committed", "planned", "actual"))


def section_headroom(data: MartData) -> str:
    out = ['<h2 id="headroom">Fund and funding-source headroom</h2>',
           "<p>Headroom = budget \u2212 committed \u2212 planned (what is left if every planned project goes ahead). "
           "Committed headroom = budget \u2212 committed. Negative figures (red) mean over-allocated.</p>"]
    if not data.funding_source_position and not data.fund_position:
        out.append("<p class='muted'>Fund positions are not available from this build.</p>")
        return "".join(out)
    for year in data.years:
        sources = [r for r in data.funding_source_position if r["financial_year"] == year and _any_money(r)]
        funds = [r for r in data.fund_position if r["financial_year"] == year and _any_money(r)]
        if not sources and not funds:
            continue
        out.append(f"<h3>{e(year)}</h3>")
        if sources:
            rows = []
            for r in sources:
                rows.append(
                    f"<tr><td>{e(r.get('funding_source_name') or r.get('funding_source_code'))}"
                    f"{' (ring-fenced)' if r.get('ring_fenced') in (True, 'true') else ''}</td>"
                    + "".join(num_cell(gbp(r.get(k)), r.get(k)) for k in ("budget", "committed", "committed_headroom", "planned", "headroom", "actual"))
                    + "</tr>"
                )
            out.append(table(["Funding source", "Budget", "Committed", "Committed headroom", "Planned", "Headroom", "Actual spend"],
                             rows, numeric={1, 2, 3, 4, 5, 6}))
            chart_rows = [
                {"label": r.get("funding_source_name") or r.get("funding_source_code"), "budget": r.get("budget"),
                 "committed": r.get("committed"), "planned": r.get("planned")}
                for r in sources if any((to_decimal(r.get(k)) or 0) != 0 for k in ("budget", "committed", "planned"))
            ]
            if chart_rows:
                out.append(svg.position_bars(chart_rows, f"Budget, committed and planned by funding source, {year}"))
        if funds:
            rows = []
            for r in funds:
                rows.append(
                    f"<tr><td>{e(r.get('fund_name') or r.get('fund_code'))}</td><td>{e(r.get('scheme'))}</td>"
                    f"<td>{e(r.get('funding_source_code'))}</td>"
                    + "".join(num_cell(gbp(r.get(k)), r.get(k)) for k in ("budget", "committed", "planned", "headroom", "actual"))
                    + "</tr>"
                )
            out.append(table(["Fund", "Scheme", "Funding source", "Budget", "Committed", "Planned", "Headroom", "Actual spend"],
                             rows, numeric={3, 4, 5, 6, 7}))
    return "".join(out)


def _by_fund_table(data: MartData, year: str, status: str, caption: str, dash_for_zero: bool) -> tuple[str, int]:
    lines = [c for c in data.commitments if c["financial_year"] == year and c.get("status") == status]
    totals: dict[str, Decimal] = {}
    for c in lines:
        totals[c.get("fund_code")] = totals.get(c.get("fund_code"), Decimal(0)) + (to_decimal(c.get("value")) or Decimal(0))
    known = [f["fund_code"] for f in data.priority_funds]
    rows = []
    grand = Decimal(0)
    for f in data.priority_funds:
        v = totals.get(f["fund_code"], Decimal(0))
        grand += v
        rows.append(f"<tr><td>{e(f['fund_name'])}</td>" + num_cell(thousands(v, dash_for_zero), v) + num_cell(gbp(v), v) + "</tr>")
    other = sum((v for k, v in totals.items() if k not in known), Decimal(0))
    if other:
        grand += other
        rows.append("<tr><td>Other funds</td>" + num_cell(thousands(other), other) + num_cell(gbp(other), other) + "</tr>")
    rows.append('<tr class="total"><td>Total</td>' + num_cell(thousands(grand), grand) + num_cell(gbp(grand), grand) + "</tr>")
    n = len({c.get("commitment_id") for c in lines})
    return table(["Priority Commissioning", f"{year} {caption} \u00a3'000s", "\u00a3"], rows, numeric={1, 2}), n


def section_intentions(data: MartData) -> str:
    out = ['<h2 id="intentions">Commissioning intentions</h2>',
           "<p>The tables of the commissioning-intentions report to the audit committee, regenerated from the "
           "commitments register (marts.commitments): contractual commitments (table 3.1) and planned projects "
           "(table 3.3) by fund, and the share of spend by Police and Crime Plan pillar (section 4).</p>"]
    if not data.commitments:
        out.append("<p class='muted'>Commitments are not available from this build.</p>")
        return "".join(out)
    for year in data.years:
        if not any(c["financial_year"] == year for c in data.commitments) and not any(p["financial_year"] == year for p in data.pillar_spend):
            continue
        out.append(f"<h3>{e(year)}{' (approved budget controls)' if year in data.control_years else ''}</h3>")
        t31, n31 = _by_fund_table(data, year, "committed", "Contractual Commitments", dash_for_zero=False)
        t33, n33 = _by_fund_table(data, year, "planned", "Planned", dash_for_zero=True)
        out.append(f"<p><strong>Table 3.1</strong> \u2014 {n31} ongoing commitment{'s' if n31 != 1 else ''} "
                   "(contracts, grant agreements, partnership funding agreements).</p>" + t31)
        out.append(f"<p><strong>Table 3.3</strong> \u2014 {n33} planned project{'s' if n33 != 1 else ''}.</p>" + t33)
        pillars = [p for p in data.pillar_spend if p["financial_year"] == year]
        if pillars:
            out.append("<p><strong>Section 4</strong> \u2014 spend against Police and Crime Plan priorities "
                       "(committed + planned, main pillar of each line).</p>")
            out.append(svg.share_bars(
                [{"label": p.get("pillar_name") or p.get("pillar_code"), "share": p.get("share_of_total"), "total": p.get("total")} for p in pillars],
                f"Share of total by Police and Crime Plan pillar, {year}"))
    return "".join(out)


def section_recommissioning(data: MartData) -> str:
    out = ['<h2 id="recommissioning">Contracts due for re-commissioning</h2>',
           "<p>Contracts ending within the re-commissioning window of the financial year's start (marts.commitments).</p>"]
    due = [c for c in data.commitments if c.get("recommissioning_due") in (True, "true") and c.get("status") == "committed"]
    if not data.commitments:
        out.append("<p class='muted'>Commitments are not available from this build.</p>")
        return "".join(out)
    if not due:
        out.append("<p>None.</p>")
        return "".join(out)
    for year in data.years:
        rows = [c for c in due if c["financial_year"] == year]
        if not rows:
            continue
        body = [
            f"<tr><td>{e(c.get('commitment_id'))}</td><td>{e(c.get('title'))}</td><td>{e(c.get('provider'))}</td>"
            f"<td>{e(c.get('fund_name') or c.get('fund_code'))}</td><td>{e(c.get('end_date'))}</td>"
            + num_cell(count(c.get("months_to_expiry")))
            + num_cell(gbp(c.get("annual_value")), c.get("annual_value"))
            + "</tr>"
            for c in sorted(rows, key=lambda c: (str(c.get("end_date")), str(c.get("commitment_id"))))
        ]
        out.append(f"<h3>{e(year)}</h3>" + table(
            ["Commitment", "Title", "Provider", "Fund", "Ends", "Months to expiry (from 1 April)", "Annual value"],
            body, numeric={5, 6}))
    return "".join(out)


def render(files: RunFiles, data: MartData | None, marts_note: str | None, link_prefix: str, history_href: str,
           has_docs: bool = True, has_dbt_docs: bool = False) -> str:
    status = run_status(files)
    run = files.run or {}
    run_date = run.get("run_date") or "unknown date"
    docs_href = link_prefix + "data_docs/contents.html" if has_docs else "#checks"
    dbt_docs = f'<a href="{e(link_prefix)}dbt_docs/index.html">Model documentation (dbt docs)</a>' if has_dbt_docs else ""
    body = [
        f"<h1>Commissioning finance \u2014 data quality and reconciliation report, {e(run_date)}</h1>",
        '<nav class="small"><a href="#status">Status</a><a href="#files">Files</a><a href="#checks">Checks</a>'
        '<a href="#headroom">Headroom</a><a href="#intentions">Intentions</a><a href="#recommissioning">Re-commissioning</a>'
        + (f'<a href="{e(docs_href)}">Data Docs (Great Expectations)</a>' if has_docs else '<span class="muted">No Data Docs (checks did not run)</span> ')
        + dbt_docs + f'<a href="{e(history_href)}">History of runs</a></nav>',
        section_status(status, files),
        section_ingest(files),
        section_dbt(files),
        section_checks(files, link_prefix),
    ]
    if data is None:
        body.append(f"<h2 id='headroom'>Fund positions and commissioning intentions</h2><p class='muted'>{e(marts_note)}</p>")
    else:
        if data.missing:
            body.append(f"<p class='small muted'>Not available in this build: {e(', '.join(data.missing))}.</p>")
        body += [section_headroom(data), section_intentions(data), section_recommissioning(data)]
    body.append(f'<p class="small muted">Generated {e(dt.datetime.now().isoformat(timespec="seconds"))}. '
                + (f'Full check results: <a href="{e(docs_href)}">Data Docs</a>; ' if has_docs else "")
                + f'earlier runs: <a href="{e(history_href)}">history</a>.</p>')
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(status.headline)} \u2014 commissioning finance report {e(run_date)}</title>"
        f"<style>{CSS}</style></head><body>" + "".join(body) + "</body></html>\n"
    )


def financial_year_of(iso_date: str) -> str | None:
    """`2019-06-04` -> `2019/20` (UK financial years run 1 April - 31 March)."""
    try:
        d = dt.date.fromisoformat(iso_date)
    except ValueError:
        return None
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


# -- history --------------------------------------------------------------------------------------

def write_history(reports_dir: Path) -> Path:
    rows = []
    for d in sorted((p for p in reports_dir.iterdir() if p.is_dir() and DATE_DIR.match(p.name)), key=lambda p: p.name, reverse=True):
        st = _load_json(d / STATUS_FILE) or {}
        headline = st.get("headline") or "unknown (no report written)"
        css = {"PUBLISHED": "PASS", "NOT_PUBLISHED": "FAIL", "FAILED": "FAIL"}.get(st.get("code"), "NA")
        rows.append(
            f'<tr><td><a href="{e(d.name)}/index.html">{e(d.name)}</a></td><td><span class="badge {css}">{e(headline)}</span></td>'
            f"<td>{e(st.get('checks', ''))}</td><td>{e(st.get('run_id', ''))}</td></tr>"
        )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Commissioning finance report \u2014 history</title>'
        f"<style>{CSS}</style></head><body><h1>Commissioning finance report \u2014 history of runs</h1>"
        '<p><a href="index.html">Latest report</a></p>'
        + table(["Run date", "Status", "Checks", "Run id"], rows)
        + "</body></html>\n"
    )
    path = reports_dir / "history.html"
    path.write_text(page, encoding="utf-8")
    return path


# -- entry point --------------------------------------------------------------------------------

def write_report(settings: Settings, run_dir: Path, build_db: Path | None) -> Path:
    """Write `run_dir/index.html`, copy it as `reports/index.html` (links pointing into `<run date>/`),
    refresh `reports/history.html`; return the path of `reports/index.html`."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    files = load_run_files(run_dir)
    reports_dir = Path(settings.reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    run_date = (files.run or {}).get("run_date") or dt.date.today().isoformat()
    if not DATE_DIR.match(str(run_date)):
        run_date = dt.date.today().isoformat()

    data: MartData | None = None
    marts_note = None
    if build_db is None:
        marts_note = "No build was given to this report, so fund positions and commissioning tables are not shown."
    elif not Path(build_db).exists():
        marts_note = f"The build ({build_db}) does not exist \u2014 the build step did not produce one this run."
    else:
        try:
            data = read_marts(Path(build_db), prefer_year=financial_year_of(run_date))
        except Exception as exc:  # a report must still be written
            marts_note = f"The build could not be read: {exc}"

    status = run_status(files)
    checks = files.checks or []
    summary = {
        "code": status.code,
        "headline": status.headline,
        "run_id": (files.run or {}).get("run_id"),
        "run_date": run_date,
        "checks": (
            f"{sum(c.get('status') == 'PASS' for c in checks)} pass, {sum(c.get('status') == 'WARN' for c in checks)} warn, "
            f"{sum(c.get('status') == 'FAIL' for c in checks)} fail" if files.checks is not None else "checks did not run"
        ),
    }

    # The dated folder under reports/ holds this run's page and its linked files.
    dated = reports_dir / run_date
    if dated.resolve() != run_dir.resolve():
        dated.mkdir(parents=True, exist_ok=True)
        for item in run_dir.iterdir():
            target = dated / item.name
            if item.is_dir():
                if target.exists():
                    shutil.rmtree(target)
                shutil.copytree(item, target)
            elif item.name != "index.html":
                shutil.copy2(item, target)

    has_docs = (run_dir / "data_docs" / "contents.html").exists()
    has_dbt_docs = (run_dir / "dbt_docs" / "index.html").exists()
    history_from_run = os.path.relpath(reports_dir / "history.html", run_dir).replace(os.sep, "/")
    page = render(files, data, marts_note, link_prefix="", history_href=history_from_run, has_docs=has_docs, has_dbt_docs=has_dbt_docs)
    (run_dir / "index.html").write_text(page, encoding="utf-8")
    (run_dir / STATUS_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if dated.resolve() != run_dir.resolve():
        (dated / "index.html").write_text(
            render(files, data, marts_note, link_prefix="", history_href="../history.html", has_docs=has_docs, has_dbt_docs=has_dbt_docs), encoding="utf-8")
        (dated / STATUS_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    latest = reports_dir / "index.html"
    latest.write_text(render(files, data, marts_note, link_prefix=f"{run_date}/", history_href="history.html", has_docs=has_docs, has_dbt_docs=has_dbt_docs), encoding="utf-8")
    write_history(reports_dir)
    return latest
