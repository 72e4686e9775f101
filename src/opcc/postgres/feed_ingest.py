"""Ingestion on PostgreSQL, where the feeds load at the same time, each in its own task on any worker.

A feed parses and quarantines exactly as on DuckDB (opcc.ingest.loader), into its own DuckDB working file
(`settings.raw_feed_db`: `feed_sink`, this engine's raw sink), so DuckDB's one writer per file holds per feed.
Its file ids come from the sequence `raw.file_ids`, the one owner of file ids here: they grow in the order files
load, which is the order the marts need (a file supersedes an earlier one of the same feed and name by having the
higher id); across feeds the order is simply that of arrival, which no model compares. The task then copies its
new files into schema `raw` (opcc.postgres.raw.sync_raw: one transaction, a file never twice), so a rerun copies
nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from opcc.config import Settings, duckdb_config
from opcc.postgres.connect import connect
from opcc.postgres.dialect import RAW_SCHEMA
from opcc.postgres.raw import LOCK_KEY, duckdb_columns, sync_every_store, sync_raw
from opcc.rawdb import raw_writer

if TYPE_CHECKING:
    import duckdb
    from psycopg2.extensions import connection

log = logging.getLogger(__name__)

SEQUENCE = f"{RAW_SCHEMA}.file_ids"


@contextmanager
def feed_sink(settings: Settings, feed: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, Callable[[], int]]]:
    """The feed's working file to load into, with file ids from the sequence; once the block ends, every file
    of it PostgreSQL lacks is copied into `raw` (those of an earlier attempt that stopped before its copy too)."""
    working = settings.raw_feed_db(feed)
    first_time = not working.exists()
    _prepare(settings, first_time)
    ids = connect(settings, autocommit=True)  # nextval is never rolled back: ids are unique, gaps harmless
    try:
        with raw_writer(working, duckdb_config(settings)) as duck:
            if first_time:
                _seed_files(duck, ids, feed)
            yield duck, lambda: _next_file_id(ids)
    finally:
        ids.close()
    log.info("%s: %s", feed, sync_raw(settings, working).line())


def _prepare(settings: Settings, first_time: bool) -> None:
    """Before a feed's first load here, PostgreSQL gets every file already in raw.duckdb (ingested before the
    warehouse moved), so the feed's earlier files are seen and the sequence starts past their ids."""
    if not _sequence_exists(settings):
        sync_every_store(settings)
        _create_sequence(settings)
    elif first_time:
        sync_raw(settings)


def _sequence_exists(settings: Settings) -> bool:
    con = connect(settings, autocommit=True)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (SEQUENCE,))
            row = cur.fetchone()
            return bool(row and row[0])
    finally:
        con.close()


def _create_sequence(settings: Settings) -> None:
    """The sequence, starting past every file id in raw.files (made once, under raw's lock, so no two tasks
    make it and none sets it back while another draws from it)."""
    con = connect(settings)
    try:
        with con, con.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY,))
            cur.execute(f"SELECT coalesce(max(file_id), 0) + 1 FROM {RAW_SCHEMA}.files")
            row = cur.fetchone()
            assert row is not None  # an aggregate always returns one row
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint START WITH {int(row[0])}")
    finally:
        con.close()


def _next_file_id(con: connection) -> int:
    with con.cursor() as cur:
        cur.execute("SELECT nextval(%s)", (SEQUENCE,))
        row = cur.fetchone()
        assert row is not None
        return int(row[0])


def _seed_files(duck: duckdb.DuckDBPyConnection, pg: connection, feed: str) -> None:
    """A new working file starts with the feed's rows of raw.files (no lines): duplicate and superseded files
    are recognised against every earlier file of the feed. They are in PostgreSQL already, so never copied."""
    names = ", ".join(name for name, _, _ in duckdb_columns(duck, "files"))
    with pg.cursor() as cur:
        cur.execute(f"SELECT {names} FROM {RAW_SCHEMA}.files WHERE feed = %s ORDER BY file_id", (feed,))
        rows = cur.fetchall()
    if rows:
        duck.executemany(f"INSERT INTO main.files ({names}) VALUES ({', '.join('?' * len(rows[0]))})",
                         [list(row) for row in rows])
