"""Whole nights through Airflow struck after the warehouse is built (issue 22, point 9): killed with SIGKILL
(every process at once) as each step from the build on is seen to finish, and while publish runs; and a disk
that fills while dbt builds. A plain `opcc run` after each publishes the undisturbed night's marts, row for row."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import fill, kill_then_rerun, opcc
from marts_rows import marts_rows
from night_watch import WatchedNight, dbt_building

pytestmark = pytest.mark.faults

# After docs is as after the build (the audit next, nothing published) and after the report as after publications
# (only the run's last record to come): left out to keep `make test` short.
MOMENTS = [("after", "build"), ("after", "audit"), ("during", "publish"), ("after", "publish"),
           ("after", "publications")]


@pytest.mark.parametrize(("when", "task"), MOMENTS, ids=[f"{w}-{t}" for w, t in MOMENTS])
def test_a_night_killed_after_the_build_then_rerun_publishes_the_undisturbed_marts_and_loses_nothing(
        tmp_path: Path, undisturbed: tuple[dict, list[tuple]], when: str, task: str) -> None:
    kill_then_rerun(tmp_path / "data", when, task, undisturbed)


@pytest.mark.disk_mb(300)  # a demo night writes 57 MB; the build needs room the ballast leaves it without
def test_a_disk_that_fills_while_dbt_builds_fails_the_night_as_the_machines_fault_and_a_rerun_publishes(
        small_disk: Path, undisturbed: tuple[dict, list[tuple]]) -> None:
    data = small_disk / "data"
    assert opcc(data, "demo").returncode == 0
    assert opcc(data, "run").returncode == 0  # a first night published; the second has nothing new, and builds
    first = hashlib.sha256((data / "warehouse.duckdb").read_bytes()).hexdigest()
    night = WatchedNight(data, "--verbose")  # Airflow's log on its output: the log file shares the full disk
    night.wait_for(lambda: dbt_building(data), "dbt building")
    ballast = fill(small_disk, 64 << 10)
    # Until the build has failed, or the night has ended (Airflow's own database shares the full disk).
    night.wait_for(lambda: night.finished("build") or night.proc.poll() is not None, "the build failing",
                   ended_ok=True)
    ballast.unlink()  # room again: what follows may say why
    assert night.wait() != 0, night.output[-3000:]
    # The build's one line. (Airflow's own metadata database shares the disk: on a disk still full it may not record
    # the task's end; then the run's why names the task that was running and the disk's free space.)
    assert re.search(r"^disk full while (preparing|building|recording) the warehouse( build)?: free space, then rerun",
                     night.output, re.MULTILINE), night.output[-3000:]
    [why] = [line for line in night.lines if line.startswith("why:")]
    if "DagRun" in night.output and ": RUNNING" in night.output:  # Airflow could not record the end: the disk is named
        assert "before Airflow could record its end; the disk holding" in why and why.endswith(
            "free: free space, then rerun; see the full log"), why
    assert hashlib.sha256((data / "warehouse.duckdb").read_bytes()).hexdigest() == first, "BI's file changed"

    rerun = opcc(data, "run")
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    marts, _ = undisturbed
    assert marts_rows(data / "warehouse.duckdb") == marts
