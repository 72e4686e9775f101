"""The command line's own messages (issue 22): one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_rollback_with_nothing_to_roll_back_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    opcc = Path(sys.executable).with_name("opcc")
    done = subprocess.run([str(opcc), "--data-dir", str(data), "rollback"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"opcc rollback: nothing to roll back: no earlier versions in {data / 'versions'}"]
