"""Parquet is published with the warehouse as one version (real DuckDB files, threads as BI readers).

Each night here has a number n: fund_position.committed and pillar_spend.total are both n, and the
ledger holds file 1 (the same every night) and file n + 1. A reader that mixed two versions would see
figures that disagree.
"""

from __future__ import annotations

import json
import os
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool, QueuePool

from opcc import publish
from opcc.config import Settings

FINGERPRINT = "project-a"


def night_build(settings: Settings, n: int) -> Path:
    path = settings.builds_dir / f"night{n}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fund_position (fund_code VARCHAR, committed DECIMAL(18,2))")
    con.execute("INSERT INTO marts.fund_position VALUES ('CSF', ?)", [Decimal(n)])
    con.execute("CREATE TABLE marts.pillar_spend (pillar_code VARCHAR, total DECIMAL(18,2))")
    con.execute("INSERT INTO marts.pillar_spend VALUES ('P1', ?)", [Decimal(n)])
    con.execute("CREATE TABLE marts.spend_transactions "
                "(file_id BIGINT, sheet VARCHAR, line_number INTEGER, amount DECIMAL(18,2))")
    con.execute("INSERT INTO marts.spend_transactions (file_id, line_number, amount) "
                "SELECT 1, range + 2, 1.00 FROM range(50)")
    con.execute("INSERT INTO marts.spend_transactions (file_id, line_number, amount) "
                "SELECT ?, range + 2, ? FROM range(50)", [n + 1, Decimal(n)])
    con.close()
    return path


