"""The raw database: schema, and the single-writer lock every writer takes."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from opcc.feeds import FEEDS, Kind

if TYPE_CHECKING:
    from opcc.config import DuckDBConfig

SQL_TYPES = {Kind.TEXT: "VARCHAR", Kind.MONEY: "DECIMAL(18,2)", Kind.DATE: "DATE", Kind.YEAR: "VARCHAR"}

BOOKKEEPING_DDL = """
CREATE TABLE IF NOT EXISTS main.files (
    file_id BIGINT PRIMARY KEY,
    feed VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,          -- UTC
    rows_received INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    control_total DECIMAL(18,2),
    loaded_amount DECIMAL(18,2),
    status VARCHAR NOT NULL,                 -- loaded | duplicate | rejected | requeued (opcc requeue)
    message VARCHAR
);
CREATE TABLE IF NOT EXISTS main.quarantine (
    file_id BIGINT NOT NULL,
    line_number INTEGER NOT NULL,
    column_name VARCHAR,
    reason VARCHAR NOT NULL,
    raw_text VARCHAR,
    sheet VARCHAR                            -- a workbook's sheet; null for CSV
);
ALTER TABLE main.quarantine ADD COLUMN IF NOT EXISTS sheet VARCHAR;
"""


def feed_ddl(feed_name: str) -> str:
    feed = FEEDS[feed_name]
    cols = ",\n    ".join(f"{c.name} {SQL_TYPES[c.kind]}" for c in feed.columns)
    # sheet: a workbook's sheet (null for CSV); extras: the file's other columns, a JSON object by header.
    # Raw databases made before these two columns get them added.
    return (
        f"CREATE TABLE IF NOT EXISTS main.{feed.name} (\n    file_id BIGINT NOT NULL,\n"
        f"    line_number INTEGER NOT NULL,\n    {cols},\n    sheet VARCHAR,\n    extras VARCHAR\n);\n"
        f"ALTER TABLE main.{feed.name} ADD COLUMN IF NOT EXISTS sheet VARCHAR;\n"
        f"ALTER TABLE main.{feed.name} ADD COLUMN IF NOT EXISTS extras VARCHAR;"
        # Optional columns added to a feed's contract later (e.g. grant_awards.recipient_org_id) likewise.
        + "".join(f"\nALTER TABLE main.{feed.name} ADD COLUMN IF NOT EXISTS {c.name} {SQL_TYPES[c.kind]};"
                  for c in feed.columns if not c.required)
    )


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(BOOKKEEPING_DDL)
    for name in FEEDS:
        con.execute(feed_ddl(name))


@contextmanager
def raw_lock(raw_db: Path, wait_seconds: float = 600) -> Iterator[None]:
    """Hold the raw database's lock: no writer (a load, a backup, a restore) works on it meanwhile."""
    raw_db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = raw_db.with_suffix(".lock")
    with lock_path.open("w") as lock:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{raw_db} is busy: another load has held it for {wait_seconds:.0f} s") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def raw_writer(raw_db: Path, config: DuckDBConfig | None = None,
               wait_seconds: float = 600) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the raw database, held by one process at a time.

    DuckDB allows one writing process per file; the lock makes a second writer (an `opcc ingest`
    beside a nightly run, say) wait its turn instead of failing half-way."""
    with raw_lock(raw_db, wait_seconds):
        con = duckdb.connect(str(raw_db), config=config or {})
        con.execute("SET enable_progress_bar = false")  # a night's log is read by people
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()
