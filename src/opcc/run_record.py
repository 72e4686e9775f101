"""The run record: what each step of a night leaves in its run folder, and what that means.

Tasks may run as separate processes, so the steps hand over through files in the run's folder under
`reports/`: run.json (start), reference.json (the reference data's check and version), ingest-<feed>.json
(each feed's files), dbt.json (the build), checks.json (the audit), publish.json (the publish step);
faults.json (faults of the machine that stopped a step, one line each) and notices.json (what the night found
and mended before it began, such as a damaged warehouse). This module alone names those files, writes and reads
them, chooses each run's folder and finds the newest run; opcc.run_outcome says what a run's record means.

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
    from opcc.audit.results import CheckResult
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


@dataclass(frozen=True)
class RunRecord:
    """Everything a run's steps left in its folder; None where a step left nothing."""

    folder: Path
    run: RunStarted | None
    ingest: dict[str, list[FileResult] | None]
    dbt: DbtOutcome | None
    checks: list[CheckResult] | None
    publish: PublishOutcome | None
    publications: dict[str, Any] | None = None  # the transparency publications step (publications.json)
    # The reference data's check and version (reference.json): ok, problems, version, since, changed, changes.
    reference: dict[str, Any] | None = None
    faults: tuple[str, ...] = ()  # a full disk, memory exhausted...: one line each (faults.json)
    notices: tuple[str, ...] = ()  # what the night found and mended first (notices.json)

    @property
    def reference_failed(self) -> bool:
        return self.reference is not None and not self.reference.get("ok", False)

    def checks_with(self, status: str) -> list[CheckResult]:
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


def write_checks(folder: Path, checks: list[CheckResult]) -> Path:
    path = Path(folder) / CHECKS_FILE
    _write(path, checks)
    return path


def read_checks(folder: Path) -> list[CheckResult] | None:
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
