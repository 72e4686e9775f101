"""Raw in PostgreSQL: every file ingestion loaded into raw.duckdb arrives in schema `raw` by COPY, with the
same columns and the same values (NULL and empty text, quotes, commas and line breaks kept apart), money as
NUMERIC(18,2); a sync repeated copies nothing twice, and a sync that fails leaves PostgreSQL as it was."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest

from opcc.config import Settings
from opcc.ingest import FileResult, ingest_feed
from opcc.postgres.connect import connect
from opcc.postgres.raw import TABLES, sync_raw

DEMO = Path(__file__).parents[2] / "seeds" / "demo"
# A ledger with a line quarantined for its amount (raw_text keeps its quotes, comma and line break), an empty
# optional cell and a totals line.
MESSY = ('Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n'
         'Police and Crime Commissioner for Dorset,03/05/2019,,Grants,OPCC Commissioning - Safety Fund,'
         '"Circles ""Southwest"", Ltd",£1.50\n'
         'Police and Crime Commissioner for Dorset,04/05/2019,77,Grants,OPCC Commissioning - Safety Fund,'
         '"Line\nbreak",not money\n'
         'Total,,,,,,£1.50\n')


def raw_in_duckdb(settings: Settings, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect(str(settings.raw_db), read_only=True) as con:
        cursor = con.execute(f"SELECT * FROM main.{table}")
        names = [d[0] for d in cursor.description]
        return names, sorted(cursor.fetchall(), key=repr)


def raw_in_postgres(url: str, table: str, names: list[str]) -> list[tuple]:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute(f"SELECT {', '.join(names)} FROM raw.{table}")
        return sorted(cur.fetchall(), key=repr)


def ingest_into_raw_duckdb(settings: Settings, feed: str) -> list[FileResult]:
    """Files loaded into raw.duckdb, as the DuckDB default does (on PostgreSQL a feed loads through its own working
    file, tests/postgres/test_parallel_ingest.py); sync_raw brings raw.duckdb's files across."""
    return ingest_feed(settings.model_copy(update={"warehouse_url": None}), feed)


def land(settings: Settings, feed: str, *files: Path) -> None:
    (settings.landing_dir / feed).mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, settings.landing_dir / feed / path.name)


@pytest.fixture
def settings(tmp_path: Path, pg_database: str) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", warehouse_url=pg_database)
    land(settings, "transactions", *sorted((DEMO / "transactions").glob("*2019-0[45].csv")))
    land(settings, "budgets", *sorted((DEMO / "budgets").glob("*.csv")))
    (settings.landing_dir / "transactions" / "messy.csv").write_text(MESSY, encoding="utf-8")
    for feed in ("transactions", "budgets"):
        ingest_into_raw_duckdb(settings, feed)
    return settings


def test_every_raw_table_arrives_row_for_row_with_money_as_numeric(settings: Settings, pg_database: str) -> None:
    synced = sync_raw(settings)
    assert len(synced.files) == 3 + 4
    for table in TABLES:
        names, rows = raw_in_duckdb(settings, table)
        assert raw_in_postgres(pg_database, table, names) == rows, table
    quarantined = raw_in_postgres(pg_database, "quarantine", ["raw_text"])
    assert any('"Line\nbreak",not money' in text for (text,) in quarantined)
    messy = raw_in_postgres(pg_database, "transactions", ["supplier", "transaction_number", "amount"])
    assert ('Circles "Southwest", Ltd', None, Decimal("1.50")) in messy
    with psycopg2.connect(pg_database) as con, con.cursor() as cur:
        cur.execute("""SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'raw'
                       AND data_type = 'numeric' AND (numeric_precision, numeric_scale) = (18, 2)""")
        money = set(cur.fetchall())
    assert {("transactions", "amount"), ("budgets", "amount"), ("files", "control_total")} <= money


def test_a_sync_repeated_copies_nothing_twice_and_a_new_file_alone(settings: Settings, pg_database: str) -> None:
    sync_raw(settings)
    again = sync_raw(settings)
    assert again.files == [] and again.rows == {}
    land(settings, "transactions", DEMO / "transactions" / "dorset-opcc-spend-over-500-2019-06.csv")
    (new,) = ingest_into_raw_duckdb(settings, "transactions")
    third = sync_raw(settings)
    assert third.files == [new.file_id]
    assert third.rows["transactions"] == new.rows_loaded and third.rows["files"] == 1
    for table in TABLES:
        names, rows = raw_in_duckdb(settings, table)
        assert raw_in_postgres(pg_database, table, names) == rows, table


def test_a_failed_sync_leaves_postgresql_as_it_was_and_the_next_one_copies_the_file_once(
        settings: Settings, pg_database: str) -> None:
    sync_raw(settings)
    land(settings, "transactions", DEMO / "transactions" / "dorset-opcc-spend-over-500-2019-06.csv")
    (new,) = ingest_into_raw_duckdb(settings, "transactions")
    # PostgreSQL refuses one of the new file's lines part-way through the copy.
    con = connect(settings, autocommit=True)
    with con.cursor() as cur:
        cur.execute("ALTER TABLE raw.transactions ADD CONSTRAINT no_june CHECK (transaction_date < '2019-06-01')")
    with pytest.raises(psycopg2.errors.CheckViolation):
        sync_raw(settings)
    with con.cursor() as cur:
        cur.execute("SELECT count(*) FROM raw.files WHERE file_id = %s", (new.file_id,))
        assert cur.fetchone() == (0,)
        cur.execute("SELECT count(*) FROM raw.transactions WHERE file_id = %s", (new.file_id,))
        assert cur.fetchone() == (0,)
        cur.execute("ALTER TABLE raw.transactions DROP CONSTRAINT no_june")
    con.close()
    assert sync_raw(settings).files == [new.file_id]
    names, rows = raw_in_duckdb(settings, "transactions")
    assert raw_in_postgres(pg_database, "transactions", names) == rows
