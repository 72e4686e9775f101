"""The publish-by deadline: its interval from the schedule, the DAG's alert following opcc.toml, and what the
triggerer's callback says (and emails) when a night has not published in time."""

from __future__ import annotations

import asyncio
import datetime as dt
from datetime import timedelta
from pathlib import Path

import pytest
from smtp_sink import SmtpSink

from opcc import pipeline, run_record
from opcc.config import load_settings
from opcc.freshness.publish_deadline import interval_to_publish_by, night_not_published, publish_deadline


@pytest.mark.parametrize(("schedule", "publish_by", "interval"), [
    ("0 2 * * *", "07:00", timedelta(hours=5)),
    ("30 1 * * *", "06:45", timedelta(hours=5, minutes=15)),
    ("0 23 * * *", "07:00", timedelta(hours=8)),  # a schedule before midnight: publish_by is the next morning
])
def test_interval_from_the_schedule_to_publish_by(schedule, publish_by, interval):
    assert interval_to_publish_by(schedule, publish_by) == interval


def test_a_schedule_that_is_not_daily_is_refused():
    with pytest.raises(ValueError, match="daily"):
        interval_to_publish_by("@hourly", "07:00")


def test_the_alert_follows_opcc_toml(tmp_path, monkeypatch):
    (tmp_path / "opcc.toml").write_text('publish_by = "06:30"\n')
    monkeypatch.setenv("OPCC_DATA_DIR", str(tmp_path))
    alert = publish_deadline("0 2 * * *")
    assert alert.interval == timedelta(hours=4, minutes=30)
    assert alert.callback.kwargs == {"data_dir": str(tmp_path.resolve()), "publish_by": "06:30"}


def test_the_callback_emails_which_night_missed_publish_by_and_how_far_it_got(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "opcc.toml").write_text('alert_email = "treasurer@opcc.test"\n')

    settings = load_settings(data)
    night = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)
    run_dir = Path(pipeline.start(settings, "scheduled__2026-12-08T02:00:00+00:00", night))
    run_record.write_dbt(run_dir, run_record.DbtOutcome(ok=True, message="dbt build: passed", failed_nodes=[]))
    # What Airflow's scheduler hands the triggerer (airflow.models.deadline.Deadline.handle_miss).
    context = {"dag_run": {"dag_run_id": "scheduled__2026-12-08T02:00:00+00:00", "dag_id": "opcc_nightly",
                           "logical_date": "2026-12-08T02:00:00Z", "state": "running"},
               "deadline": {"id": "x", "deadline_time": "2026-12-08T07:00:00Z"}}
    with SmtpSink() as smtp:
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_PORT", str(smtp.port))
        said = asyncio.run(night_not_published(str(data), "07:00", context=context))
    assert said.startswith(
        "The nightly run of the commissioning finance warehouse for the night of 2026-12-08 "
        "(run scheduled__2026-12-08T02:00:00+00:00) had not published by 07:00 Europe/London (Tue 8 Dec 2026 07:00).")
    assert "Where it has got to: started at " in said and "; built the warehouse." in said
    [mail] = smtp.messages
    assert mail["Subject"] == "OPCC warehouse: the night of 2026-12-08 was not published by 07:00"
    assert mail["To"] == "treasurer@opcc.test"
    assert "had not published by 07:00" in mail.get_payload(decode=True).decode("utf-8")


def test_the_dag_is_parsed_without_its_deadline_when_opcc_run_asks(tmp_path, monkeypatch):
    """`airflow dags test` cannot end a DagRun whose DAG has a Deadline Alert (Airflow 3.3.2), and has no scheduler
    to watch one: `opcc run` says so in the environment it gives Airflow."""
    from opcc.environment import variable

    monkeypatch.setenv("OPCC_DATA_DIR", str(tmp_path))
    assert publish_deadline("0 2 * * *") is not None
    monkeypatch.setenv(variable("dag_without_deadline"), "1")
    assert publish_deadline("0 2 * * *") is None
