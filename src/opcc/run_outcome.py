"""What a run's outcome means: whether it published and, if not, why, in one line for the CLI, the alert email and
the failed task, and in plain English for the finance team (the report's banner). Read from its run record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opcc.run_record import RunRecord

if TYPE_CHECKING:
    from opcc.audit.results import CheckResult

PUBLISHED, NOT_PUBLISHED, FAILED = "PUBLISHED", "NOT_PUBLISHED", "FAILED"


@dataclass(frozen=True)
class Outcome:
    code: str  # PUBLISHED | NOT_PUBLISHED | FAILED
    headline: str  # e.g. "FAILED at step: build (dbt)"
    why: str  # one line: published, or why not (the CLI, the alert email and the failed task say it)
    meaning: str  # the same in plain English for the finance team (the report's banner)
    # The warehouse published but a FAIL check held back the transparency publications: the finance team must act.
    publications_blocked: bool = False

    @property
    def published(self) -> bool:
        return self.code == PUBLISHED


def failed_check_line(check: CheckResult) -> str:
    return (f"{check.get('id')} failed (expected {check.get('expected')}, actual {check.get('actual')}, "
            f"difference {check.get('difference')})")


_STILL_LAST_GOOD = "Reports and spreadsheets still show the last good version."


def _publications_blocked(publications: dict[str, Any], warns: list[CheckResult]) -> Outcome:
    fails = [c for c in publications.get("checks", []) if c.get("status") == "FAIL"]
    reason = "; ".join(failed_check_line(c) for c in fails) or publications.get("message") or "no reason given"
    return Outcome(
        PUBLISHED, "PUBLISHED \u2014 but the transparency publications were blocked",
        f"published; the transparency publications were blocked: {reason}",
        "Last night's extracts were loaded, reconciled and published: the warehouse that reports and spreadsheets "
        "read now holds this run's figures"
        + (f" ({len(warns)} check(s) gave a warning)" if warns else "")
        + f". But {len(fails) or 'a'} check(s) on the transparency publications failed, so no spend, grants, "
        "contracts or 360Giving file was written: the published files stay as they were. Fix the failing data "
        "(see Transparency publications below), then run `opcc publications` or wait for the next night.",
        publications_blocked=True)


def _reference_failed(reference: dict[str, Any]) -> Outcome:
    problems = reference.get("problems") or ["no reason given"]
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    return Outcome(
        FAILED, "FAILED at step: reference data",
        f"not published: the reference data has {len(problems)} problem(s) to fix in {reference.get('folder')}: "
        f"{shown} (`opcc check-reference` lists them all)",
        f"The reference data (funds, cost centres, bodies, budget controls, ...) failed its checks with "
        f"{len(problems)} problem(s), so nothing was built or published: {_STILL_LAST_GOOD} Fix each file and row "
        "listed under Reference data below, check with `opcc check-reference`, then re-run.")


def explain(record: RunRecord) -> Outcome:
    """Whether the run published and, if not, why: the one explanation every reader gives."""
    fails, warns = record.checks_with("FAIL"), record.checks_with("WARN")
    publish, dbt = record.publish, record.dbt
    if record.faults:  # the machine's fault, not the data's: say that first, whatever it led to after
        faults = "; ".join(record.faults)
        if publish is not None and publish.published:
            return Outcome(
                FAILED, "PUBLISHED — but files wait in landing (a fault of the machine)",
                f"published without the files a fault of the machine stopped: {faults}",
                "The warehouse was published, but a fault of the machine (not of the data) stopped some extracts "
                f"from loading: {faults}. They wait in landing/ and the next run loads them.")
        return Outcome(
            FAILED, "FAILED — a fault of the machine",
            f"not published: {faults}",
            f"A fault of the machine (not of the data) stopped the run: {faults}. The extracts wait in landing/ "
            f"and load at the next run. {_STILL_LAST_GOOD}")
    if publish is not None and publish.published:
        blocked = record.publications is not None and not record.publications.get("released", True)
        if blocked:
            return _publications_blocked(record.publications or {}, warns)
        return Outcome(
            PUBLISHED, "PUBLISHED",
            f"published; {len(warns)} check(s) gave a warning" if warns else "published; every check passed",
            "Last night's extracts were loaded, reconciled and published: the warehouse that reports and "
            "spreadsheets read now holds this run's figures."
            + (f" {len(warns)} check(s) gave a warning: read them below; they did not stop publishing."
               if warns else " Every check passed."))
    if record.reference_failed:
        return _reference_failed(record.reference or {})
    if fails:
        return Outcome(
            NOT_PUBLISHED, "NOT PUBLISHED \u2014 FAIL checks blocked it",
            "not published: " + "; ".join(failed_check_line(c) for c in fails),
            f"{len(fails)} reconciliation check(s) failed, so this run's figures were NOT published. "
            f"{_STILL_LAST_GOOD} Fix the failing data (see the failing rows and their CSV files below) and re-run.")
    if dbt is not None and not dbt.ok:
        nodes = ", ".join(dbt.failed_nodes or [])
        return Outcome(
            FAILED, "FAILED at step: build (dbt)",
            f"not published: the warehouse build failed: {dbt.message}",
            "The warehouse build did not complete" + (f" (failed: {nodes})" if nodes else "")
            + ". Nothing was checked or published; reports and spreadsheets still show the last good version. "
            "The data team needs to look at the build error below.")
    if dbt is None and all(v is None for v in record.ingest.values()):
        return Outcome(
            FAILED, "FAILED at step: ingest",
            "not published: the run stopped before or while loading files (see the ingest task logs)",
            "No extract was processed: the run stopped before or while loading files. Nothing was published; "
            "reports and spreadsheets still show the last good version.")
    if dbt is None:
        return Outcome(
            FAILED, "FAILED at step: build (dbt)",
            "not published: the run stopped before the warehouse build (see the task logs)",
            "The warehouse build never ran (no result recorded). Nothing was published.")
    if record.checks is None:
        return Outcome(
            FAILED, "FAILED at step: audit (checks)",
            "not published: the checks did not run",
            "The reconciliation checks did not run, so the build could not be verified and was not published. "
            + _STILL_LAST_GOOD)
    if publish is None:
        return Outcome(
            FAILED, "FAILED at step: publish",
            "not published: the run stopped before publishing (see the task logs)",
            "Every check passed but the publish step did not complete: reports and spreadsheets still show the "
            "last good version.")
    return Outcome(
        NOT_PUBLISHED, "NOT PUBLISHED", publish.message or "not published: no reason given",
        f"The run finished but the warehouse was not replaced: {publish.message or 'no reason given'}. "
        + _STILL_LAST_GOOD)
