"""The command line ends a fault of the machine with one line saying what to do, never a traceback (issue 22)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from opcc.cli_errors import fault_line
from opcc.config import Settings


def _opcc(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    opcc = Path(sys.executable).with_name("opcc")
    return subprocess.run([str(opcc), "--data-dir", str(data_dir), *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here to fill a disk with")
def test_a_full_disk_ends_the_command_with_one_line_saying_what_to_do(tmp_path: Path) -> None:
    """A real ENOSPC: `opcc demo` writes an extract into landing/ where /dev/full (always full) stands."""
    settings = Settings(data_dir=tmp_path / "data")
    first = sorted((settings.demo_dir / "budgets").iterdir())[0]
    target = settings.landing_dir / "budgets" / first.name
    target.parent.mkdir(parents=True)
    target.symlink_to("/dev/full")
    done = _opcc(settings.data_dir, "demo")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"opcc demo: the disk is full: free space on the disk holding {settings.data_dir} "
        f"(see `df -h {settings.data_dir}`), then run the same command again"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here to fill a disk with")
def test_duckdb_s_own_word_for_a_full_disk_is_understood(tmp_path: Path) -> None:
    """DuckDB does not raise OSError: its IO error on a full disk (a real one, writing /dev/full) is named too."""
    with duckdb.connect() as con, pytest.raises(duckdb.IOException) as caught:
        con.execute("COPY (SELECT range AS i FROM range(100000)) TO '/dev/full' (FORMAT csv)")
    line = fault_line(caught.value, tmp_path)
    assert line is not None and line.startswith(f"the disk is full: free space on the disk holding {tmp_path}")


@pytest.mark.parametrize(("error", "words"), [
    (OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), "/srv/opcc/raw.duckdb"), "the disk is full"),
    (MemoryError(), "ran out of memory"),
    (OSError(errno.EIO, os.strerror(errno.EIO), "/srv/opcc/raw.duckdb"), "input/output error at /srv/opcc/raw.duckdb"),
    (OSError(errno.EROFS, os.strerror(errno.EROFS), "/srv/opcc/x"), "read-only filesystem"),
    (PermissionError(errno.EACCES, os.strerror(errno.EACCES), "/srv/opcc/x"), "permission denied at /srv/opcc/x"),
])
def test_each_fault_of_the_machine_has_its_line(error: BaseException, words: str) -> None:
    line = fault_line(error, Path("/srv/opcc"))
    assert line is not None and words in line and "\n" not in line


def test_a_fault_raised_while_handling_another_is_found_in_the_chain() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("the load failed") from inner
    except RuntimeError as outer:
        assert "disk is full" in str(fault_line(outer, Path("/srv/opcc")))


def test_a_bug_keeps_its_traceback() -> None:
    assert fault_line(ValueError("a bug"), Path("/srv/opcc")) is None
    assert fault_line(FileNotFoundError(errno.ENOENT, "missing", "/x"), Path("/srv/opcc")) is None
