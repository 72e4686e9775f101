"""Checking the reference data before a night uses it: every cell typed as the contract says, then keys,
references between tables, effective dates and the contract's rules.

Each problem is one line naming the file (and sheet), the row as Excel shows it, the column, the value and what
was expected, e.g. `funds.csv row 4, column funding_source_code = 'MOJX': expected a funding_source_code of
funding_sources (funding_sources.csv): MOJ, PCC`. A table with problems is still checked as far as it can be,
so one pass lists everything to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from opcc.reference.contract import CONTRACT, Column, Table, Type
from opcc.reference.read import Found, read_folder

Value = str | None  # a cell in its canonical text: dates ISO, money '1234.50', booleans 'true'/'false'


@dataclass(frozen=True)
class Record:
    number: int  # the row as Excel shows it
    values: dict[str, Value]


@dataclass
class Checked:
    """The reference as read and checked: each table's rows in canonical text, and every problem found."""
    folder: Path
    tables: dict[str, list[Record]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # table -> file (and sheet) it came from
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- cells -------------------------------------------------------------------------------------------------

class Bad(ValueError):
    """A cell that is not what its column holds; the message is what was expected."""


_MONEY = re.compile(r"^(-)?£?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?$")
_YEAR = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


def _date(text: str) -> str:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise Bad("a date like 2019-04-01 or 01/04/2019")


def _money(text: str) -> str:
    m = _MONEY.match(text.replace(" ", ""))
    if not m or len(m[2].replace(",", "")) > 16:
        raise Bad("an amount in pounds like 2400000.00 (at most 2 decimal places)")
    return format(Decimal((m[1] or "") + m[2].replace(",", "") + (m[3] or "")).quantize(Decimal("0.01")), "f")


def _decimal(text: str, places: int, what: str) -> Decimal:
    try:
        d = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise Bad(what) from None
    if not d.is_finite() or d.as_tuple().exponent < -places or abs(d) >= 10 ** 5:  # type: ignore[operator]
        raise Bad(what)
    return d


def _year(text: str) -> str:
    m = _YEAR.match(text.upper().removeprefix("FY").strip())
    if not m or int(m[2]) not in (int(m[1]) + 1, (int(m[1]) + 1) % 100):
        raise Bad("a financial year like 2019/20")
    return f"{m[1]}/{(int(m[1]) + 1) % 100:02d}"


def _boolean(text: str) -> str:
    low = text.lower()
    if low in _TRUE | _FALSE:
        return "true" if low in _TRUE else "false"
    raise Bad("true or false")


PARSE: dict[Type, Callable[[str], str]] = {
    Type.TEXT: lambda text: text,
    Type.DATE: _date,
    Type.MONEY: _money,
    Type.NUMBER: lambda text: format(_decimal(text, 4, "a number with at most 4 decimal places"), "f"),
    Type.INTEGER: lambda text: str(_decimal(text, 0, "a whole number")),
    Type.BOOLEAN: _boolean,
    Type.YEAR: _year,
}


def parse_cell(column: Column, text: str) -> Value:
    """The cell in canonical text, or None when empty; raises Bad with what was expected."""
    if text == "":
        if column.required:
            raise Bad(f"a value ({column.description.rstrip('.') or column.name})")
        return None
    value = PARSE[column.type](text)
    if column.values:
        allowed = {v.lower(): v for v in column.values}
        if value.lower() not in allowed:
            raise Bad("one of " + ", ".join(column.values))
        value = allowed[value.lower()]
    if column.minimum is not None and Decimal(value) < column.minimum:
        raise Bad(f"{column.minimum} or more")
    if column.maximum is not None and Decimal(value) > column.maximum:
        raise Bad(f"{column.maximum} or less")
    return value


# -- problems ----------------------------------------------------------------------------------------------

def _at(source: str, row: int, columns: tuple[str, ...] | str, values: tuple[Value, ...] | Value) -> str:
    cols = (columns,) if isinstance(columns, str) else columns
    vals = (values,) if not isinstance(values, tuple) else values
    shown = ", ".join(repr(v or "") for v in vals)
    return f"{source} row {row}, column{'s' if len(cols) > 1 else ''} {', '.join(cols)} = {shown}"


def _listed(values: list[str], most: int = 12) -> str:
    shown = sorted(values)[:most]
    return ", ".join(shown) + (f" (and {len(values) - most} more)" if len(values) > most else "") if shown else "none"


def check_folder(folder: Path, contract: dict[str, Table] = CONTRACT) -> Checked:
    """Read and check every table of the contract in `folder`."""
    found = read_folder(folder, contract)
    checked = Checked(folder, problems=list(found.problems), ignored=list(found.ignored))
    for table in contract.values():
        _typed(checked, found, table)
    for table in contract.values():
        if table.name in checked.tables:
            _keys(checked, table)
            _references(checked, table)
            _effective(checked, table)
            _rules(checked, table)
    return checked


def _typed(checked: Checked, found: Found, table: Table) -> None:
    sheet = found.sheets.get(table.name)
    if sheet is None:
        checked.problems.append(
            f"{table.file_name}: missing: expected the table {table.name} (its CSV file, or a sheet named "
            f"{table.name} in the workbook) with the columns {', '.join(table.column_names)}")
        return
    src = sheet.source
    checked.sources[table.name] = src
    for name in sheet.header:
        if name and name not in table.column_names:
            checked.problems.append(f"{src} row 1, column {name}: not a column of {table.name}: expected one of "
                                    f"{', '.join(table.column_names)}")
    missing = [c.name for c in table.columns if c.required and c.name not in sheet.header]
    if missing or not sheet.header:
        checked.problems.append(f"{src} row 1: column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                                f"missing: expected the header {', '.join(table.column_names)}")
        return
    records = []
    for row in sheet.rows:
        values: dict[str, Value] = {}
        if row.overflow:
            checked.problems.append(f"{src} row {row.number}: cells beyond the last column of the header: "
                                    f"expected the columns {', '.join(table.column_names)} only")
        for col in table.columns:
            text = row.cells.get(col.name, "")
            try:
                values[col.name] = parse_cell(col, text)
            except Bad as bad:
                checked.problems.append(f"{_at(src, row.number, col.name, text)}: expected {bad}")
                values[col.name] = None
        records.append(Record(row.number, values))
    if len(records) < table.min_rows:
        checked.problems.append(f"{src}: no rows: expected at least {table.min_rows} row of {table.name} "
                                "(the template's example row starts with # and does not count)")
    checked.tables[table.name] = records


def _keys(checked: Checked, table: Table) -> None:
    src, seen = checked.sources[table.name], dict[tuple[Value, ...], int]()
    for rec in checked.tables[table.name]:
        key = tuple(rec.values[c] for c in table.key)
        if None in key:
            continue  # its empty key cell is a problem already
        if key in seen:
            checked.problems.append(f"{_at(src, rec.number, table.key, key)}: expected a unique "
                                    f"{', '.join(table.key)}: row {seen[key]} has the same")
        else:
            seen[key] = rec.number


def _references(checked: Checked, table: Table) -> None:
    src = checked.sources[table.name]
    for col in table.columns:
        if col.references is None:
            continue
        other, other_col = col.references
        if other not in checked.tables:
            continue  # the missing table is a problem already
        known = {r.values[other_col] for r in checked.tables[other]} - {None}
        for rec in checked.tables[table.name]:
            value = rec.values[col.name]
            if value is not None and value not in known:
                checked.problems.append(
                    f"{_at(src, rec.number, col.name, value)}: expected a {other_col} of {other} "
                    f"({checked.sources[other]}): {_listed([str(k) for k in known])}")


def _rules(checked: Checked, table: Table) -> None:
    src = checked.sources[table.name]
    for rule in table.rules:
        other, other_col = table.column(rule.through).references or ("", "")
        if other not in checked.tables:
            continue
        targets = {r.values[other_col]: r for r in checked.tables[other]}
        for rec in checked.tables[table.name]:
            if any(rec.values[c] != v for c, v in rule.when.items()):
                continue
            target = targets.get(rec.values[rule.through])
            if target is None:
                continue  # an unknown code: a reference problem already
            wrong = {c: target.values[c] for c, v in rule.require.items() if target.values[c] != v}
            if wrong:
                because = ", ".join(f"{c} = {v}" for c, v in rule.when.items())
                has = ", ".join(f"{c} = {v or ''}" for c, v in wrong.items())
                checked.problems.append(
                    f"{_at(src, rec.number, rule.through, rec.values[rule.through])}: expected {rule.expected}, "
                    f"because {because}; {checked.sources[other]} row {target.number} has {has}")


def _effective(checked: Checked, table: Table) -> None:
    eff = table.effective
    if eff is None:
        return
    src = checked.sources[table.name]
    groups: dict[tuple[Value, ...], list[Record]] = {}
    for rec in checked.tables[table.name]:
        start, end = rec.values[eff.start], rec.values[eff.end] if eff.end else None
        if start is not None and end is not None and end < start:
            checked.problems.append(f"{_at(src, rec.number, eff.end or '', end)}: expected a date on or after "
                                    f"{eff.start} ({start})")
            continue
        groups.setdefault(tuple(rec.values[c] for c in eff.per), []).append(rec)
    for per, recs in groups.items():
        if len(recs) < 2:
            continue
        same = ", ".join(f"{c} {v!r}" for c, v in zip(eff.per, per, strict=True))
        recs.sort(key=lambda r: r.values[eff.start] or "")
        for before, after in zip(recs, recs[1:], strict=False):
            start = after.values[eff.start]
            end = before.values[eff.end] if eff.end else None
            if eff.end is None:
                continue  # from-dates only: each version runs until the next; a repeated date is a key problem
            at = _at(src, after.number, eff.start, start)
            if end is None or start is None or start <= end:
                until = f"ends {end}" if end else f"has no {eff.end} (still current)"
                checked.problems.append(
                    f"{at}: expected a date after row {before.number}'s {eff.end} (same {same}): row {before.number} "
                    f"{until}, so the two overlap")
            elif dt.date.fromisoformat(start) != dt.date.fromisoformat(end) + dt.timedelta(days=1):
                day_after = (dt.date.fromisoformat(end) + dt.timedelta(days=1)).isoformat()
                checked.problems.append(
                    f"{at}: expected {day_after}, the day after row {before.number}'s {eff.end} ({end}) (same "
                    f"{same}): the dates leave a gap")
