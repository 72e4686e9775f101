"""The BI tools' read-only role on the PostgreSQL warehouse (issue #16 part 3), on a real server: it reads every
published mart, before and after a publish or a rollback, and nothing else; every write and CREATE is refused."""

from __future__ import annotations

import stat
from pathlib import Path

import psycopg2
import pytest
from wap_builds import build, settings_for, sql

from opcc.cli import main
from opcc.postgres import wap
from opcc.postgres.roles import ensure_bi_role, password_file


def as_role(url: str, passfile: Path) -> psycopg2.extensions.connection:
    con = psycopg2.connect(url, passfile=str(passfile))
    con.autocommit = True  # each statement on its own: a refusal does not end the next one's transaction
    return con


def refused(con: psycopg2.extensions.connection, statement: str) -> str:
    """The error class PostgreSQL refuses `statement` with (fails the test when it is allowed)."""
    with con.cursor() as cur, pytest.raises(psycopg2.Error) as refusal:
        cur.execute(statement)
    return type(refusal.value).__name__


def readable(con: psycopg2.extensions.connection) -> list[str]:
    """Every table the role can see and read, as schema.table."""
    with con.cursor() as cur:
        cur.execute("""SELECT table_schema || '.' || table_name FROM information_schema.tables
                       WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
                         AND has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'SELECT')
                         AND has_schema_privilege(table_schema, 'USAGE') ORDER BY 1""")
        return [name for (name,) in cur.fetchall()]


def test_the_bi_role_reads_every_published_mart_and_can_change_nothing(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s)
    build(s, pg_database, 2)  # a build in progress: not the BI role's to see
    role = ensure_bi_role(s, "bi_test_reader")
    assert role.password_file == password_file(s, "bi_test_reader")
    assert stat.S_IMODE(role.password_file.stat().st_mode) == 0o600
    assert str(role) == role.url and "@" in role.url and ":" not in role.url.split("@")[0].removeprefix("postgresql:")

    con = as_role(role.url, role.password_file)
    try:
        assert readable(con) == ["marts.commitments_by_pillar", "marts.fund_position", "marts.load_audit",
                                 "reference.funds", "snapshots.commitments_snapshot"]
        with con.cursor() as cur:
            cur.execute("SELECT committed FROM marts.fund_position")
            assert str(cur.fetchone()[0]) == "810001.00"
        assert refused(con, "INSERT INTO marts.fund_position VALUES (9, 'X', 1)") == "ReadOnlySqlTransaction"
        with con.cursor() as cur:  # read-only by default; past that, its privileges refuse every change
            cur.execute("SET default_transaction_read_only = off")
        assert refused(con, "INSERT INTO marts.fund_position VALUES (9, 'X', 1)") == "InsufficientPrivilege"
        assert refused(con, "UPDATE marts.fund_position SET committed = 0") == "InsufficientPrivilege"
        assert refused(con, "DELETE FROM reference.funds") == "InsufficientPrivilege"
        assert refused(con, "TRUNCATE marts.load_audit") == "InsufficientPrivilege"
        assert refused(con, "DROP TABLE marts.load_audit") == "InsufficientPrivilege"
        assert refused(con, "CREATE TABLE marts.mine (x int)") == "InsufficientPrivilege"
        assert refused(con, "CREATE TABLE public.mine (x int)") == "InsufficientPrivilege"
        assert refused(con, "CREATE TEMPORARY TABLE mine (x int)") == "InsufficientPrivilege"
        assert refused(con, "CREATE SCHEMA mine") == "InsufficientPrivilege"
        assert refused(con, "SELECT * FROM raw.transactions") == "InsufficientPrivilege"
        assert refused(con, "SELECT * FROM marts__build.fund_position") == "InsufficientPrivilege"
        assert refused(con, "SELECT * FROM staging.stg_raw__transactions") == "InsufficientPrivilege"
        assert refused(con, "SELECT * FROM opcc_meta.published") == "InsufficientPrivilege"
    finally:
        con.close()
    assert sql(pg_database, "SELECT count(*) FROM marts.fund_position") == [(1,)]  # nothing changed


def test_the_bi_role_keeps_reading_across_publishes_and_rollbacks(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s)
    role = ensure_bi_role(s, "bi_test_reader")
    assert role.password_file is not None
    build(s, pg_database, 2)
    sql(pg_database, "CREATE TABLE marts__build.contracts_register AS SELECT 2 AS night")  # a new mart tonight
    wap.publish(s)
    con = as_role(role.url, role.password_file)
    try:
        assert "marts.contracts_register" in readable(con)  # default privileges and the grant at publish
        assert refused(con, "SELECT * FROM marts__v1.fund_position") == "InsufficientPrivilege"  # set aside
        with con.cursor() as cur:
            cur.execute("SELECT night FROM marts.fund_position")
            assert cur.fetchone() == (2,)
        wap.rollback(s)
        assert "marts.contracts_register" not in readable(con)
        with con.cursor() as cur:
            cur.execute("SELECT night FROM marts.fund_position")
            assert cur.fetchone() == (1,)
        assert refused(con, "SELECT * FROM marts__v2.fund_position") == "InsufficientPrivilege"
    finally:
        con.close()


def test_the_bi_role_command(tmp_path: Path, pg_database: str, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s)
    monkeypatch.setenv("OPCC_DATA_DIR", str(s.data_dir))
    monkeypatch.delenv("OPCC_WAREHOUSE_URL", raising=False)
    assert main(["bi-role"]) == 2  # on DuckDB there is no role to make
    monkeypatch.setenv("OPCC_WAREHOUSE_URL", pg_database)
    assert main(["bi-role", "--name", "bi_test_cli"]) == 0
    kept = password_file(s, "bi_test_cli")
    out = capsys.readouterr().out
    assert "postgresql://bi_test_cli@127.0.0.1:" in out and str(kept) in out
    first = kept.read_text()
    assert main(["bi-role", "--name", "bi_test_cli"]) == 0  # again: the same password, BI tools keep working
    assert kept.read_text() == first
    url = out.split("connect with ")[1].split()[0]
    as_role(url, kept).close()
    assert main(["bi-role", "--name", "bi_test_cli", "--new-password"]) == 0
    assert kept.read_text() != first
    as_role(url, kept).close()

    monkeypatch.setenv("OPCC_BI_PASSWORD", "from-the-environment")
    assert main(["bi-role", "--name", "bi_test_cli"]) == 0
    assert "from $OPCC_BI_PASSWORD" in capsys.readouterr().out
    psycopg2.connect(url, password="from-the-environment").close()
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        as_role(url, kept)
    with pytest.raises(ValueError, match="superuser"):
        ensure_bi_role(s, "opcc_admin")  # never demote the pipeline's own role
