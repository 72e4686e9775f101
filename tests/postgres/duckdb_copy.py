"""Copy a DuckDB build (and its raw database) into PostgreSQL as the nightly build lays it out there: raw's
tables in schema `raw`, the build's schemas as `<schema><suffix>` (views become tables). A test's way to get
the same data on both engines without running dbt twice."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import psycopg2
from psycopg2.extras import execute_values

from opcc.postgres.dialect import BUILD_SCHEMAS, RAW_SCHEMA

_SAME = re.compile(r"^(VARCHAR|BIGINT|INTEGER|SMALLINT|BOOLEAN|DATE|TIMESTAMP|TIME|DECIMAL\(\d+,\d+\))$")
_TYPES = {"DOUBLE": "double precision", "FLOAT": "real", "HUGEINT": "numeric(38,0)",
          "TIMESTAMP WITH TIME ZONE": "timestamptz", "UBIGINT": "numeric(20,0)", "UINTEGER": "bigint"}


def _pg_type(duckdb_type: str) -> str:
    if _SAME.match(duckdb_type):
        return duckdb_type
    return _TYPES.get(duckdb_type, "text")


def copy_to_postgres(build_db: Path, raw_db: Path, pg_url: str, suffix: str,
                     schemas: tuple[str, ...] = BUILD_SCHEMAS) -> None:
    with duckdb.connect(str(build_db), read_only=True) as d, psycopg2.connect(pg_url) as pg, pg.cursor() as cur:
        d.execute(f"ATTACH '{raw_db}' AS raw (READ_ONLY)")
        build = d.execute("SELECT current_database()").fetchone()[0]
        relations = d.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables "
            "WHERE (table_catalog = ? AND list_contains(?, table_schema))"
            " OR (table_catalog = 'raw' AND table_schema = 'main') "
            "ORDER BY ALL", [build, list(schemas)]).fetchall()
        for target in {RAW_SCHEMA, *(f"{s}{suffix}" for s in schemas)}:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{target}"')
        for catalog, schema, table in relations:
            target = RAW_SCHEMA if catalog == "raw" else f"{schema}{suffix}"
            source = f'"{catalog}"."{schema}"."{table}"'
            columns = d.execute(f"DESCRIBE {source}").fetchall()
            cur.execute(f'CREATE TABLE "{target}"."{table}" ('
                        + ", ".join(f'"{c[0]}" {_pg_type(c[1])}' for c in columns) + ")")
            rows = d.execute(f"SELECT * FROM {source}").fetchall()
            if rows:
                execute_values(cur, f'INSERT INTO "{target}"."{table}" VALUES %s', rows)
