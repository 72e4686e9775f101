"""A PostgreSQL server of our own under a folder: Debian's postgresql-15 binaries, `initdb` once, `pg_ctl`
to start and stop, loopback only. Used by `opcc cluster` and by the tests that need a real server.

PostgreSQL refuses to run as root: when we are root (CI, these machines), the server's folder belongs to
the `postgres` system user and its commands run as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
SUPERUSER = "opcc_admin"


def bin_dir() -> Path:
    for folder in BIN_DIRS:
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL's initdb was not found: install Debian's postgresql-15 (make services)")


def _run_as() -> str | None:
    """The system user the server runs as when we are root; None when we are not."""
    return "postgres" if os.geteuid() == 0 else None


@dataclass(frozen=True)
class LocalPostgres:
    folder: Path  # holds data/ (the cluster), the socket and the log
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"postgresql://{auth}127.0.0.1:{self.port}/{database}"

    def _cmd(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = _run_as()
        command = [str(bin_dir() / args[0]), *args[1:]]
        if user:
            command = ["runuser", "-u", user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, cwd="/")

    def _own(self, path: Path) -> None:
        if (user := _run_as()) is not None:
            entry = pwd.getpwnam(user)
            for p in [path, *path.rglob("*")]:
                os.chown(p, entry.pw_uid, entry.pw_gid)
            # every folder above must be passable by that user
            for parent in path.resolve().parents:
                if parent.stat().st_mode & 0o001 == 0:
                    parent.chmod(parent.stat().st_mode | 0o001)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        """initdb once, as the admin role."""
        if self.initialised():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self._own(self.folder)
        proc = self._cmd("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth-local=trust",
                         "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        if proc.returncode != 0:
            raise RuntimeError(f"initdb failed in {self.data}: {proc.stderr.strip() or proc.stdout.strip()}")
        # First match wins: the admin role on loopback without a password (the server listens on 127.0.0.1
        # only, with no Unix socket); every other role (the BI reader) with its password.
        (self.data / "pg_hba.conf").write_text(
            f"host all {SUPERUSER} 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n")

    def running(self) -> bool:
        return self.initialised() and self._cmd("pg_ctl", "-D", str(self.data), "status").returncode == 0

    def start(self, timeout: float = 60) -> None:
        self.init()
        if self.running():
            return
        # TCP on loopback only: no Unix socket, whose path (under the data directory) may pass its 107-byte limit.
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
        proc = self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                         "-w", "-t", str(int(timeout)), "start")
        if proc.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start on port {self.port}: {proc.stderr.strip()}\n{tail}")
        deadline = time.monotonic() + timeout
        while self._cmd("pg_isready", "-h", "127.0.0.1", "-p", str(self.port)).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL on port {self.port} is not accepting connections")
            time.sleep(0.2)

    def stop(self, timeout: float = 300) -> None:
        """Stop the server and return once its postmaster is gone. A busy machine can take longer than pg_ctl's
        default minute to write the shutdown checkpoint; past `timeout`, the server is stopped immediately."""
        if not self.running():
            return
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = None
        stopped = self._cmd("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", str(int(timeout)), "stop")
        if stopped.returncode != 0 and self.running():
            self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        deadline = time.monotonic() + 30
        while pid is not None and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)  # pg_ctl returns when the pid file goes, an instant before the process itself

    def create_database(self, name: str) -> None:
        import psycopg2

        con = psycopg2.connect(self.url())
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (one nobody has collected yet, as happens where pid 1 reaps none)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"
