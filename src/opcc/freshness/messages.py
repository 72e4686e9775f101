"""What the report's first screen and the alert say about the freshness checks: one line per overdue feed
(the feed, its cadence, when it was due, its last file and when that came) and one for the ledger months
that have closed without a line. Read from the run record's checks, so the report and the email agree."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from opcc.freshness.due_dates import LONDON

if TYPE_CHECKING:
    from opcc.audit.results import CheckResult

FEEDS_CHECK = "freshness.feeds_on_time"
MONTHS_CHECK = "freshness.ledger_months_closed"
MONTHS_NAMED = 6  # months named in the line; the rest are counted (the failing rows' CSV has them all)


def _day(value: str | None) -> str:
    return dt.date.fromisoformat(value[:10]).strftime("%a %-d %b %Y") if value else "?"


def _received(value: str | None) -> str:
    """raw's received_at (UTC) as London time."""
    if not value:
        return "?"
    when = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).astimezone(LONDON)
    return when.strftime("%a %-d %b %Y %H:%M")


def overdue_feed_line(row: dict[str, Any]) -> str:
    last = (f"its last file, {row.get('last_file')}, came on {_received(row.get('last_received_utc'))}"
            if row.get("last_file") else "no file of it has ever loaded")
    return (f"Feed {row.get('feed')} is overdue: expected {row.get('cadence')}, due by {_day(row.get('due_on'))}; "
            f"{last}.")


def last_file_line(checks: list[CheckResult] | None, feed: str) -> str | None:
    """For a feed with no new file tonight: its last file and when it came (from the feeds check's rows)."""
    feeds = next((c for c in checks or [] if c.get("id") == FEEDS_CHECK), None)
    row = next((r for r in ((feeds.get("compared") if feeds else None) or []) if r.get("feed") == feed), None)
    if row is None or not row.get("last_file"):
        return None
    late = " It is overdue." if row.get("ok") == "false" else ""
    return (f"Its last file, {row['last_file']}, came on {_received(row.get('last_received_utc'))} "
            f"(expected {row.get('cadence')}).{late}")


def empty_months_line(check: CheckResult) -> str | None:
    rows = check.get("failing_rows") or []
    n = check.get("failing_rows_count") or len(rows)
    if not n:
        return None
    named = [dt.date.fromisoformat(str(r["month"])[:10]).strftime("%B %Y") for r in rows[:MONTHS_NAMED]]
    more = f" and {n - len(named)} more" if n > len(named) else ""
    return (f"The ledger has no lines for {n} month{'s' if n != 1 else ''} that should have closed: "
            f"{', '.join(named)}{more}.")


def freshness_lines(checks: list[CheckResult] | None) -> list[str]:
    """The freshness warnings of a run's checks, one plain-English line each; none when every feed is on time."""
    by_id = {c.get("id"): c for c in checks or []}
    lines: list[str] = []
    feeds = by_id.get(FEEDS_CHECK)
    if feeds and feeds.get("status") != "PASS":
        if feeds.get("error"):
            lines.append(f"Whether every feed arrived on time is unknown: {feeds['error']}")
        lines += [overdue_feed_line(r) for r in feeds.get("failing_rows") or []]
    months = by_id.get(MONTHS_CHECK)
    if months and months.get("status") != "PASS":
        if months.get("error"):
            lines.append(f"Whether every closed ledger month has lines is unknown: {months['error']}")
        line = empty_months_line(months)
        if line:
            lines.append(line)
    return lines
