"""dbt's console, colours and all, reaches the project as plain text (issue 22: the run's why: line said
`[31mFAIL 1[0m`)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from opcc.config import Settings
from opcc.datadir import ensure_demo_reference
from opcc.dbt_runner import run_dbt

sys.path.insert(0, str(Path(__file__).parent / "audit"))
from audit_fixture import baseline  # the crafted build, made once by dbt


def test_a_failed_dbt_test_is_reported_without_colour_codes(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    raw_db, built = baseline()
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    ensure_demo_reference(settings)  # dbt seeds the data directory's reference
    shutil.copy(raw_db, settings.raw_db)
    build_db = tmp_path / "build.duckdb"
    shutil.copy(built, build_db)
    with duckdb.connect(str(build_db)) as con:  # a line without its line number: dbt's not_null test fails
        con.execute("UPDATE marts.spend_transactions SET line_number = NULL WHERE transaction_number = 'T1'")
    capsys.readouterr()
    result = run_dbt(settings, build_db, "test", "--select", "spend_transactions,test_name:not_null")
    echoed = capsys.readouterr()
    assert not result.ok and "FAIL 1" in result.message and "not_null_spend_transactions_line_number" in result.message
    assert "\x1b" not in result.message and "[31m" not in result.message
    assert "FAIL 1" in echoed.out and "\x1b" not in echoed.out + echoed.err  # the task's log too
