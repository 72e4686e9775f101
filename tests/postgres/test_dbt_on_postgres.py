"""The same dbt project on PostgreSQL: the demo extracts, ingested once, built by dbt-duckdb into a DuckDB file
and by the nightly build step on PostgreSQL (raw copied into schema `raw`, dbt-postgres into the `__build`
schemas) give the same marts and reference tables, column for column (money NUMERIC(18,2)) and row for row."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from marts_compare import DEMO, duckdb_tables, postgres_tables
from reference_gaps import GAPS, LANDED

from opcc import pipeline, run_record
from opcc.config import FEEDS, Settings
from opcc.datadir import ensure_demo_reference
from opcc.dbt_runner import run_dbt
from opcc.postgres.dialect import BUILD_SUFFIX

pytestmark = pytest.mark.e2e


def _both_engines(tmp_path: Path, pg_database: str, extra: dict[str, str] | None = None):
    """The demo extracts (and any extra files) built on DuckDB and on PostgreSQL: their tables, compared."""
    on_duckdb = Settings(data_dir=tmp_path / "data")
    on_postgres = Settings(data_dir=on_duckdb.data_dir, warehouse_url=pg_database)
    ensure_demo_reference(on_duckdb)  # one data directory: the same reference on both engines
    shutil.copytree(DEMO, on_duckdb.landing_dir)
    for name, text in (extra or {}).items():
        (on_duckdb.landing_dir / name).write_text(text, encoding="utf-8")
    run_dir = pipeline.start(on_postgres, "pg_night", dt.datetime.now(dt.UTC))
    for feed in FEEDS:
        pipeline.ingest(on_duckdb, feed, run_dir)

    build_db = on_duckdb.builds_dir / "duckdb.duckdb"
    build_db.parent.mkdir(parents=True, exist_ok=True)
    built = run_dbt(on_duckdb, build_db, "build", "--exclude-resource-type", "unit_test")
    assert built.ok, built.message
    want = duckdb_tables(build_db)

    suffix = pipeline.build(on_postgres, run_dir)  # raw by COPY, then dbt-postgres with every data test
    assert suffix == BUILD_SUFFIX
    recorded = run_record.read_dbt(Path(run_dir))
    assert recorded is not None and recorded.ok
    got = postgres_tables(pg_database, suffix)

    assert sorted(got) == sorted(want)
    assert len([t for t in want if t.startswith("marts.")]) >= 15
    assert {t: got[t][0] for t in want} == {t: columns for t, (columns, _) in want.items()}
    differ = [t for t, (_, rows) in want.items() if got[t][1] != rows]
    assert not differ, {t: (set(got[t][1]) ^ set(want[t][1])) for t in differ}
    return got


def test_the_demo_marts_built_on_postgresql_equal_duckdbs_row_for_row(tmp_path: Path, pg_database: str) -> None:
    got = _both_engines(tmp_path, pg_database)
    # The figures are the demo's own (design notes): money as Decimal on both engines.
    positions = {(r[0], r[1]): r for r in got["marts.funding_source_position"][1]}
    assert positions[("2019/20", "MOJ")][4] == Decimal("900000.00")


def test_lines_naming_unknown_reference_values_are_set_aside_on_postgresql_too(tmp_path: Path,
                                                                              pg_database: str) -> None:
    """Issue 22, point 5: a budgets line on an unknown fund (its file set aside), a commitment on an unknown pillar,
    a planned project on an unknown fund and a grant award on an unknown pillar build on PostgreSQL as on DuckDB."""
    got = _both_engines(tmp_path, pg_database, LANDED)
    columns, rows = got["marts.quarantined_rows"]
    at = {name: i for i, (name, _) in enumerate(columns)}
    gaps = {r[at["file_name"]]: (r[at["reference_gap"]], r[at["reason"]]) for r in rows if r[at["reference_gap"]]}
    assert gaps == GAPS
    columns, rows = got["marts.load_audit"]
    at = {name: i for i, (name, _) in enumerate(columns)}
    assert {r[at["file_name"]]: r[at["status"]] for r in rows}["newfund-2020-21.csv"] == "set_aside"
    assert all(r[at["rows_received"]] == r[at["rows_loaded"]] + r[at["rows_quarantined"]]
               for r in rows if r[at["status"]] != "duplicate")
