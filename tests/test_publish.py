"""Publishing and rolling back warehouse versions (real DuckDB files, no Airflow needed)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc import publish
from opcc.cli import main
from opcc.config import Settings


def make_build(settings: Settings, name: str, committed: str) -> Path:
    path = settings.builds_dir / f"{name}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA staging")
    con.execute("CREATE TABLE marts.fund_position (fund_code VARCHAR, committed DECIMAL(18,2))")
    con.execute("INSERT INTO marts.fund_position VALUES ('CSF', ?)", [Decimal(committed)])
    con.execute("CREATE VIEW staging.v AS SELECT 1 AS x")  # views over raw are not published
    con.close()
    return path


def committed(db: Path) -> Decimal:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT committed FROM marts.fund_position").fetchone()[0]
    finally:
        con.close()


def test_publish_replaces_atomically_keeps_versions_and_exports_parquet(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, keep_versions=2)
    for i, value in enumerate(["810000.00", "820000.00", "830000.00", "840000.00"]):
        publish.publish(s, make_build(s, f"run{i}", value))
    assert committed(s.warehouse_db) == Decimal("840000.00")
    assert not os.access(s.warehouse_db, os.W_OK) or os.geteuid() == 0  # read-only mode bits
    assert oct(s.warehouse_db.stat().st_mode & 0o777) == "0o444"
    versions = publish.list_versions(s)
    assert [committed(v) for v in versions] == [Decimal("830000.00"), Decimal("820000.00")]
    con = duckdb.connect(str(s.warehouse_db), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0] == 0
    fund_position = s.marts_dir / "fund_position.parquet"
    parquet = con.execute(f"SELECT committed FROM read_parquet('{fund_position}')").fetchone()[0]
    con.close()
    assert parquet == Decimal("840000.00")
    assert not list(s.builds_dir.glob("*.duckdb*"))


def test_a_reader_keeps_the_version_it_opened(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, make_build(s, "a", "1.00"))
    reader = duckdb.connect(str(s.warehouse_db), read_only=True)
    publish.publish(s, make_build(s, "b", "2.00"))
    assert reader.execute("SELECT committed FROM marts.fund_position").fetchone()[0] == Decimal("1.00")
    reader.close()
    assert committed(s.warehouse_db) == Decimal("2.00")


def test_rollback_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = Settings(data_dir=tmp_path)
    publish.publish(s, make_build(s, "a", "1.00"))
    publish.publish(s, make_build(s, "b", "2.00"))
    assert main(["--data-dir", str(tmp_path), "rollback"]) == 0
    assert "rolled back" in capsys.readouterr().out
    assert committed(s.warehouse_db) == Decimal("1.00")
    con = duckdb.connect()
    assert con.execute(f"SELECT committed FROM read_parquet('{s.marts_dir / 'fund_position.parquet'}')").fetchone()[0] \
        == Decimal("1.00")
    # The version rolled away from is kept too, so the rollback can itself be undone.
    assert Decimal("2.00") in [committed(v) for v in publish.list_versions(s)]


def test_rollback_without_versions_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no earlier versions"):
        publish.rollback(Settings(data_dir=tmp_path))


def ledger_build(settings: Settings, name: str, files: dict[int, int]) -> Path:
    """A build whose marts.spend_transactions holds `lines` lines for each source file id."""
    path = settings.builds_dir / f"{name}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.spend_transactions "
                "(file_id BIGINT, sheet VARCHAR, line_number INTEGER, amount DECIMAL(18,2))")
    for file_id, lines in files.items():
        con.execute("INSERT INTO marts.spend_transactions (file_id, line_number, amount) "
                    "SELECT ?, range + 2, 1.00 FROM range(?)", [file_id, lines])
    con.close()
    return path


def test_line_grain_marts_export_only_new_source_files(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    folder = s.marts_dir / "spend_transactions"
    publish.publish(s, ledger_build(s, "night1", {1: 3, 2: 4}), "project-a")
    os.utime(folder / "file-2.parquet", (0, 0))  # any rewrite would give it a new time

    # File 1 superseded by file 3: only file 3 is written, file 2 is left as it was.
    publish.publish(s, ledger_build(s, "night2", {2: 4, 3: 5}), "project-a")
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["file-2.parquet", "file-3.parquet"]
    assert (folder / "file-2.parquet").stat().st_mtime == 0
    con = duckdb.connect()
    assert con.execute(f"SELECT file_id, count(*) FROM read_parquet('{folder}/*.parquet') GROUP BY 1 ORDER BY 1"
                       ).fetchall() == [(2, 4), (3, 5)]

    # Another dbt project may map the same lines differently: everything is written again.
    publish.publish(s, ledger_build(s, "night3", {2: 4, 3: 5}), "project-b")
    assert (folder / "file-2.parquet").stat().st_mtime > 0
    assert not (s.marts_dir / "spend_transactions.parquet").exists()
