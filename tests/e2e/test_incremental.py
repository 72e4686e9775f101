"""Incremental models: a night that adds a file and supersedes another gives the same marts as a
full rebuild of the same raw data (real ingestion, real dbt, real DuckDB)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc import pipeline, run_record
from opcc.config import Settings
from opcc.datadir import ensure_demo_reference
from opcc.dbt_runner import run_dbt
from opcc.publish import publish

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).parents[2] / "seeds" / "demo"
MONTH = "dorset-opcc-spend-over-500-2019-04.csv"


def night(settings: Settings, run_id: str) -> tuple[Path, run_record.DbtOutcome]:
    """Ingest, build and publish; returns the warehouse and what the build recorded (dbt.json)."""
    ensure_demo_reference(settings)  # the demo's extracts are built on the demo's reference data
    run_dir = Path(pipeline.start(settings, run_id, dt.datetime.now(dt.UTC)))
    for feed in ("transactions", "budgets", "commitments", "planned_projects", "ppa_receipts", "grant_awards"):
        pipeline.ingest(settings, feed, str(run_dir))
    build_db = Path(pipeline.build(settings, str(run_dir)))
    built = run_record.read_dbt(run_dir)
    return publish(settings, build_db, built.project_fingerprint), built


def marts(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT * FROM marts."{t}" ORDER BY ALL').fetchall() for t in tables}
    finally:
        con.close()


def test_incremental_night_equals_full_rebuild(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copytree(DEMO, settings.landing_dir)
    _, first = night(settings, "night_1")
    assert first.raw_tests_from_file_id == 0  # nothing published yet: every file is tested

    # Night 2: April 2019 re-sent corrected (one line £1,000 lower) and a new month arrives.
    april = (DEMO / "transactions" / MONTH).read_text(encoding="utf-8").splitlines()
    def less_1000(line: str) -> str:
        head, amount = line.rsplit(',"£', 1)
        return f'{head},"£{Decimal(amount.rstrip(chr(34)).replace(",", "")) - 1000:,.2f}"'

    april[1], april[-1] = less_1000(april[1]), less_1000(april[-1])  # a line and the totals line
    (settings.landing_dir / "transactions" / MONTH).write_text("\n".join(april) + "\n", encoding="utf-8")
    (settings.landing_dir / "transactions" / "dorset-opcc-spend-over-500-2021-04.csv").write_text(
        "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
        "Police and Crime Commissioner for Dorset,06/04/2021,5200001,Grants,OPCC Commissioning - Safety Fund,"
        "Circles Southwest,\"£12,000.00\"\n", encoding="utf-8")
    incremental, second = night(settings, "night_2")
    assert len(marts(incremental)["spend_transactions"]) == 585 + 1
    # Night 2's tests over raw looked only at the files night 1 had not published.
    loaded = {row[0]: row[2] for row in marts(incremental)["load_audit"]}  # file_id -> file_name
    assert second.raw_tests_from_file_id == max(loaded) - 1
    assert {loaded[i] for i in loaded if i >= second.raw_tests_from_file_id} == {
        MONTH, "dorset-opcc-spend-over-500-2021-04.csv"}

    # The same raw data, rebuilt from nothing.
    full = settings.builds_dir / "full.duckdb"
    full.parent.mkdir(parents=True, exist_ok=True)
    result = run_dbt(settings, full, "build", "--full-refresh")
    assert result.ok, result.message
    got, want = marts(incremental), marts(full)
    assert set(got) == set(want)
    for table in want:
        assert got[table] == want[table], table


def test_lines_mapped_under_other_reference_data_are_remapped(tmp_path: Path) -> None:
    """Lines mapped under other mapping rules or funds (another mapping_version) are mapped again."""
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copytree(DEMO, settings.landing_dir)
    published, _ = night(settings, "night_1")
    want = marts(published)["spend_transactions"]

    # As if one file had been mapped under older mapping rules: its lines sit under another fund.
    published.chmod(0o644)
    con = duckdb.connect(str(published))
    stale_file = con.execute("SELECT min(file_id) FROM marts.spend_transactions").fetchone()[0]
    con.execute("""UPDATE marts.spend_transactions SET fund_code = 'OLD', fund_name = 'Old fund',
                   funding_source_code = NULL, mapping_rule = 'expense_area = anything',
                   mapping_version = 'older rules' WHERE file_id = ?""", [stale_file])
    con.close()
    published.chmod(0o444)

    republished, _ = night(settings, "night_2")  # nothing new landed
    assert marts(republished)["spend_transactions"] == want
