"""How often each feed is expected: a short phrase in opcc.toml's [cadence] table, one per feed.

The vocabulary (any case; docs/freshness.md explains it to the finance team):

- `every working day` — a file each working day (Monday to Friday, less England and Wales bank holidays);
- `monthly by working day N` — a file each month, by the Nth working day of the month (the month before's
  figures, as a ledger close or a receipts return arrives);
- `yearly by working day N of <Month>` — a file each year, by the Nth working day of that month (a budget set
  before the year starts; in-year changes may come at any time and are welcome, not required);
- `not expected` — never overdue (a feed this OPCC does not send).

This module only reads the phrases (opcc.config validates opcc.toml with it); `opcc.freshness.due_dates` works
out, for a night, when each feed was last due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORKING_DAY, MONTHLY, YEARLY, NOT_EXPECTED = "working_day", "monthly", "yearly", "not_expected"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

VOCABULARY = ('"every working day", "monthly by working day N", "yearly by working day N of <Month>" '
              '(e.g. "yearly by working day 1 of April") or "not expected"; N from 1 to 20')

_PHRASES = (
    (WORKING_DAY, re.compile(r"every working day")),
    (MONTHLY, re.compile(r"monthly by working day (?P<n>\d{1,2})")),
    (YEARLY, re.compile(r"yearly by working day (?P<n>\d{1,2}) of (?P<month>[a-z]+)")),
    (NOT_EXPECTED, re.compile(r"not expected")),
)


@dataclass(frozen=True)
class Cadence:
    kind: str  # WORKING_DAY | MONTHLY | YEARLY | NOT_EXPECTED
    working_day: int = 1  # monthly, yearly: due by this working day of the month
    month: int = 4  # yearly: of this month (1 = January)

    @property
    def text(self) -> str:
        """The phrase as opcc.toml writes it (and the report and the alert say it)."""
        if self.kind == WORKING_DAY:
            return "every working day"
        if self.kind == MONTHLY:
            return f"monthly by working day {self.working_day}"
        if self.kind == YEARLY:
            return f"yearly by working day {self.working_day} of {MONTHS[self.month - 1]}"
        return "not expected"

    def __str__(self) -> str:
        return self.text


def parse_cadence(phrase: str) -> Cadence:
    """The cadence a phrase of the vocabulary means; ValueError (saying what was expected) for anything else."""
    text = " ".join(str(phrase).lower().split())
    for kind, pattern in _PHRASES:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        n = int(groups.get("n") or 1)
        if not 1 <= n <= 20:
            break
        if kind == YEARLY:
            months = [name.lower() for name in MONTHS]
            if groups["month"] not in months:
                break
            return Cadence(kind, n, months.index(groups["month"]) + 1)
        return Cadence(kind, n)
    raise ValueError(f"expected {VOCABULARY}")


# What a typical OPCC's finance system sends: the ledger nightly; the year's budget before 1 April (virements in
# between); the commitments register and planned projects after each month's commissioning board; the Police
# (Property) Act receipts return and the grant awards with the month's close.
DEFAULT_CADENCES: dict[str, str] = {
    "transactions": "every working day",
    "budgets": "yearly by working day 1 of April",
    "commitments": "monthly by working day 10",
    "planned_projects": "monthly by working day 10",
    "ppa_receipts": "monthly by working day 10",
    "grant_awards": "monthly by working day 10",
}
