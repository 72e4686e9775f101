"""Test-wide environment: offline, and an Airflow home of the tests' own (never ~/airflow)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_home = tempfile.mkdtemp(prefix="opcc-test-airflow-")
os.environ.setdefault("AIRFLOW_HOME", _home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_home}/airflow.db")
for key, value in {"DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false",
                   "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}.items():
    os.environ.setdefault(key, value)


@pytest.fixture(scope="module")
def outside_pytest_tmp() -> Iterator[Path]:
    """A folder outside pytest's own temporary root, for data directories whose PostgreSQL runs as the postgres
    user (as it does under root): pytest makes its root private (0700) again whenever a pytest session starts,
    so a server under it loses its way as soon as another session starts beside this one."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="opcc-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A real PostgreSQL 15 server for the session, started and stopped here (`make test` installs it).
    Its folder is not under pytest's own temporary folder: that one is private to root (0700), and as root
    the server runs as the postgres user, who must reach its folder whatever other pytest sessions do."""
    import shutil

    from opcc.airflow_runner import free_port
    from opcc.cluster.postgres import LocalPostgres

    folder = Path(tempfile.mkdtemp(prefix="opcc-test-postgres-"))
    server = LocalPostgres(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_database(postgres: object, request: pytest.FixtureRequest) -> str:
    """A fresh database on the session's server for one test; its URL (the admin role)."""
    import psycopg2

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    server = postgres
    con = psycopg2.connect(server.url())  # type: ignore[attr-defined]
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    con.close()
    return str(server.url(name))  # type: ignore[attr-defined]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A fault-injection test (marked `faults`) is an end-to-end test too: `make test` runs it, `make test-fast` not."""
    for item in items:
        if item.get_closest_marker("faults") is not None and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)
