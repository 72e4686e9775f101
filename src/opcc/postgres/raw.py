"""The raw layer in PostgreSQL: schema `raw`, a copy of raw.duckdb's tables (files, quarantine, one per feed).

Ingestion parses and quarantines into DuckDB as ever (opcc.rawdb owns those tables' columns, from the
feed contracts): on PostgreSQL each feed into its own working file (opcc.postgres.feed_ingest), earlier into
raw.duckdb; `sync_raw` then brings every file PostgreSQL has not got across with COPY. The
PostgreSQL tables are made from the DuckDB tables' own columns, so the two can never drift apart.

Safe to repeat: all of a sync is one transaction, so a file's row in raw.files and its lines arrive
together or not at all, and a file_id already in raw.files is never copied again (raw is append-only).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from opcc.config import Settings, duckdb_config
from opcc.feeds import FEEDS
from opcc.postgres.connect import connect
from opcc.postgres.dialect import RAW_SCHEMA as SCHEMA
from opcc.rawdb import raw_writer

if TYPE_CHECKING:
    import duckdb
    from psycopg2.extensions import cursor

# The bookkeeping tables, then one per feed; raw.files last in a copy, so a file is listed only with its lines.
TABLES = ("quarantine", *FEEDS, "files")
# DuckDB's names for the raw tables' types, as PostgreSQL writes them (money stays NUMERIC(18,2)).
PG_TYPES = {"VARCHAR": "text", "DECIMAL(18,2)": "numeric(18,2)", "DATE": "date", "BIGINT": "bigint",
            "INTEGER": "integer", "TIMESTAMP": "timestamp"}
# Serialises syncs (two builds, or feeds ingesting at once): the second waits, then copies only what it finds
# missing. Also held while raw's file id sequence is made (opcc.postgres.feed_ingest).
LOCK_KEY = "opcc.raw.sync"


@dataclass
class SyncResult:
    files: list[int] = field(default_factory=list)  # the file ids copied
    rows: dict[str, int] = field(default_factory=dict)  # rows copied per table

    def add(self, other: SyncResult) -> None:
        self.files += other.files
        for table, n in other.rows.items():
            self.rows[table] = self.rows.get(table, 0) + n

    def line(self) -> str:
        if not self.files:
            return "raw: PostgreSQL already has every file"
        lines = sum(n for table, n in self.rows.items() if table != "files")
        return f"raw: {len(self.files)} files copied to PostgreSQL ({lines} lines)"


def duckdb_columns(duck: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    """(name, DuckDB type, nullable) of one raw table's columns, in order."""
    rows = duck.execute("""SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns
                           WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?
                           ORDER BY ordinal_position""", [table]).fetchall()
    return [(name, data_type, nullable) for name, data_type, nullable in rows]


def pg_ddl(table: str, columns: list[tuple[str, str, bool]]) -> str:
    """CREATE TABLE for one raw table, plus ADD COLUMN for columns a later contract added to raw.duckdb."""
    typed = [(name, PG_TYPES[data_type]) for name, data_type, _ in columns]
    body = "".join(f",\n    {name} {PG_TYPES[data_type]}{'' if nullable else ' NOT NULL'}"
                   for name, data_type, nullable in columns)[1:]
    # raw.files' key is what keeps a file from being copied twice; a line is not unique by (file, line):
    # a workbook numbers each sheet's rows, and a line may be quarantined for several columns.
    key = ",\n    PRIMARY KEY (file_id)" if table == "files" else ""
    ddl = f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{table} ({body}{key}\n);\n"
    ddl += "".join(f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN IF NOT EXISTS {name} {pg_type};\n"
                   for name, pg_type in typed)
    if table != "files":  # dbt's incremental ledger and the tests of unpublished files select by file
        ddl += f"CREATE INDEX IF NOT EXISTS {table}_file_id ON {SCHEMA}.{table} (file_id);\n"
    return ddl


def sync_every_store(settings: Settings) -> SyncResult:
    """The build's sync: raw.duckdb (created empty if missing, so raw's tables exist), then each feed's working
    file (opcc.postgres.feed_ingest copies its own; this catches a task that stopped before its COPY)."""
    result = sync_raw(settings)
    for feed in FEEDS:
        if settings.raw_feed_db(feed).exists():
            result.add(sync_raw(settings, settings.raw_feed_db(feed)))
    return result


def sync_raw(settings: Settings, raw_db: Path | None = None) -> SyncResult:
    """Copy every file a raw DuckDB file (default raw.duckdb) has and PostgreSQL has not (its files row, lines
    and quarantined lines) into schema `raw`, in one transaction."""
    result = SyncResult()
    with raw_writer(raw_db or settings.raw_db, duckdb_config(settings)) as duck:  # no ingest writes while we read
        columns = {table: duckdb_columns(duck, table) for table in TABLES}
        con = connect(settings)
        try:
            with con, con.cursor() as cur:  # one transaction: committed on leaving, rolled back on an error
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY,))
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                for table in TABLES:
                    cur.execute(pg_ddl(table, columns[table]))
                cur.execute(f"SELECT file_id, feed, file_name, sha256 FROM {SCHEMA}.files")
                copied = {row[0]: tuple(row[1:]) for row in cur.fetchall()}
                have = duck.execute("SELECT file_id, feed, file_name, sha256 FROM main.files ORDER BY file_id"
                                    ).fetchall()
                # Two owners of file ids (raw.duckdb written again after the feeds moved to raw.file_ids) would
                # give one id to two files: stop rather than skip a file as if it were already there.
                clash = [row for row in have if row[0] in copied and copied[row[0]] != tuple(row[1:])]
                if clash:
                    raise RuntimeError(f"{raw_db or settings.raw_db}: file {clash[0][0]} ({clash[0][1]}/{clash[0][2]}) "
                                       "is another file in PostgreSQL's raw.files: two stores gave out one id")
                result.files = [row[0] for row in have if row[0] not in copied]
                if not result.files:
                    return result
                duck.execute("CREATE OR REPLACE TEMP TABLE to_copy AS SELECT unnest(?::BIGINT[]) AS file_id",
                             [result.files])
                for table in TABLES:
                    result.rows[table] = _copy_table(settings, duck, cur, table, [c[0] for c in columns[table]])
        finally:
            con.close()
    return result


def _copy_table(settings: Settings, duck: duckdb.DuckDBPyConnection, cur: cursor, table: str,
                columns: list[str]) -> int:
    """One table's rows of the files in to_copy, through a CSV file under the data directory (memory stays
    flat at any size). DuckDB writes NULL as an empty field and an empty text as "", as PostgreSQL reads them."""
    names = ", ".join(columns)
    order = "file_id" if table == "files" else "file_id, sheet, line_number"
    tmp_dir = settings.data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=tmp_dir, prefix=f"raw-{table}-", suffix=".csv") as fh:
        duck.execute(f"""COPY (SELECT {names} FROM main.{table} WHERE file_id IN (SELECT file_id FROM to_copy)
                              ORDER BY {order}) TO '{fh.name}' (FORMAT csv, HEADER false)""")
        with open(fh.name, "rb") as data:
            cur.copy_expert(f"COPY {SCHEMA}.{table} ({names}) FROM STDIN WITH (FORMAT csv)", data)
        return int(cur.rowcount)
