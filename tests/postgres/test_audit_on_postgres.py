"""The reconciliation checks on a build in PostgreSQL, validated by GX through its PostgreSQL data source: the
same crafted build as tests/audit (copied from DuckDB into `raw` and the `__build` schemas) gives every check
the same verdict and figures as on DuckDB, and a budget £10,000 short FAILs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import psycopg2
import pytest
from audit_fixture import FIRST_NIGHT, SECOND_NIGHT, build_fixture
from audit_fixture import _night as deliver
from duckdb_copy import copy_to_postgres

from opcc import pipeline, run_record
from opcc.audit import load_checks, run_audit
from opcc.audit.compare import Checks
from opcc.audit.suites import suite_descriptions, views_sql
from opcc.config import Settings
from opcc.datadir import ensure_demo_reference
from opcc.postgres.checks import open_audit_session, scratch_schema

SUFFIX = "__build"


def by_id(results):
    return {r["id"]: r for r in results}


def verdict(check):
    """What a check says: its status, figures and failing rows (not where its files were written)."""
    return {k: check[k] for k in ("status", "expected", "actual", "difference", "failing_rows_count", "failing_rows",
                                  "compared_rows", "error")}


@pytest.fixture(scope="module")
def on_duckdb(tmp_path_factory):
    fx = build_fixture(tmp_path_factory.mktemp("duckdb"))
    return fx, by_id(run_audit(fx.settings, fx.build_db, fx.run_dir))


def pg_settings(fx, url: str) -> Settings:
    return Settings(data_dir=fx.settings.data_dir, warehouse_url=url)


def schemas(url: str) -> set[str]:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace")
        return {name for (name,) in cur.fetchall()}


def test_every_check_gives_the_same_verdict_and_figures_as_on_duckdb(on_duckdb, pg_database, tmp_path):
    fx, duck = on_duckdb
    copy_to_postgres(fx.build_db, fx.raw_db, pg_database, SUFFIX)
    run_dir = tmp_path / "run"
    pg = by_id(run_audit(pg_settings(fx, pg_database), SUFFIX, run_dir))
    assert set(pg) == set(duck)
    assert {cid: verdict(c) for cid, c in pg.items()} == {cid: verdict(c) for cid, c in duck.items()}
    assert pg["budget.priority_commissioning_total"]["expected"] == "6760000.00"
    assert {c["status"] for c in pg.values()} == {"PASS", "WARN"}
    assert (run_dir / "data_docs" / "index.html").exists()
    assert "opcc_budget" in (run_dir / "data_docs" / "contents.html").read_text()
    # The scratch schema GX read the results from is gone; the build is untouched.
    assert scratch_schema(SUFFIX) not in schemas(pg_database)
    assert {"raw", "marts__build", "reference__build", "staging__build"} <= schemas(pg_database)


def test_budget_10000_short_fails_with_gx_verdict_and_figures(on_duckdb, pg_database, tmp_path):
    fx, _ = on_duckdb
    copy_to_postgres(fx.build_db, fx.raw_db, pg_database, SUFFIX)
    with psycopg2.connect(pg_database) as con, con.cursor() as cur:
        cur.execute("UPDATE marts__build.funding_source_position SET budget = budget - 10000.00"
                    " WHERE financial_year = '2019/20' AND funding_source_code = 'PCC'")
    settings = pg_settings(fx, pg_database)
    checks = load_checks(settings.expectations_dir)
    session = Checks(open_audit_session(settings, SUFFIX, views_sql(settings.expectations_dir)))
    try:
        compared = {c.check_id: session.compare(c) for c in checks}
        outcomes = session.validate(checks, suite_descriptions(settings.expectations_dir), tmp_path / "docs", compared)
    finally:
        session.close()
    # GX's own validation through its PostgreSQL data source: one unexpected row, the short year.
    gx = outcomes["budget.priority_commissioning_total"]
    assert (gx.success, gx.unexpected_count, gx.error) == (False, 1, None)
    assert outcomes["budget.moj_ring_fence"].success is True
    assert [r["difference"] for r in compared["budget.priority_commissioning_total"].failing] == [-10000]

    results = by_id(run_audit(settings, SUFFIX, tmp_path / "run"))
    pc = results["budget.priority_commissioning_total"]
    assert (pc["status"], pc["expected"], pc["actual"], pc["difference"]) == (
        "FAIL", "2400000.00", "2390000.00", "-10000.00")
    assert pc["failing_rows"] == [{"financial_year": "2019/20", "funding_sources": "MOJ, PCC",
                                   "expected": "2400000.00", "actual": "2390000.00", "difference": "-10000.00"}]
    assert (tmp_path / "run" / "failures" / "budget.priority_commissioning_total.csv").exists()


def test_a_check_that_cannot_run_takes_its_severity_and_spoils_no_other(on_duckdb, pg_database, tmp_path):
    fx, _ = on_duckdb
    copy_to_postgres(fx.build_db, fx.raw_db, pg_database, SUFFIX)
    with psycopg2.connect(pg_database) as con, con.cursor() as cur:
        cur.execute("DROP TABLE intermediate__build.int_budgets_resolved")
    results = by_id(run_audit(pg_settings(fx, pg_database), SUFFIX, tmp_path / "run"))
    rf = results["commitments.ring_fence_eligible"]
    assert rf["status"] == "FAIL" and "could not run" in rf["error"] and "int_budgets_resolved" in rf["error"]
    assert results["budget.priority_commissioning_total"]["status"] == "PASS"
    assert results["completeness.rows_accounted_for"]["status"] == "PASS"


@pytest.mark.e2e
def test_checks_on_a_dbt_postgres_build_agree_with_duckdb(on_duckdb, pg_database, tmp_path):
    """The night's own steps on PostgreSQL: raw synced, dbt-postgres builds `__build`, the audit step checks it."""
    fx, duck = on_duckdb
    settings = Settings(data_dir=tmp_path / "data", warehouse_url=pg_database)
    ensure_demo_reference(settings)
    for deliveries in (FIRST_NIGHT, SECOND_NIGHT):
        deliver(settings, deliveries)
    run_dir = pipeline.start(settings, "manual__pg", dt.datetime(2019, 6, 4, 2))
    suffix = pipeline.build(settings, run_dir)
    assert suffix == SUFFIX
    assert pipeline.audit(settings, suffix, run_dir) == {"PASS": 28, "WARN": 2}
    pg = by_id(run_record.read(Path(run_dir)).checks or [])
    # The freshness checks are measured on the night's date: 4 June 2019 here (only April has closed, and it has
    # ledger lines), today for the DuckDB audit (every month since May 2019 has closed, most of them empty).
    assert pg["freshness.ledger_months_closed"]["status"] == "PASS"
    fresh = {"freshness.feeds_on_time", "freshness.ledger_months_closed"}
    assert {cid: verdict(c) for cid, c in pg.items() if cid not in fresh} == {
        cid: verdict(c) for cid, c in duck.items() if cid not in fresh}
