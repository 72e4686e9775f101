"""What the morning report shows, as data: the page is its sections (report/sections/, each a module and its
template), every figure already formatted (report/formatting.py), every link relative to the run's folder. The
templates only lay it out. The history of runs is here too: one row per run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from opcc import run_outcome, run_record
from opcc.report import sections
from opcc.report.marts import MartData
from opcc.report.monitoring import MonitoringSection
from opcc.report.sections.base import Inputs, Shown
from opcc.run_record import RunRecord


@dataclass(frozen=True)
class Page:
    headline: str
    run_date: str
    sections: list[Shown]
    has_docs: bool
    has_dbt_docs: bool
    generated: str


def page(record: RunRecord, data: MartData | None, marts_note: str | None, monitoring: MonitoringSection | None,
         folder: Path, has_docs: bool, has_dbt_docs: bool, generated: dt.datetime) -> Page:
    outcome = run_outcome.explain(record)
    return Page(
        headline=outcome.headline,
        run_date=record.run.run_date if record.run else "unknown date",
        sections=sections.shown(Inputs(record, outcome, data, marts_note, monitoring, folder)),
        has_docs=has_docs,
        has_dbt_docs=has_dbt_docs,
        generated=generated.isoformat(timespec="seconds"),
    )


def checks_summary(record: RunRecord) -> str:
    if record.checks is None:
        return "checks did not run"
    return ", ".join(f"{len(record.checks_with(s))} {s.lower()}" for s in ("PASS", "WARN", "FAIL"))


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
