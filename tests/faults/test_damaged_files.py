"""Kept versions are real copies, verified (issue 22, Why 3): damage to the published warehouse, to a kept
version or to raw.duckdb is found before a night builds on it, said in one line, and mended from an intact copy.
Real DuckDB files, damaged on disk; no Airflow (tests/faults/test_faults_night.py runs whole nights). The modules
issue 22 added are imported in the tests that use them: the others still run against an earlier tree."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import committed, garble_middle, night, truncate

from opcc import publish
from opcc.cli import main
from opcc.config import PROJECT_ROOT, Settings
from opcc.ingest import ingest_feed

pytestmark = pytest.mark.faults


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kept_file(settings: Settings) -> Path:
    return settings.versions_dir / f"warehouse-{publish.published_version(settings)}.duckdb"


def test_each_published_and_kept_version_is_a_verified_file_of_its_own(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night(s, 1))
    publish.publish(s, night(s, 2))
    kept = kept_file(s)
    assert kept.exists() and not kept.samefile(s.warehouse_db), "BI's file and its kept copy must be two files"
    from opcc import preflight
    assert sha256(kept) == sha256(s.warehouse_db) == publish.published_info(s)["sha256"]
    assert (kept.with_name(kept.name + ".sha256").read_text().split()[0]) == sha256(kept)
    [earlier] = publish.list_versions(s)
    assert committed(earlier) == 1 and earlier.with_name(earlier.name + ".sha256").exists()
    assert publish.warehouse_damage(s) is None and preflight.check_before_night(s) == []


@pytest.mark.parametrize("damage", [garble_middle, truncate], ids=["garbage-in-the-middle", "truncated"])
def test_a_damaged_published_warehouse_is_found_and_replaced_by_its_intact_kept_copy(
        tmp_path: Path, damage: object) -> None:
    from opcc import preflight
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night(s, 1))
    publish.publish(s, night(s, 2))
    before = sha256(s.warehouse_db)
    damage(s.warehouse_db)  # type: ignore[operator]

    [notice] = preflight.check_before_night(s)
    assert "\n" not in notice
    assert notice.startswith(f"the published warehouse {s.warehouse_db} is damaged: "), notice
    assert f"replaced by {kept_file(s).name}, the newest intact version" in notice
    assert sha256(s.warehouse_db) == before and committed(s.warehouse_db) == 2
    assert publish.warehouse_damage(s) is None
    assert preflight.check_before_night(s) == []  # mended: the next night finds nothing


def test_with_its_kept_copy_damaged_too_the_newest_intact_earlier_version_is_published(tmp_path: Path) -> None:
    from opcc import preflight
    s = Settings(data_dir=tmp_path)
    for n in (1, 2):
        publish.publish(s, night(s, n))
    garble_middle(kept_file(s))
    truncate(s.warehouse_db)
    [notice] = preflight.check_before_night(s)
    assert "is damaged" in notice and "its own kept copy" in notice and "the newest intact version" in notice
    assert committed(s.warehouse_db) == 1
    con = duckdb.connect()
    assert con.execute(f"SELECT committed FROM '{s.marts_dir / 'fund_position.parquet'}'").fetchone()[0] == 1


def test_with_no_intact_version_the_damaged_warehouse_is_set_aside_and_rebuilt_from_raw(tmp_path: Path) -> None:
    from opcc import preflight
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night(s, 1))
    garble_middle(kept_file(s))
    garble_middle(s.warehouse_db)
    [notice] = preflight.check_before_night(s)
    assert "no intact version is kept" in notice and "rebuilds the warehouse from raw" in notice, notice
    assert not s.warehouse_db.exists()
    build = publish.prepare_build(s, s.builds_dir / "nightly.duckdb")
    assert not build.exists()  # the build starts from nothing, not from the damaged file


def test_rollback_verifies_each_version_refuses_a_damaged_one_and_takes_the_newest_intact(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = Settings(data_dir=tmp_path)
    for n in (1, 2, 3):
        publish.publish(s, night(s, n))
    night2, night1 = publish.list_versions(s)
    garble_middle(night2)

    assert main(["--data-dir", str(tmp_path), "rollback", night2.stem.removeprefix("warehouse-")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"opcc rollback: {night2.name} is damaged (") and "\n" not in err, err
    assert committed(s.warehouse_db) == 3  # refused: nothing switched

    assert main(["--data-dir", str(tmp_path), "rollback"]) == 0
    out = capsys.readouterr().out
    assert f"{night2.name} is damaged" in out and f"is now {night1.name}" in out, out
    assert committed(s.warehouse_db) == 1

    # Nothing intact left to roll back to: one line, no traceback, nothing switched.
    for kept in publish.list_versions(s):
        truncate(kept)
    assert main(["--data-dir", str(tmp_path), "rollback"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("opcc rollback: no intact version to roll back to") and "\n" not in err, err
    assert committed(s.warehouse_db) == 1


def test_damaged_parquet_of_the_published_version_is_written_again(tmp_path: Path) -> None:
    from opcc import preflight
    s = Settings(data_dir=tmp_path)
    publish.publish(s, night(s, 1))
    parquet = s.marts_dir / "fund_position.parquet"
    parquet.write_bytes(b"PAR1 not really")
    [notice] = preflight.check_before_night(s)
    assert "the published Parquet" in notice and "fund_position.parquet" in notice, notice
    con = duckdb.connect()
    assert con.execute(f"SELECT committed FROM '{parquet}'").fetchone()[0] == 1


def demo_file(feed: str, index: int) -> Path:
    return sorted((PROJECT_ROOT / "seeds" / "demo" / feed).glob("*.csv"))[index]


def raw_files(settings: Settings) -> list[tuple[str, str, int]]:
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    try:
        return con.execute("SELECT file_name, status, rows_loaded FROM main.files ORDER BY file_name").fetchall()
    finally:
        con.close()


def test_a_damaged_raw_is_restored_from_its_verified_backup_and_nothing_received_is_lost(tmp_path: Path) -> None:
    from opcc import preflight
    from opcc.raw_backup import backup_path, backup_raw, raw_damage
    s = Settings(data_dir=tmp_path)
    before, after = demo_file("transactions", 0), demo_file("transactions", 1)
    (s.landing_dir / "transactions").mkdir(parents=True)
    shutil.copy(before, s.landing_dir / "transactions")
    ingest_feed(s, "transactions")
    assert backup_raw(s).startswith(f"raw backup: {backup_path(s)} verified")
    shutil.copy(after, s.landing_dir / "transactions")
    ingest_feed(s, "transactions")  # received after the backup
    undamaged = raw_files(s)
    garble_middle(s.raw_db)
    assert raw_damage(s) is not None, "the garbage must reach raw's tables for this test to mean anything"

    [notice] = preflight.check_before_night(s)
    assert notice.startswith(f"{s.raw_db} was damaged (") and "restored from its verified backup" in notice, notice
    assert "1 file(s) received since that backup put back in landing/" in notice
    assert (s.landing_dir / "transactions" / after.name).exists()
    ingest_feed(s, "transactions")
    assert raw_files(s) == undamaged  # every file received, every line
    assert raw_damage(s) is None


def test_a_damaged_raw_with_a_damaged_backup_stops_the_night_in_one_line(tmp_path: Path) -> None:
    from opcc import preflight
    from opcc.raw_backup import backup_path, backup_raw
    s = Settings(data_dir=tmp_path)
    (s.landing_dir / "transactions").mkdir(parents=True)
    shutil.copy(demo_file("transactions", 0), s.landing_dir / "transactions")
    ingest_feed(s, "transactions")
    backup_raw(s)
    truncate(backup_path(s))
    truncate(s.raw_db)
    with pytest.raises(preflight.CannotStart) as stopped:
        preflight.check_before_night(s)
    assert "is damaged" in str(stopped.value) and "so is its backup" in str(stopped.value)
    assert "\n" not in str(stopped.value)
