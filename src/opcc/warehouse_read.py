"""Reading the warehouse's marts, for the report and the publications, on either engine.

One copy of each query: written as the DuckDB warehouse names things (`marts.x`, `reference.x`) with `?`
parameters. A source (the engine's `warehouse()`: a DuckDB file here, PostgreSQL's schemas in
opcc.postgres.read) opens a reader that runs it; rows come back as dicts; a query that cannot be read (a
relation missing) raises `ReadError` and spoils no later query.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


class ReadError(Exception):
    """A query the warehouse could not answer (e.g. a mart missing from the build)."""


class Reader(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


@runtime_checkable
class ReadSource(Protocol):
    """A warehouse to read: the published one or a night's build, on whichever engine holds it."""

    def exists(self) -> bool: ...

    def open_reader(self, duckdb_config: dict[str, Any] | None = None) -> AbstractContextManager[Reader]: ...


@dataclass(frozen=True)
class DuckDBFile:
    """A warehouse file, opened read-only."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def open_reader(self, duckdb_config: dict[str, Any] | None = None) -> Iterator[Reader]:
        import duckdb

        with duckdb.connect(str(self.path), read_only=True, config=duckdb_config or {}) as con:
            yield _DuckDBReader(con)


# A path is a DuckDB warehouse file.
WarehouseSource = Path | ReadSource


def _source(source: WarehouseSource) -> ReadSource:
    return source if isinstance(source, ReadSource) else DuckDBFile(Path(source))


def exists(source: WarehouseSource) -> bool:
    """Whether there is a warehouse to read there (the file, or the marts schema)."""
    return _source(source).exists()


def open_reader(source: WarehouseSource, duckdb_config: dict[str, Any] | None = None) -> AbstractContextManager[Reader]:
    """A read-only reader of `source`, closed on exit."""
    return _source(source).open_reader(duckdb_config)


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
