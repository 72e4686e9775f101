"""The checks' session on PostgreSQL (the reconciliations on a build, the publications' on the published
schemas): opcc.engine.base.ChecksSource, validated through GX's PostgreSQL data source.

The same SQL as on DuckDB runs on one session of ours (`PostgresChecks`): `opcc.postgres.dialect` points its
schema references at the schemas checked, and DuckDB's few functions it uses come from
`duckdb_functions.sql` (schema `opcc_compat`, first on the session's search_path). Temporary relations (audit
parameters, views, the publications' candidates) live in that session. Each check's compared rows are
materialised as a table in a scratch schema (`opcc_audit_build` for the build `__build`), because GX reads
through connections of its own (`context.data_sources.add_postgres`), which cannot see another session's temp
tables. The scratch schema is made afresh for every session and dropped after it; its name does not end with
the build suffix, so publishing (which publishes every `*__build` schema) never takes it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg2

from opcc.postgres.connect import connect, warehouse_url
from opcc.postgres.dialect import for_postgres

if TYPE_CHECKING:
    from psycopg2.extensions import cursor

    from opcc.config import Settings

SCRATCH_SCHEMA = "opcc_audit"  # where the checks' results are kept for GX, per schema suffix
COMPAT_SCHEMA = "opcc_compat"
DUCKDB_FUNCTIONS = Path(__file__).with_name("duckdb_functions.sql")
_ROW = "check_row__"  # the SQL's row order, kept beside each result (a table scan does not promise it)


def scratch_schema(schema_suffix: str) -> str:
    return f"{SCRATCH_SCHEMA}_{schema_suffix.strip('_') or 'published'}"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresChecks:
    """A session for checks on the schemas `<name><schema_suffix>` ("" the published ones). `execute` takes
    DuckDB's SQL with `?` parameters and returns a DB-API cursor, as a DuckDB connection's `execute` does."""

    errors: tuple[type[Exception], ...] = (psycopg2.Error,)

    def __init__(self, settings: Settings, schema_suffix: str) -> None:
        self.settings, self.suffix = settings, schema_suffix
        self.scratch = _quoted(scratch_schema(schema_suffix))
        self.con = connect(settings)
        with self.con, self.con.cursor() as cur:  # one transaction, one installer at a time
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('opcc.duckdb_functions'))")
            cur.execute(DUCKDB_FUNCTIONS.read_text(encoding="utf-8"))
        # Autocommit: a check whose SQL fails spoils no other, and GX's connections see each result at once.
        self.con.autocommit = True
        with self.con.cursor() as cur:
            cur.execute(f"SET search_path = {COMPAT_SCHEMA}, pg_catalog, public")
            cur.execute(f"DROP SCHEMA IF EXISTS {self.scratch} CASCADE")
            cur.execute(f"CREATE SCHEMA {self.scratch}")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> cursor:
        cur = self.con.cursor()
        cur.execute(for_postgres(sql, self.suffix, with_params=params is not None), params)
        return cur

    def materialise(self, name: str, sql: str) -> tuple[str, str | None]:
        """A table in the scratch schema, where GX's own connections see it, numbering the SQL's rows."""
        relation = f"{self.scratch}.{name}"
        self.execute(f"CREATE TABLE {relation} AS SELECT *, row_number() OVER () AS {_ROW} FROM ({sql}) AS compared")
        return relation, _ROW

    def add_gx_datasource(self, context: Any) -> Any:
        return context.data_sources.add_postgres(name="warehouse", connection_string=warehouse_url(self.settings))

    def content_digest(self, relation: str) -> str:
        schema, table = relation.split(".")
        with self.con.cursor() as cur:
            cur.execute(f"SELECT count(*), sum(hashtextextended(t::text, 0)::numeric) "
                        f"FROM {_quoted(schema + self.suffix)}.{_quoted(table)} AS t")
            count, total = cur.fetchone()
        return f"{count}:{total}"

    def close(self) -> None:
        with contextlib.suppress(Exception), self.con.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {self.scratch} CASCADE")
        self.con.close()


def open_audit_session(settings: Settings, schema_suffix: str, views: str) -> PostgresChecks:
    """A session on the build `<name><schema_suffix>` with the audit parameters and the checks' views."""
    session = PostgresChecks(settings, schema_suffix)
    session.execute("CREATE TEMP TABLE audit_params AS SELECT CAST(? AS DECIMAL(9,4)) AS over_allocation_tolerance",
                    [str(settings.over_allocation_tolerance)])
    if views:
        session.execute(views)
    return session
