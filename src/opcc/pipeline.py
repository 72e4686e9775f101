"""The nightly run's steps, one function per Airflow task.

Tasks may run as separate processes or one after another in one process (how is not theirs to know),
so they hand over through the run record in the run's report folder (`opcc.run_record`). Each
step is safe to repeat: a retry or a rerun after a crash starts that step from its inputs again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from opcc import run_outcome, run_record
from opcc.config import FEEDS, Settings
from opcc.engine import engine_for
from opcc.engine.base import WarehouseDamaged


class StepFailed(Exception):
    """A step failed for a reason a retry cannot mend (bad data, failed checks): fail fast."""


@contextmanager
def machine_faults_stop(run_dir: str | Path, subject: str) -> Iterator[None]:
    """A fault of the machine (a full disk...) while doing `subject` fails the step with one line, recorded
    for the run's explanation, instead of a traceback; no retry within the night: the machine needs someone."""
    from opcc.faults import MachineFault, as_machine_fault

    try:
        yield
    except StepFailed:
        raise
    except Exception as exc:
        fault = exc if isinstance(exc, MachineFault) else as_machine_fault(exc, subject)
        if fault is None:
            raise
        print(fault)
        # Kept for the run's explanation if the disk lets us: on a disk still full, the step fails with it all the
        # same (StepFailed, no retry), and the task's log has it.
        with suppress(OSError):
            run_record.add_fault(Path(run_dir), str(fault))
        raise StepFailed(str(fault)) from exc


def _started(run_dir: str | None) -> str:
    """The run's folder; when the start task failed (Airflow then hands the steps after it None), StepFailed: the
    start task's one line says why, and no step after it may retry or guess another night's folder."""
    if run_dir is None:
        raise StepFailed("the night did not start (the start task failed and says why): nothing to do")
    return run_dir


# -- the steps ------------------------------------------------------------------------------------

def start(settings: Settings, run_id: str, when: dt.datetime) -> str:
    """Open the run's folder (a new one beside the day's earlier runs, whose reports stay), then check what
    the night will build on, mending what it can (opcc.preflight): each finding is printed and kept in the
    run record; a night that cannot start fails here with one line, its files waiting in landing/."""
    from opcc.preflight import CannotStart, check_before_night

    for sub in ("landing", "archive", "quarantine"):
        for feed in FEEDS:
            (getattr(settings, f"{sub}_dir") / feed).mkdir(parents=True, exist_ok=True)
    folder = run_record.open_run(settings.reports_dir, run_id, run_record.run_date_of(when))
    with machine_faults_stop(folder, "checking the data directory before the night"):
        try:
            notices = check_before_night(settings)
        except CannotStart as exc:
            run_record.add_fault(folder, str(exc))
            print(exc)
            raise StepFailed(str(exc)) from None
    for line in notices:
        run_record.add_notice(folder, line)
        print(line)
    return str(folder)


def check_reference(settings: Settings, run_dir: str) -> str:
    """The night's first check: the data directory's reference data, before anything consumes it. Records the
    problems (each naming file, row, column and value) and the reference version with what changed since the last
    night; a reference that passes is written where dbt seeds it from. Fails the task when there is any problem:
    the build then refuses, so nothing is published and the last good warehouse stays."""
    from opcc import reference
    from opcc.reference import history

    folder = Path(run_dir)
    checked = reference.check(settings)
    version = history.record(settings.reference_history_dir, checked, folder.name)
    if checked.ok:
        reference.write_seeds(settings.reference_seeds_dir, reference.seed_files(checked))
    run_record.write_reference(folder, {"ok": checked.ok, "folder": str(checked.folder),
                                        "problems": checked.problems, "ignored": checked.ignored,
                                        "sources": checked.sources, **version})
    for problem in checked.problems:
        print(problem)
    if not checked.ok:
        raise StepFailed(run_outcome.explain(run_record.read(folder)).why)
    what = "changed: " + "; ".join(history.describe_change(c) for c in version["changes"]) if version["changed"] \
        else f"unchanged since {version['since']}"
    print(f"reference data OK, version {version['version']} ({what})")
    return f"version {version['version']}, " + ("changed" if version["changed"] else "unchanged")


