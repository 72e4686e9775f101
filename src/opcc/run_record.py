"""The run record: what each step of a night leaves in its run folder, and what that means.

Tasks may run as separate processes, so the steps hand over through files in the run's folder under
`reports/`: run.json (start), reference.json (the reference data's check and version), ingest-<feed>.json
(each feed's files), dbt.json (the build), checks.json (the audit), publish.json (the publish step);
faults.json (faults of the machine that stopped a step, one line each) and notices.json (what the night found
and mended before it began, such as a damaged warehouse). This module alone names those files, writes and reads
them, chooses each run's folder, finds the newest run, and explains a run's outcome (`explain`).

A run folder is `reports/<run date>/` for a day's first run, then `<run date>-2/`, `<run date>-3/`, …:
a rerun never erases the report that explained an earlier run of that day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from opcc.config import FEEDS
from opcc.plain_text import plain

if TYPE_CHECKING:
    from opcc.ingest.loader import FileResult

LONDON = ZoneInfo("Europe/London")

RUN_FILE = "run.json"
DBT_FILE = "dbt.json"
CHECKS_FILE = "checks.json"
PUBLISH_FILE = "publish.json"
PUBLICATIONS_FILE = "publications.json"  # the transparency publications (opcc.publications)
REFERENCE_FILE = "reference.json"  # the reference data's check and version (opcc.reference)
FAULTS_FILE = "faults.json"
NOTICES_FILE = "notices.json"
FOLDER_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?:-(?P<n>\d+))?$")


def ingest_file_name(feed: str) -> str:
    return f"ingest-{feed}.json"


def budget_monitoring_file_name(financial_year: str, quarter: int) -> str:
    """The quarter's print-ready budget monitoring page in the run folder: `budget-monitoring-2019-20-Q2.html`."""
    return f"budget-monitoring-{financial_year.replace('/', '-')}-Q{quarter}.html"


# -- what each step records ------------------------------------------------------------------------

@dataclass(frozen=True)
class RunStarted:
    run_id: str
    run_date: str  # ISO date, Europe/London: the night the run is for
    started_at: str  # ISO timestamp, UTC


@dataclass(frozen=True)
class DbtOutcome:
    ok: bool
    message: str
    failed_nodes: list[str]
    project_fingerprint: str | None = None
    raw_tests_from_file_id: int | None = None


@dataclass(frozen=True)
class PublishOutcome:
    published: bool
    message: str
    warehouse: str = ""


# A check as the audit records it: id, status (PASS/WARN/FAIL), description, expected, actual,
# difference, unit, failing_rows, … (see audit/results.py, which owns its content).
Check = dict[str, Any]


@dataclass(frozen=True)
class RunRecord:
    """Everything a run's steps left in its folder; None where a step left nothing."""

    folder: Path
    run: RunStarted | None
    ingest: dict[str, list[FileResult] | None]
    dbt: DbtOutcome | None
    checks: list[Check] | None
    publish: PublishOutcome | None
    publications: dict[str, Any] | None = None  # the transparency publications step (publications.json)
    # The reference data's check and version (reference.json): ok, problems, version, since, changed, changes.
    reference: dict[str, Any] | None = None
    faults: tuple[str, ...] = ()  # a full disk, memory exhausted...: one line each (faults.json)
    notices: tuple[str, ...] = ()  # what the night found and mended first (notices.json)

    @property
    def reference_failed(self) -> bool:
        return self.reference is not None and not self.reference.get("ok", False)

    def checks_with(self, status: str) -> list[Check]:
        return [c for c in self.checks or [] if c.get("status") == status]


# -- files ------------------------------------------------------------------------------------------

def _write(path: Path, data: Any) -> None:
    """Write whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(plain(data), indent=2, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _read(path: Path) -> Any:
    """The file's JSON; None when it is missing or unreadable (a step that did not finish)."""
    try:
        return plain(json.loads(path.read_text(encoding="utf-8")))  # a record written before codes were stripped
    except (OSError, json.JSONDecodeError):
        return None


def _from_json(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        return None
    known = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in data.items() if k in known})
    except TypeError:  # a required field is missing
        return None


def write_run(folder: Path, run: RunStarted) -> None:
    _write(Path(folder) / RUN_FILE, asdict(run))


def read_run(folder: Path) -> RunStarted | None:
    return _from_json(RunStarted, _read(Path(folder) / RUN_FILE))


def append_ingest(folder: Path, feed: str, results: list[FileResult]) -> None:
    """Add a feed's file results; a retried task keeps what its first attempt recorded (those files
    have left landing already)."""
    path = Path(folder) / ingest_file_name(feed)
    _write(path, (_read(path) or []) + [r.to_json() for r in results])


def read_ingest(folder: Path, feed: str) -> list[FileResult] | None:
    from opcc.ingest.loader import FileResult

    entries = _read(Path(folder) / ingest_file_name(feed))
    if not isinstance(entries, list):
        return None
    known = {f.name for f in fields(FileResult)}
    results = []
    for entry in entries:
        values = {k: v for k, v in entry.items() if k in known} if isinstance(entry, dict) else {}
        for key in ("control_total", "loaded_amount"):
            if values.get(key) is not None:
                values[key] = Decimal(str(values[key]))
        try:
            results.append(FileResult(**values))
        except TypeError:  # not a file result: the record is unreadable, as if the step left none
            return None
    return results


