"""Reading the warehouse's marts, for the report and the publications, on either engine.

One copy of each query: written as the DuckDB warehouse names things (`marts.x`, `reference.x`) with `?`
parameters; on PostgreSQL `opcc.postgres.dialect.for_postgres` points it at the schemas read. Rows come back
as dicts; a query that cannot be read (a relation missing) raises `ReadError` and spoils no later query.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from opcc.config import Settings


class ReadError(Exception):
    """A query the warehouse could not answer (e.g. a mart missing from the build)."""


@dataclass(frozen=True)
class PostgresSchemas:
    """The warehouse's schemas in PostgreSQL: the published ones (`marts`, ...), or a night's build
    (`marts__build`, ...: `suffix` "__build")."""

    settings: Settings
    suffix: str = ""

    def __str__(self) -> str:
        return f"PostgreSQL schemas marts{self.suffix}, reference{self.suffix}"


WarehouseSource = Path | PostgresSchemas


class Reader(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


def exists(source: WarehouseSource) -> bool:
    """Whether there is a warehouse to read there (the file, or the marts schema)."""
    if isinstance(source, PostgresSchemas):
        with open_reader(source) as reader:
            found = reader.rows("SELECT 1 FROM pg_namespace WHERE nspname = ?", [f"marts{source.suffix}"])
        return bool(found)
    return Path(source).exists()


class _DuckDBReader:
    def __init__(self, con: Any) -> None:
        self._con = con

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        import duckdb

        try:
            cur = self._con.execute(sql, list(params))
        except duckdb.Error as exc:
            raise ReadError(str(exc)) from exc
        columns = [d[0] for d in cur.description]
        return [dict(zip(columns, values, strict=True)) for values in cur.fetchall()]


class _PostgresReader:
    """Every query in one read-only transaction (one snapshot of the data); a savepoint around each, so a
    query that fails leaves the transaction usable."""

    def __init__(self, con: Any, suffix: str) -> None:
        self._con, self._suffix = con, suffix

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        import psycopg2

        from opcc.postgres.dialect import for_postgres

        with self._con.cursor() as cur:
            cur.execute("SAVEPOINT warehouse_read")
            try:
                cur.execute(for_postgres(sql, self._suffix, with_params=True), tuple(params))
            except psycopg2.Error as exc:
                cur.execute("ROLLBACK TO SAVEPOINT warehouse_read")
                raise ReadError(str(exc).strip()) from exc
            columns = [d[0] for d in cur.description]
            rows = [dict(zip(columns, values, strict=True)) for values in cur.fetchall()]
            cur.execute("RELEASE SAVEPOINT warehouse_read")
        return rows


@contextmanager
def open_reader(source: WarehouseSource, duckdb_config: dict[str, Any] | None = None) -> Iterator[Reader]:
    """A read-only reader of `source`, closed on exit."""
    if isinstance(source, PostgresSchemas):
        from opcc.postgres.connect import connect

        con = connect(source.settings)
        try:
            con.set_session(readonly=True, isolation_level="REPEATABLE READ")
            yield _PostgresReader(con, source.suffix)
        finally:
            with suppress(Exception):  # a broken connection has nothing to roll back
                con.rollback()
            con.close()
    else:
        import duckdb

        with duckdb.connect(str(source), read_only=True, config=duckdb_config or {}) as con:
            yield _DuckDBReader(con)
