"""`airflow dags test` with speed-ups that only make sense when every task runs in this one process.

`opcc run` starts Airflow as `python -m opcc.shared_process dags test opcc_nightly` instead of `airflow
dags test opcc_nightly`. Before handing over to Airflow's own CLI, this installs:

- a task listener that, when the build starts, imports Great Expectations on a background thread: dbt
  works in its own process on one core while the import (2-3 s) uses the other, so the audit starts at
  once;
- a freeze of the heap at exit: Python's final garbage collection would otherwise walk every object
  Airflow, GX and the steps left behind (about 2 s).

The steps and the DAG know nothing of this; under the scheduler (one process per task) none of it runs.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
import threading
from typing import Any

from airflow.listeners import hookimpl

# Which module to import ahead, while which task runs: the audit's, during the dbt build.
IMPORT_AHEAD = {"build": "great_expectations"}


class BackgroundImport:
    """Import a module on a thread; an error is kept (and logged), never raised on the thread: the step
    that needs the module imports it again and reports the error where it belongs."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"import {module}", daemon=True)

    def start(self) -> BackgroundImport:
        self._thread.start()
        return self

    def wait(self) -> BaseException | None:
        self._thread.join()
        return self.error

    def _run(self) -> None:
        try:
            importlib.import_module(self.module)
        except BaseException as exc:  # noqa: BLE001 - kept for the caller; the step imports it again
            self.error = exc
            print(f"importing {self.module} ahead failed ({type(exc).__name__}: {exc}); "
                  "the step that needs it will import it itself", file=sys.stderr)


class ImportAhead:
    """An Airflow task listener: when a task in `plan` starts running, import its module in the background."""

    def __init__(self, plan: dict[str, str] | None = None) -> None:
        self.plan = IMPORT_AHEAD if plan is None else plan
        self.started: dict[str, BackgroundImport] = {}

    @hookimpl
    def on_task_instance_running(self, previous_state: Any, task_instance: Any) -> None:
        module = self.plan.get(task_instance.task_id)
        if module and module not in sys.modules and module not in self.started:
            print(f"importing {module} on another thread while {task_instance.task_id} runs")
            self.started[module] = BackgroundImport(module).start()


def install() -> ImportAhead:
    """Register the listener with the Task SDK (which runs the tasks of `dags test`) and the freeze at exit."""
    from airflow.sdk.listener import get_listener_manager

    listener = ImportAhead()
    get_listener_manager().add_listener(listener)
    # atexit handlers run before the interpreter's final collection; frozen objects are left out of it.
    atexit.register(gc.freeze)
    return listener


def main() -> int:
    # Airflow's own entry point: it imports Airflow's configuration first, as its CLI does.
    from airflow.__main__ import main as airflow_main

    install()
    airflow_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
