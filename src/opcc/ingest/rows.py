"""From a received file to its data lines as text, each with its line number.

CSV goes through DuckDB's own reader (the fast path) whenever that provably keeps line numbers:
the number of records DuckDB returns must equal the file's physical lines after the header, less
the empty lines DuckDB passes over (found in the file and numbered around). Line breaks inside
quoted cells, or lines DuckDB cannot read, break that equality, and then Python's csv module reads
the file instead, exactly, line by line. Workbooks are read with openpyxl. Either way the lines are
the temp view `incoming(line_number, nfields, c0..cN, extra)`, which the parse (parse.py) reads once.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from opcc.feeds import FEEDS, Feed, alias_index, normalise_header
from opcc.ingest.parse import OrderNotKept, number_lines, sql_str
from opcc.ingest.sniff import RejectedFile, Sniffed, decode_cp1252, empty_lines, is_utf8

log = logging.getLogger(__name__)

HEAD_ROWS = 50
DELIMITERS = (",", ";", "\t", "|")
BATCH = 50_000


@dataclass(frozen=True)
class Layout:
    header_line: int  # physical line (CSV) or sheet row (xlsx) of the header, 1-based
    columns: dict[str, int]  # canonical column -> cell index
    ncols: int
    delimiter: str = ","
    sheet: str | None = None


# -- reading a file's head ------------------------------------------------------------------------

def _text_head(path: Path, sniffed: Sniffed) -> str:
    with path.open("rb") as fh:
        data = fh.read(256 * 1024)
    if sniffed.encoding == "cp1252":
        return decode_cp1252(data)
    return data.decode(sniffed.encoding or "utf-8", errors="replace").lstrip("\ufeff")


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of each CSV record in `text`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error:
        return


def _xlsx_rows(path: Path, sheet: str | None = None) -> Iterator[tuple[str, int, list[str | None]]]:
    import openpyxl  # only workbooks need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for damaged files
        raise RejectedFile(f"the workbook cannot be opened: {exc}") from exc
    try:
        for ws in wb.worksheets:
            if sheet is not None and ws.title != sheet:
                continue
            for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
                yield ws.title, number, [_cell_text(v) for v in row]
    finally:
        wb.close()


def _cell_text(value: object) -> str | None:
    """A workbook cell as the text a CSV would hold: dates ISO, numbers exact to the penny."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        d = Decimal(repr(value))
        # Spreadsheet arithmetic leaves binary noise (0.30000000000000004): round it away at the penny.
        rounded = d.quantize(Decimal("0.01"))
        return str(rounded if abs(d - rounded) < Decimal("0.000001") else d)
    return str(value)


# -- finding the header ---------------------------------------------------------------------------

def match_header(cells: list[str | None], feed: Feed, mapping: dict[str, str] | None) -> dict[str, int] | None:
    """Canonical column -> cell index when `cells` is a header for `feed` (every required column found)."""
    index = alias_index(feed, mapping)
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        canonical = index.get(normalise_header(cell))
        if canonical and canonical not in found:
            found[canonical] = i
    return found if all(r in found for r in feed.required) else None


def _head_candidates(path: Path, sniffed: Sniffed) -> Iterator[tuple[str, str | None, int, list[str | None]]]:
    """(delimiter, sheet, line, cells) for the first rows of the file under each plausible reading."""
    if sniffed.kind == "xlsx":
        counts: dict[str, int] = {}
        for sheet, number, cells in _xlsx_rows(path):
            counts[sheet] = counts.get(sheet, 0) + 1
            if counts[sheet] <= HEAD_ROWS:
                yield ",", sheet, number, cells
        return
    text = _text_head(path, sniffed)
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue
        for n, (line, cells) in enumerate(_csv_records(text, delimiter)):
            if n >= HEAD_ROWS:
                break
            yield delimiter, None, line, list(cells)


