"""Reading the PostgreSQL warehouse for the report and the publications (opcc.warehouse_read's ReadSource)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opcc.postgres.connect import connect
from opcc.postgres.dialect import for_postgres
from opcc.warehouse_read import Reader, ReadError

if TYPE_CHECKING:
    from opcc.config import Settings


@dataclass(frozen=True)
class PostgresSchemas:
    """The warehouse's schemas in PostgreSQL: the published ones (`marts`, ...), or a night's build
    (`marts__build`, ...: `suffix` "__build")."""

    settings: Settings
    suffix: str = ""

    def __str__(self) -> str:
        return f"PostgreSQL schemas marts{self.suffix}, reference{self.suffix}"

    def exists(self) -> bool:
        with self.open_reader() as reader:
            found = reader.rows("SELECT 1 FROM pg_namespace WHERE nspname = ?", [f"marts{self.suffix}"])
        return bool(found)

    @contextmanager
    def open_reader(self, duckdb_config: dict[str, Any] | None = None) -> Iterator[Reader]:
        con = connect(self.settings)
        try:
            con.set_session(readonly=True, isolation_level="REPEATABLE READ")
            yield _PostgresReader(con, self.suffix)
        finally:
            with suppress(Exception):  # a broken connection has nothing to roll back
                con.rollback()
            con.close()


class _PostgresReader:
    """Every query in one read-only transaction (one snapshot of the data); a savepoint around each, so a
    query that fails leaves the transaction usable."""

    def __init__(self, con: Any, suffix: str) -> None:
        self._con, self._suffix = con, suffix

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        import psycopg2

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
