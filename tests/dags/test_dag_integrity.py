"""The DAG folder imports cleanly in Airflow and wires the nightly run as documented.

That nothing heavy is imported at the DAG file's top level is ruff's rule TID253 (dags/ruff.toml, `make lint`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS = Path(__file__).parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory):
    """The DAG as parsed for the DuckDB default (the shape depends on the settings: see the PostgreSQL test)."""
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3.3

    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPCC_DATA_DIR", str(tmp_path_factory.mktemp("duckdb-default")))
        env.delenv("OPCC_WAREHOUSE_URL", raising=False)
        return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == ["opcc_nightly"]


def test_schedule_is_0200_london(dagbag) -> None:
    dag = dagbag.dags["opcc_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert dag.timetable.timezone.name == "Europe/London"
    assert dag.catchup is False and dag.max_active_runs == 1


def test_tasks_run_in_order_and_ingest_one_feed_at_a_time(dagbag) -> None:
    dag = dagbag.dags["opcc_nightly"]
    feeds = ["transactions", "budgets", "commitments", "planned_projects", "ppa_receipts", "grant_awards"]
    ingests = [f"ingest_{f}" for f in feeds]
    # The reference data is checked first, before ingest or build consume it.
    assert dag.get_task("start").downstream_task_ids >= {"check_reference"}
    assert "ingest_transactions" in dag.get_task("check_reference").downstream_task_ids
    for before, after in zip(ingests, ingests[1:] + ["build"], strict=True):
        assert after in dag.get_task(before).downstream_task_ids
        # A failed feed stops neither the next feed nor the build: the night goes on.
        assert dag.get_task(after).trigger_rule == "all_done"
    order = ["build", "docs", "audit", "publish", "report", "finish"]
    for before, after in zip(order, order[1:], strict=False):
        assert after in dag.get_task(before).downstream_task_ids
    assert dag.get_task("report").trigger_rule == "all_done"
    assert dag.get_task("finish").trigger_rule == "all_done"


def test_the_six_ingest_tasks_are_one_task_function_given_its_feed(dagbag) -> None:
    dag = dagbag.dags["opcc_nightly"]
    ingests = [t for t in dag.tasks if t.task_id.startswith("ingest_")]
    assert {t.python_callable for t in ingests} == {ingests[0].python_callable}
    assert {t.task_id: t.op_args[0] for t in ingests} == {
        f"ingest_{feed}": feed for feed in
        ["transactions", "budgets", "commitments", "planned_projects", "ppa_receipts", "grant_awards"]}


def test_a_failed_step_fails_its_task_at_once_and_other_errors_are_retried() -> None:
    import runpy

    from airflow.sdk.exceptions import AirflowFailException

    from opcc.pipeline import StepFailed

    dag_file = runpy.run_path(str(DAGS / "opcc_nightly.py"))

    @dag_file["fail_fast"]
    def bad_data() -> None:
        raise StepFailed("budget.priority_commissioning_total failed")

    @dag_file["fail_fast"]
    def disk_full() -> None:
        raise OSError("No space left on device")

    with pytest.raises(AirflowFailException, match="budget.priority_commissioning_total failed"):
        bad_data()
    with pytest.raises(OSError):  # not AirflowFailException: Airflow retries it
        disk_full()


def test_the_warehouse_writers_share_one_pool_slot_and_the_rest_any_worker(dagbag) -> None:
    from opcc.airflow_runner import WRITER_POOL

    dag = dagbag.dags["opcc_nightly"]
    in_pool = {t.task_id for t in dag.tasks if t.pool == WRITER_POOL}
    assert in_pool == {t.task_id for t in dag.tasks if t.task_id.startswith("ingest_")} | {"build", "publish"}


def test_on_postgresql_the_feeds_ingest_side_by_side_and_the_build_waits_for_all(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from opcc.airflow_runner import WRITER_POOL

    monkeypatch.setenv("OPCC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPCC_WAREHOUSE_URL", "postgresql://opcc@127.0.0.1:5432/opcc")  # parsing connects to nothing
    dag = DagBag(dag_folder=str(DAGS)).dags["opcc_nightly"]
    ingests = {t.task_id for t in dag.tasks if t.task_id.startswith("ingest_")}
    assert len(ingests) == 6
    for task_id in ingests:
        task = dag.get_task(task_id)
        assert task.upstream_task_ids == {"start", "check_reference"} and task.downstream_task_ids == {"build"}
        assert task.pool != WRITER_POOL and task.trigger_rule == "all_done"
    assert ingests < dag.get_task("build").upstream_task_ids
    assert dag.get_task("build").trigger_rule == "all_done" and dag.get_task("build").pool == WRITER_POOL
    assert dag.get_task("publish").pool == WRITER_POOL


def test_a_night_not_published_by_0700_london_alerts_through_a_deadline(dagbag) -> None:
    """Airflow's Deadline Alert: 5 hours after the 02:00 logical date is 07:00 London (opcc.toml's publish_by),
    and the triggerer's callback is opcc's, given the data directory and the time."""
    from datetime import timedelta

    from airflow.sdk import AsyncCallback, DeadlineReference

    [alert] = dagbag.dags["opcc_nightly"].deadline
    assert alert.reference == DeadlineReference.DAGRUN_LOGICAL_DATE
    assert alert.interval == timedelta(hours=5)
    assert isinstance(alert.callback, AsyncCallback)
    assert alert.callback.path == "opcc.freshness.publish_deadline.night_not_published"
    assert alert.callback.kwargs["publish_by"] == "07:00"
