"""A file's date order, read from all its dates rather than line by line: 04/05/2020 is 4 May in a UK file
and 5 April in a US one, and only the file's other dates can tell which (issue 22).

Each line's numeric dates (dd/mm/yyyy or mm/dd/yyyy, any of / . - between, two- or four-digit years) give a hint:
`d` when only the day-first reading is a date (the first number is over 12), `m` when only the month-first one
is, `a` when both are and differ (both numbers 12 or under). The file's order is the one its hints settle; a
file with both `d` and `m` is rejected whole; a file with only `a` is read in its feed's configured order, and
its load message says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

from opcc.feeds import Feed, Kind
from opcc.ingest.sniff import RejectedFile

Order = Literal["day_first", "month_first"]
SHOWN = {"day_first": "day first (dd/mm/yyyy)", "month_first": "month first (mm/dd/yyyy)"}

def date_formats(order: Order) -> tuple[list[str], list[str]]:
    """strptime formats with four-digit years, then those with two (tried only when no four-digit one reads)."""
    full = ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%d-%m-%Y", "%d.%m.%Y",
            "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d"]
    short = ["%d/%m/%y", "%d-%b-%y", "%d %b %y", "%d-%m-%y"]
    if order == "month_first":  # only the numeric forms swap: '%d %b %Y' and ISO read the same either way
        def swap(fmt: str) -> str:
            return fmt.replace("%d/%m", "%m/%d").replace("%d-%m", "%m-%d").replace("%d.%m", "%m.%d")
        full, short = [swap(f) for f in full], [swap(f) for f in short]
    return full, short


def _numeric(text: str) -> str:
    """SQL: `text` starts as a numeric date does, one or two digits, a separator and a digit (not 15-May-17,
    2020-04-05 or an Excel serial number). GLOB, the cheapest test DuckDB has: ten million lines a night."""
    return f"({text} GLOB '[0-9][0-9][/.-][0-9]*' OR {text} GLOB '[0-9][/.-][0-9]*')"


def _column_hint(text: str, date: str, order: Order, other_date: str) -> str:
    """SQL: one date cell's hint, from `date`, the cell read in `order`, and only where that failed, from the
    cell read the other way (`other_date`). Read in either order, a day over 12 is the order's own evidence."""
    own, other = ("d", "m") if order == "day_first" else ("m", "d")
    return (f"CASE WHEN {_numeric(text)} THEN CASE WHEN {date} IS NOT NULL THEN "
            f"CASE WHEN day({date}) > 12 THEN '{own}' WHEN day({date}) <> month({date}) THEN 'a' END "
            f"WHEN {other_date} IS NOT NULL THEN '{other}' END END")


def hint_sql(feed: Feed, order: Order, read_other_way: str) -> str:
    """SQL: the line's hint over its date cells (`_t_<column>` as read, `<column>` parsed in `order`; the
    macro `read_other_way` reads a cell in the other order): `d`, `m`, `a`, or `x:<cell>` when the line itself
    holds both orders; `m:<cell>` keeps the cell that shows the month first, for the messages."""
    dates = [c.name for c in feed.columns if c.kind is Kind.DATE]
    if not dates:
        return "CAST(NULL AS VARCHAR)"
    hints = {n: _column_hint(f"_t_{n}", n, order, f"{read_other_way}(_t_{n})") for n in dates}
    if len(dates) == 1:
        [(name, hint)] = hints.items()
        return f"CASE ({hint}) WHEN 'm' THEN 'm:' || _t_{name} ELSE ({hint}) END"
    merged = f"concat({', '.join(hints.values())})"
    month_text = "CASE " + " ".join(f"WHEN ({h}) = 'm' THEN _t_{n}" for n, h in hints.items()) + " END"
    return (f"CASE WHEN contains({merged}, 'd') AND contains({merged}, 'm') THEN 'x:' || {month_text} "
            f"WHEN contains({merged}, 'm') THEN 'm:' || {month_text} "
            f"WHEN contains({merged}, 'd') THEN 'd' WHEN contains({merged}, 'a') THEN 'a' END")


@dataclass(frozen=True)
class DateOrder:
    order: Order
    settled_by: str | None = None  # the line that settled it ("line 5 (04/25/2020)"); None when nothing did
    ambiguous: int = 0  # lines whose dates read either way

    @property
    def note(self) -> str | None:
        """What the load message says: an order that is not the usual day first, or one the file left open."""
        if self.settled_by is None and self.ambiguous:
            return (f"dates read {SHOWN[self.order]}, the feed's configured order: {self.ambiguous} line(s) "
                    "read either way and none settles it")
        if self.settled_by is not None and self.order == "month_first":
            return f"dates read {SHOWN[self.order]}, as {self.settled_by} shows"
        return None

    def describe(self) -> str:
        """For `opcc inspect`."""
        if self.settled_by is not None:
            return f"{SHOWN[self.order]}, settled by {self.settled_by}"
        if self.ambiguous:
            return (f"{SHOWN[self.order]}, the feed's configured order: {self.ambiguous} line(s) read either way "
                    "and none settles it")
        return f"{SHOWN[self.order]}: no date in the file could be read the other way"


def _where(sheet: str | None, line: int) -> str:
    return f"sheet '{sheet}' row {line}" if sheet is not None else f"line {line}"


def settle_order(con: duckdb.DuckDBPyConnection, feed: Feed, configured: Order) -> DateOrder:
    """The order of the file parsed into `parsed_lines` (every part), from its lines' hints; RejectedFile when
    its dates are in both orders."""
    dates = [c.name for c in feed.columns if c.kind is Kind.DATE]
    if not dates:
        return DateOrder(configured)
    day_text = "coalesce(" + ", ".join(f"strftime({d}, '%d/%m/%Y')" for d in dates) + ")"
    row = con.execute(f"""
        SELECT count(*) FILTER (WHERE date_hint = 'a'),
               arg_min([sheet, CAST(line_number AS VARCHAR), {day_text}], line_number)
                   FILTER (WHERE date_hint = 'd'),
               arg_min([sheet, CAST(line_number AS VARCHAR), substr(date_hint, 3)], line_number)
                   FILTER (WHERE date_hint[1] IN ('m', 'x')),
               arg_min([sheet, CAST(line_number AS VARCHAR), substr(date_hint, 3)], line_number)
                   FILTER (WHERE date_hint[1] = 'x')
        FROM parsed_lines WHERE date_hint IS NOT NULL""").fetchone()
    assert row is not None  # an aggregate always returns one row
    ambiguous, day, month, both = row
    if both is not None:
        raise RejectedFile(f"its dates are in both orders: {_where(both[0], int(both[1]))} has a date with the "
                           f"day first and one with the month first ({both[2]}); send it with one date order")
    if day is not None and month is not None:
        raise RejectedFile(
            f"its dates are in both orders: {_where(day[0], int(day[1]))} has the day first ({day[2]}) and "
            f"{_where(month[0], int(month[1]))} the month first ({month[2]}), so 04/05 could be either; "
            "send it with one date order")
    if month is not None:
        return DateOrder("month_first", f"{_where(month[0], int(month[1]))}'s {month[2]}", ambiguous)
    if day is not None:
        return DateOrder("day_first", f"{_where(day[0], int(day[1]))}'s {day[2]}", ambiguous)
    return DateOrder(configured, None, ambiguous)
