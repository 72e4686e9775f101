"""Step 1 of ingestion, reading a received file: its records as cells, whatever holds them (CSV text in
any encoding, line ending and delimiter; every sheet of a workbook, .xlsx, legacy .xls or OpenDocument .ods,
all read by python-calamine; a zip archive holding one such file). Nothing here knows feeds or headers: that
is header.py's work, on what this module reads."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import shutil
import sys
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from opcc.ingest.sniff import WORKBOOK_SUFFIXES, RejectedFile, Sniffed, decode_cp1252, is_utf8, sniff

DELIMITERS = (",", ";", "\t", "|")
HEAD_ROWS = 50  # rows searched for a header at the top of a file or sheet, and at its end
# Python's csv module refuses fields over 128 KiB; such a cell is read whole and its line quarantined (parse.py).
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Source:
    """A file ready to read: the file itself, or the one extract inside a zip archive."""

    path: Path
    sniffed: Sniffed  # of `path`; the file as received is identified by its own sha256 (the loader's)
    book: Any = None  # a workbook, opened once for all its reads

    @property
    def is_workbook(self) -> bool:
        return self.sniffed.kind == "workbook"


Record = tuple[int, list[str | None]]  # (first physical line or sheet row, cells)


@contextmanager
def open_source(path: Path, sniffed: Sniffed, tmp_dir: Path) -> Iterator[Source]:
    """The file to read; for a zip archive, its one CSV or workbook, unpacked for the duration."""
    if sniffed.kind == "workbook":
        with _workbook(Source(path, sniffed)) as book:
            yield Source(path, sniffed, book)
        return
    if sniffed.kind != "zip":
        yield Source(path, sniffed)
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise RejectedFile(f"the zip archive is damaged: {exc}") from exc
    with archive:
        members = [m for m in archive.infolist()
                   if not m.is_dir() and Path(m.filename).suffix.lower() in (".csv", ".txt", ".tsv", *WORKBOOK_SUFFIXES)
                   and not Path(m.filename).name.startswith((".", "~$"))]
        if len(members) != 1:
            found = ", ".join(m.filename for m in members) or "none"
            raise RejectedFile(f"a zip archive must hold exactly one CSV or workbook extract (it holds {found})")
        tmp_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=tmp_dir))
        try:
            inner = folder / Path(members[0].filename).name
            try:
                with archive.open(members[0]) as src, inner.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise RejectedFile(f"the zip archive is damaged: {exc}") from exc
            inner_sniffed = sniff(inner)
            if inner_sniffed.kind == "zip":
                raise RejectedFile("a zip archive inside a zip archive is not an extract")
            with open_source(inner, inner_sniffed, tmp_dir) as source:
                yield source
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# -- CSV text ---------------------------------------------------------------------------------------

def text_head(source: Source) -> str:
    """The first 256 KiB of a CSV, decoded."""
    with source.path.open("rb") as fh:
        data = fh.read(256 * 1024)
    if source.sniffed.encoding == "cp1252":
        return decode_cp1252(data)
    return data.decode(source.sniffed.encoding or "utf-8", errors="replace").lstrip("\ufeff")


def delimiters(source: Source) -> list[str]:
    """The delimiters worth trying, in order of likelihood: those that appear in the file's head."""
    head = text_head(source)
    return [d for d in DELIMITERS if d in head] or [","]


