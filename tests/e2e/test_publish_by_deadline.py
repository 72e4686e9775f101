"""A night not published by opcc.toml's publish_by alerts through Airflow's own Deadline Alert: under `opcc ui`
(Airflow standalone: scheduler, DAG processor, triggerer), a run of the nightly DAG whose 07:00 deadline has
passed gets the alert email from the triggerer's callback (opcc.freshness.publish_deadline.night_not_published)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from smtp_sink import SmtpSink

from opcc.airflow_runner import airflow_env, free_port
from opcc.config import load_settings

pytestmark = pytest.mark.e2e

BIN = Path(sys.executable).parent


def wait_for(what: str, seconds: float, check):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"waited {seconds:.0f} s for {what}"
        time.sleep(2)
    return found


def alerts_stored(db_file: Path) -> int:
    try:
        return sqlite3.connect(db_file).execute("SELECT count(*) FROM deadline_alert").fetchone()[0]
    except sqlite3.OperationalError:  # not made yet: Airflow is still creating its database
        return 0


def test_a_night_not_published_by_0700_emails_through_the_deadline(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "opcc.toml").write_text('alert_email = "treasurer@opcc.test"\npublish_by = "07:00"\n')
    with SmtpSink() as smtp:
        smtp_env = {"AIRFLOW__SMTP__SMTP_HOST": "127.0.0.1", "AIRFLOW__SMTP__SMTP_PORT": str(smtp.port)}
        log = (tmp_path / "ui.log").open("w")
        proc = subprocess.Popen([str(BIN / "opcc"), "--data-dir", str(data), "ui", "--port", str(free_port())],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env={**os.environ, **smtp_env})
        try:
            db_file = data / "airflow" / "airflow.db"
            wait_for("the DAG processor to store the DAG's deadline alert", 300, lambda: alerts_stored(db_file))
            [(name, interval)] = sqlite3.connect(db_file).execute(
                "SELECT name, interval FROM deadline_alert").fetchall()
            assert name == "published by" and '"__data__": 18000.0' in interval  # 02:00 + 5 h = 07:00 London
            # The night of Sunday 6 December 2026 (02:00 GMT), its 07:00 deadline long passed: the DAG is paused (as
            # `opcc ui` leaves it), so the run only waits, as a night stuck behind a busy scheduler would.
            trigger = subprocess.run(
                [str(BIN / "airflow"), "dags", "trigger", "opcc_nightly",
                 "--logical-date", "2026-12-06T02:00:00+00:00"],
                env={**airflow_env(load_settings(data)), **smtp_env}, capture_output=True, text=True, timeout=300)
            assert trigger.returncode == 0, trigger.stderr[-2000:]
            wait_for("the alert email", 300, lambda: smtp.messages)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
    [mail] = smtp.messages
    assert mail["Subject"] == "OPCC warehouse: the night of 2026-12-06 was not published by 07:00"
    assert mail["To"] == "treasurer@opcc.test"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert "had not published by 07:00 Europe/London (Sun 6 Dec 2026 07:00)" in body
    assert "Where it has got to: it has not started its first step." in body
