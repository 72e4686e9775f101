"""The tests' own PostgreSQL server is real: it answers SQL and each test's database starts empty."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg2

from opcc.airflow_runner import free_port


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


def test_a_server_under_a_deep_data_directory_starts(tmp_path: Path) -> None:
    """The server listens on loopback TCP only: a Unix socket under a folder this deep would pass its 107-byte
    path limit, and PostgreSQL would not start (as under pytest's own temporary folders)."""
    from opcc.cluster.postgres import LocalPostgres

    folder = Path(tempfile.mkdtemp(prefix="opcc-test-deep-")) / ("d" * 60) / ("e" * 60)
    server = LocalPostgres(folder, free_port())
    try:
        server.start()
        con = psycopg2.connect(server.url())
        with con.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
        con.close()
    finally:
        server.stop()
        shutil.rmtree(folder.parents[1], ignore_errors=True)
    assert not server.running()
