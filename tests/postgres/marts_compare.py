"""Both engines' marts read the same way, to compare them row for row: (column, type) in order, and the rows
sorted; DuckDB's type names as PostgreSQL gives them, money decimal(18,2) on both. Used by tests/postgres and
tests/cluster."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg2

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
