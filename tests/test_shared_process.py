"""What the steps do differently when `opcc run` runs every task in one process (`airflow dags test`)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from opcc import pipeline
from opcc.config import Settings


@pytest.fixture
def slow_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module that is not imported yet (as Great Expectations is not, while dbt builds)."""
    name = f"opcc_test_slow_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("import time\ntime.sleep(0.2)\nLOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_the_next_steps_module_is_imported_while_dbt_works(slow_module: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pipeline.TASKS_SHARE_PROCESS, "1")
    with pipeline._importing_meanwhile(slow_module):
        pass  # dbt's subprocess would run here
    assert sys.modules[slow_module].LOADED


def test_nothing_is_imported_ahead_when_each_task_has_its_own_process(slow_module: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pipeline.TASKS_SHARE_PROCESS, raising=False)
    with pipeline._importing_meanwhile(slow_module):
        pass
    assert slow_module not in sys.modules


def test_an_import_that_fails_is_left_to_the_step_that_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pipeline.TASKS_SHARE_PROCESS, "1")
    with pipeline._importing_meanwhile("opcc_no_such_module"):
        pass
    assert "opcc_no_such_module" not in sys.modules


@pytest.mark.parametrize("shared", [True, False])
def test_the_last_task_freezes_the_heap_only_in_a_shared_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 shared: bool) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    pipeline.write_json(run_dir / "publish.json", {"published": True})
    if shared:
        monkeypatch.setenv(pipeline.TASKS_SHARE_PROCESS, "1")
    else:
        monkeypatch.delenv(pipeline.TASKS_SHARE_PROCESS, raising=False)
    gc.unfreeze()
    try:
        pipeline.finish(settings, str(run_dir))
        assert (gc.get_freeze_count() > 0) is shared
    finally:
        gc.unfreeze()
