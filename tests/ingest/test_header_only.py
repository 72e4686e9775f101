"""A file with a header and no data lines is reported as such, not as a silent "loaded, 0 rows" (issue 22)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from opcc.config import Settings
from opcc.ingest import ingest_feed

HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\r\n"


@pytest.mark.parametrize(("name", "padding_lines"), [("header-only.csv", 0),
                                                     # 50 MB of empty lines below the header, as the issue found
                                                     ("header-and-50mb-of-blank-lines.csv", 50 * 2**20 // 8)])
def test_a_header_only_file_says_so(tmp_path: Path, name: str, padding_lines: int) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    folder = settings.landing_dir / "transactions"
    folder.mkdir(parents=True)
    (folder / name).write_bytes((HEADER + ",,,,,,\r\n" * padding_lines).encode("utf-8"))
    [result] = ingest_feed(settings, "transactions")
    assert (result.status, result.rows_received, result.message) == ("loaded", 0, "header only: no data lines")
    assert result.line() == (f"transactions/{name}: LOADED — 0 lines: 0 loaded (£0.00), 0 quarantined; "
                             "header only: no data lines")
    with duckdb.connect(str(settings.raw_db), read_only=True) as con:
        assert con.execute("SELECT status, rows_received, message FROM main.files").fetchall() == [
            ("loaded", 0, "header only: no data lines")]
