"""The warehouse engine, chosen once from the settings: see opcc.engine.base for what a stage may ask of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opcc.engine.base import Engine

if TYPE_CHECKING:
    from opcc.config import Settings


def engine_for(settings: Settings) -> Engine:
    """The one place the engine is chosen: PostgreSQL where the settings name a warehouse URL, else DuckDB."""
    if settings.on_postgres:
        from opcc.engine.postgres import PostgresEngine

        return PostgresEngine(settings)
    from opcc.engine.duckdb import DuckDBEngine

    return DuckDBEngine(settings)


__all__ = ["Engine", "engine_for"]
