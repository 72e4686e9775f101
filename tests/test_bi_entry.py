"""What BI opens: the link to each night's own file (opcc.bi_entry), with real DuckDB files and a real BI
reader process whose queries never pause.

Night n's build holds fund_position.committed = n, pillar_spend.total = n and ledger lines of amount n
(file n + 1) beside file 1's lines of amount 1.00: a query whose rows mixed two nights would disagree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc import bi_entry, publish
from opcc.config import Settings

# The connection docs/bi-tools.md gives BI users (its Python recipe).
BI_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def night_build(settings: Settings, n: int) -> Path:
    path = settings.builds_dir / f"night{n}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fund_position (fund_code VARCHAR, committed DECIMAL(18,2))")
    con.execute("INSERT INTO marts.fund_position VALUES ('CSF', ?)", [Decimal(n)])
    con.execute("CREATE TABLE marts.pillar_spend (pillar_code VARCHAR, total DECIMAL(18,2))")
    con.execute("INSERT INTO marts.pillar_spend VALUES ('P1', ?)", [Decimal(n)])
    con.execute("CREATE TABLE marts.spend_transactions (file_id BIGINT, line_number INTEGER, sheet VARCHAR, "
                "amount DECIMAL(18,2))")
    con.execute("INSERT INTO marts.spend_transactions SELECT 1, range + 2, NULL, 1.00 FROM range(50)")
    con.execute("INSERT INTO marts.spend_transactions SELECT ?, range + 2, NULL, ? FROM range(50)", [n + 1, Decimal(n)])
    con.close()
    return path


# A BI server that is never idle: two users, each opening the connection for its next query before closing
# the one it just queried on, so at every instant at least one connection to warehouse.duckdb is open in
# this process. Each query reads three marts; a line per query: its wall-clock time and every value read.
NEVER_IDLE_READER = textwrap.dedent("""
    import os, sys, threading, time
    import duckdb
    warehouse, stop, out = sys.argv[1:4]
    config = {"enable_external_access": False, "lock_configuration": True}
    query = '''SELECT committed FROM marts.fund_position
               UNION ALL SELECT total FROM marts.pillar_spend
               UNION ALL SELECT amount FROM marts.spend_transactions WHERE file_id > 1'''
    lock = threading.Lock()
    fh = open(out, "w")

    def write(line):
        with lock:
            fh.write(line + "\\n")
            fh.flush()

    def user():
        con = duckdb.connect(warehouse, read_only=True, config=config)
        while not os.path.exists(stop):
            try:
                following = duckdb.connect(warehouse, read_only=True, config=config)
                rows = con.execute(query).fetchall()
                con.close()
                con = following
                write(f"{time.time()} " + " ".join(str(int(r[0])) for r in rows))
            except Exception as exc:
                write(f"ERROR {type(exc).__name__}: {exc}".replace("\\n", " "))
                time.sleep(0.05)
        con.close()

    users = [threading.Thread(target=user) for _ in range(2)]
    for u in users:
        u.start()
    for u in users:
        u.join()
