"""Two `opcc run`s on one data directory: the second is refused before it touches anything."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from opcc.cli import main


def test_second_run_on_the_same_data_dir_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "run.lock").touch()
    with (tmp_path / "run.lock").open("w") as held:  # as a first `opcc run` holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["--data-dir", str(tmp_path), "run"]) == 2
    assert "another opcc run is in progress" in capsys.readouterr().err
    assert not (tmp_path / "airflow").exists()  # nothing started
