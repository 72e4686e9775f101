"""Real published files re-saved the way other tools re-save them (Excel's "Unicode text", a BOM, Windows-1252,
title lines, reordered columns, other delimiters and line endings, a workbook of several sheets, a workbook
flattened to one CSV) still load with the figures PROVENANCE.md gives for the file as published.

The real files live in `../shared/real-extracts/` and are never copied into this repo: each variant is written
here, from the published file as Python's csv module / openpyxl read it, into the test's tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc.config import Settings
from opcc.ingest import ingest_feed

REAL = Path(__file__).resolve().parents[3] / "shared" / "real-extracts"
pytestmark = pytest.mark.skipif(not (REAL / "PROVENANCE.md").exists(),
                                reason=f"the real published extracts are not here ({REAL}): a clone without shared/")

Table = list[list[str]]  # the header first, then every record after it, as read


@dataclass(frozen=True)
class Published:
    """A real file and its figures from PROVENANCE.md ("Data rows", "Control sum" / "Sum")."""

    name: str
    rows: int
    total: str
    encoding: str | None = None  # of a CSV, as PROVENANCE.md gives it; None for a workbook
    feed: str = "transactions"
    control: str | None = None  # a totals line the file carries

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]


FILES = {
    "trafford": Published("trafford-supplier-spend-2026-27.csv", 38_055, "95896941.89", "utf-8"),
    "hyndburn": Published("hyndburn-spend-2024-03-pound-in-amounts.csv", 658, "3414673.99", "cp1252"),
    "craven": Published("craven-dc-payments-2017-03-dup-headers-total-row.csv", 171, "726583.94", "cp1252",
                        control="726583.94"),
    "windsor": Published("windsor-maidenhead-supplier-payments-2010-q1.csv", 5_097, "30054067.30", "cp1252"),
    "oxford-grants": Published("oxford-city-community-grants-360giving-2014-2018.csv", 105, "1255243", "utf-8",
                               feed="grant_awards"),
    "lancashire-pcc": Published("lancashire-pcc-spend-over-500-2024-25.xlsx", 7_857, "110962284.83"),
}


# -- the published file, as other tools read it --------------------------------------------------------

@functools.cache
def csv_table(key: str) -> Table:
    published = FILES[key]
    with (REAL / published.name).open(encoding=published.encoding, newline="") as fh:
        return [list(record) for record in csv.reader(fh)]


@functools.cache
def workbook_as_one_table(key: str, amount_text: Callable[[float], str]) -> Table:
    """Every sheet's rows under the one header (each sheet repeats it), dates dd/mm/yyyy, amounts as in the cell."""
    import openpyxl

    wb = openpyxl.load_workbook(REAL / FILES[key].name, read_only=True, data_only=True)
    try:
        header: list[str] | None = None
        table: Table = []
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            sheet_header = ["" if v is None else str(v) for v in next(rows)]
            if header is None:
                header = sheet_header
                table.append(header)
            assert sheet_header == header, f"sheet {ws.title!r} has another header: the variant needs one header"
            for row in rows:
                table.append([_cell(v, amount_text) for v in row])
        return table
    finally:
        wb.close()


def _cell(value: object, amount_text: Callable[[float], str]) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return amount_text(value)
    return str(value)


def as_excel_shows(value: float) -> str:
    """A number as Excel holds it (15 significant digits): 1041.4099999999999 is 1041.41."""
    return format(value, ".15g")


def as_python_writes(value: float) -> str:
    """A number as pandas' to_csv or csv.writer writes it: the float's shortest repr (1041.4099999999999)."""
    return repr(value)


# -- re-saving -------------------------------------------------------------------------------------

def write_text(table: Table, path: Path, *, encoding: str = "utf-8", bom: bool = False, delimiter: str = ",",
               line_end: str = "\r\n") -> Path:
    text = "".join(delimiter.join(_quoted(cell, delimiter) for cell in record) + line_end for record in table)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        pytest.skip(f"{path.name}: the file holds text {encoding} cannot encode ({exc.object[exc.start:exc.end]!r})")
    if bom:
        data = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe"}[encoding] + data
    path.write_bytes(data)
    return path


def _quoted(cell: str, delimiter: str) -> str:
    """A cell as Excel writes it: quoted when it holds the delimiter, a quote or a line break. (Python's csv.writer
    quotes only the characters of its own lineterminator, so with a bare-CR terminator it would leave a cell's LF
    bare: a broken file, not a re-save.)"""
    if delimiter in cell or '"' in cell or "\r" in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def with_title_lines(table: Table) -> Table:
    """Two title lines (the first padded to the table's width, as Excel writes a sheet, the second a lone cell)
    and an empty line above the header."""
    width = len(table[0])
    title = ["Spend over £500 — payments to suppliers, as published"] + [""] * (width - 1)
    return [title, ["Re-saved from the published file; amounts in pounds sterling"], [], *table]


