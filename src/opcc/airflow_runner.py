"""Running the nightly DAG through Airflow itself, with an Airflow home under the data directory."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from opcc.config import Settings, SettingsError, load_settings, offline_environment
from opcc.environment import variable
from opcc.run_progress import TaskFollower, TaskLine, last_dag_run_id, metadata_rows

DAG_ID = "opcc_nightly"


def airflow_env(settings: Settings, executor: str = "LocalExecutor", parallelism: int = 4) -> dict[str, str]:
    home = settings.airflow_home
    env = dict(os.environ)
    env.update(offline_environment())
    env.update({
        # Airflow starts its parts as `airflow ...`: let it find this environment's, activated or not.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        variable("data_dir"): str(settings.data_dir),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
        # A running Airflow's database (opcc cluster), else a SQLite file of this data directory's own.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": settings.airflow_database_url or f"sqlite:///{home / 'airflow.db'}",
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
    log: Path | None = None  # Airflow's full output for this run (opcc run)
    lines: list[TaskLine] = field(default_factory=list)  # each task as it finished

    @property
    def failed_tasks(self) -> list[str]:
        """The tasks that failed or could not run for a failure before them, in the order they finished."""
        order = {line.task_id: i for i, line in enumerate(self.lines)}
        failed = [task_id for task_id, state in self.tasks.items() if state in ("failed", "upstream_failed")]
        return sorted(failed, key=lambda task_id: order.get(task_id, len(order)))

    @property
    def ok(self) -> bool:
        return self.state == "success"


def latest_dag_run(settings: Settings) -> DagRunOutcome | None:
    """The newest run of the nightly DAG as recorded in Airflow's metadata database."""
    rows = metadata_rows(settings, "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1",
                         (DAG_ID,))
    if not rows:
        return None
    run_id, state = rows[0]
    tasks = metadata_rows(settings, "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                          (DAG_ID, run_id)) or []
    return DagRunOutcome(run_id, state, dict(tasks))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def execution_api(settings: Settings, env: dict[str, str]) -> Iterator[None]:
    """An Airflow API server on loopback for the run's lifetime: LocalExecutor workers report to it."""
    port = free_port()
    env.update({
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),  # per run, never stored
    })
    log = (settings.airflow_home / "logs" / "api-server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("airflow")
    with log.open("ab") as out:
        server = subprocess.Popen([str(exe), "api-server", "--host", "127.0.0.1", "--port", str(port),
                                   "--apps", "execution", "--workers", "1"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the Airflow API server stopped (exit {server.returncode}); see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the Airflow API server did not start within 120 s; see {log}") from None
                time.sleep(0.5)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


class RunInProgress(RuntimeError):
    """Another `opcc run` is using the same data directory."""


@contextmanager
def one_run_at_a_time(settings: Settings) -> Iterator[None]:
    """`airflow dags test` does not honour the DAG's max_active_runs, and every night builds into the one
    build file: a second `opcc run` on the same data directory is refused, not interleaved."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with (settings.data_dir / "run.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(f"another opcc run is in progress on {settings.data_dir}: "
                                "wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def dags_test_command(use_executor: bool) -> list[str]:
    """`airflow dags test` for the nightly DAG, as `run_dag` starts it."""
    if use_executor:
        airflow = Path(sys.executable).with_name("airflow")
        return [str(airflow) if airflow.exists() else "airflow", "dags", "test", DAG_ID, "--use-executor"]
    # Every task runs in this one process: opcc.shared_process adds what pays only then (see there).
    return [sys.executable, "-m", "opcc.shared_process", "dags", "test", DAG_ID]


def run_log_path(settings: Settings) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.airflow_home / "logs" / f"opcc-run-{stamp}.log"


def run_dag(settings: Settings, use_executor: bool = False, parallelism: int = 4, echo_log: bool = False,
            on_task: Callable[[TaskLine], None] = lambda line: None,
            on_log: Callable[[Path], None] = lambda path: None) -> DagRunOutcome:
    """One real DagRun of the nightly DAG (`airflow dags test`), recorded in the metadata database.

    Airflow's output goes to a log file (`on_log` is told its path first; `echo_log` copies it to this
    process's stdout too); `on_task` is called with each task's line as that task finishes.
    With `use_executor`, tasks run as the scheduler would run them: each in its own process under
    the LocalExecutor (up to `parallelism` at once), reporting to a loopback API server.
    When the data directory names a running Airflow (`airflow_database_url`), the run is that Airflow's instead
    (see `run_on_airflow`)."""
    if settings.airflow_database_url is not None:
        return run_on_airflow(settings, on_task=on_task, on_log=on_log)
    with one_run_at_a_time(settings):
        ensure_airflow(settings)
        env = airflow_env(settings, parallelism=parallelism)
        env[variable("dag_without_deadline")] = "1"  # `dags test` cannot end a DagRun with a Deadline Alert
        log = run_log_path(settings)
        log.parent.mkdir(parents=True, exist_ok=True)
        on_log(log)
        follower = TaskFollower(settings, DAG_ID, last_dag_run_id(settings, DAG_ID), on_task)
        with ExitStack() as stack:
            if use_executor:
                stack.enter_context(execution_api(settings, env))
            returncode = _run_logged(dags_test_command(use_executor), env, log, echo_log, follower.poll)
        follower.poll()  # whatever finished between the last poll and the exit
    outcome = latest_dag_run(settings)
    if outcome is None or outcome.run_id != follower.run_id:
        raise RuntimeError(f"airflow dags test exited {returncode} without recording a DagRun; see {log}")
    return DagRunOutcome(outcome.run_id, outcome.state, outcome.tasks, log, follower.lines)


# The tasks that write the warehouse (raw, the build, the published version) take this pool's one slot, so they
# never overlap whichever worker runs them. Under `airflow dags test` pools are not consulted.
WRITER_POOL = "opcc_warehouse_writer"


def feeds_ingest_in_parallel() -> bool:
    """Read when the DAG file is parsed (`$OPCC_DATA_DIR/opcc.toml`, `$OPCC_WAREHOUSE_URL`): whether the engine
    gives each feed a raw store of its own (opcc.engine.base.Engine.feeds_load_in_parallel), so the ingest tasks
    need neither the writer pool nor an order. A settings file that does not load keeps the safe order; the tasks
    then report the mistake."""
    from opcc.engine import engine_for

    try:
        return engine_for(load_settings()).feeds_load_in_parallel
    except SettingsError:
        return False


def ensure_writer_pool(settings: Settings, env: dict[str, str]) -> None:
    if metadata_rows(settings, "SELECT 1 FROM slot_pool", ()) is None:
        raise RuntimeError(f"Airflow's metadata database ({settings.airflow_database_url}) does not answer: "
                           "is the Airflow this data directory names running (opcc cluster up)?")
    if metadata_rows(settings, "SELECT 1 FROM slot_pool WHERE pool = ?", (WRITER_POOL,)):
        return
    proc = _airflow(settings, "pools", "set", WRITER_POOL, "1", "tasks that write the warehouse, one at a time",
                    env=env, capture=True)
    if proc.returncode != 0:
        raise RuntimeError(f"creating Airflow's pool {WRITER_POOL} failed: {proc.stderr[-2000:]}")


def run_on_airflow(settings: Settings, on_task: Callable[[TaskLine], None] = lambda line: None,
                   on_log: Callable[[Path], None] = lambda path: None, timeout: float = 6 * 3600) -> DagRunOutcome:
    """Trigger the nightly DAG on a running Airflow (its scheduler queues the tasks, its workers run them) and
    follow the DagRun in its metadata database until it ends. `on_log` is told where the tasks' logs go."""
    env = airflow_env(settings)
    ensure_writer_pool(settings, env)
    log = run_log_path(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    on_log(log)
    with log.open("w") as out:
        run_id = _trigger(settings, env, out)
        out.write(f"DagRun {run_id} triggered; each task's log is under {settings.airflow_home / 'logs'}\n")
    follower = TaskFollower(settings, DAG_ID, 0, on_task)
    follower.run_id = run_id
    deadline = time.monotonic() + timeout
    while True:
        follower.poll()
        rows = metadata_rows(settings, "SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", (DAG_ID, run_id))
        state = rows[0][0] if rows else None
        if state in ("success", "failed"):
            follower.poll()
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"DagRun {run_id} has not finished after {timeout:.0f} s (state {state})")
        time.sleep(1)
    tasks = metadata_rows(settings, "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                          (DAG_ID, run_id)) or []
    return DagRunOutcome(run_id, state, dict(tasks), log, follower.lines)


def _trigger(settings: Settings, env: dict[str, str], out: TextIO, wait: float = 300) -> str:
    """Create a DagRun (unpausing the DAG if need be); its run id."""
    deadline = time.monotonic() + wait
    while not (rows := metadata_rows(
            settings, "SELECT d.is_paused, d.next_dagrun FROM dag d JOIN serialized_dag s ON s.dag_id = d.dag_id "
                      "WHERE d.dag_id = ?", (DAG_ID,))):
        if time.monotonic() > deadline:  # the DAG processor has not parsed the DAG (yet)
            raise RuntimeError(f"Airflow does not know the DAG {DAG_ID} after {wait:.0f} s: is its DAG processor "
                               f"running, with dags_folder {settings.dags_dir}?")
        time.sleep(1)
    paused, next_dagrun = rows[0]
    run_id = "opcc_run__" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    command = ["dags", "trigger", DAG_ID, "--run-id", run_id]
    # Unpausing a DAG makes Airflow start the latest scheduled run now due (catchup=False): ours takes that
    # run's logical date, so it is the only run and the schedule carries on from the next night.
    if paused and next_dagrun is not None and next_dagrun <= dt.datetime.now(dt.UTC) and not metadata_rows(
            settings, "SELECT 1 FROM dag_run WHERE dag_id = ? AND logical_date = ?", (DAG_ID, next_dagrun)):
        command += ["--logical-date", next_dagrun.isoformat()]
    for args in ([command, ["dags", "unpause", DAG_ID]] if paused else [command]):
        proc = _airflow(settings, *args, env=env, capture=True)
        out.write(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return run_id


def _run_logged(command: list[str], env: dict[str, str], log: Path, echo: bool,
                every_half_second: Callable[[], None]) -> int:
    """Run `command` with its output (stdout and stderr) in `log`, and on our stdout too if `echo`."""
    with log.open("wb", buffering=0) as out:  # unbuffered: a write that fails fails in _copy_lines, not at close
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        copier = threading.Thread(target=_copy_lines, args=(proc.stdout, out, echo), daemon=True)
        copier.start()
        while True:
            try:
                proc.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                every_half_second()
        copier.join()
    return proc.returncode


def _copy_lines(source: BinaryIO, out: BinaryIO, echo: bool) -> None:
    """Copy the night's output to its log until the night ends. A line the disk has no room for is left out (and
    counted in the log once there is room again), never the reading: Airflow would block on a full pipe."""
    lost = 0
    for line in iter(source.readline, b""):
        try:
            if lost:
                out.write(f"[opcc: {lost} line(s) of this log lost: the disk was full]\n".encode())
            out.write(line)
            lost = 0
        except OSError:
            lost += 1
        if echo:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()


def start_ui(settings: Settings, port: int = 8080, host: str = "127.0.0.1") -> int:
    """`airflow standalone`: scheduler, API server with the UI, and DAG processor, for this data dir.

    One user, `admin`; its password is generated at first start into `airflow/passwords.json`."""
    ensure_airflow(settings)
    env = airflow_env(settings)
    env.update({
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__BASE_URL": f"http://{host}:{port}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(settings.airflow_home / "passwords.json"),
    })
    return _airflow(settings, "standalone", env=env).returncode
