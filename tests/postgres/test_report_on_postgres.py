"""The report's readers on PostgreSQL: the marts and budget monitoring read from the published schemas (or a
night's `__build` schemas) equal what the same warehouse gives in DuckDB, and the morning report is written
from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from audit_fixture import baseline
from duckdb_copy import copy_to_postgres

from opcc import pipeline, run_record
from opcc.config import Settings
from opcc.postgres.read import PostgresSchemas
from opcc.report.marts import read_marts
from opcc.report.monitoring import read_monitoring
from opcc.warehouse_read import exists


def test_marts_and_monitoring_read_from_published_schemas_equal_duckdb(pg_database, tmp_path):
    raw_db, build_db = baseline()
    copy_to_postgres(build_db, raw_db, pg_database, "")
    published = PostgresSchemas(Settings(data_dir=tmp_path, warehouse_url=pg_database))
    assert exists(published)
    on_pg, on_duckdb = read_marts(published, "2019/20"), read_marts(build_db, "2019/20")
    assert on_pg == on_duckdb
    assert not on_pg.missing and on_pg.years[0] == "2019/20"
    assert read_monitoring(published) == read_monitoring(build_db)
    # Money stays exact: the 2019/20 Priority Commissioning budget, MoJ's part of it.
    moj = next(r for r in on_pg.funding_source_position
               if r["financial_year"] == "2019/20" and r["funding_source_code"] == "MOJ")
    assert str(moj["budget"]) == "900000.00"


def test_report_step_reads_the_build_schemas_when_nothing_was_published(pg_database, tmp_path):
    raw_db, build_db = baseline()
    copy_to_postgres(build_db, raw_db, pg_database, "__build")
    settings = Settings(data_dir=tmp_path / "data", warehouse_url=pg_database)
    assert not exists(PostgresSchemas(settings))  # nothing published yet
    run_dir = Path(pipeline.start(settings, "manual__1", dt.datetime(2019, 6, 4, 2)))
    run_record.write_publish(run_dir, run_record.PublishOutcome(published=False, message="1 FAIL check",
                                                                warehouse="postgres"))
    page = Path(pipeline.report(settings, str(run_dir)))
    html = page.read_text(encoding="utf-8")
    assert "The build (" not in html and "The build could not be read" not in html
    # Read from marts__build: the PCC's own pot, £1,500,000, is £11,000 over if every planned project proceeds.
    assert "£1,500,000" in html and "−£11,000" in html
    assert list(run_dir.glob("budget-monitoring-2019-20-Q*.html"))
