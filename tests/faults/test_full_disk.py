"""A full disk during ingest is the machine's fault, not the file's (issue 22, Why 2): on a real 60 MB tmpfs the
file stays in landing/, the step fails with one line, and once space is freed a plain rerun loads every line."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import LEDGER_LINES, committed, fill, night

from opcc import pipeline, publish, run_outcome, run_record
from opcc.config import Settings
from opcc.rawdb import raw_writer

pytestmark = pytest.mark.faults


def raw_files(settings: Settings) -> list[tuple]:
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    try:
        return con.execute("""SELECT file_name, status, rows_received, rows_loaded, loaded_amount, control_total
                              FROM main.files ORDER BY file_id""").fetchall()
    finally:
        con.close()


def test_a_full_disk_during_ingest_leaves_the_file_in_landing_and_a_rerun_loads_all_its_lines(
        small_disk: Path, ledger_file: Path) -> None:
    settings = Settings(data_dir=small_disk / "data")
    landed = settings.landing_dir / "transactions" / ledger_file.name
    landed.parent.mkdir(parents=True)
    shutil.copy(ledger_file, landed)
    with raw_writer(settings.raw_db):
        pass  # raw exists, as after any earlier night
    run_dir = run_record.open_run(settings.reports_dir, "night-1", dt.date(2020, 4, 2))
    ballast = fill(small_disk, 1 << 20)  # 1 MB left: far less than loading the file takes

    with pytest.raises(pipeline.StepFailed) as failed:
        pipeline.ingest(settings, "transactions", str(run_dir))
    line = str(failed.value)
    assert "\n" not in line
    assert line.startswith(f"disk full while loading transactions/{ledger_file.name}: free space, then rerun"), line
    assert landed.exists(), "the file must stay in landing/ for the next run"
    assert not any(settings.quarantine_dir.rglob("*.csv")), "a full disk is not the file's fault"
    assert raw_files(settings) == []  # nothing of it, not even a rejection
    assert run_outcome.explain(run_record.read(run_dir)).why == f"not published: {line}"

    ballast.unlink()
    run_dir = run_record.open_run(settings.reports_dir, "night-2", dt.date(2020, 4, 3))
    assert pipeline.ingest(settings, "transactions", str(run_dir)) == {"loaded": 1}
    [(name, status, received, loaded, amount, control)] = raw_files(settings)
    assert (name, status, received, loaded) == (ledger_file.name, "loaded", LEDGER_LINES, LEDGER_LINES)
    assert amount == control and amount > Decimal("1000000")  # every line: the totals line agrees
    assert not landed.exists()


def test_a_full_disk_while_publishing_leaves_the_published_version_whole_and_a_rerun_publishes(
        small_disk: Path) -> None:
    from opcc.faults import machine_fault  # here, so the other test runs on a tree without it

    s = Settings(data_dir=small_disk / "data")
    publish.publish(s, night(s, 1))
    build = night(s, 2)
    ballast = fill(small_disk, 1 << 20)  # the kept copy or the Parquet of night 2 cannot be written
    with pytest.raises(Exception) as failed:  # DuckDB's IOException or Python's OSError: either will do
        publish.publish(s, build)
    assert machine_fault(failed.value) == ("disk full", "free space, then rerun")
    assert committed(s.warehouse_db) == 1 and publish.warehouse_damage(s) is None
    assert not [p for p in [*s.versions_dir.iterdir(), *s.marts_versions_dir.iterdir()] if p.name.startswith(".")], \
        "half copies left behind"

    ballast.unlink()
    publish.publish(s, build)
    assert committed(s.warehouse_db) == 2 and publish.warehouse_damage(s) is None
