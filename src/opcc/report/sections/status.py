"""The banner at the top: published or not, what that means, and what the finance team must know first."""

from __future__ import annotations

from dataclasses import dataclass

from opcc import run_record
from opcc.freshness.messages import freshness_lines
from opcc.report.sections.base import Inputs

ANCHOR = "status"
NAV = "Status"


@dataclass(frozen=True)
class StatusBanner:
    css: str  # ok | warnb | bad
    headline: str
    meaning: str
    details: list[str]
    run_id: str
    started_at: str


def build(inputs: Inputs) -> StatusBanner:
    record, outcome = inputs.record, inputs.outcome
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
