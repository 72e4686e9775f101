"""Nightly commissioning finance run: check the reference data, ingest each feed, dbt build, GX audit, publish,
report.

Only wiring here: each task calls one step in `opcc.pipeline`, which imports what it needs when
it runs, so parsing this file stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any, TypeVar

import pendulum
from airflow.sdk import chain, dag, task

from opcc.airflow_runner import WRITER_POOL, feeds_ingest_in_parallel
from opcc.config import FEEDS
from opcc.freshness.publish_deadline import publish_deadline

# On PostgreSQL the feeds ingest at once (each its own working file); on DuckDB one at a time, sharing raw.duckdb.
PARALLEL_INGEST = feeds_ingest_in_parallel()

# 02:00 London; a night not published by opcc.toml's publish_by (07:00) alerts through Airflow's Deadline Alert.
SCHEDULE = "0 2 * * *"

# Transient trouble (a busy file) is retried with backoff; bad data, failed checks and a fault of the machine
# met before or while loading (a full disk: the files wait in landing for the next run) raise StepFailed, which
# @fail_fast turns into AirflowFailException: no retry.
RETRIES = {"retries": 2, "retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True}

F = TypeVar("F", bound=Callable[..., Any])


@functools.cache
def steps() -> ModuleType:
    """`opcc.pipeline`, imported when a task first runs rather than each time the scheduler parses this file."""
    from opcc import pipeline

    return pipeline


def settings():
    from opcc.config import load_settings

    return load_settings()


def fail_fast(step_task: F) -> F:
    """A step that raises StepFailed (bad data, failed checks) fails its task at once: no retry can mend it."""

    @functools.wraps(step_task)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return step_task(*args, **kwargs)
        except steps().StepFailed as exc:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(str(exc)) from exc

    return run  # type: ignore[return-value]


@dag(
    dag_id="opcc_nightly",
    schedule=SCHEDULE,
    deadline=publish_deadline(SCHEDULE),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    default_args=RETRIES,
    tags=["opcc", "finance"],
    doc_md=__doc__,
)
def opcc_nightly():
    @task
    @fail_fast
    def start(**context) -> str:
        return steps().start(settings(), context["run_id"], context["dag_run"].run_after)

    # The reference data (funds, cost centres, ...) is checked before anything uses it; when it fails, the build
    # refuses (it reads the record), so nothing is published and the report says which file and row to fix.
    @task(retries=0)
    @fail_fast
    def check_reference(run_dir: str) -> str:
        return steps().check_reference(settings(), run_dir)

    # all_done: a feed whose task failed does not stop the next feed, nor the night (bad files and
    # lines are set aside inside the task; this is for the rest, a full disk say).
    # The writers of the warehouse (raw, the build, the published version) share the pool's one slot: whichever
    # worker runs them, they never overlap (under `airflow dags test`, one task runs at a time anyway). On
    # PostgreSQL the feeds are not single writers: they run side by side, in Airflow's default pool.
    @task(trigger_rule="all_done", pool=None if PARALLEL_INGEST else WRITER_POOL)
    @fail_fast
    def ingest(feed: str, run_dir: str) -> dict[str, int]:
        return steps().ingest(settings(), feed, run_dir)

    @task(trigger_rule="all_done", pool=WRITER_POOL)
    @fail_fast
    def build(run_dir: str) -> str:
        return steps().build(settings(), run_dir)

    @task(retries=0)
    def docs(build_db: str, run_dir: str) -> None:
        steps().docs(settings(), build_db, run_dir)

    @task(retries=0)
    @fail_fast
    def audit(build_db: str, run_dir: str) -> dict[str, int]:
        return steps().audit(settings(), build_db, run_dir)

    @task(retries=0, pool=WRITER_POOL)
    @fail_fast
    def publish(build_db: str, run_dir: str) -> str:
        return steps().publish(settings(), build_db, run_dir)

    # Runs whatever happened to publish (it does nothing when the warehouse was not published); a failure
    # here must not stop the report.
    @task(trigger_rule="all_done", retries=0)
    def publications(run_dir: str) -> str:
        return steps().publications(settings(), run_dir)

    @task(trigger_rule="all_done", retries=0)
    def report(run_dir: str) -> str:
        return steps().report(settings(), run_dir)

    @task(trigger_rule="all_done", retries=0)
    @fail_fast
    def finish(run_dir: str) -> None:
        steps().finish(settings(), run_dir)

    run_dir = start()
    reference_checked = check_reference(run_dir)
    # On DuckDB one feed at a time (raw.duckdb has one writer), each whatever happened to the one before; on
    # PostgreSQL all at once. The build runs once every feed is done either way.
    ingests = [ingest.override(task_id=f"ingest_{feed}")(feed, run_dir) for feed in FEEDS]
    build_db = build(run_dir)
    if PARALLEL_INGEST:
        reference_checked >> ingests
        ingests >> build_db
    else:
        chain(reference_checked, *ingests, build_db)
    documented = docs(build_db, run_dir)
    checked = audit(build_db, run_dir)
    published = publish(build_db, run_dir)
    reported = report(run_dir)
    documented >> checked >> published >> reported >> finish(run_dir)
    published >> publications(run_dir) >> reported


opcc_nightly()