def head_records(source: Source, delimiter: str) -> list[Record]:
    """The first HEAD_ROWS records of a CSV under `delimiter`."""
    records: list[Record] = []
    reader = csv.reader(io.StringIO(text_head(source), newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            records.append((line, list(cells)))
            line = reader.line_num + 1
            if len(records) == HEAD_ROWS:
                break
    except csv.Error:
        pass  # a head cut inside a quoted cell: the records before it stand
    return records


def text_encoding(source: Source) -> str:
    """The encoding to read the whole CSV with. The head decides, except that a file whose head is UTF-8
    but whose later bytes are not is read as Windows-1252 (finance exports append to files)."""
    encoding = source.sniffed.encoding or "utf-8"
    if encoding in ("utf-8", "utf-8-sig") and not is_utf8(source.path):
        return "cp1252"
    return encoding


def csv_records(source: Source, delimiter: str, encoding: str | None = None) -> Iterator[Record]:
    """Every record of a CSV with the physical line it starts on. Line ends may be CRLF, LF or a bare CR
    (old Mac exports); a quoted cell may hold line breaks."""
    encoding = encoding or text_encoding(source)
    errors = "opcc-latin1" if encoding == "cp1252" else "strict"
    with source.path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, errors=errors,
                          newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        line = 1
        try:
            for cells in reader:
                start, line = line, reader.line_num + 1
                yield start, list(cells)
        except UnicodeDecodeError as exc:  # UTF-16 cut short or broken (the others cannot fail: see text_encoding)
            raise RejectedFile(f"the file is not valid {encoding} text after line {line}: {exc.reason}") from exc


# A header that comes last is looked for by reading the whole file, which only files of this size are worth:
# sorted exports are small, and a large file without a header at the top is rejected without the wait.
TAIL_SEARCH_MAX_BYTES = 64 << 20


def tail_records(source: Source, delimiter: str) -> list[Record]:
    """The last HEAD_ROWS records with anything in them (a header may come last: a sorted export)."""
    if source.sniffed.size > TAIL_SEARCH_MAX_BYTES:
        return []
    return list(deque((r for r in csv_records(source, delimiter) if has_content(r[1])), maxlen=HEAD_ROWS))


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    """cp1252 leaves five bytes undefined: read them as Latin-1, as Excel does, rather than fail."""
    if not isinstance(error, UnicodeDecodeError):  # a codecs error handler is typed for every direction
        raise error
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("opcc-latin1", _latin1_for_undefined)


# -- workbooks --------------------------------------------------------------------------------------
# python-calamine reads .xlsx, .xls and .ods alike: cached values of formulas, dates as dates (a cell formatted as
# a date), empty cells as ''. Its rows start at the sheet's first row but its cells at the first column holding
# anything: they are padded back, so a row's cells are numbered from column A as Excel numbers them.

def sheet_names(source: Source) -> list[str]:
    """The worksheets, in the workbook's order (chart and macro sheets hold no lines)."""
    from python_calamine import SheetTypeEnum

    with _workbook(source) as wb:
        return [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]


def sheet_rows(source: Source, sheet: str) -> Iterator[Record]:
    """Every row of one sheet, numbered as Excel numbers them, its cells as the text a CSV would hold."""
    with _workbook(source) as wb:
        try:
            ws = wb.get_sheet_by_name(sheet)
            first_column = ws.start[1] if ws.start else 0
            rows = ws.iter_rows()
        except Exception as exc:  # calamine raises its own types for each damaged part
            raise RejectedFile(f"sheet '{sheet}' of the workbook cannot be read: {exc}") from exc
        pad: list[str | None] = [None] * first_column
        for number, row in enumerate(rows, start=1):
            yield number, pad + [cell_text(v) for v in row]


def sheet_head_and_tail(source: Source, sheet: str) -> tuple[list[Record], list[Record]]:
    """The first HEAD_ROWS rows of a sheet, and its last HEAD_ROWS rows with anything in them."""
    head: list[Record] = []
    tail: deque[Record] = deque(maxlen=HEAD_ROWS)
    for record in sheet_rows(source, sheet):
        if len(head) < HEAD_ROWS:
            head.append(record)
        elif has_content(record[1]):
            tail.append(record)
    return head, list(tail)


@contextmanager
def _workbook(source: Source) -> Iterator[Any]:
    if source.book is not None:
        yield source.book
        return
    from python_calamine import CalamineWorkbook  # only workbooks need it

    try:
        wb = CalamineWorkbook.from_path(str(source.path))
    except Exception as exc:  # calamine raises a zoo of types for damaged files
        raise RejectedFile(f"the workbook cannot be opened: {exc}") from exc
    try:
        yield wb
    finally:
        wb.close()


def cell_text(value: object) -> str | None:
    """A workbook cell as the text a CSV would hold: dates ISO, numbers exact to the penny, a whole number
    without decimals (a reference or an Excel serial date stored as a number: 45044.0 is 45044)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:  # every such float is exact
        return str(int(value))
    if isinstance(value, float):
        # Spreadsheet arithmetic leaves binary noise (1041.4099999999999 is £1,041.41): round it away at the
        # penny; a value that really has more decimals keeps them (and is quarantined as an amount).
        d = Decimal(repr(value))
        try:
            rounded = d.quantize(Decimal("0.01"))
        except InvalidOperation:  # inf, nan, or too large to hold pence: left as written
            return repr(value)
        return str(rounded if abs(d - rounded) < Decimal("0.000001") else d)
    return str(value)


def has_content(cells: list[str | None]) -> bool:
    return any(c is not None and str(c).strip() for c in cells)


def with_encoding(source: Source, encoding: str) -> Source:
    return replace(source, sniffed=replace(source.sniffed, encoding=encoding))
