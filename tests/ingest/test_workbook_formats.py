"""Every workbook format police bodies publish in reads the same way: .xlsx, legacy .xls (Hampshire, with Excel
serial dates) and OpenDocument .ods (Thames Valley), on their own or inside a zip. Each sheet's lines keep their
sheet and row, serial dates are dates, a float artefact is its penny, and a bad line is quarantined with its sheet
and row. The workbooks are written here: .xls with xlwt, .ods as the minimal OpenDocument XML."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import duckdb
import pytest

from opcc.config import Settings
from opcc.ingest import ingest_feed
from opcc.ingest.inspect import inspect_file

Sheets = dict[str, list[Any]]  # each sheet's rows of cells (an .ods row may be a Blank)

HEADER = ["Date", "Supplier", "Expense Type", "Amount"]
# Two sheets, each numbering its rows from 1: April's lines are rows 2-4, May's rows 3-4 under a title row.
SHEETS: Sheets = {
    "Apr 20": [HEADER,
               [dt.date(2020, 4, 5), "Victim Support", "Grants", 1041.4099999999999],  # a float artefact: £1,041.41
               [43926, "Dorset Mind", "Grants", 600],  # an Excel serial date in a General cell: 5 April 2020
               [dt.date(2020, 4, 30), "Bad Amount Ltd", "Grants", "twelve pounds"]],  # quarantined: sheet, row 4
    "May '20": [["Spend over £500, May 2020"],
                HEADER,
                [dt.date(2020, 5, 1), "Restorative Justice CIC", "Grants", -750.5],
                [43963, "Safer Streets Ltd", "Services", 2500]],  # 12 May 2020
}


def write_xls(path: Path, sheets: Sheets) -> None:
    import xlwt

    book = xlwt.Workbook()
    as_date = xlwt.easyxf(num_format_str="dd/mm/yyyy")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write(r, c, value, as_date)
                else:
                    ws.write(r, c, value)
    book.save(str(path))


def _ods_cell(value: object) -> str:
    if isinstance(value, dt.date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{value.isoformat()}</text:p></table:table-cell>")
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value!r}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


@dataclass(frozen=True)
class Blank:
    """Empty rows as LibreOffice writes them: one row element repeated (its sheets end in a million of them)."""

    rows: int


def _ods_row(row: list[object] | Blank) -> str:
    if isinstance(row, Blank):
        return (f'<table:table-row table:number-rows-repeated="{row.rows}">'
                '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    return "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"


def write_ods(path: Path, sheets: Sheets) -> None:
    """The least an OpenDocument spreadsheet needs: its mimetype first and stored, a manifest, content.xml."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    tables = "".join(f"<table:table table:name={quoteattr(name)}>"
                     + "".join(_ods_row(row) for row in rows)
                     + "</table:table>" for name, rows in sheets.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)


def write_xlsx(path: Path, sheets: Sheets) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)


WRITERS: dict[str, Callable[[Path, Sheets], None]] = {".xls": write_xls, ".ods": write_ods, ".xlsx": write_xlsx}


def land(tmp_path: Path, name: str, write: Callable[[Path], None]) -> Settings:
    settings = Settings(data_dir=tmp_path / "data")
    landing = settings.landing_dir / "transactions"
    landing.mkdir(parents=True)
    write(landing / name)
    return settings


def zipped(inner: str, write: Callable[[Path, Sheets], None]) -> Callable[[Path], None]:
    def write_zip(path: Path) -> None:
        member = path.with_name(inner)
        write(member, SHEETS)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(member, inner)
        member.unlink()
    return write_zip


CASES = {f"extract{suffix}": (f"extract{suffix}", lambda p, w=write: w(p, SHEETS)) for suffix, write in WRITERS.items()}
CASES |= {f"zip holding extract{suffix}": ("extract.zip", zipped(f"extract{suffix}", write))
          for suffix, write in WRITERS.items() if suffix != ".xlsx"}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_workbook_format_loads_each_sheet_line_by_its_sheet_and_row(tmp_path: Path, case: str) -> None:
    name, write = CASES[case]
    settings = land(tmp_path, name, write)
    [result] = ingest_feed(settings, "transactions")
    assert result.status == "loaded", result.message
    assert (result.rows_received, result.rows_loaded, result.rows_quarantined) == (5, 4, 1)
    assert result.loaded_amount == Decimal("3390.91")
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    lines = con.execute("""SELECT sheet, line_number, transaction_date, supplier, amount FROM transactions
                           ORDER BY sheet, line_number""").fetchall()
    assert lines == [
        ("Apr 20", 2, dt.date(2020, 4, 5), "Victim Support", Decimal("1041.41")),
        ("Apr 20", 3, dt.date(2020, 4, 5), "Dorset Mind", Decimal("600.00")),
        ("May '20", 3, dt.date(2020, 5, 1), "Restorative Justice CIC", Decimal("-750.50")),
        ("May '20", 4, dt.date(2020, 5, 12), "Safer Streets Ltd", Decimal("2500.00")),
    ]
    [(sheet, line, reason)] = con.execute("SELECT sheet, line_number, reason FROM quarantine").fetchall()
    assert (sheet, line) == ("Apr 20", 4) and "twelve pounds" in reason


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_inspect_names_the_format_and_each_sheet(tmp_path: Path, suffix: str) -> None:
    settings = land(tmp_path, f"extract{suffix}", lambda p: WRITERS[suffix](p, SHEETS))
    code, report = inspect_file(settings, settings.landing_dir / "transactions" / f"extract{suffix}", "transactions")
    assert code == 0, report
    assert f"({suffix}), 2 sheet(s)" in report
    assert "Apr 20" in report and "May '20" in report


def test_a_legacy_office_file_under_another_name_is_rejected_with_the_reason(tmp_path: Path) -> None:
    settings = land(tmp_path, "extract.xls", lambda p: write_xls(p, SHEETS))
    xls = settings.landing_dir / "transactions" / "extract.xls"
    xls.rename(xls.with_suffix(".csv"))
    [result] = ingest_feed(settings, "transactions")
    assert result.status == "rejected"
    assert "must be named .xls" in result.message


def test_a_damaged_workbook_is_rejected_not_crashed(tmp_path: Path) -> None:
    def damaged(path: Path) -> None:
        write_xls(path, SHEETS)
        data = path.read_bytes()
        path.write_bytes(data[:600] + b"\x00" * 64)

    settings = land(tmp_path, "extract.xls", damaged)
    [result] = ingest_feed(settings, "transactions")
    assert result.status == "rejected"
    assert "workbook" in result.message and "please report" not in result.message


def test_an_ods_keeps_row_numbers_across_repeated_empty_rows(tmp_path: Path) -> None:
    sheets: Sheets = {"Sheet1": [HEADER, [dt.date(2020, 6, 1), "A Ltd", "Grants", 600], Blank(3),
                                 [dt.date(2020, 6, 2), "B Ltd", "Grants", 700], Blank(1_048_000)]}
    settings = land(tmp_path, "extract.ods", lambda p: write_ods(p, sheets))
    [result] = ingest_feed(settings, "transactions")
    assert (result.status, result.rows_loaded, result.loaded_amount) == ("loaded", 2, Decimal("1300.00"))
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    assert con.execute("SELECT supplier, line_number FROM transactions ORDER BY 2").fetchall() == [
        ("A Ltd", 2), ("B Ltd", 6)]
