"""On PostgreSQL the feeds ingest at once, each in its own process as on separate workers: every line lands in
schema `raw` exactly once with the same figures, statuses and quarantine as the DuckDB default's one feed after
another; a rerun copies nothing; a duplicate or corrected file is recognised against the feed's earlier files,
those loaded into raw.duckdb before the warehouse moved included; a task stopped before its COPY is made good by
its retry."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import psycopg2
import pytest

from opcc import pipeline
from opcc.config import FEEDS, Settings
from opcc.ingest import ingest_feed
from opcc.postgres.raw import TABLES, sync_every_store

DEMO = Path(__file__).parents[2] / "seeds" / "demo"
JUNE = DEMO / "transactions" / "dorset-opcc-spend-over-500-2019-06.csv"
BUDGET = DEMO / "budgets" / "dorset-opcc-priority-commissioning-budget-2019-20.csv"
# What differs between two ingestions of the same extracts: when each file arrived, the ids given (arrival
# order across feeds), and the messages naming them.
ARRIVAL = {"file_id", "received_at", "message"}
Row = tuple[object, ...]


def land(settings: Settings, feed: str, path: Path, name: str | None = None) -> None:
    folder = settings.landing_dir / feed
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, folder / (name or path.name))


def land_night_one(settings: Settings) -> None:
    for feed in FEEDS:
        for path in sorted((DEMO / feed).glob("*.csv")):
            land(settings, feed, path)
    land(settings, "transactions", JUNE, "june-sent-again.csv")  # a duplicate in the same night


def land_night_two(settings: Settings) -> None:
    land(settings, "transactions", JUNE, "june-third-time.csv")  # a duplicate of last night's file
    corrected = BUDGET.read_text(encoding="utf-8").splitlines()
    corrected.pop()  # a corrected budget re-sent under the same name: supersedes the first
    (settings.landing_dir / "budgets" / BUDGET.name).write_text("\n".join(corrected) + "\n", encoding="utf-8")


def ingest_side_by_side(settings: Settings, run_dir: str) -> None:
    """Each feed's ingest task (pipeline.ingest), all six started before any is waited for, each its own process."""
    env = {**os.environ, "OPCC_DATA_DIR": str(settings.data_dir), "OPCC_WAREHOUSE_URL": str(settings.warehouse_url)}
    code = ("import sys; from opcc import pipeline; from opcc.config import load_settings; "
            "pipeline.ingest(load_settings(), sys.argv[1], sys.argv[2])")
    tasks = [subprocess.Popen([sys.executable, "-c", code, feed, run_dir], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for feed in FEEDS]
    for task in tasks:
        out, _ = task.communicate(timeout=600)
        assert task.returncode == 0, out


def ingest_one_after_another(settings: Settings, run_dir: str) -> None:
    for feed in FEEDS:
        pipeline.ingest(settings, feed, run_dir)


def by_file(names: list[str], rows: list[Row], files: dict[object, Row]) -> list[Row]:
    """Rows with the file id replaced by the file itself (feed, name, content hash), arrival columns left out."""
    at = names.index("file_id")
    kept = [i for i, name in enumerate(names) if name not in ARRIVAL]
    return sorted(((files[row[at]], *(row[i] for i in kept)) for row in rows), key=repr)


def raw_tables(fetch: Callable[[str], tuple[list[str], list[Row]]]) -> dict[str, list[Row]]:
    files_names, files_rows = fetch("files")
    at = {name: files_names.index(name) for name in ("file_id", "feed", "file_name", "sha256")}
    files = {row[at["file_id"]]: (row[at["feed"]], row[at["file_name"]], row[at["sha256"]]) for row in files_rows}
    return {table: by_file(*fetch(table), files) for table in TABLES}


def duckdb_raw(settings: Settings) -> dict[str, list[Row]]:
    with duckdb.connect(str(settings.raw_db), read_only=True) as con:
        def fetch(table: str) -> tuple[list[str], list[Row]]:
            cursor = con.execute(f"SELECT * FROM main.{table}")
            return [d[0] for d in cursor.description], cursor.fetchall()
        return raw_tables(fetch)


def postgres_raw(url: str) -> dict[str, list[Row]]:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        def fetch(table: str) -> tuple[list[str], list[Row]]:
            cur.execute(f"SELECT * FROM raw.{table}")
            return [d[0] for d in cur.description], cur.fetchall()
        return raw_tables(fetch)


def pg_rows(url: str, sql: str) -> list[Row]:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def new_run(settings: Settings, name: str) -> str:
    return pipeline.start(settings, name, dt.datetime.now(dt.UTC))


@pytest.fixture
def on_postgres(tmp_path: Path, pg_database: str) -> Settings:
    return Settings(data_dir=tmp_path / "postgres", warehouse_url=pg_database)


@pytest.fixture
def on_duckdb(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "duckdb")


def test_feeds_ingested_at_once_land_every_line_once_as_one_after_another_does(
        on_postgres: Settings, on_duckdb: Settings, pg_database: str) -> None:
    for night, land_files in enumerate((land_night_one, land_night_two), start=1):
        for settings in (on_postgres, on_duckdb):
            land_files(settings)
        ingest_side_by_side(on_postgres, new_run(on_postgres, f"night-{night}"))
        ingest_one_after_another(on_duckdb, new_run(on_duckdb, f"night-{night}"))
        got, want = postgres_raw(pg_database), duckdb_raw(on_duckdb)
        assert {t: len(rows) for t, rows in got.items()} == {t: len(rows) for t, rows in want.items()}
        assert got == want, night

    # Every id once; within a feed in the order the files loaded: the corrected budget after the first one.
    ids = pg_rows(pg_database, "SELECT file_id FROM raw.files")
    assert len(ids) == len(set(ids)) == len(want["files"])
    budgets = pg_rows(pg_database, f"SELECT file_id, status FROM raw.files WHERE file_name = '{BUDGET.name}'"
                                   " ORDER BY received_at")
    assert [status for _, status in budgets] == ["loaded", "loaded"] and budgets[0][0] < budgets[1][0]
    assert pg_rows(pg_database, "SELECT file_name, status FROM raw.files WHERE file_name LIKE 'june-%'"
                                " ORDER BY file_name") == [("june-sent-again.csv", "duplicate"),
                                                           ("june-third-time.csv", "duplicate")]
    assert pg_rows(pg_database, "SELECT sum(amount) FROM raw.transactions") == \
        duckdb.connect(str(on_duckdb.raw_db), read_only=True).execute(
            "SELECT sum(amount) FROM main.transactions").fetchall()

    # A rerun: nothing waiting, nothing copied, nothing counted twice.
    before = postgres_raw(pg_database)
    ingest_side_by_side(on_postgres, new_run(on_postgres, "rerun"))
    assert sync_every_store(on_postgres).files == []
    assert postgres_raw(pg_database) == before


def test_the_first_ingest_on_postgresql_knows_the_files_raw_duckdb_had(on_postgres: Settings,
                                                                       pg_database: str) -> None:
    """A data directory that ran on DuckDB, then moved its warehouse: the feed's earlier files still count."""
    before_the_move = on_postgres.model_copy(update={"warehouse_url": None})
    land(before_the_move, "transactions", JUNE)
    land(before_the_move, "transactions", DEMO / "transactions" / "dorset-opcc-spend-over-500-2019-07.csv")
    earlier = ingest_feed(before_the_move, "transactions")
    assert [r.file_id for r in earlier] == [1, 2]

    land(on_postgres, "transactions", JUNE, "june-sent-again.csv")
    land(on_postgres, "transactions", DEMO / "transactions" / "dorset-opcc-spend-over-500-2019-08.csv")
    august, again = ingest_feed(on_postgres, "transactions")  # in name order
    assert again.status == "duplicate" and "file 1" in again.message
    assert august.status == "loaded" and august.file_id is not None and august.file_id > 2
    assert pg_rows(pg_database, "SELECT file_id, status FROM raw.files ORDER BY file_id") == [
        (1, "loaded"), (2, "loaded"), (august.file_id, "loaded"), (again.file_id, "duplicate")]


def test_a_feed_stopped_before_its_copy_is_copied_once_by_the_retry(on_postgres: Settings, pg_database: str) -> None:
    land(on_postgres, "budgets", BUDGET)
    ingest_feed(on_postgres, "budgets")  # makes raw's tables
    with psycopg2.connect(pg_database) as con, con.cursor() as cur:  # PostgreSQL refuses the next copy
        cur.execute("ALTER TABLE raw.transactions ADD CONSTRAINT not_june CHECK (transaction_date < '2019-06-01')")
    land(on_postgres, "transactions", JUNE)
    with pytest.raises(psycopg2.errors.CheckViolation):
        ingest_feed(on_postgres, "transactions")  # loaded in its working file, archived, not in PostgreSQL
    assert pg_rows(pg_database, "SELECT count(*) FROM raw.files WHERE feed = 'transactions'") == [(0,)]
    with psycopg2.connect(pg_database) as con, con.cursor() as cur:
        cur.execute("ALTER TABLE raw.transactions DROP CONSTRAINT not_june")

    assert ingest_feed(on_postgres, "transactions") == []  # the retry: nothing left in landing, the copy made
    assert ingest_feed(on_postgres, "transactions") == []
    with duckdb.connect(str(on_postgres.raw_feed_db("transactions")), read_only=True) as working:
        want = working.execute("SELECT count(*), count(DISTINCT file_id) FROM main.transactions").fetchall()
    assert want[0][0] > 0
    assert pg_rows(pg_database, "SELECT count(*), count(DISTINCT file_id) FROM raw.transactions") == want


def test_raw_duckdb_written_again_after_the_move_is_refused_not_skipped(on_postgres: Settings) -> None:
    """raw.duckdb numbers its own files: after the feeds moved to raw.file_ids, one id could name two files."""
    land(on_postgres, "transactions", JUNE)
    (june,) = ingest_feed(on_postgres, "transactions")
    back_on_duckdb = on_postgres.model_copy(update={"warehouse_url": None})
    land(back_on_duckdb, "budgets", BUDGET)
    (budget,) = ingest_feed(back_on_duckdb, "budgets")
    assert budget.file_id == june.file_id
    with pytest.raises(RuntimeError, match="two stores gave out one id"):
        sync_every_store(on_postgres)
