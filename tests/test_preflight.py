"""The checks before a night (opcc.preflight): free space against what the night will write. The damaged-file
checks are in the fault suite (tests/faults)."""

from __future__ import annotations

import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from opcc import preflight
from opcc.config import Settings

Usage = namedtuple("Usage", "total used free")


def test_a_night_needs_about_five_times_landing_raw_and_three_warehouses_and_some_slack(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    (s.landing_dir / "transactions").mkdir(parents=True)
    (s.landing_dir / "transactions" / "spend.csv").write_bytes(b"x" * 1_000_000)
    s.raw_db.write_bytes(b"r" * 2_000_000)
    s.warehouse_db.write_bytes(b"w" * 3_000_000)
    need, made_of = preflight.space_needed(s)
    assert need == 5 * 1_000_000 + 2_000_000 + 3 * 3_000_000 + preflight.SLACK_BYTES
    assert made_of == "landing 1.0 MB, raw.duckdb 2.0 MB, warehouse.duckdb 3.0 MB"


def test_too_little_free_space_stops_the_night_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(data_dir=tmp_path)
    need, _ = preflight.space_needed(s)
    monkeypatch.setattr(shutil, "disk_usage", lambda _: Usage(10**12, 10**12 - need + 1, need - 1))
    with pytest.raises(preflight.CannotStart) as stopped:
        preflight.check_before_night(s)
    line = str(stopped.value)
    assert line.startswith(f"disk full before the night: {(need - 1) / 1e6:,.1f} MB free in {tmp_path}, about ")
    assert line.endswith("free space, then rerun") and "\n" not in line

    monkeypatch.setattr(shutil, "disk_usage", lambda _: Usage(10**12, 0, need))
    assert preflight.check_before_night(s) == []
