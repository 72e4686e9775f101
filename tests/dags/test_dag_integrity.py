"""The DAG folder imports cleanly in Airflow and wires the nightly run as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3.3

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
    for before, after in zip(ingests, ingests[1:] + ["build"]):
        assert after in dag.get_task(before).downstream_task_ids
        # A failed feed stops neither the next feed nor the build: the night goes on.
        assert dag.get_task(after).trigger_rule == "all_done"
    order = ["build", "docs", "audit", "publish", "report", "finish"]
    for before, after in zip(order, order[1:]):
        assert after in dag.get_task(before).downstream_task_ids
    assert dag.get_task("report").trigger_rule == "all_done"
    assert dag.get_task("finish").trigger_rule == "all_done"


def test_dag_file_imports_nothing_heavy() -> None:
    code = (
        "import sys, runpy, time; t = time.perf_counter(); "
        f"runpy.run_path({str(DAGS / 'opcc_nightly.py')!r}); "
        "heavy = [m for m in ('great_expectations', 'dbt', 'duckdb', 'pandas', 'openpyxl') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
