"""`opcc ui` starts Airflow (scheduler, DAG processor, API server with the UI) for the data
directory, with the nightly DAG visible and an admin login."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from opcc.airflow_runner import free_port

pytestmark = pytest.mark.e2e


def test_ui_serves_the_nightly_dag(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    opcc = str(Path(sys.executable).with_name("opcc"))
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen([opcc, "--data-dir", str(data), "ui", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        health, deadline = None, time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5) as r:
                    health = json.load(r)
                if all(part.get("status") == "healthy" for part in health.values()):
                    break
            except OSError:
                pass
            time.sleep(2)
        assert health and all(part.get("status") == "healthy" for part in health.values()), health
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
        db = sqlite3.connect(data / "airflow" / "airflow.db")
        deadline = time.monotonic() + 60
        while not db.execute("SELECT 1 FROM dag WHERE dag_id = 'opcc_nightly'").fetchone():
            assert time.monotonic() < deadline, "the DAG processor never registered opcc_nightly"
            time.sleep(2)
        assert db.execute("SELECT count(*) FROM import_error").fetchone()[0] == 0
        assert set(json.loads((data / "airflow" / "passwords.json").read_text())) == {"admin"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
