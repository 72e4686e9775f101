"""Nightly commissioning finance run: ingest each feed, dbt build, GX audit, publish, report.

Only wiring here: each task calls one step in `opcc.pipeline`, which imports what it needs when
it runs, so parsing this file stays fast.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import chain, dag, task

from opcc.config import FEEDS

# Transient trouble (a busy file, a full disk freed later) is retried with backoff; bad data and
# failed checks raise StepFailed, which the tasks turn into AirflowFailException: no retry.
RETRIES = {"retries": 2, "retry_delay": timedelta(seconds=30), "retry_exponential_backoff": True}


def _settings():
    from opcc.config import load_settings

    return load_settings()


def _fail_fast(step, *args):
    from airflow.sdk.exceptions import AirflowFailException

    from opcc.pipeline import StepFailed

    try:
        return step(_settings(), *args)
    except StepFailed as exc:
        raise AirflowFailException(str(exc)) from exc


@dag(
    dag_id="opcc_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    default_args=RETRIES,
    tags=["opcc", "finance"],
    doc_md=__doc__,
)
def opcc_nightly():
    @task
    def start(**context) -> str:
        from opcc import pipeline

        return pipeline.start(_settings(), context["run_id"], context["dag_run"].run_after)

    def ingest_task(feed: str):
        # all_done: a feed whose task failed does not stop the next feed, nor the night (bad files and
        # lines are set aside inside the task; this is for the rest, a full disk say).
        @task(task_id=f"ingest_{feed}", trigger_rule="all_done")
        def ingest(run_dir: str) -> dict[str, int]:
            from opcc import pipeline

            return pipeline.ingest(_settings(), feed, run_dir)

        return ingest

    @task(trigger_rule="all_done")
    def build(run_dir: str) -> str:
        from opcc import pipeline

        return _fail_fast(pipeline.build, run_dir)

    @task(retries=0)
    def audit(build_db: str, run_dir: str) -> dict[str, int]:
        from opcc import pipeline

        return _fail_fast(pipeline.audit, build_db, run_dir)

    @task(retries=0)
    def publish(build_db: str, run_dir: str) -> str:
        from opcc import pipeline

        return _fail_fast(pipeline.publish, build_db, run_dir)

    @task(retries=0)
    def docs(build_db: str, run_dir: str) -> None:
        from opcc import pipeline

        pipeline.docs(_settings(), build_db, run_dir)

    @task(trigger_rule="all_done", retries=0)
    def report(run_dir: str) -> str:
        from opcc import pipeline

        return pipeline.report(_settings(), run_dir)

    @task(trigger_rule="all_done", retries=0)
    def finish(run_dir: str) -> None:
        from opcc import pipeline

        _fail_fast(pipeline.finish, run_dir)

    run_dir = start()
    # One feed at a time: the raw database has one writer. Each runs whatever happened to the one before.
    ingests = [ingest_task(feed)(run_dir) for feed in FEEDS]
    build_db = build(run_dir)
    chain(*ingests, build_db)
    documented = docs(build_db, run_dir)
    checked = audit(build_db, run_dir)
    published = publish(build_db, run_dir)
    reported = report(run_dir)
    documented >> checked >> published >> reported >> finish(run_dir)


opcc_nightly()