def read_parquet_version(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[int, int, list[int], int]:
    """(fund_position n, pillar_spend n, ledger file ids, ledger's night) as read from one folder."""
    fund = con.execute(f"SELECT sum(committed) FROM '{folder}/fund_position.parquet'").fetchone()[0]
    pillar = con.execute(f"SELECT sum(total) FROM '{folder}/pillar_spend.parquet'").fetchone()[0]
    ids, night = con.execute(f"""SELECT list(DISTINCT file_id ORDER BY file_id), max(amount)
                                FROM '{folder}/spend_transactions/*.parquet'""").fetchone()
    return int(fund), int(pillar), ids, int(night)


def parquet_night(settings: Settings) -> int:
    fund, pillar, ids, night = read_parquet_version(duckdb.connect(), settings.marts_dir)
    assert fund == pillar == night and ids == [1, night + 1]
    return night


def warehouse_night(settings: Settings) -> int:
    con = duckdb.connect(str(settings.warehouse_db), read_only=True)
    try:
        return int(con.execute("SELECT committed FROM marts.fund_position").fetchone()[0])
    finally:
        con.close()


def test_a_reader_of_marts_sees_one_whole_version_while_nights_publish(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    stop, seen, errors = threading.Event(), [], []

    def reader() -> None:
        con = duckdb.connect()
        while not stop.is_set():
            try:
                # A reader that opens several files resolves marts/ once: every file is then of one version.
                folder = s.marts_dir.resolve()
                stamped = json.loads((folder / "version.json").read_text())["version"]
                fund, pillar, ids, night = read_parquet_version(con, folder)
                assert folder.name == stamped
                assert fund == pillar == night and ids == [1, night + 1], (fund, pillar, ids, night)
                # One file opened by its plain path is always whole, of some published night.
                alone = con.execute(f"SELECT sum(committed) FROM '{s.marts_dir}/fund_position.parquet'").fetchone()[0]
                seen.append((night, int(alone)))
            except Exception as exc:  # noqa: BLE001 - recorded, so the test fails with what the reader saw
                errors.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(2, 10):
            publish.publish(s, night_build(s, n), FINGERPRINT)
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert {alone for _, alone in seen} <= set(range(1, 10))
    assert len({night for night, _ in seen}) >= 2, "the reader never saw a publish happen"
    assert warehouse_night(s) == parquet_night(s) == 9


def test_unchanged_ledger_files_are_copied_from_the_previous_version_not_written_again(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    night1 = s.marts_dir.resolve()
    os.utime(night1 / "spend_transactions" / "file-1.parquet", (0, 0))  # an export would give it a new time
    publish.publish(s, night_build(s, 2), FINGERPRINT)
    night2 = s.marts_dir.resolve()
    assert night1 != night2
    old, new = night1 / "spend_transactions" / "file-1.parquet", night2 / "spend_transactions" / "file-1.parquet"
    assert new.read_bytes() == old.read_bytes() and new.stat().st_mtime == 0
    assert not new.samefile(old)  # a file of its own: damage to one version's file never reaches another
    assert not (night1 / "spend_transactions" / "file-3.parquet").exists()
    assert sorted(p.name for p in (night2 / "spend_transactions").glob("*.parquet")) == ["file-1.parquet",
                                                                                        "file-3.parquet"]


def test_a_crash_between_parquet_and_warehouse_leaves_both_at_the_old_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    published = publish.published_version(s)

    def crash(*_: object) -> None:
        raise RuntimeError("power cut")

    # The Parquet of night 2 is written; the process dies before the swap.
    monkeypatch.setattr(publish, "_swap_in", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        publish.publish(s, night_build(s, 2), FINGERPRINT)
    assert warehouse_night(s) == parquet_night(s) == 1
    assert publish.published_version(s) == published == s.marts_dir.resolve().name
    assert publish.published_info(s)["version"] == published
    monkeypatch.undo()

    # The next night publishes, and what the crash left behind goes.
    publish.publish(s, night_build(s, 3), FINGERPRINT)
    assert warehouse_night(s) == parquet_night(s) == 3
    assert sorted(p.name for p in s.marts_versions_dir.iterdir()) == sorted(
        [published, publish.published_version(s)])


def test_a_crash_between_the_two_renames_is_repaired_before_the_next_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    monkeypatch.setattr(publish, "_point_marts_at", lambda *_: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError, match="killed"):
        publish.publish(s, night_build(s, 2), FINGERPRINT)
    monkeypatch.undo()
    assert (warehouse_night(s), parquet_night(s)) == (2, 1)  # the instant between the renames, frozen

    publish.prepare_build(s, s.builds_dir / "nightly.duckdb")  # the next night starts
    assert warehouse_night(s) == parquet_night(s) == 2


def test_rollback_restores_parquet_with_the_warehouse(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, keep_versions=2)
    for n in (1, 2, 3, 4):
        publish.publish(s, night_build(s, n), FINGERPRINT)
    # Kept: the published version and the last two earlier ones, each warehouse with its Parquet.
    earlier = publish.list_versions(s)
    assert len(earlier) == 2
    assert sorted(p.name for p in s.marts_versions_dir.iterdir()) == sorted(
        [publish.published_version(s)] + [v.stem.removeprefix("warehouse-") for v in earlier])

    chosen = publish.rollback(s)
    assert warehouse_night(s) == parquet_night(s) == 3
    assert s.marts_dir.resolve().name == publish.published_version(s) == chosen.stem.removeprefix("warehouse-")

    # Back to the oldest kept, named; then the rollback itself undone (night 4 was kept).
    oldest = publish.list_versions(s)[-1].stem.removeprefix("warehouse-")
    publish.rollback(s, oldest)
    assert warehouse_night(s) == parquet_night(s) == 2
    publish.rollback(s, publish.list_versions(s)[0].stem.removeprefix("warehouse-"))
    assert warehouse_night(s) == parquet_night(s) == 4


def test_a_data_dir_from_before_versioned_parquet_moves_over_and_its_warehouse_can_be_rolled_back_to(
        tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    # As the earlier layout left it: warehouse.duckdb and a real marts/ folder, no version kept for either.
    build = night_build(s, 1)
    publish.finalise_build(s, build)
    s.marts_dir.mkdir()
    con = duckdb.connect(str(build), read_only=True)
    con.execute(f"COPY (FROM marts.fund_position) TO '{s.marts_dir}/fund_position.parquet' (FORMAT parquet)")
    con.close()
    build.rename(s.warehouse_db)

    publish.publish(s, night_build(s, 2), FINGERPRINT)
    assert s.marts_dir.is_symlink()
    assert warehouse_night(s) == parquet_night(s) == 2
    publish.rollback(s)  # the old warehouse's Parquet is exported from it now
    assert warehouse_night(s) == parquet_night(s) == 1


# -- BI servers: a long-running process whose connections to warehouse.duckdb may be pooled ---------------

def test_the_recommended_bi_engine_sees_the_new_night_at_once_and_never_a_mix(tmp_path: Path) -> None:
    """docs/bi-tools.md: duckdb-engine, read-only, poolclass=NullPool (Superset's default for queries)."""
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    engine = create_engine(f"duckdb:///{s.warehouse_db}", connect_args={"read_only": True}, poolclass=NullPool)
    stop, seen, errors = threading.Event(), [], []

    def dashboard() -> None:
        while not stop.is_set():
            try:
                with engine.connect() as con:  # two charts of one dashboard, on one connection
                    fund = con.execute(text("SELECT sum(committed) FROM marts.fund_position")).scalar()
                    pillar = con.execute(text("SELECT sum(total) FROM marts.pillar_spend")).scalar()
                seen.append((time.monotonic(), int(fund), int(pillar)))
            except Exception as exc:  # noqa: BLE001 - as above
                errors.append(repr(exc))
            time.sleep(0.01)  # a busy dashboard, not a spin loop starving the publisher of the 2 cores

    users = [threading.Thread(target=dashboard) for _ in range(3)]
    for user in users:
        user.start()
    try:
        for n in (2, 3, 4):
            time.sleep(0.2)
            publish.publish(s, night_build(s, n), FINGERPRINT)
        published_at = time.monotonic()
        deadline = published_at + 60
        while not any(fund == 4 for _, fund, _ in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # and it stays on it
    finally:
        stop.set()
        for user in users:
            user.join(timeout=60)
        engine.dispose()
    assert errors == []
    assert [(f, p) for _, f, p in seen if f != p] == []
    first_new = min(t for t, fund, _ in seen if fund == 4)
    assert first_new - published_at < 60
    later = {fund for t, fund, _ in seen if t > first_new + 0.5}
    assert later == {4}


def test_a_pooled_connection_keeps_its_night_until_the_pool_recycles_it(tmp_path: Path) -> None:
    """Why docs/bi-tools.md still says NullPool: a pooled connection stays on the night it opened until the pool
    recycles it, so two pooled connections may serve two nights for up to `pool_recycle`. Once recycled it
    opens the night `warehouse.duckdb` links to then, even beside another connection still open on the old
    one (DuckDB caches a database per path with links resolved: see opcc.bi_entry)."""
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    engine = create_engine(f"duckdb:///{s.warehouse_db}", connect_args={"read_only": True},
                           poolclass=QueuePool, pool_size=2, pool_recycle=1, pool_pre_ping=True)
    held, second = engine.connect(), engine.connect()  # two pooled connections; one stays in use throughout
    second.close()
    publish.publish(s, night_build(s, 2), FINGERPRINT)
    with engine.connect() as con:  # the idle one, not yet recycled: last night
        assert con.execute(text("SELECT sum(committed) FROM marts.fund_position")).scalar() == 1
    time.sleep(1.5)  # past the recycle
    seen = set()
    for _ in range(4):
        with engine.connect() as con:
            seen.add(int(con.execute(text("SELECT sum(committed) FROM marts.fund_position")).scalar()))
    assert held.execute(text("SELECT sum(committed) FROM marts.fund_position")).scalar() == 1
    held.close()
    engine.dispose()
    assert seen == {2}


def test_pooled_connections_over_the_parquet_see_the_new_night_at_once(tmp_path: Path) -> None:
    """docs/bi-tools.md's recipe for tools whose pool cannot be turned off (Metabase): an in-memory DuckDB whose
    views read marts/*.parquet by path, so every query opens the published version's files."""
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night_build(s, 1), FINGERPRINT)
    engine = create_engine("duckdb:///:memory:", poolclass=QueuePool, pool_size=2)

    @event.listens_for(engine, "connect")
    def init_sql(dbapi_con: duckdb.DuckDBPyConnection, _: object) -> None:
        dbapi_con.execute(f"CREATE VIEW fund_position AS FROM '{s.marts_dir}/fund_position.parquet'")

    first, second = engine.connect(), engine.connect()
    assert first.execute(text("SELECT sum(committed) FROM fund_position")).scalar() == 1
    publish.publish(s, night_build(s, 2), FINGERPRINT)
    assert first.execute(text("SELECT sum(committed) FROM fund_position")).scalar() == 2
    assert second.execute(text("SELECT sum(committed) FROM fund_position")).scalar() == 2
    first.close()
    second.close()
    engine.dispose()
