"""The tests' own PostgreSQL server is real: it answers SQL and each test's database starts empty."""

from __future__ import annotations

import psycopg2


def test_each_test_gets_an_empty_database_on_a_real_server(pg_database: str) -> None:
    con = psycopg2.connect(pg_database)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT current_setting('server_version_num')::int, count(*) FROM pg_tables "
                        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
            version, tables = cur.fetchone()
    finally:
        con.close()
    assert version // 10000 == 15
    assert tables == 0