def detect_layout(path: Path, sniffed: Sniffed, feed: Feed, mappings: dict[str, dict[str, str]]) -> Layout:
    """Find the header row for `feed`, or reject the file saying what it looks like instead."""
    candidates = list(_head_candidates(path, sniffed))
    for delimiter, sheet, line, cells in candidates:
        columns = match_header(cells, feed, mappings.get(feed.name))
        if columns:
            return Layout(line, columns, len(cells), delimiter, sheet)
    for other in FEEDS.values():
        if other.name == feed.name:
            continue
        for _, _, line, cells in candidates:
            if match_header(cells, other, mappings.get(other.name)):
                raise RejectedFile(
                    f"this looks like a {other.name} extract (header on line {line}), not {feed.name}: "
                    f"put it in landing/{other.name}/")
    first = next((c for _, _, _, c in candidates if any(x and x.strip() for x in c)), None)
    shown = ", ".join(str(x) for x in first if x)[:200] if first else "(nothing readable)"
    wanted = ", ".join(feed.required)
    raise RejectedFile(
        f"no recognisable {feed.name} header in the first {HEAD_ROWS} lines: need columns for {wanted} "
        f"(see docs/contracts.md, or map your headers in opcc.toml); first line reads: {shown}")


def detect_feed(path: Path, sniffed: Sniffed, mappings: dict[str, dict[str, str]]) -> str:
    """The one feed whose header the file carries (for `opcc ingest PATH` without --feed)."""
    candidates = list(_head_candidates(path, sniffed))
    for _, _, _, cells in candidates:
        matches = [f.name for f in FEEDS.values() if match_header(cells, f, mappings.get(f.name))]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise RejectedFile(f"the header fits several feeds ({', '.join(matches)}): say which with --feed")
    raise RejectedFile("no recognisable header for any feed in the first 50 lines")


# -- staging the data lines -----------------------------------------------------------------------

def _columns_sql(ncols: int) -> str:
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"


def _utf8_copy(path: Path, sniffed: Sniffed, tmp_dir: Path) -> Path:
    """A UTF-8 copy of a Windows-1252 or UTF-16 file, streamed, for DuckDB's reader."""
    out = Path(tempfile.mkstemp(suffix=".csv", dir=tmp_dir)[1])
    decode = (codecs.getincrementaldecoder("utf-16")().decode if sniffed.encoding == "utf-16"
              else decode_cp1252)  # single-byte: any chunk boundary is a character boundary
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(8 << 20):
            dst.write(decode(chunk))
    return out


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP VIEW IF EXISTS incoming; DROP TABLE IF EXISTS _rows")


def stage_rows(con: duckdb.DuckDBPyConnection, path: Path, sniffed: Sniffed, layout: Layout, tmp_dir: Path,
               parse: Callable[[int | None], None]) -> str:
    """Make the view `incoming` over the lines after the header and `parse` it; returns how they were read.

    `parse(first_line)` materialises the parse of `incoming` in one pass. On DuckDB's fast path
    `incoming` has no line numbers: the parse keeps every record in file order, and record i is line
    `first_line + i` once the record count is shown to equal the file's physical lines after the header."""
    drop_staging(con)
    if sniffed.kind == "xlsx":
        _stage_arrow(con, _xlsx_data(path, layout), layout.ncols)
        parse(None)
        return "openpyxl"
    if sniffed.encoding in ("utf-8", "utf-8-sig"):
        if _parse_fast(con, path, sniffed, layout, parse):
            return "duckdb"
        if not is_utf8(path):  # UTF-8 at the top, something else further down: Windows-1252
            sniffed = replace(sniffed, encoding="cp1252")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    source = path if sniffed.encoding in ("utf-8", "utf-8-sig") else _utf8_copy(path, sniffed, tmp_dir)
    try:
        if source != path and _parse_fast(con, source, sniffed, layout, parse):
            return "duckdb"
        drop_staging(con)
        _stage_arrow(con, _csv_data(source, layout), layout.ncols)
        parse(None)
        return "python-csv"
    finally:
        if source != path:
            source.unlink(missing_ok=True)


