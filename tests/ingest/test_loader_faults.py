"""The loader sets aside a bad file, never a file the machine failed (opcc.ingest.loader, issue 22 Why 2), and
`opcc requeue` puts a file set aside by mistake back (its rejection marked undone, every count reconciling)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import duckdb
import pytest

from opcc.cli import main
from opcc.config import PROJECT_ROOT, Settings
from opcc.ingest import ingest_feed, loader

DEMO = sorted((PROJECT_ROOT / "seeds" / "demo" / "transactions").glob("*.csv"))


def land(settings: Settings, *paths: Path) -> list[Path]:
    folder = settings.landing_dir / "transactions"
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(p, folder)) for p in paths]


def raw_files(settings: Settings) -> list[tuple]:
    con = duckdb.connect(str(settings.raw_db), read_only=True)
    try:
        return con.execute("""SELECT file_name, status, rows_received, rows_loaded + rows_quarantined
                              FROM main.files ORDER BY file_id""").fetchall()
    finally:
        con.close()


def fail_parsing_with(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def parse_file(*_: object, **__: object) -> None:
        raise exc

    monkeypatch.setattr(loader, "parse_file", parse_file)


@pytest.mark.parametrize(("exc", "line"), [
    (MemoryError(), "memory exhausted while loading transactions/"),
    (OSError(errno.EIO, "Input/output error"), "an I/O error while loading transactions/"),
    (OSError(errno.ENOSPC, "No space left on device"), "disk full while loading transactions/"),
])
def test_a_machine_fault_leaves_the_file_and_those_after_it_in_landing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException, line: str) -> None:
    from opcc.faults import MachineFault  # here, so the other tests run on a tree without it

    s = Settings(data_dir=tmp_path)
    first, second = land(s, DEMO[0], DEMO[1])
    fail_parsing_with(monkeypatch, exc)
    with pytest.raises(MachineFault) as fault:
        ingest_feed(s, "transactions")
    assert str(fault.value).startswith(f"{line}{first.name}: "), str(fault.value)
    assert first.exists() and second.exists()
    assert not any(s.quarantine_dir.rglob("*")) and raw_files(s) == []
    monkeypatch.undo()
    assert [r.status for r in ingest_feed(s, "transactions")] == ["loaded", "loaded"]


def test_a_failure_of_the_file_itself_still_sets_it_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(data_dir=tmp_path)
    [path] = land(s, DEMO[0])
    fail_parsing_with(monkeypatch, ValueError("a layout nobody foresaw"))
    [result] = ingest_feed(s, "transactions")
    assert result.status == "rejected" and not path.exists()
    assert len(list((s.quarantine_dir / "transactions").glob(f"*-{path.name}"))) == 1


def test_requeue_puts_a_file_set_aside_by_mistake_back_and_counts_reconcile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    s = Settings(data_dir=tmp_path)
    [path] = land(s, DEMO[0])
    fail_parsing_with(monkeypatch, ValueError("a bug in the reader, since mended"))
    ingest_feed(s, "transactions")
    monkeypatch.undo()
    assert raw_files(s) == [(path.name, "rejected", 0, 0)]

    assert main(["--data-dir", str(tmp_path), "requeue", path.name]) == 0
    assert capsys.readouterr().out.startswith(f"requeued transactions/{path.name}: back in ")
    assert (s.landing_dir / "transactions" / path.name).exists()
    assert not any((s.quarantine_dir / "transactions").iterdir())  # the file and its reason
    [result] = ingest_feed(s, "transactions")
    assert result.status == "loaded" and result.rows_received > 0
    assert raw_files(s) == [(path.name, "requeued", 0, 0), (path.name, "loaded", result.rows_received,
                                                            result.rows_received)]

    assert main(["--data-dir", str(tmp_path), "requeue", "no-such-file.csv"]) == 1
    assert "no such file in" in capsys.readouterr().err


def test_a_killed_load_leaves_the_file_in_landing_and_nothing_in_raw(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(data_dir=tmp_path)
    [path] = land(s, DEMO[0])
    fail_parsing_with(monkeypatch, KeyboardInterrupt())  # as SIGINT, or Airflow's SIGTERM (a BaseException too)
    with pytest.raises(KeyboardInterrupt):
        ingest_feed(s, "transactions")
    assert path.exists() and raw_files(s) == [] and not any(s.quarantine_dir.rglob("*"))


def test_opcc_ingest_says_a_machine_fault_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    s = Settings(data_dir=tmp_path)
    [path] = land(s, DEMO[0])
    fail_parsing_with(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    assert main(["--data-dir", str(tmp_path), "ingest"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"opcc ingest: disk full while loading transactions/{path.name}: free space, then rerun")
    assert "\n" not in err and path.exists()
