"""The transparency publications from the published schemas in PostgreSQL: the same candidates.sql and checks
as on DuckDB (GX validating through its PostgreSQL data source) write the same files, byte for byte, as from the
same warehouse in DuckDB."""

from __future__ import annotations

import datetime as dt
import shutil

import psycopg2
from audit_fixture import baseline
from duckdb_copy import copy_to_postgres

from opcc.config import Settings
from opcc.datadir import demo_settings
from opcc.postgres.checks import scratch_schema
from opcc.publications import generate, publications_dir

TODAY = dt.date(2026, 12, 1)


def test_publications_from_postgres_equal_those_from_duckdb(pg_database, tmp_path):
    raw_db, build_db = baseline()
    on_duckdb = demo_settings(tmp_path / "duckdb")
    on_duckdb.data_dir.mkdir()
    shutil.copy(build_db, on_duckdb.warehouse_db)  # the same warehouse, published in each engine
    copy_to_postgres(build_db, raw_db, pg_database, "")
    on_postgres = demo_settings(tmp_path / "postgres", warehouse_url=pg_database)

    duck, pg = generate(on_duckdb, tmp_path / "run-duckdb", today=TODAY), generate(on_postgres, tmp_path / "run-pg",
                                                                                   today=TODAY)
    assert pg.released and duck.released, (pg.message, duck.message)
    figures = ("id", "status", "expected", "actual", "difference", "failing_rows_count", "error")
    assert [{k: c[k] for k in figures} for c in pg.checks] == [{k: c[k] for k in figures} for c in duck.checks]
    assert {c["status"] for c in pg.checks} == {"PASS"}
    assert (pg.latest_month, pg.written) == (duck.latest_month, duck.written)
    assert any(p.startswith("spend-over-500/2019-04/") for p in pg.written)
    for path in duck.written:
        assert (publications_dir(on_postgres) / path).read_bytes() == (publications_dir(on_duckdb) / path).read_bytes()
    assert (tmp_path / "run-pg" / "data_docs_publications" / "index.html").exists()
    with psycopg2.connect(pg_database) as con, con.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [scratch_schema("")])
        assert cur.fetchone() is None  # GX's scratch results are gone


def test_nothing_published_yet_on_postgres(pg_database, tmp_path):
    outcome = generate(Settings(data_dir=tmp_path, warehouse_url=pg_database), today=TODAY)
    assert (outcome.released, outcome.message) == (False, "no published warehouse yet: nothing to publish")