def shuffled_columns(table: Table, seed: int = 20240601) -> Table:
    """The labelled columns in a fixed-seed shuffled order (cells beyond the header's width stay last; short
    records are padded, as a spreadsheet pads every row to the used range)."""
    width = len(table[0])
    order = list(range(width))
    rng = random.Random(seed)
    while order == sorted(order):
        rng.shuffle(order)
    out = []
    for record in table:
        padded = record + [""] * (width - len(record))
        out.append([padded[i] for i in order] + padded[width:])
    return out


def write_workbook_in_three_sheets_and_notes(table: Table, path: Path) -> Path:
    """The records split across three sheets, each under the header, text cells as read, and a "Notes" sheet
    holding one line of text and no header."""
    import openpyxl

    header, records = table[0], table[1:]
    wb = openpyxl.Workbook(write_only=True)
    third = -(-len(records) // 3)
    for n, name in enumerate(("Q1 part 1", "Q1 part 2", "Q1 part 3")):
        ws = wb.create_sheet(name)
        for record in [header, *records[n * third:(n + 1) * third]]:
            ws.append([cell if cell != "" else None for cell in record])
    notes = wb.create_sheet("Notes")
    notes.append(["Figures are as published by the council; see its transparency page for definitions."])
    wb.save(path)
    return path


# What a variant does to the published table, and where it saves it: (table, folder, stem) -> path written.
Variant = Callable[[Table, Path, str], Path]
VARIANTS: dict[str, Variant] = {
    "utf16-tab-unicode-text": lambda t, d, s: write_text(t, d / f"{s}.txt", encoding="utf-16-le", bom=True,
                                                         delimiter="\t"),
    "utf8-bom": lambda t, d, s: write_text(t, d / f"{s}.csv", bom=True),
    "windows-1252": lambda t, d, s: write_text(t, d / f"{s}.csv", encoding="cp1252"),
    "title-lines": lambda t, d, s: write_text(with_title_lines(t), d / f"{s}.csv"),
    "shuffled-columns": lambda t, d, s: write_text(shuffled_columns(t), d / f"{s}.csv"),
    "semicolon": lambda t, d, s: write_text(t, d / f"{s}.csv", delimiter=";"),
    "pipe": lambda t, d, s: write_text(t, d / f"{s}.csv", delimiter="|"),
    "lf": lambda t, d, s: write_text(t, d / f"{s}.csv", line_end="\n"),
    "bare-cr": lambda t, d, s: write_text(t, d / f"{s}.csv", line_end="\r"),
    "xlsx-three-sheets-and-notes": lambda t, d, s: write_workbook_in_three_sheets_and_notes(t, d / f"{s}.xlsx"),
}
# A workbook flattened to one CSV, its amounts written as Excel holds them or as Python writes the float.
WORKBOOK_VARIANTS = {"one-csv": as_excel_shows, "one-csv-float-repr": as_python_writes}

# Writing Trafford's 38,055 lines as a workbook takes openpyxl half a minute: the other files cover workbooks.
CASES = [(key, variant) for key in FILES if FILES[key].encoding for variant in VARIANTS
         if (key, variant) != ("trafford", "xlsx-three-sheets-and-notes")]
CASES += [(key, variant) for key in FILES if not FILES[key].encoding for variant in WORKBOOK_VARIANTS]


@pytest.mark.parametrize(("key", "variant"), CASES, ids=[f"{k}-{v}" for k, v in CASES])
def test_resaved_file_loads_with_the_published_figures(tmp_path: Path, key: str, variant: str) -> None:
    published = FILES[key]
    settings = Settings(data_dir=tmp_path / "data")  # no opcc.toml: no mapping
    landing = settings.landing_dir / published.feed
    landing.mkdir(parents=True)
    if published.encoding:
        path = VARIANTS[variant](csv_table(key), landing, published.stem)
    else:
        path = write_text(workbook_as_one_table(key, WORKBOOK_VARIANTS[variant]), landing / f"{published.stem}.csv")

    [result] = ingest_feed(settings, published.feed)

    # As the published file loads (PROVENANCE.md's figures; nothing quarantined; only Craven has a totals line),
    # plus, in the workbook variant, its Notes line: received and quarantined, never lost.
    notes_sheet = variant == "xlsx-three-sheets-and-notes"
    figures = ("status", "rows_loaded", "loaded_amount", "rows_quarantined", "control_total")
    expected = dict(zip(figures, ("loaded", published.rows, Decimal(published.total), 1 if notes_sheet else 0,
                                  Decimal(published.control) if published.control else None), strict=True))
    got = {name: getattr(result, name) for name in figures}
    assert got == expected, f"{path.name} ({variant}): {result.message}"
    assert result.rows_received == result.rows_loaded + result.rows_quarantined, result.message
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    try:
        n, total = con.execute(f"SELECT count(*), sum(amount) FROM {published.feed}").fetchone()
        assert (n, total) == (published.rows, Decimal(published.total))
        if notes_sheet:
            # The Notes line is received and quarantined, never lost; the message names its sheet.
            assert "'Notes'" in result.message
            [(sheet, raw)] = con.execute("SELECT sheet, raw_text FROM quarantine").fetchall()
            assert sheet == "Notes" and raw.startswith("Figures are as published")
    finally:
        con.close()
