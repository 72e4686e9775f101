"""The report's table primitives: every section's tables are made of these, and the templates lay them out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opcc.report.formatting import to_decimal


@dataclass(frozen=True)
class Cell:
    text: str
    css: str = ""  # "num" for a figure, "num neg" for a negative one


def num(text: str, value: Any = None) -> Cell:
    d = to_decimal(value) if value is not None else None
    return Cell(text, "num neg" if d is not None and d < 0 else "num")


def plain(value: Any) -> Cell:
    return Cell("" if value is None else str(value))


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    css: str = ""  # "total", "row-FAIL", "row-WARN"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[Row]
    numeric: frozenset[int] = frozenset()  # columns whose heading is right-aligned
