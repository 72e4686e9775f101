"""The dbt project's unit tests. The nightly build leaves them out (their inputs are fixed rows, so a
night's data cannot change their outcome: dbt's own advice is to run them in development and CI), so
they run here, against models built empty over an empty raw database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opcc.config import Settings
from opcc.datadir import copy_demo_reference
from opcc.dbt_runner import run_dbt
from opcc.rawdb import raw_writer


@pytest.fixture(scope="module")
def empty_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("dbt-unit") / "data")
    copy_demo_reference(settings.reference_dir)  # the seeds' types come from the reference contract
    with raw_writer(settings.raw_db):
        pass  # the raw tables, no lines
    build_db = settings.builds_dir / "unit.duckdb"
    build_db.parent.mkdir(parents=True)
    # Unit tests read their models' parents' column types from the database: build them, with no rows.
    built = run_dbt(settings, build_db, "build", "--empty", "--exclude-resource-type", "unit_test",
                    "--exclude-resource-type", "test")
    assert built.ok, built.message
    return settings, build_db


def test_every_unit_test_passes(empty_build: tuple[Settings, Path]) -> None:
    settings, build_db = empty_build
    result = run_dbt(settings, build_db, "test", "--select", "test_type:unit")
    results = json.loads((settings.data_dir / "dbt" / "target" / "run_results.json").read_text())["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert result.ok, result.message
    assert len(unit) >= 11, "the project's unit tests did not run"
    assert all(r["status"] == "pass" for r in unit), [(r["unique_id"], r["status"]) for r in unit]

