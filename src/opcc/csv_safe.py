"""CSV files a finance team can open in Excel without a cell turning into a formula.

Spreadsheet programs treat a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: a supplier named `=HYPERLINK("http://x","y")` in a ledger extract
would become a live link (OWASP "CSV injection"). Every TEXT cell that starts with one of those
characters is written with a leading single quote, which Excel shows as text. Numbers stay numbers:
int, Decimal and float values, and numeric strings in a column declared numeric (e.g. "-1250.00"
in an amount column), are written as they are, so a credit of -1,250.00 still sums.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A plain number as a finance extract or DuckDB writes it: optional sign, digits, optional decimals,
# optional exponent. No currency signs, no thousands separators, nothing else.
_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def is_numeric_text(text: str) -> bool:
    """True for a plain number written as text (`-1250.00`, `42`, `1.5e3`)."""
    return bool(_NUMERIC.match(text))


def neutralise(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would read it as a formula."""
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_cell(value: Any, numeric: bool = False) -> str:
    """One cell as written to the file.

    `numeric=True` says the value comes from a numeric column: a numeric string is then kept as a
    number. Anything else that is text is neutralised.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    text = str(value)
    if numeric and is_numeric_text(text.strip()):
        return text.strip()
    return neutralise(text)


def write_csv(
    path: Path | str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any] | Mapping[str, Any]],
    numeric_columns: Iterable[str] = (),
) -> Path:
    """Write `rows` (sequences in `header` order, or mappings keyed by header) to `path` as UTF-8 CSV.

    Header cells are neutralised too. Columns named in `numeric_columns` keep numeric strings as
    numbers; every other text cell starting with = + - @ tab or CR gets a leading `'`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    numeric = set(numeric_columns)
    flags = [name in numeric for name in header]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([neutralise(str(h)) for h in header])
        for row in rows:
            values = [row.get(h) for h in header] if isinstance(row, Mapping) else list(row)
            writer.writerow([safe_cell(v, flag) for v, flag in zip(values, flags, strict=True)])
    return path


def write_dicts(path: Path | str, rows: Sequence[Mapping[str, Any]], numeric_columns: Iterable[str] = ()) -> Path:
    """Write a list of dicts, header taken from the first row's keys (in order)."""
    header = list(rows[0].keys()) if rows else []
    return write_csv(path, header, rows, numeric_columns)
