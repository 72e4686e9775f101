"""Finance keeps the reference in Excel: one .xlsx workbook with a sheet per table reads exactly as its CSV twin,
with Excel's own dates, numbers and TRUE/FALSE, and its problems name the sheet."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl

from opcc.datadir import DEMO_REFERENCE
from opcc.reference.checks import check_folder
from opcc.reference.contract import CONTRACT, Type
from opcc.reference.seeds import seed_files


def excel_value(kind: Type, text: str) -> object:
    """The cell as Excel stores it once finance types it in: real dates, numbers and booleans."""
    if text == "":
        return None
    if kind is Type.DATE:
        return dt.datetime.fromisoformat(text)
    if kind in (Type.MONEY, Type.NUMBER):
        return float(text)
    if kind is Type.INTEGER:
        return int(text)
    if kind is Type.BOOLEAN:
        return text == "true"
    return text


def workbook_twin(folder: Path, path: Path, edit: dict[tuple[str, int, str], object] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    book.create_sheet("Read me").append(["Each sheet is one reference table; the header is row 1."])
    for name, table in CONTRACT.items():
        sheet = book.create_sheet(name)
        with (folder / table.file_name).open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        sheet.append(rows[0])
        for number, row in enumerate(rows[1:], start=2):
            cells = [excel_value(table.column(col).type, value) for col, value in zip(rows[0], row, strict=True)]
            for (table_name, at, col), value in (edit or {}).items():
                if (table_name, at) == (name, number):
                    cells[rows[0].index(col)] = value
            sheet.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_an_xlsx_reference_equals_its_csv_twin(tmp_path: Path) -> None:
    workbook_twin(DEMO_REFERENCE, tmp_path / "book" / "reference.xlsx")
    from_csv, from_xlsx = check_folder(DEMO_REFERENCE), check_folder(tmp_path / "book")
    assert from_xlsx.problems == [] and from_xlsx.ignored == ["reference.xlsx, sheet Read me"]
    assert from_xlsx.tables == from_csv.tables
    assert seed_files(from_xlsx) == seed_files(from_csv)  # dbt seeds the same bytes
    assert from_xlsx.sources["funds"] == "reference.xlsx, sheet funds"
    assert from_xlsx.tables["fund_opening_balances"][0].values == {
        "fund_code": "CGS", "as_at": "2018-04-01", "opening_balance": "58055.55"}


def test_a_problem_in_the_workbook_names_the_sheet_and_row(tmp_path: Path) -> None:
    workbook_twin(DEMO_REFERENCE, tmp_path / "book" / "reference.xlsx",
                  edit={("fund_mapping_rules", 4, "fund_code"): "VCFX"})
    assert check_folder(tmp_path / "book").problems == [
        "reference.xlsx, sheet fund_mapping_rules row 4, column fund_code = 'VCFX': expected a fund_code of funds "
        "(reference.xlsx, sheet funds): CGS, CSF, INNOV, LIF, VCF, VFCSA, WELL"]


def test_a_table_both_in_a_csv_and_in_the_workbook_is_refused(tmp_path: Path) -> None:
    workbook_twin(DEMO_REFERENCE, tmp_path / "both" / "reference.xlsx")
    (tmp_path / "both" / "funds.csv").write_bytes((DEMO_REFERENCE / "funds.csv").read_bytes())
    problems = check_folder(tmp_path / "both").problems
    assert problems == ["reference.xlsx, sheet funds: table funds is also in funds.csv: expected each table in one "
                        "place only (its CSV file or its sheet of the workbook)"]
