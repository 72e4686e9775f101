"""Which reader a CSV takes: DuckDB's (fast) only when it provably keeps every line number."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from opcc.feeds import FEEDS
from opcc.ingest.parse import parse_incoming
from opcc.ingest.rows import detect_layout, stage_rows
from opcc.ingest.sniff import sniff

HEADER = b"Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount \xc2\xa3\r\n"
LINE = b"Police and Crime Commissioner for Dorset,02/04/2019,%d,Grants,OPCC Commissioning - Safety Fund,Victim Support,\"\xc2\xa31,000.00\"\r\n"


def read(path: Path, tmp_path: Path) -> tuple[str, list[int]]:
    feed = FEEDS["transactions"]
    sniffed = sniff(path)
    layout = detect_layout(path, sniffed, feed, {})
    con = duckdb.connect()
    how = stage_rows(con, path, sniffed, layout, tmp_path / "tmp",
                     lambda first: parse_incoming(con, feed, layout.columns, layout.ncols, first))
    lines = [n for (n,) in con.execute("SELECT line_number FROM parsed_lines WHERE NOT bad ORDER BY 1").fetchall()]
    return how, lines


@pytest.mark.parametrize(("newline", "empty_lines"), [(b"\r\n", 0), (b"\r\n", 2), (b"\n", 1)])
def test_empty_lines_at_the_end_keep_duckdbs_reader(tmp_path: Path, newline: bytes, empty_lines: int) -> None:
    path = tmp_path / "spend.csv"
    text = HEADER + LINE % 1 + LINE % 2 + LINE % 3 + b"\r\n" * empty_lines
    path.write_bytes(text.replace(b"\r\n", newline))
    assert sniff(path).trailing_empty_lines == empty_lines
    assert read(path, tmp_path) == ("duckdb", [2, 3, 4])


def test_an_empty_line_in_the_middle_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_bytes(HEADER + LINE % 1 + b"\r\n" + LINE % 2 + LINE % 3 + b"\r\n")
    assert read(path, tmp_path) == ("python-csv", [2, 4, 5])


def test_a_line_break_inside_a_quoted_cell_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    quoted = LINE.replace(b"Victim Support", b'"Victim\r\nSupport"') % 2
    path.write_bytes(HEADER + LINE % 1 + quoted + LINE % 3)
    assert read(path, tmp_path) == ("python-csv", [2, 3, 5])
