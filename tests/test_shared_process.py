"""What `opcc run` adds when every task runs in one process (`python -m opcc.shared_process dags test …`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from opcc import shared_process
from opcc.airflow_runner import DAG_ID, dags_test_command

# A thread that dies of an exception would only warn: here it fails the test.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture
def new_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """A module not imported yet (as Great Expectations is not, while dbt builds): name and file."""
    name = f"opcc_test_ahead_{tmp_path.name.replace('-', '_')}"
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name, tmp_path / f"{name}.py"
    sys.modules.pop(name, None)


def test_a_module_is_imported_on_another_thread(new_module: tuple[str, Path]) -> None:
    name, path = new_module
    path.write_text("import threading, time\ntime.sleep(0.3)\nTHREAD = threading.current_thread().name\n")
    ahead = shared_process.BackgroundImport(name).start()
    assert name not in sys.modules or not hasattr(sys.modules[name], "THREAD")  # still sleeping: we did not wait
    assert ahead.wait() is None
    assert sys.modules[name].THREAD == f"import {name}"


def test_an_import_that_fails_is_kept_for_the_step_that_needs_it(new_module: tuple[str, Path],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    name, path = new_module
    path.write_text("raise RuntimeError('GX could not start')\n")
    error = shared_process.BackgroundImport(name).start().wait()
    assert isinstance(error, RuntimeError) and str(error) == "GX could not start"
    assert name not in sys.modules  # so the step's own import raises it again, where it is reported
    assert f"importing {name} ahead failed (RuntimeError: GX could not start)" in capsys.readouterr().err


def test_airflow_calls_the_listener_and_only_the_build_imports_ahead(new_module: tuple[str, Path]) -> None:
    """Through Airflow's own listener manager, built as the Task SDK builds it (which checks the hooks)."""
    from airflow.sdk._shared.listeners.listener import ListenerManager
    from airflow.sdk._shared.listeners.spec import taskinstance

    name, path = new_module
    path.write_text("LOADED = True\n")
    listener = shared_process.ImportAhead({"build": name})
    manager = ListenerManager()
    manager.add_hookspecs(taskinstance)
    manager.add_listener(listener)

    manager.hook.on_task_instance_running(previous_state=None, task_instance=SimpleNamespace(task_id="ingest_budgets"))
    assert listener.started == {}
    manager.hook.on_task_instance_running(previous_state=None, task_instance=SimpleNamespace(task_id="build"))
    assert listener.started[name].wait() is None
    assert sys.modules[name].LOADED


def test_install_registers_with_the_task_sdk_and_freezes_the_heap_at_exit() -> None:
    # atexit runs handlers last-registered first: this one, registered before install(), sees the freeze.
    code = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from opcc import shared_process\n"
        "listener = shared_process.install()\n"
        "from airflow.sdk.listener import get_listener_manager\n"
        "print('registered:', get_listener_manager().pm.is_registered(listener))\n"
        "print('frozen before exit:', gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["registered: True", "frozen before exit: False", "frozen at exit: True"]


def test_only_opcc_run_in_one_process_goes_through_the_shared_process() -> None:
    in_one = dags_test_command(use_executor=False)
    assert in_one == [sys.executable, "-m", "opcc.shared_process", "dags", "test", DAG_ID]
    separate = dags_test_command(use_executor=True)
    assert "opcc.shared_process" not in separate
    assert separate[1:] == ["dags", "test", DAG_ID, "--use-executor"]
