"""Shared by the fault-injection suite: a small disk (tmpfs) to fill, one synthetic ledger file, the ways a file
gets damaged (garbage in its middle, truncation), an undisturbed demo night to compare with, and a night struck
at one moment then run again."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc import synth
from opcc.config import Settings

LEDGER_LINES = 50_000  # as in issue 22's full disk: £22.5m over 50,000 lines


@pytest.fixture(scope="session")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One day's synthetic spend-over-£500 file of LEDGER_LINES lines (and its totals line), made once."""
    out = tmp_path_factory.mktemp("synth")
    [path] = synth.generate(out, LEDGER_LINES, seed=22, day=dt.date(2020, 4, 1))["transactions"]
    return path


@pytest.fixture
def small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A tmpfs of the test's own, 60 MB unless the test is marked `disk_mb(n)`; skipped where mounting is not
    permitted (CI runs as root)."""
    marker = request.node.get_closest_marker("disk_mb")
    size = marker.args[0] if marker else 60
    mount = tmp_path / "disk"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip() or proc.returncode}): "
                    "the full-disk tests need root, as CI has")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fill `disk` with a ballast file until only `leave_bytes` are free; returns the ballast (delete it to free)."""
    ballast = disk / "ballast"
    size = shutil.disk_usage(disk).free - leave_bytes
    assert size > 0, f"{disk} has only {shutil.disk_usage(disk).free} bytes free"
    with ballast.open("wb") as fh:
        chunk = b"\0" * (1 << 20)
        while size > 0:
            fh.write(chunk[:min(size, len(chunk))])
            size -= min(size, len(chunk))
    return ballast


def garble_middle(path: Path) -> None:
    """Write garbage over the middle third of the file (at least 1 MB of it, or all but its header)."""
    size = path.stat().st_size
    length = max(size // 3, min(1 << 20, size - 12288))
    start = max(12288, (size - length) // 2)  # past DuckDB's headers: the blocks that hold the tables
    before = path.stat()
    os.chmod(path, 0o644)
    with path.open("r+b") as fh:
        fh.seek(start)
        fh.write(os.urandom(min(length, size - start)))
    # As bit rot would: the file's size and times unchanged, only its bytes.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.chmod(path, before.st_mode & 0o777)


def truncate(path: Path) -> None:
    """Cut the file to half its length, as a full disk or a crash while copying would."""
    os.chmod(path, 0o644)
    os.truncate(path, path.stat().st_size // 2)


OPCC = str(Path(sys.executable).with_name("opcc"))


def opcc(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `opcc` command on data directory `data`, as whoever runs the nights would type it."""
    env = {**os.environ, "OPCC_DATA_DIR": str(data)}
    return subprocess.run([OPCC, *args], env=env, capture_output=True, text=True, timeout=900)


def night(settings: Settings, n: int) -> Path:
    """A build whose marts say which night made it: fund_position.committed = n, and a table big enough to
    span many of DuckDB's blocks."""
    path = settings.builds_dir / f"night{n}.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fund_position (fund_code VARCHAR, committed DECIMAL(18,2))")
    con.execute("INSERT INTO marts.fund_position VALUES ('CSF', ?)", [Decimal(n)])
    con.execute("""CREATE TABLE marts.spend_transactions AS SELECT 1 AS file_id, range::INTEGER AS line_number,
                   NULL::VARCHAR AS sheet, md5(range::VARCHAR) AS narrative,
                   (range % 1000)::DECIMAL(18,2) AS amount FROM range(200000)""")
    con.close()
    return path


def committed(db: Path) -> Decimal:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT committed FROM marts.fund_position").fetchone()[0]
    finally:
        con.close()


def raw_files(data: Path) -> list[tuple]:
    """What raw received, file by file: nothing lost, nothing counted twice."""
    con = duckdb.connect(str(data / "raw.duckdb"), read_only=True)
    try:
        return con.execute("SELECT feed, file_name, sha256, status, rows_received, rows_loaded, loaded_amount "
                           "FROM main.files ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, list[tuple]], list[tuple]]:
    """The demo's first night, undisturbed: its marts, row for row, and what raw received."""
    from marts_rows import marts_rows

    data = tmp_path_factory.mktemp("undisturbed") / "data"
    assert opcc(data, "demo").returncode == 0
    night = opcc(data, "run")
    assert night.returncode == 0, night.stdout[-3000:]
    return marts_rows(data / "warehouse.duckdb"), raw_files(data)


def kill_then_rerun(data: Path, when: str, task: str, undisturbed: tuple[dict[str, list[tuple]], list[tuple]]) -> None:
    """The demo's first night killed (SIGKILL, every process of it at once) `when` ("after" or "during") `task`,
    then a plain `opcc run`: it must publish the undisturbed night's marts, row for row, with every file received
    in raw once and nothing left in landing."""
    from marts_rows import marts_rows
    from night_watch import WatchedNight, dbt_building

    assert opcc(data, "demo").returncode == 0
    night = WatchedNight(data)
    if when == "after":
        night.wait_for(lambda: night.finished(task), f"{task} finishing")
    elif task == "build":  # well inside: dbt itself at work
        night.wait_for(lambda: night.running(task) and dbt_building(data), "dbt building")
    else:
        night.wait_for(lambda: night.running(task), f"{task} running")
    night.kill()

    rerun = opcc(data, "run")
    assert rerun.returncode == 0, night.output[-2000:] + "\n--- rerun ---\n" + rerun.stdout[-3000:]
    marts, received = undisturbed
    assert marts_rows(data / "warehouse.duckdb") == marts
    assert raw_files(data) == received
    assert not list((data / "landing").glob("*/*")), "every file landed was taken in"
