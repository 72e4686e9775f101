"""Long-running processes started detached, each with a pid file and a log under the cluster folder.

Each starts in a session of its own, so stopping it signals its whole process group (Celery's pool children,
the API server's workers) and nothing else. The pid file also holds the process's start time, so a pid the
system has since given to another process is never mistaken for ours.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (state first), or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def _start_time(pid: int) -> str | None:
    fields = _stat(pid)
    return fields[19] if fields else None  # field 22 of stat: start time in clock ticks since boot


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    if fields is None:
        return False
    if fields[0] == "Z":  # a zombie: ours if we started it in this process; reap it
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        return False
    return True


def _group_alive(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            if fields[2] == str(pgid) and fields[0] != "Z":
                return True
    return False


@dataclass(frozen=True)
class Detached:
    name: str
    folder: Path  # the cluster folder: run/<name>.pid, logs/<name>.log

    @property
    def pid_file(self) -> Path:
        return self.folder / "run" / f"{self.name}.pid"

    @property
    def log(self) -> Path:
        return self.folder / "logs" / f"{self.name}.log"

    def pid(self) -> int | None:
        """Our process's pid while it runs; None when it does not."""
        try:
            pid_text, started = self.pid_file.read_text().split()
        except (OSError, ValueError):
            return None
        pid = int(pid_text)
        return pid if _alive(pid) and _start_time(pid) == started else None

    def running(self) -> bool:
        return self.pid() is not None

    def start(self, command: list[str], env: dict[str, str]) -> int:
        """Start `command` unless it already runs; its pid."""
        if (pid := self.pid()) is not None:
            return pid
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    cwd=self.folder, start_new_session=True)
        self.pid_file.write_text(f"{proc.pid} {_start_time(proc.pid)}\n")
        return proc.pid

    def stop(self, timeout: float = 60) -> None:
        """SIGTERM to its process group, SIGKILL to whatever is left after `timeout`."""
        pid = self.pid()
        if pid is not None:
            os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _group_alive(pid) or _alive(pid):
                if time.monotonic() > deadline:
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    deadline = time.monotonic() + 10
                time.sleep(0.2)
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
