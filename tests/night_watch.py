"""Watching a night that `opcc run` is running, from outside, to strike it at a chosen moment: the tasks it has
reported finished (its own one line per task), the tasks Airflow's metadata says are running, and whether a dbt
build is under way for a data directory."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

OPCC = str(Path(sys.executable).with_name("opcc"))


class WatchedNight:
    """`opcc run` on `data` in a session of its own (so that a kill takes every process it started), its output
    collected line by line as it prints them."""

    def __init__(self, data: Path, *args: str) -> None:
        self.data = data
        env = {**os.environ, "OPCC_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([OPCC, "run", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def finished(self, task_id: str) -> bool:
        """`opcc run` has printed the task's line: it has finished, and the next has not got far."""
        return any(line.split(" ", 1)[0] == task_id for line in list(self.lines))

    def running(self, task_id: str) -> bool:
        """Airflow's metadata says the task is running now."""
        try:
            db = sqlite3.connect(f"file:{self.data / 'airflow' / 'airflow.db'}?mode=ro", uri=True, timeout=0.2)
            try:
                row = db.execute("""SELECT state FROM task_instance WHERE task_id = ? AND run_id =
                                    (SELECT run_id FROM dag_run ORDER BY id DESC LIMIT 1)""", (task_id,)).fetchone()
            finally:
                db.close()
        except sqlite3.Error:  # not made yet, or busy: ask again
            return False
        return row is not None and row[0] == "running"

    def wait_for(self, moment: Callable[[], bool], what: str, timeout: float = 600, ended_ok: bool = False) -> None:
        """Until `moment()`; the night ending first fails the test, unless `ended_ok`."""
        deadline = time.monotonic() + timeout
        while not moment():
            assert ended_ok or self.proc.poll() is None, f"the night ended before {what}:\n" + "\n".join(
                self.lines[-40:])
            assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s"
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL to every process of the night at once, as the kernel's OOM killer or a power cut would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._reader.join(timeout=10)

    def wait(self, timeout: float = 900) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)


def dbt_building(data: Path) -> bool:
    """A `dbt build` process for data directory `data` is running."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes()
        except OSError:
            continue
        if any(c.endswith(b"dbt") for c in cmd[:2]) and b"build" in cmd and str(data).encode() in env:
            return True
    return False
