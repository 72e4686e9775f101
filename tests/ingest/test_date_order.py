"""A file's date order is read from all its dates, not line by line (issue 22, point 4): 04/05/2020 is 4 May in a
file whose dates put the day first and 5 April in one whose dates put the month first; a file with both orders is
rejected whole; a file whose dates all read either way is read in its feed's configured order, and says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pydantic
import pytest

from opcc.config import Settings
from opcc.ingest import ingest_feed
from opcc.ingest.inspect import inspect_file


def load(tmp_path: Path, text: str, name: str = "spend.csv", **settings: object):
    s = Settings(data_dir=tmp_path / "data", **settings)
    landing = s.landing_dir / "transactions"
    landing.mkdir(parents=True)
    (landing / name).write_text(text, encoding="utf-8")
    [result] = ingest_feed(s, "transactions")
    return s, result


def dates(s: Settings) -> dict[str, dt.date]:
    con = duckdb.connect(str(s.raw_db), read_only=True)
    try:
        return dict(con.execute("SELECT supplier, transaction_date FROM transactions").fetchall())
    finally:
        con.close()


US = "Date,Supplier,Amount\n04/25/2020,Victim Support,1200.00\n04/05/2020,Dorset Mind,600.00\n"


def test_a_month_first_file_reads_every_date_month_first(tmp_path: Path) -> None:
    s, result = load(tmp_path, US)
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 0), result.message
    assert dates(s) == {"Victim Support": dt.date(2020, 4, 25), "Dorset Mind": dt.date(2020, 4, 5)}
    assert "month first (mm/dd/yyyy)" in result.message and "line 2's 04/25/2020" in result.message


def test_a_day_first_file_is_read_as_ever(tmp_path: Path) -> None:
    s, result = load(tmp_path, "Date,Supplier,Amount\n25/04/2020,Victim Support,1200.00\n04/05/2020,Dorset Mind,600\n")
    assert (result.status, result.rows_loaded) == ("loaded", 2)
    assert dates(s) == {"Victim Support": dt.date(2020, 4, 25), "Dorset Mind": dt.date(2020, 5, 4)}
    assert "date" not in result.message  # the usual order needs no word


def test_a_file_with_both_orders_is_rejected_whole_with_the_reason(tmp_path: Path) -> None:
    s, result = load(tmp_path, "Date,Supplier,Amount\n25/04/2020,A Ltd,1200.00\n"
                               "01/02/2020,B Ltd,600.00\n04/25/2020,C Ltd,700.00\n")
    assert result.status == "rejected"
    assert "both orders" in result.message
    assert "line 2 has the day first (25/04/2020)" in result.message
    assert "line 4 the month first (04/25/2020)" in result.message
    assert result.rows_loaded == 0
    assert list((s.quarantine_dir / "transactions").glob("*spend.csv"))


def test_dates_that_read_either_way_take_the_feed_order_and_say_so(tmp_path: Path) -> None:
    text = "Date,Supplier,Amount\n04/05/2020,A Ltd,1200.00\n03/02/2020,B Ltd,600.00\n"
    s, result = load(tmp_path / "uk", text)
    assert dates(s) == {"A Ltd": dt.date(2020, 5, 4), "B Ltd": dt.date(2020, 2, 3)}
    assert "day first (dd/mm/yyyy), the feed's configured order" in result.message
    assert "2 line(s) read either way and none settles it" in result.message
    s, result = load(tmp_path / "us", text, date_order={"transactions": "month_first"})
    assert dates(s) == {"A Ltd": dt.date(2020, 4, 5), "B Ltd": dt.date(2020, 3, 2)}
    assert "month first (mm/dd/yyyy), the feed's configured order" in result.message


def test_a_workbook_is_settled_by_all_its_sheets(tmp_path: Path) -> None:
    """Dates typed as text: the January sheet's 01/13/2021 settles the order for the February sheet too."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in {"Jan": [["01/13/2021", "A Ltd", 900]], "Feb": [["02/03/2021", "B Ltd", 800]]}.items():
        ws = book.create_sheet(name)
        ws.append(["Date", "Supplier", "Amount"])
        for row in rows:
            ws.append(row)
    s = Settings(data_dir=tmp_path / "data")
    (s.landing_dir / "transactions").mkdir(parents=True)
    book.save(s.landing_dir / "transactions" / "spend.xlsx")
    [result] = ingest_feed(s, "transactions")
    assert result.status == "loaded", result.message
    assert dates(s) == {"A Ltd": dt.date(2021, 1, 13), "B Ltd": dt.date(2021, 2, 3)}
    assert "sheet 'Jan' row 2's 01/13/2021" in result.message


def test_inspect_shows_the_order_it_found(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    path.write_text(US, encoding="utf-8")
    code, report = inspect_file(Settings(data_dir=tmp_path / "data"), path, "transactions")
    assert code == 0, report
    assert "dates:     month first (mm/dd/yyyy), settled by line 2's 04/25/2020" in report
    assert "2020-04-05" in report
    path.write_text("Date,Supplier,Amount\n25/04/2020,A,1\n04/25/2020,B,2\n", encoding="utf-8")
    code, report = inspect_file(Settings(data_dir=tmp_path / "data"), path, "transactions")
    assert code == 1 and "REJECTED:  its dates are in both orders" in report


def test_the_configured_order_names_a_known_feed_and_order() -> None:
    with pytest.raises(pydantic.ValidationError, match="a known feed"):
        Settings(data_dir=Path("/tmp/x"), date_order={"ledger": "month_first"})
    with pytest.raises(pydantic.ValidationError):
        Settings(data_dir=Path("/tmp/x"), date_order={"transactions": "mm/dd/yyyy"})