def _parse_fast(con: duckdb.DuckDBPyConnection, source: Path, sniffed: Sniffed, layout: Layout,
                parse: Callable[[int | None], None]) -> bool:
    # DuckDB's reader skips empty lines. At the end of the file they move no line number; anywhere else
    # the records are numbered around them, once they are found to explain the whole difference.
    last_line = sniffed.physical_lines - sniffed.trailing_empty_lines
    expected = last_line - layout.header_line
    cols = ", ".join(f"c{i}" for i in range(layout.ncols))
    # DuckDB's default max_line_size: a longer line is not read and so fails the count below. (A larger
    # limit also stops DuckDB writing the load straight to disk: a 2 s checkpoint at 10M lines.)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP VIEW incoming AS
                SELECT CAST(NULL AS INTEGER) AS line_number, {layout.ncols} AS nfields, {cols},
                       CAST(NULL AS VARCHAR) AS extra
                FROM read_csv({sql_str(str(source))}, header=false, skip={layout.header_line},
                              delim={sql_str(layout.delimiter)}, quote='"', escape='"',
                              columns={_columns_sql(layout.ncols)}, auto_detect=false, null_padding=true,
                              ignore_errors=true)"""
        )
        parse(layout.header_line + 1)
        got = con.execute("SELECT count(*) FROM _parsed").fetchone()[0]
    except OrderNotKept as exc:
        log.warning("%s: read line by line instead of by DuckDB's reader: %s", source.name, exc)
        return False
    except duckdb.Error:
        return False
    if got == expected:
        return True
    # Fewer records than lines: empty lines, or line breaks inside quoted cells (which no count of empty
    # lines can make up for: a quoted cell's own empty lines are always fewer than its line breaks).
    skipped = empty_lines(source, layout.header_line, last_line) if got < expected else None
    if not skipped or got != expected - len(skipped):
        return False
    number_lines(con, layout.header_line + 1, skipped)
    return True


def _csv_data(source: Path, layout: Layout) -> Iterator[tuple[int, list[str | None]]]:
    with source.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=layout.delimiter)
        line = 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if start > layout.header_line:
                yield start, list(cells)


def _xlsx_data(path: Path, layout: Layout) -> Iterator[tuple[int, list[str | None]]]:
    for _, number, cells in _xlsx_rows(path, layout.sheet):
        if number > layout.header_line:
            yield number, cells


def _stage_arrow(con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[int, list[str | None]]], ncols: int) -> None:
    """Stage rows read in Python; blank lines (every cell empty) are not data and are left out."""
    names = ["line_number", "nfields"] + [f"c{i}" for i in range(ncols)] + ["extra"]
    schema = pa.schema([("line_number", pa.int32()), ("nfields", pa.int32())]
                       + [(f"c{i}", pa.string()) for i in range(ncols)] + [("extra", pa.string())])
    con.execute(
        "CREATE TEMP TABLE _rows (line_number INTEGER, nfields INTEGER, "
        + ", ".join(f"c{i} VARCHAR" for i in range(ncols)) + ", extra VARCHAR)"
    )
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
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        # Trailing empty cells (Excel pads rows) are not extra fields.
        while len(cells) > ncols and (cells[-1] is None or not str(cells[-1]).strip()):
            cells.pop()
        batch[0].append(line)
        batch[1].append(len(cells))
        padded = (cells + [None] * ncols)[:ncols]
        for i, value in enumerate(padded):
            batch[i + 2].append(value)
        # Cells beyond the header are kept for the quarantine record, not dropped.
        batch[-1].append(",".join("" if c is None else str(c) for c in cells[ncols:]) if len(cells) > ncols else None)
        if len(batch[0]) >= BATCH:
            flush()
    if batch[0]:
        flush()
