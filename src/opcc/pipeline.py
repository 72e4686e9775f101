"""The nightly run's steps, one function per Airflow task.

Tasks may run as separate processes (the scheduler) or one after another in one process (`opcc run`),
so they hand over through files in the run's report folder
(`reports/<run date>/`): run.json, ingest-<feed>.json, dbt.json, checks.json, publish.json. Each
step is safe to repeat: a retry or a rerun after a crash starts that step from its inputs again.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opcc.config import FEEDS, Settings

LONDON = ZoneInfo("Europe/London")
# Set to "1" by `opcc run`, where `airflow dags test` runs every task, one after another, in one process.
TASKS_SHARE_PROCESS = "OPCC_TASKS_SHARE_PROCESS"


def tasks_share_process() -> bool:
    return os.environ.get(TASKS_SHARE_PROCESS) == "1"


class StepFailed(Exception):
    """A step failed for a reason a retry cannot mend (bad data, failed checks): fail fast."""


def run_dir_for(settings: Settings, when: dt.datetime) -> Path:
    return settings.reports_dir / when.astimezone(LONDON).date().isoformat()


def build_db_for(settings: Settings) -> Path:
    # One name for every night's build (one run at a time: max_active_runs=1), so that dbt's profile,
    # and with it dbt's parse cache, stays the same from night to night.
    return settings.builds_dir / "nightly.duckdb"


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


# -- the steps ------------------------------------------------------------------------------------

def start(settings: Settings, run_id: str, when: dt.datetime) -> str:
    """Open the run's folder. A later run on the same day replaces that day's folder."""
    run_dir = run_dir_for(settings, when)
    previous = read_json(run_dir / "run.json")
    if previous and previous.get("run_id") != run_id:
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("landing", "archive", "quarantine"):
        for feed in FEEDS:
            (getattr(settings, f"{sub}_dir") / feed).mkdir(parents=True, exist_ok=True)
    if not (run_dir / "run.json").exists():
        write_json(run_dir / "run.json", {
            "run_id": run_id,
            "run_date": when.astimezone(LONDON).date().isoformat(),
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        })
    return str(run_dir)


def ingest(settings: Settings, feed: str, run_dir: str) -> dict[str, int]:
    from opcc.ingest import ingest_feed

    results = ingest_feed(settings, feed)
    out = Path(run_dir) / f"ingest-{feed}.json"
    # A retried task keeps what its first attempt recorded: those files have left landing already.
    earlier = read_json(out) or []
    write_json(out, earlier + [r.to_json() for r in results])
    for r in results:
        print(r.line())
    if not results:
        print(f"{feed}: no new files in {settings.landing_dir / feed}")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def build(settings: Settings, run_dir: str) -> str:
    """dbt build into a new file beside the published warehouse (never into it)."""
    from opcc.dbt_runner import project_fingerprint, run_dbt
    from opcc.publish import first_unpublished_file_id, prepare_build

    build_db = prepare_build(settings, build_db_for(settings))
    fingerprint = project_fingerprint(settings)
    tested_from = first_unpublished_file_id(settings, build_db, fingerprint)
    with _importing_meanwhile("great_expectations"):
        # Unit tests run in development and CI (tests/dbt): their fixed inputs cannot change from night to night.
        result = run_dbt(settings, build_db, "build", "--exclude-resource-type", "unit_test",
                         env={"OPCC_FIRST_UNPUBLISHED_FILE_ID": str(tested_from)})
    write_json(Path(run_dir) / "dbt.json", {"ok": result.ok, "message": result.message,
                                            "failed_nodes": result.failed_nodes, "project_fingerprint": fingerprint,
                                            "raw_tests_from_file_id": tested_from})
    if not result.ok:
        raise StepFailed(result.message)
    return str(build_db)


@contextmanager
def _importing_meanwhile(module: str) -> Iterator[None]:
    """While dbt works in its own process, import the next step's module on the other core when the
    tasks share one process (`opcc run`): importing Great Expectations takes 2-3 s."""
    if not tasks_share_process():
        yield
        return
    thread = threading.Thread(target=_try_import, args=(module,), name=f"import {module}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _try_import(module: str) -> None:
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 - the step that needs it imports it again and reports the error
        pass


def docs(settings: Settings, build_db: str, run_dir: str) -> None:
    from opcc.dbt_runner import docs_generate

    built = read_json(Path(run_dir) / "dbt.json") or {}
    docs_generate(settings, Path(build_db), Path(run_dir) / "dbt_docs", built["project_fingerprint"])


def audit(settings: Settings, build_db: str, run_dir: str) -> dict[str, int]:
    from opcc.audit import run_audit

    checks = run_audit(settings, Path(build_db), Path(run_dir))
    counts: dict[str, int] = {}
    for check in checks:
        counts[check["status"]] = counts.get(check["status"], 0) + 1
        print(f"{check['status']:4}  {check['id']}: {check['description']}")
    return counts


def publish(settings: Settings, build_db: str, run_dir: str) -> str:
    """Publish only when no FAIL check remains; otherwise the last good warehouse stays."""
    from opcc import publish as wap

    checks = read_json(Path(run_dir) / "checks.json")
    failing = [c for c in checks or [] if c["status"] == "FAIL"]
    if checks is None or failing:
        message = "not published: " + ("; ".join(
            f"{c['id']} failed (expected {c['expected']}, actual {c['actual']}, difference {c['difference']})"
            for c in failing) or "the checks did not run")
        write_json(Path(run_dir) / "publish.json", {"published": False, "message": message,
                                                    "warehouse": str(settings.warehouse_db)})
        raise StepFailed(message)
    built = read_json(Path(run_dir) / "dbt.json") or {}
    warehouse = wap.publish(settings, Path(build_db), built.get("project_fingerprint"))
    write_json(Path(run_dir) / "publish.json", {
        "published": True, "warehouse": str(warehouse),
        "message": f"published {warehouse} and {settings.marts_dir}/<mart>.parquet"})
    return str(warehouse)


def report(settings: Settings, run_dir: str) -> str:
    from opcc.report import write_report

    build_db = build_db_for(settings)
    published = read_json(Path(run_dir) / "publish.json") or {}
    source = settings.warehouse_db if published.get("published") else build_db
    path = write_report(settings, Path(run_dir), source if source.exists() else None)
    print(f"report: {path}")
    return str(path)


def finish(settings: Settings, run_dir: str) -> None:
    """Fail the run unless it published; tell the finance team either way when it matters."""
    outcome = read_json(Path(run_dir) / "publish.json") or {}
    build_db_for(settings).unlink(missing_ok=True)
    if tasks_share_process():
        # The process exits after this last task. Freezing what it holds spares Python's collector a final
        # walk over every object Airflow, GX and the steps left behind (2 s of a night, measured).
        gc.freeze()
    if outcome.get("published"):
        return
    message = why_not_published(Path(run_dir))
    from opcc.alerts import send_failure_email

    send_failure_email(settings, run_dir, message)
    raise StepFailed(message)


def why_not_published(run_dir: Path) -> str:
    """In one line, why the run in `run_dir` did not publish, from what its steps left there."""
    publish_outcome = read_json(run_dir / "publish.json") or {}
    if publish_outcome.get("published"):
        return "it did publish, but a later step failed (see the task logs)"
    if publish_outcome.get("message"):
        return publish_outcome["message"]
    dbt = read_json(run_dir / "dbt.json")
    if dbt and not dbt.get("ok"):
        return f"the warehouse build failed: {dbt.get('message')}"
    if dbt is None:
        return "the run stopped before the warehouse build (see the ingest task logs)"
    return "the run stopped before publishing (see the task logs)"

