"""Working days in England and Wales: Monday to Friday, less the bank holidays.

The bank holidays come from the `holidays` package, which computes them from rules and ships its exceptions
(the 2022 Jubilee, a state funeral, a coronation) as code: nothing is downloaded, at any time.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays

# Wales has England's bank holidays; Scotland and Northern Ireland have others (no OPCC there).
_SUBDIVISION = "ENG"


@functools.cache
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv=_SUBDIVISION, years=year))


def bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not bank_holiday(day)


def previous_working_day(day: dt.date) -> dt.date:
    """The last working day strictly before `day`."""
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def nth_working_day(year: int, month: int, n: int) -> dt.date:
    """The `n`th working day (1 = the first) of the month; past the month's end when it has fewer."""
    if n < 1:
        raise ValueError(f"working day {n}: the first working day is 1")
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    for _ in range(n - 1):
        day += dt.timedelta(days=1)
        while not is_working_day(day):
            day += dt.timedelta(days=1)
    return day


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(first_of_month: dt.date, months: int) -> dt.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
