"""Real files as public bodies published them (`../shared/real-extracts/`, never copied into this repo):
each loads with no opcc.toml, with exactly the data rows and control sum its PROVENANCE.md gives.

The expected figures are read from PROVENANCE.md, so a file added there with its figures is tested too."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from real_extracts import REAL, Published, needs_real_extracts, published_files

from opcc.config import Settings
from opcc.ingest import ingest_feed

pytestmark = needs_real_extracts

FILES = published_files()


def test_provenance_lists_every_real_file() -> None:
    listed = {f.name for f in FILES}
    on_disk = {p.name for p in REAL.iterdir() if p.suffix in (".csv", ".xlsx", ".zip")}
    assert on_disk <= listed, f"files without figures in PROVENANCE.md: {sorted(on_disk - listed)}"
    assert len(FILES) >= 22


@pytest.mark.parametrize("published", FILES, ids=[f.name for f in FILES])
def test_real_file_loads_every_line_and_penny(tmp_path: Path, published: Published) -> None:
    settings = Settings(data_dir=tmp_path / "data")  # no opcc.toml: no mapping
    landing = settings.landing_dir / published.feed
    landing.mkdir(parents=True)
    shutil.copy(REAL / published.name, landing / published.name)
    [result] = ingest_feed(settings, published.feed)
    assert result.status == "loaded", result.message
    assert (result.rows_loaded, result.loaded_amount) == (published.rows, published.total), result.message
    assert result.rows_received == result.rows_loaded + result.rows_quarantined
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    loaded, amount = con.execute(f"SELECT count(*), sum(amount) FROM {published.feed}").fetchone()
    quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert (loaded, amount, quarantined) == (published.rows, published.total, result.rows_quarantined)


def load(tmp_path: Path, name: str, feed: str = "transactions") -> tuple[Settings, object]:
    settings = Settings(data_dir=tmp_path / "data")
    (settings.landing_dir / feed).mkdir(parents=True)
    shutil.copy(REAL / name, settings.landing_dir / feed / name)
    [result] = ingest_feed(settings, feed)
    return settings, result


def test_craven_totals_line_without_a_label_is_its_control_total(tmp_path: Path) -> None:
    _, result = load(tmp_path, "craven-dc-payments-2017-03-dup-headers-total-row.csv")
    assert result.control_total == Decimal("726583.94") == result.loaded_amount
    assert result.rows_quarantined == 0


def test_other_columns_are_kept_in_raw(tmp_path: Path) -> None:
    """Craven repeats `Account Code` (code, then description); LGA files carry IrrecoverableVATAmount and
    EffectiveDate beside the Amount and PaymentDate that are taken; Hyndburn's spacer columns catch stray text."""
    import json

    settings, _ = load(tmp_path / "craven", "craven-dc-payments-2017-03-dup-headers-total-row.csv")
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    extras = json.loads(con.execute("SELECT extras FROM transactions WHERE line_number = 2").fetchone()[0])
    assert extras["Account Code"] == "2280" and extras["Account Code (column 7)"] == "Miscellaneous"
    assert extras["Supplier ID"] == "10065"
    settings, _ = load(tmp_path / "trafford", "trafford-supplier-spend-2026-27.csv")
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    row = con.execute("SELECT transaction_date, body, extras, narrative FROM transactions WHERE line_number = 2"
                      ).fetchone()
    assert row[1] == "Trafford Council"
    extras = json.loads(row[2])
    assert {"EffectiveDate", "IrrecoverableVATAmount"} <= set(extras)
    assert row[3] == "CLIENTS LIFT REP & M - Service Charges 30/04/2026"  # LGA Purpose: the line's narrative
    assert "VATRegistrationNumber" not in extras or extras["VATRegistrationNumber"] != "NA"  # NA is no value
    settings, _ = load(tmp_path / "hyndburn", "hyndburn-spend-2024-10-spacer-columns.csv")
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    stray = [json.loads(e)
             for (e,) in con.execute("SELECT extras FROM transactions WHERE extras LIKE '%column %'").fetchall()]
    assert any("th Grant" in e.values() for e in stray)


def test_workbook_lines_record_their_sheet_and_row(tmp_path: Path) -> None:
    settings, result = load(tmp_path, "lancashire-pcc-spend-over-500-2023-24.xlsx")
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    sheets = dict(con.execute("SELECT sheet, count(*) FROM transactions GROUP BY sheet").fetchall())
    assert len(sheets) == 12 and sum(sheets.values()) == 9289 and "Jan '24" in sheets
    # Excel serial numbers in the Date column are dates: 45044 is 28 April 2023.
    first = con.execute("""SELECT min(transaction_date), max(transaction_date) FROM transactions""").fetchone()
    assert str(first[0]) >= "2023-03-01" and str(first[1]) <= "2024-04-30"
    # Identical lines are separate payments: none is dropped.
    dupes = con.execute("""SELECT count(*) - count(DISTINCT (sheet, transaction_date, supplier, expense_type, amount))
                           FROM transactions""").fetchone()[0]
    assert dupes > 0


def test_a_360giving_file_sent_as_transactions_says_where_it_belongs(tmp_path: Path) -> None:
    _, result = load(tmp_path, "trafford-council-grants-360giving.csv", "transactions")
    assert result.status == "rejected"
    assert "grant_awards" in result.message and "360Giving" in result.message
