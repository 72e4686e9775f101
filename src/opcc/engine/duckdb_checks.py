"""The checks' session on DuckDB: one connection for everything.

The build (or the published warehouse) is opened read-only, raw attached read-only as catalog `raw`, the audit
parameters a temp table `audit_params`, the checks' views made (expectations/views.sql). Each check's compared
rows are a temp table on that connection, and GX gets the same connection through a SQL data source whose engine
hands it out (`creator`). GX is told to keep one persistent connection for the duckdb dialect: otherwise it
fetches query results after closing the connection and duckdb-engine returns no rows (GX issue 11579).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)


def open_connection(build_db: Path, raw_db: Path | None, over_allocation_tolerance: Decimal,
                    config: dict[str, Any] | None = None, views: str = "") -> duckdb.DuckDBPyConnection:
    """The build opened read-only, raw attached read-only as `raw`, the audit parameters and the checks' views."""
    con = duckdb.connect(str(build_db), read_only=True, config=config or {})
    if raw_db is not None and Path(raw_db).exists():
        escaped = str(raw_db).replace("'", "''")
        con.execute(f"ATTACH '{escaped}' AS raw (READ_ONLY)")
    else:
        log.warning("raw database %s not found: checks that read raw will not run", raw_db)
    con.execute(
        "CREATE TEMP TABLE audit_params AS SELECT CAST(? AS DECIMAL(9,4)) AS over_allocation_tolerance",
        [str(over_allocation_tolerance)],
    )
    if views:
        try:
            con.execute(views)
        except duckdb.Error as exc:  # the checks that read a missing view report it as their error
            log.warning("the checks' views could not be made: %s", exc)
    return con


class DuckDBChecksSource:
    """opcc.engine.base.ChecksSource on one DuckDB connection (`open_connection`, or any the caller made)."""

    errors: tuple[type[Exception], ...] = (duckdb.Error,)

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, list(params) if params is not None else None)

    def materialise(self, name: str, sql: str) -> tuple[str, str | None]:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")  # a DuckDB table keeps its rows' order
        return name, None

    def add_gx_datasource(self, context: Any) -> Any:
        import duckdb_engine

        _keep_duckdb_connection_persistent()
        con = self.con
        return context.data_sources.add_sql(
            name="build",
            connection_string="duckdb:///:memory:",  # never opened: the creator hands out `con`
            # GX's sources.pyi omits the engine kwargs add_sql accepts at run time
            kwargs={"creator": lambda: duckdb_engine.ConnectionWrapper(con), "pool_reset_on_return": None},
        )

    def content_digest(self, relation: str) -> str:
        count, total = self.con.execute(f"SELECT count(*), sum(hash(t)) FROM {relation} AS t").fetchone() or (0, 0)
        return f"{count}:{total}"

    def close(self) -> None:
        self.con.close()


# The workaround below patches a private name of GX's SQLAlchemy engine, as it is in this release line.
GX_WORKAROUND_WRITTEN_FOR = (1, 24)


class UnsupportedGxVersion(RuntimeError):
    """Great Expectations is not the release the GX issue 11579 workaround was written (and tested) for."""


def _check_gx_version(version: str) -> None:
    major_minor = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if major_minor != GX_WORKAROUND_WRITTEN_FOR:
        written_for = ".".join(map(str, GX_WORKAROUND_WRITTEN_FOR))
        raise UnsupportedGxVersion(
            f"Great Expectations {version} is installed, but the audit's workaround for GX issue 11579 "
            f"(_keep_duckdb_connection_persistent in {__name__}) was written for {written_for}.x: pin "
            f"great-expectations {written_for}.* again, or check that this version still needs and "
            "allows the workaround and update GX_WORKAROUND_WRITTEN_FOR")


def _keep_duckdb_connection_persistent() -> None:
    """Make GX keep one persistent SQLAlchemy connection for the duckdb dialect (GX issue 11579)."""
    import great_expectations
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    _check_gx_version(great_expectations.__version__)

    class _DuckDBDialectName(str):
        value = "duckdb"

    dialects = engine_module._PERSISTED_CONNECTION_DIALECTS
    if not any(str(getattr(d, "value", d)) == "duckdb" for d in dialects):
        # A str with `.value` stands in for the GXSqlDialect member GX has no duckdb entry for.
        engine_module._PERSISTED_CONNECTION_DIALECTS = (  # type: ignore[assignment]
            *dialects, _DuckDBDialectName("duckdb"))
