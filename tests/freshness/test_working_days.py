"""Working-day arithmetic around weekends and England and Wales bank holidays, and each cadence's deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from opcc.cadence import parse_cadence
from opcc.freshness.due_dates import due, last_closed_month, month_closes_on
from opcc.freshness.working_days import is_working_day, nth_working_day, previous_working_day

D = dt.date


def test_weekends_and_bank_holidays_are_not_working_days():
    assert is_working_day(D(2026, 12, 24))  # Thursday
    assert not is_working_day(D(2026, 12, 25))  # Christmas Day, Friday
    assert not is_working_day(D(2026, 12, 26))  # Saturday (Boxing Day)
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day's substitute, Monday
    assert is_working_day(D(2026, 12, 29))
    assert not is_working_day(D(2020, 5, 8))  # the early May bank holiday moved to VE Day's Friday
    assert is_working_day(D(2020, 5, 4))  # ...so the first Monday of May 2020 was worked
    assert not is_working_day(D(2022, 9, 19))  # the Queen's state funeral
    assert not is_working_day(D(2023, 5, 8))  # the King's coronation


def test_previous_working_day_skips_a_weekend_and_a_bank_holiday():
    assert previous_working_day(D(2026, 12, 29)) == D(2026, 12, 24)  # past Christmas, the weekend and Boxing Day
    assert previous_working_day(D(2026, 4, 7)) == D(2026, 4, 2)  # past Easter Monday, the weekend, Good Friday
    assert previous_working_day(D(2026, 11, 30)) == D(2026, 11, 27)  # Monday: Friday


def test_nth_working_day_of_a_month():
    assert nth_working_day(2026, 4, 1) == D(2026, 4, 1)
    # April 2026: Good Friday 3rd, Easter Monday 6th: working days 1, 2, 7, 8, 9, 10, 13, 14, 15, 16.
    assert nth_working_day(2026, 4, 3) == D(2026, 4, 7)
    assert nth_working_day(2026, 4, 10) == D(2026, 4, 16)
    assert nth_working_day(2027, 1, 1) == D(2027, 1, 4)  # 1 January a Friday holiday, then a weekend
    with pytest.raises(ValueError):
        nth_working_day(2026, 4, 0)


@pytest.mark.parametrize(("phrase", "today", "due_on", "since"), [
    # Tuesday after Christmas: the last working day's file (Christmas Eve) is due, any file since the 24th counts.
    ("every working day", D(2026, 12, 29), D(2026, 12, 24), dt.datetime(2026, 12, 24, 0, 0)),
    # Monday: Friday's file; a file from Thursday's end (Friday 00:00 London = Thursday 23:00 UTC in summer) counts.
    ("every working day", D(2026, 6, 1), D(2026, 5, 29), dt.datetime(2026, 5, 28, 23, 0)),
    # Working day 10 of April 2026 is the 16th (Easter): on the 16th it is not yet overdue, so March's is due.
    ("monthly by working day 10", D(2026, 4, 16), D(2026, 3, 13), dt.datetime(2026, 2, 14, 0, 0)),
    ("monthly by working day 10", D(2026, 4, 17), D(2026, 4, 16), dt.datetime(2026, 3, 14, 0, 0)),
    ("yearly by working day 1 of April", D(2026, 12, 1), D(2026, 4, 1), dt.datetime(2025, 4, 1, 23, 0)),
    # The deadline before: 1 April 2024 was Easter Monday, so working day 1 was the 2nd.
    ("yearly by working day 1 of April", D(2026, 3, 31), D(2025, 4, 1), dt.datetime(2024, 4, 2, 23, 0)),
])
def test_when_a_feed_was_last_due(phrase, today, due_on, since):
    d = due("x", parse_cadence(phrase), today)
    assert (d.due_on, d.expected_since) == (due_on, since)


def test_a_ledger_month_closes_on_a_working_day_of_the_next_month():
    assert month_closes_on(D(2026, 3, 1), 10) == D(2026, 4, 16)  # Easter delays March's close
    assert last_closed_month(D(2026, 4, 16), 10) == D(2026, 2, 1)
    assert last_closed_month(D(2026, 4, 17), 10) == D(2026, 3, 1)


@pytest.mark.parametrize(("phrase", "text"), [
    ("Every  Working Day", "every working day"),
    ("monthly by working day 5", "monthly by working day 5"),
    ("yearly by working day 1 of APRIL", "yearly by working day 1 of April"),
    ("not expected", "not expected"),
])
def test_the_cadence_vocabulary(phrase, text):
    assert parse_cadence(phrase).text == text


@pytest.mark.parametrize("phrase", ["daily", "monthly by working day 0", "monthly by working day 21",
                                    "yearly by working day 1 of Aprile", "weekly"])
def test_a_phrase_outside_the_vocabulary_is_refused(phrase):
    with pytest.raises(ValueError, match="every working day"):
        parse_cadence(phrase)
