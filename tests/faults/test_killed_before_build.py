"""Whole nights through Airflow killed with SIGKILL (every process at once) before the warehouse is built
(issue 22, point 9): as each kind of step up to the build is seen to finish, and while an ingest task and dbt's
build run. A plain `opcc run` after each publishes the undisturbed night's marts, row for row, and raw holds every
file once. The moments after the build are in test_killed_after_build.py (two files: `make test` runs them side by
side)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import kill_then_rerun

from opcc.config import FEEDS

pytestmark = pytest.mark.faults

FIRST_FEED, LAST_FEED = f"ingest_{next(iter(FEEDS))}", f"ingest_{list(FEEDS)[-1]}"
# Each kind of boundary once (after start is as after check_reference: nothing loaded yet), to keep `make test` short.
MOMENTS = [("after", "check_reference"), ("during", FIRST_FEED), ("after", FIRST_FEED), ("after", LAST_FEED),
           ("during", "build")]


@pytest.mark.parametrize(("when", "task"), MOMENTS, ids=[f"{w}-{t}" for w, t in MOMENTS])
def test_a_night_killed_before_the_build_then_rerun_publishes_the_undisturbed_marts_and_loses_nothing(
        tmp_path: Path, undisturbed: tuple[dict, list[tuple]], when: str, task: str) -> None:
    kill_then_rerun(tmp_path / "data", when, task, undisturbed)
