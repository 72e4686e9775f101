"""Connecting to the PostgreSQL warehouse from `warehouse_url` alone, with no password in it: the pipeline's
connections and dbt's both find the role's password where libpq looks (here PGPASSFILE), and both run with
the session options the pipeline sets (JIT off)."""

from __future__ import annotations

from pathlib import Path

import psycopg2
import pytest
from psycopg2.extensions import parse_dsn

from opcc.config import Settings
from opcc.dbt_runner import dbt_env, run_dbt
from opcc.postgres.connect import connect


def test_the_pipeline_and_dbt_connect_with_the_password_from_pgpassfile(
        tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    where = parse_dsn(pg_database)
    admin = psycopg2.connect(pg_database)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS opcc_pipeline_test")
        cur.execute("CREATE ROLE opcc_pipeline_test LOGIN PASSWORD 'not-in-the-url'")
        cur.execute(f'GRANT ALL ON DATABASE "{where["dbname"]}" TO opcc_pipeline_test')
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{where['port']}:{where['dbname']}:opcc_pipeline_test:not-in-the-url\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv("PGOPTIONS", raising=False)
    url = f"postgresql://opcc_pipeline_test@127.0.0.1:{where['port']}/{where['dbname']}"
    settings = Settings(data_dir=tmp_path / "data", warehouse_url=url)

    con = connect(settings)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT current_user, current_setting('jit')")
            assert cur.fetchone() == ("opcc_pipeline_test", "off")
    finally:
        con.close()

    env = dbt_env(settings, "__build")
    assert "not-in-the-url" not in env.values()
    assert (env["OPCC_PG_USER"], env["OPCC_SCHEMA_SUFFIX"], env["PGOPTIONS"]) == (
        "opcc_pipeline_test", "__build", "-c jit=off")
    debug = run_dbt(settings, "__build", "debug")
    assert debug.ok, debug.message

    with admin.cursor() as cur:
        cur.execute(f'REVOKE ALL ON DATABASE "{where["dbname"]}" FROM opcc_pipeline_test')
        cur.execute("DROP ROLE opcc_pipeline_test")
    admin.close()
