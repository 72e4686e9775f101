"""Which reader a CSV takes: DuckDB's (fast) only when it provably keeps every line number."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from opcc.feeds import FEEDS
from opcc.ingest.header import plan_file
from opcc.ingest.loader import parse_file
from opcc.ingest.parse import OrderNotKept, keeps_file_order
from opcc.ingest.read import open_source
from opcc.ingest.sniff import sniff

HEADER = b"Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount \xc2\xa3\r\n"
LINE = (b"Police and Crime Commissioner for Dorset,02/04/2019,%d,Grants,OPCC Commissioning - Safety Fund,"
        b"Victim Support,\"\xc2\xa31,000.00\"\r\n")


def staged(path: Path, tmp_path: Path) -> tuple[str, duckdb.DuckDBPyConnection]:
    """How the file was read, and a connection holding its parse (`parsed_lines`)."""
    feed = FEEDS["transactions"]
    con = duckdb.connect()
    with open_source(path, sniff(path), tmp_path / "tmp") as source:
        parse_file(con, source, feed, plan_file(source, feed, {}), tmp_path / "tmp")
    # The exact reader stages its records in the table _rows; DuckDB's reader leaves none.
    staged = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = '_rows'").fetchone()[0]
    return ("python-csv" if staged else "duckdb"), con


def read(path: Path, tmp_path: Path) -> tuple[str, list[int]]:
    how, con = staged(path, tmp_path)
    lines = [n for (n,) in con.execute("SELECT line_number FROM parsed_lines WHERE NOT bad ORDER BY 1").fetchall()]
    return how, lines


@pytest.mark.parametrize(("newline", "empty_lines"), [(b"\r\n", 0), (b"\r\n", 2), (b"\n", 1)])
def test_empty_lines_at_the_end_keep_duckdbs_reader(tmp_path: Path, newline: bytes, empty_lines: int) -> None:
    path = tmp_path / "spend.csv"
    text = HEADER + LINE % 1 + LINE % 2 + LINE % 3 + b"\r\n" * empty_lines
    path.write_bytes(text.replace(b"\r\n", newline))
    assert sniff(path).trailing_empty_lines == empty_lines
    assert read(path, tmp_path) == ("duckdb", [2, 3, 4])


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
def test_empty_lines_in_the_middle_are_numbered_around(tmp_path: Path, newline: bytes) -> None:
    path = tmp_path / "spend.csv"
    text = (HEADER + LINE % 1 + b"\r\n" + LINE % 2 + b"\r\n\r\n" + LINE % 3 + LINE % 4 + b",,,,,,\r\n"
            + LINE % 5 + b"\r\n")
    path.write_bytes(text.replace(b"\r\n", newline))
    # Lines 3, 5 and 6 are empty (DuckDB passes over them); line 9 has only commas (a record, not data).
    assert read(path, tmp_path) == ("duckdb", [2, 4, 7, 8, 10])


def test_empty_lines_across_read_chunks_are_all_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opcc.ingest import sniff as sniff_module

    path = tmp_path / "spend.csv"
    body = b"".join(LINE % n + (b"\r\n" if n % 7 == 0 else b"") for n in range(1, 200))
    path.write_bytes(HEADER + body)
    monkeypatch.setattr(sniff_module, "CHUNK", 101)  # pairs of line breaks straddle chunk ends
    physical = list(enumerate((HEADER + body).split(b"\r\n")[:-1], start=1))  # the last break ends the file
    empty = [line for line, text in physical if text == b""]
    assert len(empty) == 28 and sniff_module.empty_lines(path, 1, 10_000) == empty
    assert read(path, tmp_path) == ("duckdb", [line for line, text in physical[1:] if text])


def test_a_quoted_cell_with_empty_lines_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    quoted = LINE.replace(b"Victim Support", b'"Victim\r\n\r\nSupport"') % 2
    path.write_bytes(HEADER + LINE % 1 + b"\r\n" + quoted + LINE % 3)
    assert read(path, tmp_path) == ("python-csv", [2, 4, 7])


def test_a_line_break_inside_a_quoted_cell_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    quoted = LINE.replace(b"Victim Support", b'"Victim\r\nSupport"') % 2
    path.write_bytes(HEADER + LINE % 1 + quoted + LINE % 3)
    assert read(path, tmp_path) == ("python-csv", [2, 3, 5])


def test_a_file_read_in_parallel_keeps_every_line_number(tmp_path: Path) -> None:
    """DuckDB reads a large CSV in parallel chunks; each record's position must still be its line. Here each
    line's transaction number is its line number, over enough lines (60 MB) for several chunks."""
    path = tmp_path / "spend.csv"
    with path.open("wb") as out:
        out.write(HEADER)
        line = 1
        for n in range(1, 400_001):
            line += 1
            out.write(LINE % line)
            if n % 99_991 == 0:
                out.write(b"\r\n")  # and an empty line now and then, numbered around
                line += 1
    how, con = staged(path, tmp_path)
    assert how == "duckdb"
    lines, wrong = con.execute("""SELECT count(*),
                                         count(*) FILTER (WHERE line_number <> CAST(transaction_number AS INTEGER))
                                  FROM parsed_lines""").fetchone()
    assert (lines, wrong) == (400_000, 0)


def test_a_plan_that_could_reorder_lines_is_refused() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE incoming AS SELECT 'T' || i AS c0 FROM range(10) r(i)")
    keeps_file_order(con, "SELECT c0, (ascii(c0) | 32) IN (116, 103, 115) FROM incoming")
    with pytest.raises(OrderNotKept, match="Join"):
        keeps_file_order(con, "SELECT c0, ascii(c0) IN (84, 116, 71, 103, 83, 115) FROM incoming")
    with pytest.raises(OrderNotKept):
        keeps_file_order(con, "SELECT c0 FROM incoming ORDER BY c0 DESC")
