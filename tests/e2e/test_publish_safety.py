"""Write-audit-publish under stress, through real Airflow runs: tasks under the LocalExecutor never
share a DuckDB file for writing, BI readers only ever see whole versions, and a run killed in the
middle of `dbt build` and rerun publishes the same marts as a clean run."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from marts_rows import marts_rows
from night_watch import dbt_building

pytestmark = pytest.mark.e2e

OPCC = str(Path(sys.executable).with_name("opcc"))
SEEDS = Path(__file__).parents[2] / "seeds" / "demo"


def opcc(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPCC_DATA_DIR": str(data)}
    return subprocess.run([OPCC, *args], env=env, capture_output=True, text=True, timeout=900)


def task_windows(data: Path) -> dict[str, tuple[datetime, datetime]]:
    db = sqlite3.connect(data / "airflow" / "airflow.db")
    [run_id] = db.execute("SELECT run_id FROM dag_run ORDER BY id DESC LIMIT 1").fetchone()
    rows = db.execute("SELECT task_id, start_date, end_date, state FROM task_instance WHERE run_id = ?",
                      (run_id,)).fetchall()
    assert {r[3] for r in rows} == {"success"}, rows
    return {t: (datetime.fromisoformat(s), datetime.fromisoformat(e)) for t, s, e, _ in rows}


def overlapping(windows: dict[str, tuple[datetime, datetime]], tasks: list[str]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(tasks) for b in tasks[i + 1:]
            if windows[a][0] < windows[b][1] and windows[b][0] < windows[a][1]]


def test_local_executor_with_parallelism_4_never_runs_two_writers_at_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert opcc(data, "demo").returncode == 0
    proc = opcc(data, "run", "--use-executor", "--parallelism", "4")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    windows = task_windows(data)
    raw_writers = [t for t in windows if t.startswith("ingest_")]
    build_users = ["build", "docs", "audit", "publish"]
    assert len(raw_writers) == 6
    assert overlapping(windows, raw_writers) == []
    assert overlapping(windows, build_users) == []


READER = textwrap.dedent("""
    import sys, time, duckdb
    warehouse, stop, out = sys.argv[1:4]
    marts = None
    with open(out, "w") as fh:
        while True:
            try:
                con = duckdb.connect(warehouse, read_only=True)
                if marts is None:
                    marts = [r[0] for r in con.execute(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()]
                counts = [con.execute(f'SELECT count(*) FROM marts."{m}"').fetchone()[0] for m in marts]
                committed = con.execute("SELECT sum(committed) FROM marts.fund_position").fetchone()[0]
                files = con.execute("SELECT count(*) FROM marts.load_audit").fetchone()[0]
                con.close()
                fh.write(f"OK {committed} {files} {len(counts)}\\n")
            except Exception as exc:
                fh.write(f"ERROR {type(exc).__name__}: {exc}\\n".replace("\\n", " ") + "\\n")
            fh.flush()
            if __import__("os").path.exists(stop):
                break
            time.sleep(0.05)
""")


def test_reader_sees_whole_versions_only_and_killed_build_reruns_to_the_samemarts_rows(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert opcc(data, "demo").returncode == 0
    assert opcc(data, "run").returncode == 0
    warehouse = data / "warehouse.duckdb"

    # A corrected commitments register arrives; a reader queries every mart throughout the run.
    name = "dorset-opcc-commitments-register.csv"
    text = (SEEDS / "commitments" / name).read_text()
    (data / "landing" / "commitments" / name).write_text(text.replace(",31/10/2019,504000.00", ",31/10/2019,516000.00"))
    published = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    published_marts = os.path.realpath(data / "marts")
    stop, out = tmp_path / "stop", tmp_path / "reads.txt"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse), str(stop), str(out)])
    try:
        time.sleep(1)
        # Killed in the middle of dbt build...
        run = subprocess.Popen([OPCC, "run"], env={**os.environ, "OPCC_DATA_DIR": str(data)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 300
        while not dbt_building(data):
            assert run.poll() is None and time.monotonic() < deadline, "dbt build never started"
            time.sleep(0.2)
        time.sleep(2)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == published, "a killed run changed BI's file"
        assert os.path.realpath(data / "marts") == published_marts, "a killed run changed BI's Parquet"
        # ... then rerun: it must publish.
        assert opcc(data, "run").returncode == 0
    finally:
        stop.touch()
        reader.wait(timeout=60)
    reads = out.read_text().splitlines()
    assert reads and not [r for r in reads if not r.startswith("OK")], [r for r in reads if not r.startswith("OK")][:3]
    versions = {tuple(r.split()[1:]) for r in reads}
    assert len(versions) == 2, versions  # before and after, nothing between

    # A clean run of the same inputs from scratch publishes the same marts.
    clean = tmp_path / "clean"
    assert opcc(clean, "demo").returncode == 0
    assert opcc(clean, "run").returncode == 0
    (clean / "landing" / "commitments" / name).write_text(
        text.replace(",31/10/2019,504000.00", ",31/10/2019,516000.00"))
    assert opcc(clean, "run").returncode == 0
    assert marts_rows(warehouse) == marts_rows(clean / "warehouse.duckdb")
    # The Parquet BI reads is the published warehouse's, mart for mart.
    con = duckdb.connect()
    for mart, rows in marts_rows(warehouse).items():
        folder = data / "marts"
        path = folder / mart / "*.parquet" if (folder / mart).is_dir() else folder / f"{mart}.parquet"
        assert con.execute(f"SELECT count(*) FROM '{path}'").fetchone()[0] == len(rows), mart


