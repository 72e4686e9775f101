"""The freshness checks' parameters, as temp tables on the audit's session (DuckDB or PostgreSQL alike):

- `freshness_feeds(feed, cadence, due_on, expected_since)`: each feed's last deadline passed on the night and
  the time (UTC) since which a loaded file meets it; due_on is null for a feed not expected;
- `freshness_params(as_of, last_closed_month)`: the night's date and the first day of the latest ledger month
  that should have closed.

The checks' SQL (expectations/freshness/) reads them; the calendar behind them is Python's (bank holidays).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from opcc import run_record
from opcc.freshness.due_dates import LONDON, due, last_closed_month

if TYPE_CHECKING:
    from opcc.config import Settings
    from opcc.engine.base import SqlSession


def night_of(run_dir: Path) -> dt.date:
    """The date of the night a run is for (its run record), else today in London: what freshness is measured on."""
    started = run_record.read_run(Path(run_dir))
    if started is not None:
        try:
            return dt.date.fromisoformat(started.run_date)
        except ValueError:
            pass
    return dt.datetime.now(LONDON).date()


def create_tables(session: SqlSession, settings: Settings, as_of: dt.date) -> None:
    session.execute("CREATE TEMP TABLE freshness_feeds (feed VARCHAR, cadence VARCHAR, due_on DATE, "
                    "expected_since TIMESTAMP)")
    for feed, cadence in settings.cadence.items():
        d = due(feed, cadence, as_of)
        session.execute("INSERT INTO freshness_feeds VALUES (?, ?, CAST(? AS DATE), CAST(? AS TIMESTAMP))",
                        [feed, cadence.text, d.due_on and d.due_on.isoformat(),
                         d.expected_since and d.expected_since.isoformat(sep=" ")])
    closed = last_closed_month(as_of, settings.ledger_month_closes_on_working_day)
    session.execute("CREATE TEMP TABLE freshness_params AS SELECT CAST(? AS DATE) AS as_of, "
                    "CAST(? AS DATE) AS last_closed_month", [as_of.isoformat(), closed.isoformat()])
