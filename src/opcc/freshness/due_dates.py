"""When each feed was last due, and which ledger months have closed, as of a night's date.

A deadline is a day by whose end a file should have come: every working day, the Nth working day of each month,
or of one month a year (opcc.cadence). On the night of day T, the last deadline passed is the latest one
before T; the feed is on time when a file has loaded since the deadline before that one passed (so a file a day
late still counts as that period's, and a file sent early is not held against the next period). A ledger month
counts as closed once the Nth working day of the following month has passed (`ledger_month_closes_on_working_day`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from opcc.cadence import MONTHLY, NOT_EXPECTED, WORKING_DAY, YEARLY, Cadence
from opcc.freshness.working_days import add_months, is_working_day, month_start, nth_working_day

LONDON = ZoneInfo("Europe/London")


def deadline_on_or_before(cadence: Cadence, day: dt.date) -> dt.date:
    """The cadence's latest deadline on or before `day`."""
    if cadence.kind == WORKING_DAY:
        while not is_working_day(day):
            day -= dt.timedelta(days=1)
        return day
    if cadence.kind == MONTHLY:
        this_month = nth_working_day(day.year, day.month, cadence.working_day)
        if this_month <= day:
            return this_month
        before = add_months(month_start(day), -1)
        return nth_working_day(before.year, before.month, cadence.working_day)
    if cadence.kind == YEARLY:
        this_year = nth_working_day(day.year, cadence.month, cadence.working_day)
        return this_year if this_year <= day else nth_working_day(day.year - 1, cadence.month, cadence.working_day)
    raise ValueError(f"a feed {cadence.text} has no deadlines")


@dataclass(frozen=True)
class Due:
    """A feed's last deadline passed on a night, and since when a file must have loaded to meet it."""

    feed: str
    cadence: Cadence
    due_on: dt.date | None  # None: not expected
    # Naive UTC, as raw's files.received_at: midnight London after the deadline before due_on.
    expected_since: dt.datetime | None


def due(feed: str, cadence: Cadence, as_of: dt.date) -> Due:
    if cadence.kind == NOT_EXPECTED:
        return Due(feed, cadence, None, None)
    due_on = deadline_on_or_before(cadence, as_of - dt.timedelta(days=1))
    before = deadline_on_or_before(cadence, due_on - dt.timedelta(days=1))
    return Due(feed, cadence, due_on, london_midnight_utc(before + dt.timedelta(days=1)))


def london_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of `day` in London, as a naive UTC timestamp (how raw records when a file was received)."""
    return dt.datetime.combine(day, dt.time(), LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def month_closes_on(month: dt.date, working_day: int) -> dt.date:
    """The day a ledger month counts as closed: the `working_day`th working day of the month after it."""
    after = add_months(month_start(month), 1)
    return nth_working_day(after.year, after.month, working_day)


def last_closed_month(as_of: dt.date, working_day: int) -> dt.date:
    """The first day of the latest ledger month closed before the night of `as_of`."""
    month = add_months(month_start(as_of), -1)
    return month if month_closes_on(month, working_day) < as_of else add_months(month, -1)
