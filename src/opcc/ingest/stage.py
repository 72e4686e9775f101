"""Staging a part's data records for the parse: the temp view `incoming(line_number, nfields, c0..cN, extra)`.

Two readers. DuckDB's own CSV reader (fast) gives no line numbers: its records are numbered by position,
which holds only when the number of records equals the file's physical lines after the header, less
the empty lines DuckDB passes over (found in the file and numbered around). The parse counts the
records; `numbering` then says whether positions are lines. Where they are not (line breaks inside
quoted cells, bare-CR line ends, lines DuckDB cannot read), or for a workbook's sheet or a header that
comes last, the records are read exactly, one by one, by read.py and staged with their numbers.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from opcc.ingest.header import Layout
from opcc.ingest.read import Record, Source, csv_records, has_content, sheet_rows
from opcc.ingest.sniff import decode_cp1252, empty_lines

BATCH = 50_000


def sql_str(text: str) -> str:
    """A SQL string literal (for text that cannot be a bound parameter, e.g. inside a view)."""
    return "'" + text.replace("'", "''") + "'"


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP VIEW IF EXISTS incoming; DROP TABLE IF EXISTS _rows")


@dataclass(frozen=True)
class FastRead:
    """`incoming` is DuckDB's reader over `path`; record i is line first_line + i if `numbering` agrees."""

    path: Path
    first_line: int
    last_line: int  # the last physical line that is not a trailing empty line

    @property
    def expected(self) -> int:
        return self.last_line - self.first_line + 1


@contextmanager
def fast(con: duckdb.DuckDBPyConnection, source: Source, layout: Layout, tmp_dir: Path) -> Iterator[FastRead | None]:
    """Stage a CSV through DuckDB's reader when it may keep line numbers (else yield None); a Windows-1252
    file is read from a UTF-8 copy, removed afterwards."""
    drop_staging(con)
    sniffed = source.sniffed
    # Bare-CR line ends are lines to Python's reader but not to the count of line feeds the numbering needs;
    # in UTF-16 a line feed's byte also occurs inside other characters, so neither count can be trusted.
    if source.is_workbook or layout.header_last or sniffed.bare_crs or sniffed.encoding == "utf-16":
        yield None
        return
    copy = None if sniffed.encoding in ("utf-8", "utf-8-sig") else _utf8_copy(source, tmp_dir)
    path = copy or source.path
    cols = ", ".join(f"c{i}" for i in range(layout.ncols))
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(layout.ncols)) + "}"
    try:
        # DuckDB's default max_line_size: a longer line is not read and so fails the count. (A larger limit
        # also stops DuckDB writing the load straight to disk: a 2 s checkpoint at 10M lines.)
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW incoming AS
                SELECT CAST(NULL AS INTEGER) AS line_number, {layout.ncols} AS nfields, {cols},
                       CAST(NULL AS VARCHAR) AS extra
                FROM read_csv({sql_str(str(path))}, header=false, skip={layout.header_line},
                              delim={sql_str(layout.delimiter)}, quote='"', escape='"', columns={columns},
                              auto_detect=false, null_padding=true, ignore_errors=true)""")
        yield FastRead(path, layout.header_line + 1, sniffed.physical_lines - sniffed.trailing_empty_lines)
    finally:
        if copy:
            copy.unlink(missing_ok=True)


def numbering(read: FastRead, records: int) -> list[int] | None:
    """The empty lines DuckDB's reader passed over (to number its records around), when `records` records
    provably are the lines from first_line on; None when they are not. Fewer records than lines are
    explained by empty lines or by line breaks inside quoted cells, which no count of empty lines can make
    up for (a quoted cell's own empty lines are always fewer than its line breaks)."""
    if records == read.expected:
        return []
    if records > read.expected:
        return None
    skipped = empty_lines(read.path, read.first_line - 1, read.last_line)
    return skipped if skipped and records == read.expected - len(skipped) else None


def exact(con: duckdb.DuckDBPyConnection, source: Source, layout: Layout) -> None:
    """Stage the part's data records read one by one, each with its line (or row) number."""
    drop_staging(con)
    records = sheet_rows(source, layout.sheet) if layout.sheet is not None else csv_records(source, layout.delimiter)
    data = ((line, cells) for line, cells in records
            if line != layout.header_line and (layout.header_last or line > layout.header_line))
    _stage_arrow(con, data, layout.ncols, spill=layout.sheet is None)


def _utf8_copy(source: Source, tmp_dir: Path) -> Path:
    """A UTF-8 copy of a Windows-1252 file, streamed, for DuckDB's reader."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkstemp(suffix=".csv", dir=tmp_dir)[1])
    with source.path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(8 << 20):
            dst.write(decode_cp1252(chunk))  # single-byte: any chunk boundary is a character boundary
    return out


def _stage_arrow(con: duckdb.DuckDBPyConnection, rows: Iterable[Record], ncols: int, spill: bool) -> None:
    """Stage rows read in Python; blank lines (every cell empty) are not data and are left out. With `spill`
    (CSV), cells beyond the header's are kept in `extra` (the line is quarantined: its cells may have
    shifted); without (a workbook, where cells cannot shift), they are helper columns, ignored."""
    names = ["line_number", "nfields"] + [f"c{i}" for i in range(ncols)] + ["extra"]
    schema = pa.schema([("line_number", pa.int32()), ("nfields", pa.int32())]
                       + [(f"c{i}", pa.string()) for i in range(ncols)] + [("extra", pa.string())])
    con.execute("CREATE TEMP TABLE _rows (line_number INTEGER, nfields INTEGER, "
                + ", ".join(f"c{i} VARCHAR" for i in range(ncols)) + ", extra VARCHAR)")
    con.execute("CREATE TEMP VIEW incoming AS SELECT * FROM _rows")
    batch: list[list[object]] = [[] for _ in names]

    def flush() -> None:
        table = pa.Table.from_arrays([pa.array(col, type=schema.field(i).type) for i, col in enumerate(batch)],
                                     schema=schema)
        con.register("_batch", table)
        con.execute("INSERT INTO _rows SELECT * FROM _batch")
        con.unregister("_batch")
        for col in batch:
            col.clear()

    for line, cells in rows:
        if not has_content(cells):
            continue
        # Trailing empty cells (Excel pads rows) are not extra fields.
        while len(cells) > ncols and (cells[-1] is None or not str(cells[-1]).strip()):
            cells.pop()
        if not spill:
            cells = cells[:ncols]
        batch[0].append(line)
        batch[1].append(len(cells))
        for i, value in enumerate((cells + [None] * ncols)[:ncols]):
            batch[i + 2].append(value)
        batch[-1].append(",".join("" if c is None else str(c) for c in cells[ncols:]) if len(cells) > ncols else None)
        if len(batch[0]) >= BATCH:
            flush()
    if batch[0]:
        flush()
