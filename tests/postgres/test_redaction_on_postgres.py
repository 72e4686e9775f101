"""Redaction on PostgreSQL (issue 22): the same keys as on DuckDB, so the same suppliers are redacted and the same
files written, byte for byte."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import duckdb
import psycopg2
import pytest
from audit_fixture import baseline
from duckdb_copy import copy_to_postgres
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from name_variants import any_marked_variant

from opcc.audit.compare import Checks
from opcc.audit.suites import load_checks
from opcc.config import Settings
from opcc.datadir import demo_settings
from opcc.postgres.checks import PostgresChecks
from opcc.publications import SPEND, generate, names, prepare, publications_dir

TODAY = dt.date(2026, 12, 1)
# The three spellings (NBSP and the thin space keyed in Python, two spaces in SQL), and a real supplier
# that is not a redaction: the crafted build's four ledger items over £500.
SUPPLIERS = {"T1": "Dr  Helen Marsh", "T2": "Dr\u00a0Helen Marsh", "T3": "Dr\u2009Helen Marsh",
             "T4": "Redactive Publishing Ltd"}


def test_the_same_suppliers_are_redacted_and_the_same_files_written_on_both_engines(pg_database, tmp_path):
    raw_db, built = baseline()
    build_db = tmp_path / "build.duckdb"
    shutil.copy(built, build_db)
    with duckdb.connect(str(build_db)) as con:
        for number, supplier in SUPPLIERS.items():
            con.execute("UPDATE marts.spend_transactions SET supplier = ? WHERE transaction_number = ?",
                        [supplier, number])
    on_duckdb = demo_settings(tmp_path / "duckdb")
    on_duckdb.data_dir.mkdir()
    shutil.copy(build_db, on_duckdb.warehouse_db)
    copy_to_postgres(build_db, raw_db, pg_database, "")
    on_postgres = demo_settings(tmp_path / "postgres", warehouse_url=pg_database)

    duck, pg = (generate(on_duckdb, tmp_path / "run-duckdb", today=TODAY),
                generate(on_postgres, tmp_path / "run-pg", today=TODAY))
    assert pg.released and duck.released, (pg.message, duck.message)
    assert pg.written == duck.written
    for path in duck.written:
        assert (publications_dir(on_postgres) / path).read_bytes() == (publications_dir(on_duckdb) / path).read_bytes()
    spend = {}
    for path in sorted(p for p in pg.written if p.startswith(f"{SPEND}/")):  # each month's newest version
        rows = csv.DictReader(io.StringIO((publications_dir(on_postgres) / path).read_bytes().decode("utf-8-sig")))
        spend |= {row["TransactionNumber"]: row["BeneficiaryName"] for row in rows}
    spend = {number: name for number, name in spend.items() if number in SUPPLIERS}
    assert spend == {"T1": names.REDACTED, "T2": names.REDACTED, "T3": names.REDACTED,
                     "T4": "Redactive Publishing Ltd"}


@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x7F, blacklist_characters="\x00")), min_size=1,
                max_size=40))
@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_sql_key_of_ascii_text_is_the_python_key_on_postgres(pg_database: str, texts: list[str]) -> None:
    session = PostgresChecks(Settings(data_dir=Path("/nonexistent"), warehouse_url=pg_database), "")
    try:
        text_param = "CAST(? AS text)"
        sql = f"SELECT {names.IS_ASCII_SQL.format(x=text_param)}, {names.ASCII_KEY_SQL.format(x=text_param)}"
        for text in texts:
            assert session.execute(sql, [text, text]).fetchone() == (True, names.name_key(text)), text
    finally:
        session.close()


@pytest.fixture
def on_postgres(pg_database: str, tmp_path: Path) -> Settings:
    raw_db, build_db = baseline()
    copy_to_postgres(build_db, raw_db, pg_database, "")
    return demo_settings(tmp_path / "postgres", warehouse_url=pg_database)


@given(any_marked_variant)
@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_variant_of_a_marked_name_is_published_from_postgres(on_postgres: Settings,
                                                                pair: tuple[str, str]) -> None:
    """The property test of tests/publications/test_redaction.py on PostgreSQL: each generated variant as a
    supplier is redacted, and the check there finds nothing left."""
    with psycopg2.connect(on_postgres.warehouse_url) as con, con.cursor() as cur:
        cur.execute("UPDATE marts.spend_transactions SET supplier = %s WHERE transaction_number = 'T1'", [pair[1]])
    check = next(c for c in load_checks(on_postgres.expectations_dir / "publications")
                 if c.check_id == "redaction.no_redacted_name_published")
    session = Checks(PostgresChecks(on_postgres, ""))
    try:
        prepare(session, on_postgres, TODAY)
        cur = session.execute("SELECT transaction_number, beneficiary FROM pub_spend ORDER BY 1")
        published = dict(cur.fetchall())
        compared = session.compare(check)
    finally:
        session.close()
    assert published["T1"] == names.REDACTED
    assert compared.error is None and compared.failing == []
