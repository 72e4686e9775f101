"""The one place that connects to the PostgreSQL warehouse, from `settings.warehouse_url`.

The URL is libpq's, so a password may stay out of it: libpq reads PGPASSWORD or the PGPASSFILE
(~/.pgpass) itself. dbt connects through the same parts (`dbt_environment`), never a copy of them.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opcc.config import Settings

if TYPE_CHECKING:
    from psycopg2.extensions import connection


# Every session the pipeline opens, dbt's included. JIT off: the financial calendar's month spine makes the
# planner's cost estimates large, and compiling the marts' plans took PostgreSQL 15 over a minute (the
# queries themselves run in milliseconds on a night's data).
SESSION_OPTIONS = "-c jit=off"


@dataclass(frozen=True)
class WarehouseAddress:
    """The parts of a libpq URL that dbt's profile needs (it takes no URL)."""

    host: str
    port: int
    user: str
    dbname: str
    password: str  # empty: libpq falls back to PGPASSWORD / PGPASSFILE


def warehouse_url(settings: Settings) -> str:
    if settings.warehouse_url is None:
        raise RuntimeError("the warehouse is on DuckDB here: set warehouse_url (or OPCC_WAREHOUSE_URL) for PostgreSQL")
    return settings.warehouse_url


def address(settings: Settings) -> WarehouseAddress:
    from psycopg2.extensions import parse_dsn

    parts = parse_dsn(warehouse_url(settings))
    user = parts.get("user") or getpass.getuser()  # libpq's defaults: the login name, and a database named for the user
    return WarehouseAddress(host=parts.get("host", "127.0.0.1"), port=int(parts.get("port", 5432)), user=user,
                            dbname=parts.get("dbname", user), password=parts.get("password", ""))


def connect(settings: Settings, *, autocommit: bool = False) -> connection:
    """A new psycopg2 connection to the warehouse database; the caller closes it. Not in autocommit
    unless asked, so every `with con:` block is one transaction."""
    import psycopg2

    con = psycopg2.connect(warehouse_url(settings), application_name="opcc", options=SESSION_OPTIONS)
    con.autocommit = autocommit
    return con


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The environment variables dbt_project/profiles.yml's `postgres` output reads."""
    where = address(settings)
    # dbt scrubs DBT_ENV_SECRET_* values from its logs; libpq reads PGOPTIONS for every connection dbt opens.
    options = " ".join(part for part in (os.environ.get("PGOPTIONS", ""), SESSION_OPTIONS) if part)
    return {"OPCC_PG_HOST": where.host, "OPCC_PG_PORT": str(where.port), "OPCC_PG_USER": where.user,
            "OPCC_PG_DBNAME": where.dbname, "DBT_ENV_SECRET_OPCC_PG_PASSWORD": where.password, "PGOPTIONS": options}
