"""Reading the data directory's reference folder as finance saves it from Excel: one `<table>.csv` per table, or
one `.xlsx` workbook with a sheet per table (both at once too, a table in one place only).

Cells come back as text exactly as a CSV holds them (workbook dates ISO, numbers without float noise), with the
row number Excel shows (the header is row 1). A row whose first cell starts with `# ` is a comment (the templates'
example rows); empty rows are skipped. Nothing is interpreted here: `checks.py` types and checks the cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from opcc.reference.contract import CONTRACT


@dataclass(frozen=True)
class Row:
    number: int  # as Excel shows it: the header is row 1
    cells: dict[str, str]  # column (as the header names it, normalised) -> text, '' when empty
    overflow: bool = False  # cells filled beyond the header's last column


@dataclass
class Sheet:
    """One table as found: where (`source` names the file, and the sheet of a workbook), its header and rows."""
    table: str
    source: str
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


@dataclass
class Found:
    sheets: dict[str, Sheet] = field(default_factory=dict)  # table -> its sheet
    problems: list[str] = field(default_factory=list)  # files that cannot be read, tables given twice
    ignored: list[str] = field(default_factory=list)  # files and sheets that are no table of the contract


def column_key(header: str) -> str:
    """'Fund Code', 'fund_code ' and 'FUND CODE' all name fund_code."""
    return "_".join(header.replace("\ufeff", "").strip().lower().replace("-", " ").split())


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold: dates ISO, whole numbers without '.0', no float noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        try:
            d = Decimal(repr(value))
            rounded = d.quantize(Decimal("0.0001"))
        except InvalidOperation:
            return repr(value)
        d = rounded if abs(d - rounded) < Decimal("0.0000001") else d
        return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f").rstrip("0")
    return str(value).strip()


def _rows(records: list[list[str]]) -> tuple[list[str], list[Row]]:
    header: list[str] = []
    rows: list[Row] = []
    for number, record in enumerate(records, start=1):
        cells = [c.strip() for c in record]
        if not any(cells) or cells[0] == "#" or cells[0].startswith("# "):  # '#N/A' is Excel's, not a comment
            continue
        if not header:
            header = [column_key(c) for c in cells]
            continue
        rows.append(Row(number, {h: cells[i] if i < len(cells) else "" for i, h in enumerate(header) if h},
                        any(cells[len(header):])))
    return header, rows


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):  # Excel saves 'CSV UTF-8' with a BOM, plain 'CSV' as Windows-1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_folder(folder: Path, contract: Mapping[str, object] = CONTRACT) -> Found:
    """Every table of `contract` the folder holds, as text cells."""
    found = Found()
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")) or not path.is_file():  # hidden, Excel's lock files
            continue
        suffix = path.suffix.lower()
        if suffix == ".csv":
            table = column_key(path.stem)
            if table not in contract:
                found.ignored.append(path.name)
                continue
            try:
                records = list(csv.reader(io.StringIO(_decode(path), newline="")))
            except csv.Error as exc:
                found.problems.append(f"{path.name}: cannot be read as CSV: {exc}")
                continue
            _add(found, Sheet(table, path.name, *_rows(records)))
        elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
            _read_workbook(found, path, contract)
        else:
            found.ignored.append(path.name)
    return found


def _read_workbook(found: Found, path: Path, contract: Mapping[str, object]) -> None:
    from python_calamine import CalamineWorkbook, SheetTypeEnum  # the extracts' workbook reader too

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises a zoo of types for damaged files
        found.problems.append(f"{path.name}: cannot be opened as a workbook: {exc}")
        return
    try:
        sheets = [(m.name, book.get_sheet_by_name(m.name).to_python())
                  for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    except Exception as exc:  # noqa: BLE001 - a damaged sheet
        found.problems.append(f"{path.name}: cannot be read as a workbook: {exc}")
        return
    finally:
        book.close()
    for title, cells in sheets:
        table = column_key(title)
        if table not in contract:
            found.ignored.append(f"{path.name}, sheet {title}")
            continue
        records = [[cell_text(None if v == "" else v) for v in row] for row in cells]
        _add(found, Sheet(table, f"{path.name}, sheet {title}", *_rows(records)))


def _add(found: Found, sheet: Sheet) -> None:
    if sheet.table in found.sheets:
        found.problems.append(f"{sheet.source}: table {sheet.table} is also in {found.sheets[sheet.table].source}: "
                              "expected each table in one place only (its CSV file or its sheet of the workbook)")
        return
    found.sheets[sheet.table] = sheet
