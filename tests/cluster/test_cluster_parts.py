"""The cluster's small parts on their own: detached processes and the data directory's settings file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from opcc.cluster.local import write_settings
from opcc.cluster.processes import Detached
from opcc.config import SettingsError, load_settings


def test_a_detached_process_and_its_children_stop_together(tmp_path: Path) -> None:
    part = Detached("sleeper", tmp_path)
    # A parent with a child, as Celery's worker and its pool are: stopping the part stops both.
    script = "import subprocess, time; subprocess.Popen(['sleep', '300']); print('child started', flush=True); " \
             "time.sleep(300)"
    pid = part.start([sys.executable, "-c", script], env={"PATH": "/usr/bin:/bin"})
    assert part.start([sys.executable, "-c", script], env={}) == pid  # started once only
    for _ in range(100):
        if "child started" in part.log_tail():
            break
        time.sleep(0.1)
    children = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _pgid(p) == pid]
    assert len(children) == 2
    part.stop()
    assert part.pid() is None and not part.pid_file.exists()
    assert not any(Path(f"/proc/{c.name}").exists() and _pgid(c) == pid for c in children)


def test_a_pid_file_naming_another_process_is_not_ours(tmp_path: Path) -> None:
    part = Detached("gone", tmp_path)
    part.pid_file.parent.mkdir(parents=True)
    part.pid_file.write_text("1 12345\n")  # pid 1 runs, but it did not start at that moment
    assert part.pid() is None


def _pgid(proc: Path) -> int | None:
    try:
        text = (proc / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[2]) if fields[0] != "Z" else None


def test_writing_settings_keeps_every_other_line_and_removes_what_is_unset(tmp_path: Path) -> None:
    (tmp_path / "opcc.toml").write_text(
        'keep_versions = 3\nwarehouse_url = "postgresql://old@127.0.0.1:1/old"\n\n'
        '[mappings.transactions]\namount = "Value GBP"\n')
    url = "postgresql+psycopg2://opcc_admin@127.0.0.1:5432/airflow"
    write_settings(tmp_path, {"airflow_database_url": url, "warehouse_url": None})
    write_settings(tmp_path, {"airflow_database_url": url, "warehouse_url": None})  # twice: the same file
    settings = load_settings(tmp_path)
    assert settings.airflow_database_url == url and settings.warehouse_url is None
    assert settings.keep_versions == 3 and settings.mappings == {"transactions": {"amount": "Value GBP"}}
    assert (tmp_path / "opcc.toml").read_text().count("airflow_database_url") == 1


def test_a_metadata_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    (tmp_path / "opcc.toml").write_text('airflow_database_url = "sqlite:////tmp/airflow.db"\n')
    with pytest.raises(SettingsError, match="airflow_database_url"):
        load_settings(tmp_path)
