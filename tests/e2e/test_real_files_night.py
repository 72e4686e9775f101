"""End to end on real published files: every real spend file of `../shared/real-extracts/` (PROVENANCE.md), landed
together beside the demo extracts, goes through ONE real Airflow night and is published whole: each file's lines in
marts.spend_transactions are exactly its data rows and control sum, and the publications reconcile.

Lancashire's workbooks number each sheet's rows from 1, so a line is its file, sheet and row: the night once
failed here on duplicate (file_id, line_number) and published nothing."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from real_extracts import REAL, Published, needs_real_extracts, published_files
from test_nightly_run import opcc

from opcc import run_record

pytestmark = [pytest.mark.e2e, needs_real_extracts]

# The spend files: every transactions file PROVENANCE.md gives figures for but the zip, which holds the very CSV
# landed beside it (the same extract twice would count it twice; tests/ingest load the zip on its own).
SPEND = [f for f in published_files() if f.feed == "transactions" and not f.name.endswith(".zip")]


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    data = tmp_path_factory.mktemp("real-night") / "data"
    assert opcc(data, "demo").returncode == 0
    for published in SPEND:
        shutil.copy(REAL / published.name, data / "landing" / "transactions" / published.name)
    return data, opcc(data, "run")


@pytest.fixture(scope="module")
def warehouse(night: tuple[Path, subprocess.CompletedProcess[str]]) -> Iterator[duckdb.DuckDBPyConnection]:
    data, proc = night
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def test_all_nineteen_real_spend_files_are_landed() -> None:
    assert len(SPEND) == 19
    assert sum(f.name.endswith(".xlsx") for f in SPEND) == 4


def test_the_night_publishes(night: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    data, proc = night
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run_dir = run_record.latest_run(data / "reports")
    assert run_dir is not None
    fails = [(c["id"], c["expected"], c["actual"]) for c in run_record.read_checks(run_dir) or []
             if c["status"] == "FAIL"]
    assert fails == []
    assert "PUBLISHED" in (data / "reports" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("published", SPEND, ids=[f.name for f in SPEND])
def test_each_file_is_whole_in_spend_transactions(warehouse: duckdb.DuckDBPyConnection, published: Published) -> None:
    [(status, file_id)] = warehouse.execute("SELECT status, file_id FROM marts.load_audit WHERE file_name = ?",
                                            [published.name]).fetchall()
    assert status == "loaded"
    lines, total = warehouse.execute("SELECT count(*), sum(amount) FROM marts.spend_transactions WHERE file_id = ?",
                                     [file_id]).fetchone()
    assert (lines, total) == (published.rows, published.total)


def test_workbook_lines_keep_their_sheet(warehouse: duckdb.DuckDBPyConnection) -> None:
    sheets = dict(warehouse.execute("""SELECT a.file_name, count(DISTINCT s.sheet)
                                        FROM marts.spend_transactions AS s JOIN marts.load_audit AS a USING (file_id)
                                        WHERE a.file_name LIKE 'lancashire-pcc-%' GROUP BY 1""").fetchall())
    assert sheets == {"lancashire-pcc-spend-over-500-2018-19.xlsx": 12,
                      "lancashire-pcc-spend-over-500-2023-24.xlsx": 12,
                      "lancashire-pcc-spend-over-500-2024-25.xlsx": 10}


def test_the_publications_reconcile(night: tuple[Path, subprocess.CompletedProcess[str]],
                                    warehouse: duckdb.DuckDBPyConnection) -> None:
    data, _ = night
    run_dir = run_record.latest_run(data / "reports")
    assert run_dir is not None
    outcome = run_record.read_publications(run_dir)
    assert outcome is not None and outcome["released"], outcome and outcome["message"]
    checks = {c["id"]: c["status"] for c in outcome["checks"]}
    assert checks["publications.spend.total_equals_ledger"] == "PASS"
    assert set(checks.values()) <= {"PASS", "WARN"}, checks
    # A Lancashire month is published: spend over £500 in its own month's file (the real files' months too).
    assert (data / "publications" / "spend-over-500" / "2023-04").is_dir()
