"""A night not published by `publish_by` (opcc.toml, Europe/London) alerts: an Airflow Deadline Alert on the
nightly DAG (SLAs went in Airflow 3.0; Deadline Alerts replace them).

The deadline is the run's logical date (its 02:00 schedule, whenever the scheduler got to it) plus the time from
the schedule to `publish_by`. The scheduler notices a missed deadline while the run is still going and the
triggerer runs `night_not_published`, which emails `alert_email` where the run has got to. A run that ends before
the deadline, published or not, clears it (a night that fails has its own alert, from the finish task). It needs
Airflow's scheduler and triggerer: `opcc ui` and a cluster have them; `opcc run` (airflow dags test) has neither,
so a run it makes has no one to watch its deadline (docs/freshness.md); and its DagRun could not finish with one
(Airflow 3.3.2's `dags test` keeps the DAG's alerts serialized where the end of a run looks them up by id:
DagRun.update_state fails with "'dict' object has no attribute 'hex'"), so `opcc run` parses the DAG without it
(`opcc.environment.Environment.dag_without_deadline`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from opcc.environment import environment

if TYPE_CHECKING:
    from airflow.sdk.definitions.deadline import DeadlineAlert

    from opcc.run_record import RunRecord

LONDON = ZoneInfo("Europe/London")  # not due_dates' (it loads the bank holidays): the DAG file imports this module
_DAILY_CRON = re.compile(r"^(?P<minute>\d{1,2}) (?P<hour>\d{1,2}) \* \* \*$")


def interval_to_publish_by(schedule: str, publish_by: str) -> dt.timedelta:
    """From a daily schedule's time ('M H * * *', London) to `publish_by` ('HH:MM', London) the same night."""
    m = _DAILY_CRON.match(schedule)
    if m is None:
        raise ValueError(f"schedule {schedule!r}: a publish-by deadline needs a daily 'M H * * *' schedule")
    hours, minutes = (int(part) for part in publish_by.split(":"))
    interval = dt.timedelta(hours=hours - int(m["hour"]), minutes=minutes - int(m["minute"]))
    return interval if interval > dt.timedelta(0) else interval + dt.timedelta(days=1)


def publish_deadline(schedule: str) -> DeadlineAlert | None:
    """The DAG's Deadline Alert, from the data directory's opcc.toml when the DAG file is parsed (a settings file
    that does not load keeps the default time; the tasks then report the mistake). None under `opcc run`."""
    if environment().dag_without_deadline:  # `opcc run` (opcc.airflow_runner): `airflow dags test`
        return None
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    from opcc.config import Settings, SettingsError, data_dir_from_env, load_settings

    try:
        settings = load_settings()
        publish_by, data_dir = settings.publish_by, str(settings.data_dir)
    except SettingsError:
        publish_by, data_dir = str(Settings.model_fields["publish_by"].default), str(data_dir_from_env())
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=interval_to_publish_by(schedule, publish_by),
        callback=AsyncCallback(night_not_published, kwargs={"data_dir": data_dir, "publish_by": publish_by}),
        name="published by",
    )


async def night_not_published(data_dir: str, publish_by: str, context: dict[str, Any] | None = None) -> str:
    """Run by Airflow's triggerer when a night has not published by its deadline: email it; return what was said."""
    return await asyncio.to_thread(_alert, Path(data_dir), publish_by, context or {})


def _alert(data_dir: Path, publish_by: str, context: dict[str, Any]) -> str:
    from opcc import run_record
    from opcc.alerts import send_not_published_by_email
    from opcc.config import load_settings

    settings = load_settings(data_dir)
    run_id = str((context.get("dag_run") or {}).get("dag_run_id") or (context.get("dag_run") or {}).get("run_id"))
    folder = next((f for f in reversed(run_record.run_folders(settings.reports_dir))
                   if (started := run_record.read_run(f)) is not None and started.run_id == run_id), None)
    subject, body = not_published_message(context, publish_by, run_record.read(folder) if folder else None)
    send_not_published_by_email(settings, subject, body)
    return body


def not_published_message(context: dict[str, Any], publish_by: str, record: RunRecord | None) -> tuple[str, str]:
    """The alert's subject and text: which night, the deadline, and how far the run has got."""
    dag_run = context.get("dag_run") or {}
    run_id = dag_run.get("dag_run_id") or dag_run.get("run_id") or "unknown"
    deadline = (context.get("deadline") or {}).get("deadline_time")
    when = _london(deadline) if deadline else publish_by
    night = record.run.run_date if record is not None and record.run is not None else _london(
        dag_run.get("logical_date"), "%Y-%m-%d")
    subject = f"OPCC warehouse: the night of {night} was not published by {publish_by}"
    body = (f"The nightly run of the commissioning finance warehouse for the night of {night} (run {run_id}) had not "
            f"published by {publish_by} Europe/London ({when}). It is still running or waiting, so reports and "
            f"spreadsheets still show the last good version.\n\nWhere it has got to: {progress(record)}.\n\n"
            "Look at the run in the Airflow UI; its report says why when it ends.")
    return subject, body


def progress(record: RunRecord | None) -> str:
    """The steps a run has recorded so far, in plain words."""
    if record is None or record.run is None:
        return "it has not started its first step"
    done = [f"started at {_london(record.run.started_at)}"]
    fed = [feed for feed, results in record.ingest.items() if results is not None]
    if fed:
        done.append(f"loaded the files of {len(fed)} of {len(record.ingest)} feeds")
    if record.dbt is not None:
        done.append("built the warehouse" if record.dbt.ok else "the build failed")
    if record.checks is not None:
        fails = len(record.checks_with("FAIL"))
        done.append(f"ran the checks ({fails} failed)" if fails else "ran the checks (none failed)")
    if record.publish is not None:
        done.append("published" if record.publish.published else "did not publish")
    return "; ".join(done)


def _london(value: Any, fmt: str = "%a %-d %b %Y %H:%M") -> str:
    if value is None:
        return "unknown"
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(LONDON).strftime(fmt)
