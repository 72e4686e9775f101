"""A Redis server of our own for Celery's broker: Debian's redis-server with a config of ours, loopback only.

The broker holds only queued task messages; the task states live in Airflow's metadata database, so nothing is
persisted (a restart loses nothing a scheduler cannot queue again).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from opcc.cluster.processes import Detached


def redis_server() -> str:
    found = shutil.which("redis-server", path="/usr/bin:/usr/local/bin:" + os.environ.get("PATH", ""))
    if found is None:
        raise RuntimeError("redis-server was not found: install Debian's redis-server (make services)")
    return found


@dataclass(frozen=True)
class LocalRedis:
    folder: Path  # the cluster folder: redis/ holds the config and the server's working directory
    port: int

    @property
    def process(self) -> Detached:
        return Detached("redis", self.folder)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def config(self) -> Path:
        home = self.folder / "redis"
        home.mkdir(parents=True, exist_ok=True)
        conf = home / "redis.conf"
        conf.write_text(
            "bind 127.0.0.1\n"
            f"port {self.port}\n"
            f"dir {home}\n"
            "daemonize no\n"  # Detached keeps it as its own process group, with our pid file
            'save ""\n'
            "appendonly no\n"
            "protected-mode yes\n")
        return conf

    def start(self, timeout: float = 30) -> None:
        self.process.start([redis_server(), str(self.config())], env={"PATH": "/usr/bin:/bin"})
        deadline = time.monotonic() + timeout
        while not self.answers():
            if not self.process.running():
                raise RuntimeError(f"redis-server stopped; see {self.process.log}:\n{self.process.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server is not answering on port {self.port}; see {self.process.log}")
            time.sleep(0.2)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        self.process.stop()
