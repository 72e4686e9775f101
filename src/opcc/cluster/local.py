"""`opcc cluster up|down|status`: the multi-machine stack on this one machine, on loopback ports, under
`$OPCC_DATA_DIR/cluster/`.

    postgres/          PostgreSQL 15: database `airflow` (Airflow's metadata, Celery's results), `warehouse`
    redis/             Redis: Celery's broker
    run/<part>.pid     the Airflow parts below, started detached
    logs/<part>.log    their output (task logs stay under $OPCC_DATA_DIR/airflow/logs/)
    cluster.json       the ports chosen at the first `up`, kept so URLs stay the same from one `up` to the next
    secrets.json       the Airflow parts' shared JWT and session secrets (mode 0600; never in the repo)

Airflow: the API server (UI and the execution API the workers report to), the scheduler, the DAG processor, the
triggerer (it runs the DAG's publish-by Deadline Alert callback: opcc.freshness.publish_deadline) and two Celery
workers of one slot each. `up` writes `airflow_database_url` (and, unless the warehouse stays on DuckDB,
`warehouse_url`) into the data directory's opcc.toml, so a plain `opcc run` triggers the DAG here.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from opcc.cluster.postgres import SUPERUSER, LocalPostgres
from opcc.cluster.processes import Detached
from opcc.cluster.redis import LocalRedis
from opcc.config import Settings, load_settings
from opcc.environment import variable

WORKERS = ("worker-1", "worker-2")
AIRFLOW_PARTS = ("api-server", "scheduler", "dag-processor", "triggerer", *WORKERS)
AIRFLOW_DATABASE = "airflow"
WAREHOUSE_DATABASE = "warehouse"


@dataclass(frozen=True)
class PartStatus:
    name: str
    running: bool
    pid: int | None
    where: str
    log: Path

    def __str__(self) -> str:
        state = f"running (pid {self.pid})" if self.running else "stopped"
        return f"{self.name:<14} {state:<22} {self.where:<42} {self.log}"


class LocalCluster:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder = settings.data_dir / "cluster"
        self.ports = self._ports()

    # -- what lives where -------------------------------------------------------------------------
    @property
    def _state(self) -> Path:
        return self.folder / "cluster.json"

    def exists(self) -> bool:
        """An earlier `up` made a cluster here (running or not)."""
        return self._state.exists()

    def _ports(self) -> dict[str, int]:
        if self.exists():
            return {k: int(v) for k, v in json.loads(self._state.read_text())["ports"].items()}
        from opcc.airflow_runner import free_port

        return {"postgres": free_port(), "redis": free_port(), "api": free_port()}  # kept by the first `up`

    @property
    def postgres(self) -> LocalPostgres:
        return LocalPostgres(self.folder / "postgres", self.ports["postgres"])

    @property
    def redis(self) -> LocalRedis:
        return LocalRedis(self.folder, self.ports["redis"])

    def part(self, name: str) -> Detached:
        return Detached(name, self.folder)

    @property
    def airflow_database_url(self) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.ports['postgres']}/{AIRFLOW_DATABASE}"

    @property
    def warehouse_url(self) -> str:
        return self.postgres.url(WAREHOUSE_DATABASE)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    def _secrets(self) -> dict[str, str]:
        path = self.folder / "secrets.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(json.dumps({"jwt_secret": secrets.token_hex(32), "secret_key": secrets.token_hex(32)}))
        return dict(json.loads(path.read_text()))

    def airflow_env(self) -> dict[str, str]:
        """What every Airflow part of the cluster runs with: one database, one broker, one API, one secret."""
        from opcc.airflow_runner import airflow_env

        keys = self._secrets()
        env = airflow_env(self.settings, executor="CeleryExecutor")
        env.update({
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.airflow_database_url,
            "AIRFLOW__CELERY__BROKER_URL": self.redis.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.postgres.url(AIRFLOW_DATABASE),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",  # two cores shared: one task per worker at a time
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.ports["api"]),
            "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
            "AIRFLOW__API__SECRET_KEY": keys["secret_key"],
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.folder / "passwords.json"),
            # Each worker records its own name on the task instances it runs (see opcc.cluster.hostname).
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "opcc.cluster.hostname.hostname",
        })
        return env

    def _command(self, name: str) -> tuple[list[str], dict[str, str]]:
        airflow = str(Path(sys.executable).with_name("airflow"))
        env = self.airflow_env()
        if name == "api-server":
            return [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.ports["api"]),
                    "--workers", "1"], env
        if name in ("scheduler", "dag-processor"):
            return [airflow, name], env
        if name == "triggerer":  # its logs are files too: no log server (and no fixed port to clash on)
            return [airflow, name, "--skip-serve-logs"], env
        env[variable("worker_name")] = name
        # Task logs are files under the one Airflow home here, read by the API server directly.
        return [airflow, "celery", "worker", "--concurrency", "1", "--celery-hostname", name,
                "--skip-serve-logs"], env

    # -- up, down, status -------------------------------------------------------------------------
    def up(self, warehouse: str = "postgres", timeout: float = 180) -> None:
        """Start whatever is not running; a second `up` changes nothing. Data from an earlier `up` is kept.
        `warehouse`: "postgres" puts the warehouse in the cluster's PostgreSQL, "duckdb" leaves it in files."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._state.write_text(json.dumps({"ports": self.ports}, indent=2) + "\n")
        postgres = self.postgres
        postgres.start()
        postgres.create_database(AIRFLOW_DATABASE)
        postgres.create_database(WAREHOUSE_DATABASE)
        self.redis.start()
        self._migrate_airflow()
        # Before the parts start: the DAG processor reads warehouse_url when it parses the DAG (on PostgreSQL the
        # feeds ingest side by side), and the first run may come before it parses again.
        write_settings(self.settings.data_dir, {
            "airflow_database_url": self.airflow_database_url,
            "warehouse_url": self.warehouse_url if warehouse == "postgres" else None,
        })
        for name in AIRFLOW_PARTS:
            command, env = self._command(name)
            self.part(name).start(command, env)
        self._wait_until_ready(timeout)

    def _migrate_airflow(self) -> None:
        """`airflow db migrate` once per Airflow version, and the pool the warehouse writers share."""
        from importlib.metadata import version

        from opcc.airflow_runner import _airflow, ensure_writer_pool

        marker = self.folder / "airflow-migrated"
        wanted = version("apache-airflow")
        env = self.airflow_env()
        if not marker.exists() or marker.read_text().strip() != wanted:
            proc = _airflow(self.settings, "db", "migrate", env=env, capture=True)
            if proc.returncode != 0:
                raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
            marker.write_text(wanted + "\n")
        ensure_writer_pool(self.settings.model_copy(update={"airflow_database_url": self.airflow_database_url}), env)

    def _wait_until_ready(self, timeout: float) -> None:
        """The API server answers and each worker has told Celery it is ready; any part that dies says why."""
        deadline = time.monotonic() + timeout
        waiting = set(AIRFLOW_PARTS)
        while waiting:
            for name in sorted(waiting):
                part = self.part(name)
                if not part.running():
                    raise RuntimeError(f"{name} stopped; see {part.log}:\n{part.log_tail()}")
                if self._ready(name, part):
                    waiting.discard(name)
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(sorted(waiting))} "
                                   f"(logs in {self.folder / 'logs'})")
            time.sleep(0.5)

    def _ready(self, name: str, part: Detached) -> bool:
        if name == "api-server":
            try:
                with socket.create_connection(("127.0.0.1", self.ports["api"]), timeout=1):
                    return True
            except OSError:
                return False
        if name in WORKERS:
            return re.search(rf"{re.escape(name)} ready\.", part.log_tail(20000)) is not None
        return True  # the scheduler, DAG processor and triggerer have no port: running is ready

    def down(self) -> None:
        """Stop every part this cluster started, the last started first. The data stays for the next `up`."""
        for name in reversed(AIRFLOW_PARTS):
            self.part(name).stop()
        self.redis.stop()
        self.postgres.stop()

    def status(self) -> list[PartStatus]:
        pg = self.postgres
        pg_pid = _postmaster_pid(pg) if pg.running() else None
        parts = [PartStatus("postgres", pg_pid is not None, pg_pid, f"127.0.0.1:{self.ports['postgres']} "
                            f"({AIRFLOW_DATABASE}, {WAREHOUSE_DATABASE})", pg.log)]
        redis = self.redis.process
        parts.append(PartStatus("redis", redis.running(), redis.pid(), self.redis.url, redis.log))
        for name in AIRFLOW_PARTS:
            part = self.part(name)
            where = self.api_url if name == "api-server" else ("celery, 1 slot" if name in WORKERS else "")
            parts.append(PartStatus(name, part.running(), part.pid(), where, part.log))
        return parts


def _postmaster_pid(pg: LocalPostgres) -> int | None:
    try:
        return int((pg.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def write_settings(data_dir: Path, values: dict[str, str | None]) -> None:
    """Set (or, for None, remove) top-level keys of the data directory's opcc.toml, keeping every other line;
    then check the file still loads."""
    path = data_dir / "opcc.toml"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    tables_start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    ours = re.compile(rf"^\s*({'|'.join(map(re.escape, values))})\s*=")
    head = [line for line in lines[:tables_start] if not ours.match(line)]
    # json.dumps writes a valid TOML basic string for these URLs
    head += [f"{key} = {json.dumps(value)}" for key, value in values.items() if value is not None]
    path.write_text("\n".join(head + lines[tables_start:]) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)  # it may hold a password: the data directory's file, never the repo's
    load_settings(data_dir)


def bi_reader_url(settings: Settings) -> str:
    """The BI tools' read-only connection (opcc.postgres.roles' role, created or brought up to date), and where
    its password is."""
    from opcc.postgres.roles import ensure_bi_role

    role = ensure_bi_role(settings)
    where = f"PGPASSFILE={role.password_file}" if role.password_file else "$OPCC_BI_PASSWORD"
    return f"{role.url} (password: {where})"