def ingest(settings: Settings, feed: str, run_dir: str | None) -> dict[str, int]:
    """Load the feed's waiting files. A fault of the machine (a full disk...) leaves the file it met, and those after
    it, in landing/ for the next run, records the one line that says so, and fails the task with it."""
    run_dir = _started(run_dir)
    from opcc.faults import MachineFault
    from opcc.ingest import FileResult, ingest_feed

    try:
        results = ingest_feed(settings, feed)
    except MachineFault as fault:
        done = [r for r in fault.done if isinstance(r, FileResult)]
        run_record.append_ingest(Path(run_dir), feed, done)
        for r in done:
            print(r.line())
        line = f"{fault}; the file stays in {settings.landing_dir / feed} for the next run"
        run_record.add_fault(Path(run_dir), line)
        print(line)
        raise StepFailed(line) from fault  # no retry within the night: the machine needs someone first
    run_record.append_ingest(Path(run_dir), feed, results)
    for r in results:
        print(r.line())
    if not results:
        print(f"{feed}: no new files in {settings.landing_dir / feed}")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def build(settings: Settings, run_dir: str | None) -> str:
    """dbt build into a new file beside the published warehouse (never into it); on PostgreSQL, raw's new
    files copied into schema `raw`, then dbt build into the build schemas beside the published ones
    (`marts__build`, ...). Returns the build file, or on PostgreSQL the build schemas' suffix."""
    run_dir = _started(run_dir)
    from opcc.dbt_runner import project_fingerprint, run_dbt
    from opcc.reference import ReferenceInvalid, prepare

    record = run_record.read(Path(run_dir))
    if record.reference_failed:  # the night's first check found problems: build nothing
        raise StepFailed(run_outcome.explain(record).why)
    try:
        checked = prepare(settings)  # what the check wrote, again: the fingerprint below follows the seeded reference
    except ReferenceInvalid as exc:
        raise StepFailed(str(exc)) from None
    if record.reference is not None:  # the night records the version it used: it must be the one built
        from opcc.reference.history import snapshot, version_of

        now = version_of(snapshot(checked))
        if now != record.reference.get("version"):
            raise StepFailed(f"the reference data changed after this night's check (version "
                             f"{record.reference.get('version')}, now {now}): run the night again")
    fingerprint = project_fingerprint(settings)
    try:
        build_db, tested_from = engine_for(settings).prepare_build(
            fingerprint, lambda what: machine_faults_stop(run_dir, what))
    except WarehouseDamaged as exc:
        run_record.add_fault(Path(run_dir), str(exc))
        raise StepFailed(str(exc)) from None
    # Unit tests run in development and CI (tests/dbt): their fixed inputs cannot change from night to night.
    result = run_dbt(settings, build_db, "build", "--exclude-resource-type", "unit_test",
                     env={"OPCC_FIRST_UNPUBLISHED_FILE_ID": str(tested_from)})
    with machine_faults_stop(run_dir, "recording the warehouse build"):
        run_record.write_dbt(Path(run_dir), run_record.DbtOutcome(
            ok=result.ok, message=result.message, failed_nodes=result.failed_nodes,
            project_fingerprint=fingerprint, raw_tests_from_file_id=tested_from))
        if result.machine_fault is not None:  # a full disk under dbt: the machine's fault, said as one
            from opcc.faults import MachineFault

            raise MachineFault(result.machine_fault[0], "building the warehouse", result.machine_fault[1],
                               result.message)
    if not result.ok:
        raise StepFailed(result.message)
    return build_db


def docs(settings: Settings, build_db: str, run_dir: str) -> None:
    from opcc.dbt_runner import docs_generate

    built = run_record.read_dbt(Path(run_dir))
    if built is None:
        raise StepFailed("no build recorded in this run: nothing to document")
    assert built.project_fingerprint is not None  # this run's build task records it
    docs_generate(settings, Path(build_db), Path(run_dir) / "dbt_docs", built.project_fingerprint)


