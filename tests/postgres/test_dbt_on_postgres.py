"""The same dbt project on PostgreSQL: the demo extracts, ingested once, built by dbt-duckdb into a DuckDB file
and by the nightly build step on PostgreSQL (raw copied into schema `raw`, dbt-postgres into the `__build`
schemas) give the same marts and reference tables, column for column (money NUMERIC(18,2)) and row for row."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg2
import pytest

from opcc import pipeline, run_record
from opcc.config import FEEDS, Settings
from opcc.dbt_runner import run_dbt
from opcc.postgres.wap import BUILD_SUFFIX

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).parents[2] / "seeds" / "demo"
COMPARED_SCHEMAS = ("marts", "reference")
# DuckDB's types as PostgreSQL names them (information_schema); DECIMAL(p,s) is numeric(p,s) on both.
SAME_TYPE = {"VARCHAR": "text", "INTEGER": "integer", "BIGINT": "bigint", "DATE": "date", "BOOLEAN": "boolean",
             "TIMESTAMP": "timestamp without time zone"}

Table = tuple[list[tuple[str, str]], list[tuple]]  # (column, type) in order; rows sorted


def _sorted(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=lambda row: tuple((value is None, str(type(value)), value if value is not None else 0)
                                              for value in row))


def duckdb_tables(build_db: Path) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        for schema, table in con.execute(
                """SELECT table_schema, table_name FROM information_schema.tables
                   WHERE table_schema IN ? AND table_type = 'BASE TABLE'""", [COMPARED_SCHEMAS]).fetchall():
            columns = con.execute("""SELECT column_name, data_type FROM information_schema.columns
                                     WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""",
                                  [schema, table]).fetchall()
            rows = con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
            tables[f"{schema}.{table}"] = ([(c, SAME_TYPE.get(t, t.lower())) for c, t in columns], _sorted(rows))
    return tables


def postgres_tables(url: str, suffix: str) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("""SELECT table_schema, table_name FROM information_schema.tables
                       WHERE table_schema IN %s AND table_type = 'BASE TABLE'""",
                    (tuple(s + suffix for s in COMPARED_SCHEMAS),))
        for schema, table in cur.fetchall():
            cur.execute("""SELECT column_name,
                                  CASE WHEN data_type = 'numeric'
                                       THEN format('decimal(%%s,%%s)', numeric_precision, numeric_scale)
                                       ELSE data_type END
                           FROM information_schema.columns
                           WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position""", (schema, table))
            columns = [(c, "text" if t == "character varying" else t) for c, t in cur.fetchall()]
            cur.execute(f'SELECT * FROM "{schema}"."{table}"')
            tables[f"{schema.removesuffix(suffix)}.{table}"] = (columns, _sorted(cur.fetchall()))
    return tables


def test_the_demo_marts_built_on_postgresql_equal_duckdbs_row_for_row(tmp_path: Path, pg_database: str) -> None:
    on_duckdb = Settings(data_dir=tmp_path / "data")
    on_postgres = Settings(data_dir=on_duckdb.data_dir, warehouse_url=pg_database)
    shutil.copytree(DEMO, on_duckdb.landing_dir)
    run_dir = pipeline.start(on_postgres, "pg_night", dt.datetime.now(dt.UTC))
    for feed in FEEDS:
        pipeline.ingest(on_duckdb, feed, run_dir)

    build_db = on_duckdb.builds_dir / "duckdb.duckdb"
    build_db.parent.mkdir(parents=True, exist_ok=True)
    built = run_dbt(on_duckdb, build_db, "build", "--exclude-resource-type", "unit_test")
    assert built.ok, built.message
    want = duckdb_tables(build_db)

    suffix = pipeline.build(on_postgres, run_dir)  # raw by COPY, then dbt-postgres with every data test
    assert suffix == BUILD_SUFFIX
    recorded = run_record.read_dbt(Path(run_dir))
    assert recorded is not None and recorded.ok
    got = postgres_tables(pg_database, suffix)

    assert sorted(got) == sorted(want)
    assert len([t for t in want if t.startswith("marts.")]) >= 15
    assert {t: got[t][0] for t in want} == {t: columns for t, (columns, _) in want.items()}
    differ = [t for t, (_, rows) in want.items() if got[t][1] != rows]
    assert not differ, {t: (set(got[t][1]) ^ set(want[t][1])) for t in differ}
    # The figures are the demo's own (design notes): money as Decimal on both engines.
    positions = {(r[0], r[1]): r for r in got["marts.funding_source_position"][1]}
    assert positions[("2019/20", "MOJ")][4] == Decimal("900000.00")