""")


def _reads(out: Path) -> list[tuple[float, list[int]]]:
    reads = []
    for line in out.read_text().splitlines():
        assert not line.startswith("ERROR"), line
        stamp, *values = line.split()
        reads.append((float(stamp), [int(v) for v in values]))
    return reads


def _wait_for(out: Path, night: int, since: float, reader: subprocess.Popen[bytes], within: float) -> float:
    """When the reader first read `night` after `since`; fails after `within` seconds without it."""
    deadline = time.time() + within
    while time.time() < deadline:
        assert reader.poll() is None, "the reader stopped"
        seen = [t for t, values in _reads(out) if t >= since and values[0] == night] if out.exists() else []
        if seen:
            return min(seen)
        time.sleep(0.1)
    pytest.fail(f"a BI reader that is never idle did not see night {night} within {within:.0f} s of the switch")


def test_a_never_idle_reader_sees_the_new_night_within_a_minute_and_never_a_mix(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data")
    publish.publish(s, night_build(s, 1))
    stop, out = tmp_path / "stop", tmp_path / "reads.txt"
    reader = subprocess.Popen([sys.executable, "-c", NEVER_IDLE_READER, str(s.warehouse_db), str(stop), str(out)])
    try:
        _wait_for(out, 1, 0, reader, within=60)
        publish.publish(s, night_build(s, 2))
        published = time.time()
        first_new = _wait_for(out, 2, published, reader, within=60)
        time.sleep(3.0)  # and it stays on it
        publish.rollback(s)  # `opcc rollback` switches the link the same way
        rolled_back = time.time()
        first_old = _wait_for(out, 1, rolled_back, reader, within=60)
        time.sleep(3.0)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    reads = _reads(out)
    assert len(reads) > 20
    # Every query read one whole night: 1 + 1 + 50 values, all equal.
    mixed = [(t, sorted(set(values))) for t, values in reads if len(values) != 52 or len(set(values)) != 1]
    assert mixed == []
    assert first_new - published < 60 and first_old - rolled_back < 60
    # Once one query has read the new night, every query on a connection opened after it reads it too: the
    # connections open then serve one more query each (milliseconds; 2 s allowed on a busy machine).
    assert {v[0] for t, v in reads if first_new + 2 < t < rolled_back} == {2}
    assert {v[0] for t, v in reads if t > first_old + 2} == {1}


def test_the_link_is_switched_in_one_rename_and_old_files_go_once_no_reader_needs_them(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    for n in (1, 2, 3):
        publish.publish(s, night_build(s, n))
    version = publish.published_version(s)
    assert s.warehouse_db.is_symlink()
    # Relative, so the data directory can move; named for its version, the name DuckDB caches it under.
    assert os.readlink(s.warehouse_db) == f"published/{version}/warehouse.duckdb"
    assert bi_entry.linked_version(s) == version
    # Kept under published/: this night's file and the one BI read until now; earlier ones are under versions/.
    kept = sorted(p.name for p in s.published_dir.iterdir())
    assert len(kept) == 2 and version in kept
    assert not list(tmp_path.glob(".warehouse.switch"))
    con = duckdb.connect(str(s.warehouse_db), read_only=True, config=BI_CONFIG)
    # The catalog keeps its name every night (DuckDB names it after the file): queries may say warehouse.marts.
    assert con.execute("SELECT committed FROM warehouse.marts.fund_position").fetchone()[0] == 3
    con.close()


def test_a_warehouse_file_from_before_the_link_is_replaced_by_the_link(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    build = night_build(s, 1)
    publish.finalise_build(s, build)
    build.rename(s.warehouse_db)  # as earlier releases published it: a regular file
    publish.publish(s, night_build(s, 2))
    assert s.warehouse_db.is_symlink()
    publish.rollback(s)  # the old file was kept as an earlier version
    con = duckdb.connect(str(s.warehouse_db), read_only=True)
    assert con.execute("SELECT committed FROM marts.fund_position").fetchone()[0] == 1
    con.close()


def test_the_published_file_holds_the_published_schemas_and_nothing_that_reaches_raw(tmp_path: Path) -> None:
    """A build also holds views over the attached raw database (staging, intermediate), and could hold a
    table, a sequence or a macro outside the marts: none of it is published."""
    s = Settings(data_dir=tmp_path)
    raw = duckdb.connect(str(s.data_dir / "raw.duckdb"))
    raw.execute("CREATE TABLE transactions AS SELECT 'Dr Helen Marsh' AS supplier, 'counselling' AS narrative")
    raw.close()
    build = night_build(s, 1)
    con = duckdb.connect(str(build))
    con.execute(f"ATTACH '{s.data_dir / 'raw.duckdb'}' AS raw (READ_ONLY)")
    con.execute("CREATE SCHEMA reference; CREATE TABLE reference.funds AS SELECT 'CSF' AS fund_code")
    con.execute("CREATE SCHEMA staging; CREATE VIEW staging.stg_raw__transactions AS FROM raw.main.transactions")
    con.execute("CREATE TABLE staging.narrative AS FROM raw.main.transactions")
    con.execute("CREATE TABLE main.leftover AS SELECT 1 AS x; CREATE SEQUENCE main.seq")
    con.execute("CREATE MACRO staging.twice(x) AS x * 2; CREATE MACRO main.rows_of() AS TABLE SELECT 1 AS x")
    con.close()
    publish.publish(s, build)

    con = duckdb.connect(str(s.warehouse_db), read_only=True, config=BI_CONFIG)
    tables = con.execute("SELECT DISTINCT schema_name FROM duckdb_tables() WHERE NOT internal").fetchall()
    assert {schema for (schema,) in tables} == {"marts", "reference"}
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_sequences()").fetchone()[0] == 0
    assert con.execute("""SELECT count(*) FROM duckdb_functions()
                          WHERE NOT internal AND function_type IN ('macro', 'table_macro')""").fetchone()[0] == 0
    assert con.execute("SELECT list(database_name ORDER BY 1) FROM duckdb_databases() WHERE NOT internal"
                       ).fetchone()[0] == ["warehouse"]
    text = " ".join(str(v) for (v,) in con.execute("SELECT sql FROM duckdb_tables()").fetchall())
    assert "Helen" not in text
    with pytest.raises(duckdb.PermissionException):
        con.execute(f"ATTACH '{s.data_dir / 'raw.duckdb'}' AS raw (READ_ONLY)")
    con.close()
