"""The dbt project's unit tests pass on PostgreSQL too (tests/dbt runs them on DuckDB): the models they read
are built over an empty `raw` schema first, since unit tests take their inputs' column types from the database.
Not with `--empty`, as on DuckDB: dbt-postgres cannot wrap a ref the model aliases (`from {{ ref(..) }} as a`,
dbt-adapters issue 199); over an empty raw every model is empty anyway."""

from __future__ import annotations

import json
from pathlib import Path

from opcc.config import Settings
from opcc.datadir import ensure_demo_reference
from opcc.dbt_runner import run_dbt
from opcc.postgres.dialect import BUILD_SUFFIX
from opcc.postgres.raw import sync_raw
from opcc.rawdb import raw_writer


def test_every_unit_test_passes_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", warehouse_url=pg_database)
    ensure_demo_reference(settings)  # the seeds' types come from the reference contract
    with raw_writer(settings.raw_db):
        pass  # the raw tables, no lines
    assert sync_raw(settings).files == []  # schema raw, its tables empty
    built = run_dbt(settings, BUILD_SUFFIX, "build", "--exclude-resource-type", "unit_test",
                    "--exclude-resource-type", "test")
    assert built.ok, built.message
    result = run_dbt(settings, BUILD_SUFFIX, "test", "--select", "test_type:unit")
    results = json.loads((settings.data_dir / "dbt" / "target" / "run_results.json").read_text())["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 11, "the project's unit tests did not run"
    assert all(r["status"] == "pass" for r in unit), [(r["unique_id"], r["status"]) for r in unit]
    assert result.ok, result.message
