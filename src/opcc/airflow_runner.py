"""Running the nightly DAG through Airflow itself, with an Airflow home under the data directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from opcc.config import Settings, offline_environment

DAG_ID = "opcc_nightly"


def airflow_env(settings: Settings, executor: str = "LocalExecutor", parallelism: int = 4) -> dict[str, str]:
    home = settings.airflow_home
    env = dict(os.environ)
    env.update(offline_environment())
    env.update({
        "OPCC_DATA_DIR": str(settings.data_dir),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__EXECUTOR": executor,
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Europe/London",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__API__EXPOSE_CONFIG": "False",
    })
    return env


def _airflow(settings: Settings, *args: str, env: dict[str, str] | None = None,
             capture: bool = False) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("airflow")
    return subprocess.run([str(exe) if exe.exists() else "airflow", *args],
                          env=env or airflow_env(settings), text=True, capture_output=capture)


def ensure_airflow(settings: Settings) -> None:
    """Create (or upgrade) the Airflow metadata database under the data directory."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    marker = settings.airflow_home / ".migrated"
    if marker.exists() and (settings.airflow_home / "airflow.db").exists():
        return
    proc = _airflow(settings, "db", "migrate", capture=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise RuntimeError("airflow db migrate failed")
    marker.write_text("ok\n")


@dataclass(frozen=True)
class DagRunOutcome:
    run_id: str
    state: str
    tasks: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.state == "success"


def latest_dag_run(settings: Settings) -> DagRunOutcome | None:
    """The newest run of the nightly DAG as recorded in Airflow's metadata database."""
    db = settings.airflow_home / "airflow.db"
    if not db.exists():
        return None
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1",
                          (DAG_ID,)).fetchone()
        if row is None:
            return None
        tasks = dict(con.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                                 (DAG_ID, row[0])).fetchall())
    finally:
        con.close()
    return DagRunOutcome(row[0], row[1], tasks)


def run_dag(settings: Settings, use_executor: bool = False, parallelism: int = 4) -> DagRunOutcome:
    """One real DagRun of the nightly DAG (`airflow dags test`), recorded in the metadata database."""
    ensure_airflow(settings)
    args = ["dags", "test", DAG_ID]
    if use_executor:
        args.append("--use-executor")
    proc = _airflow(settings, *args, env=airflow_env(settings, parallelism=parallelism))
    outcome = latest_dag_run(settings)
    if outcome is None:
        raise RuntimeError(f"airflow dags test exited {proc.returncode} without recording a DagRun")
    return outcome


def start_ui(settings: Settings, port: int = 8080) -> int:
    """`airflow standalone`: scheduler, API server with the UI, and DAG processor, for this data dir."""
    ensure_airflow(settings)
    env = airflow_env(settings)
    env["AIRFLOW__API__PORT"] = str(port)
    env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(settings.airflow_home / "passwords.json")
    return _airflow(settings, "standalone", env=env).returncode