def audit(settings: Settings, build_db: str, run_dir: str) -> dict[str, int]:
    from opcc.audit import run_audit

    checks = run_audit(settings, build_db, Path(run_dir))
    counts: dict[str, int] = {}
    for check in checks:
        counts[check["status"]] = counts.get(check["status"], 0) + 1
        print(f"{check['status']:4}  {check['id']}: {check['description']}")
    return counts


def publish(settings: Settings, build_db: str, run_dir: str) -> str:
    """Publish only when no FAIL check remains; otherwise the last good warehouse stays."""
    engine = engine_for(settings)
    record = run_record.read(Path(run_dir))
    where = engine.location()
    if record.checks is None or record.checks_with("FAIL"):
        message = run_outcome.explain(record).why
        run_record.write_publish(record.folder, run_record.PublishOutcome(
            published=False, message=message, warehouse=where))
        raise StepFailed(message)
    fingerprint = record.dbt.project_fingerprint if record.dbt else None
    with machine_faults_stop(run_dir, "publishing the warehouse"):
        message = engine.publish(build_db, fingerprint)
    run_record.write_publish(record.folder, run_record.PublishOutcome(published=True, message=message,
                                                                      warehouse=where))
    return where


def publications(settings: Settings, run_dir: str | None) -> str:
    """The month's transparency publications from the published warehouse, checked first: a FAIL check
    blocks them (the report says why), never the warehouse. Nothing to do when the night did not publish."""
    from opcc.publications import generate

    if run_dir is None:
        print("publications: the night did not start; the publications stay as they were")
        return "skipped"
    published = run_record.read_publish(Path(run_dir))
    if published is None or not published.published:
        print("publications: the warehouse was not published tonight; the publications stay as they were")
        return "skipped"
    outcome = generate(settings, Path(run_dir))
    run_record.write_publications(Path(run_dir), outcome.to_json())
    print(f"publications: {outcome.message}")
    for path in outcome.written:
        print(f"  {path}")
    return outcome.message


def report(settings: Settings, run_dir: str | None) -> str:
    from opcc.report import write_report

    if run_dir is None:  # no run folder to report in: the start task's line is the night's explanation
        print("report: the night did not start (see the start task); the reports stay as they were")
        return "skipped"
    published = run_record.read_publish(Path(run_dir))
    # The published warehouse; when the night did not publish, its build (the report shows why it failed).
    path = write_report(settings, Path(run_dir),
                        engine_for(settings).warehouse(published=published is not None and published.published))
    print(f"report: {path}")
    return str(path)


def finish(settings: Settings, run_dir: str | None) -> None:
    """Fail the run unless it published; tell the finance team either way when it matters. A night that published
    the warehouse but whose transparency publications a FAIL check blocked fails too (after emailing): the
    warehouse stays published, but a statutory publication held back must not pass as a green night."""
    run_dir = _started(run_dir)
    from opcc.freshness.messages import freshness_lines

    record = run_record.read(Path(run_dir))
    outcome = run_outcome.explain(record)
    engine_for(settings).discard_build()
    overdue = freshness_lines(record.checks)  # a feed overdue, a closed ledger month empty: said in every alert
    if outcome.published and not outcome.publications_blocked:
        if overdue:
            _warn_overdue(settings, run_dir, overdue)
        return
    from opcc.alerts import send_failure_email, send_publications_blocked_email

    send = send_publications_blocked_email if outcome.publications_blocked else send_failure_email
    send(settings, run_dir, outcome.why, overdue)
    raise StepFailed(outcome.why)


def _warn_overdue(settings: Settings, run_dir: str, overdue: list[str]) -> None:
    """A published night with a feed overdue: say so and email it. A WARN does not fail the night, nor does an
    email that cannot be sent (the report says it too)."""
    from opcc.alerts import send_overdue_email

    for line in overdue:
        print(f"WARN  {line}")
    try:
        send_overdue_email(settings, run_dir, overdue)
    except OSError as exc:  # smtplib's errors included
        print(f"the overdue-feed alert could not be emailed: {exc}")