def write_dbt(folder: Path, outcome: DbtOutcome) -> None:
    _write(Path(folder) / DBT_FILE, asdict(outcome))


def read_dbt(folder: Path) -> DbtOutcome | None:
    return _from_json(DbtOutcome, _read(Path(folder) / DBT_FILE))


def write_checks(folder: Path, checks: list[Check]) -> Path:
    path = Path(folder) / CHECKS_FILE
    _write(path, checks)
    return path


def read_checks(folder: Path) -> list[Check] | None:
    checks = _read(Path(folder) / CHECKS_FILE)
    return checks if isinstance(checks, list) else None


def write_publish(folder: Path, outcome: PublishOutcome) -> None:
    _write(Path(folder) / PUBLISH_FILE, asdict(outcome))


def read_publish(folder: Path) -> PublishOutcome | None:
    return _from_json(PublishOutcome, _read(Path(folder) / PUBLISH_FILE))


def write_publications(folder: Path, outcome: dict[str, Any]) -> None:
    """What the publications step did (opcc.publications.PublicationsOutcome.to_json())."""
    _write(Path(folder) / PUBLICATIONS_FILE, outcome)


def read_publications(folder: Path) -> dict[str, Any] | None:
    data = _read(Path(folder) / PUBLICATIONS_FILE)
    return data if isinstance(data, dict) else None


def write_reference(folder: Path, outcome: dict[str, Any]) -> None:
    _write(Path(folder) / REFERENCE_FILE, outcome)


def read_reference(folder: Path) -> dict[str, Any] | None:
    data = _read(Path(folder) / REFERENCE_FILE)
    return data if isinstance(data, dict) else None


def _add_line(path: Path, line: str) -> None:
    lines = _read_lines(path)
    if line not in lines:
        _write(path, [*lines, line])


def _read_lines(path: Path) -> list[str]:
    data = _read(path)
    return [str(x) for x in data] if isinstance(data, list) else []


def add_fault(folder: Path, line: str) -> None:
    """A fault of the machine stopped a step (its files wait in landing/ for the next run): one line."""
    _add_line(Path(folder) / FAULTS_FILE, line)


def add_notice(folder: Path, line: str) -> None:
    """Something the night found and dealt with that whoever runs it must hear of: one line."""
    _add_line(Path(folder) / NOTICES_FILE, line)


def read_notices(folder: Path) -> list[str]:
    return _read_lines(Path(folder) / NOTICES_FILE)


def read(folder: Path) -> RunRecord:
    folder = Path(folder)
    return RunRecord(
        folder=folder,
        run=read_run(folder),
        ingest={feed: read_ingest(folder, feed) for feed in FEEDS},
        dbt=read_dbt(folder),
        checks=read_checks(folder),
        publish=read_publish(folder),
        publications=read_publications(folder),
        reference=read_reference(folder),
        faults=tuple(_read_lines(folder / FAULTS_FILE)),
        notices=tuple(read_notices(folder)),
    )


# -- run folders ------------------------------------------------------------------------------------

def _order(folder: Path) -> tuple[str, int]:
    """Run date, then the run's number that day: `2019-06-04-10` comes after `2019-06-04-9`."""
    m = FOLDER_NAME.match(folder.name)
    assert m is not None
    return m["date"], int(m["n"] or 1)


def run_folders(reports_dir: Path) -> list[Path]:
    """Every run's folder, oldest first."""
    if not Path(reports_dir).is_dir():
        return []
    return sorted((p for p in Path(reports_dir).iterdir() if p.is_dir() and FOLDER_NAME.match(p.name)), key=_order)


def latest_run(reports_dir: Path) -> Path | None:
    """The newest run's folder (by run date, then its number that day); None before the first run."""
    started = [p for p in run_folders(reports_dir) if (p / RUN_FILE).exists()]
    return started[-1] if started else None


def open_run(reports_dir: Path, run_id: str, run_date: dt.date) -> Path:
    """The folder of run `run_id` for `run_date`: the one it has already (a retried or resumed start),
    else a new one after that day's earlier runs. Records the start (run.json) in a new folder."""
    day = run_date.isoformat()
    n = 1
    while True:
        folder = Path(reports_dir) / (day if n == 1 else f"{day}-{n}")
        if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
            folder.mkdir(parents=True, exist_ok=True)
            write_run(folder, RunStarted(run_id=run_id, run_date=day,
                                         started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
            return folder
        started = read_run(folder)
        if started is not None and started.run_id == run_id:
            return folder
        n += 1


def run_date_of(when: dt.datetime) -> dt.date:
    return when.astimezone(LONDON).date()


# -- what a run's outcome means ----------------------------------------------------------------------

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


def failed_check_line(check: Check) -> str:
    return (f"{check.get('id')} failed (expected {check.get('expected')}, actual {check.get('actual')}, "
            f"difference {check.get('difference')})")


_STILL_LAST_GOOD = "Reports and spreadsheets still show the last good version."


def _publications_blocked(publications: dict[str, Any], warns: list[Check]) -> Outcome:
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
