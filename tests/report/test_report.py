"""The morning report rendered on crafted data, checked in headless Chromium (figures and no network)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import chromium_cdp
import pytest
from audit_fixture import build_fixture

from opcc import run_outcome, run_record
from opcc.audit import run_audit
from opcc.report import write_report
from opcc.report.formatting import gbp, thousands

RUN_DATE = "2019-06-04"

INGEST = {
    "transactions": [
        {"feed": "transactions", "file_name": "spend-2019-05.csv", "sha256": "hh09", "status": "loaded",
         "rows_received": 2, "rows_loaded": 2, "rows_quarantined": 0, "control_total": "850.00",
         "loaded_amount": "850.00", "message": "loaded 2 lines"},
        {"feed": "transactions", "file_name": "spend-2019-04 (1).csv", "sha256": "aa01", "status": "duplicate",
         "rows_received": 4, "rows_loaded": 0, "rows_quarantined": 0, "control_total": None, "loaded_amount": None,
         "message": "same content as spend-2019-04.csv"},
    ],
    "budgets": [
        {"feed": "budgets", "file_name": "budget-notes.xlsx", "sha256": "ii10", "status": "rejected",
         "rows_received": None, "rows_loaded": 0, "rows_quarantined": 0, "control_total": None, "loaded_amount": None,
         "message": "no header matching the budgets feed: missing financial_year, funding_source, amount"},
    ],
    "planned_projects": [],
}


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def pipeline_files(run_dir: Path, published: bool, dbt_ok: bool = True) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "run.json", {"run_id": f"scheduled__{RUN_DATE}", "run_date": RUN_DATE,
                                      "started_at": f"{RUN_DATE}T02:00:00+00:00"})
    for feed, entries in INGEST.items():
        write_json(run_dir / f"ingest-{feed}.json", entries)
    write_json(run_dir / "dbt.json", {"ok": dbt_ok, "message": "dbt build: 84 passed" if dbt_ok else "dbt build failed",
                                      "failed_nodes": [] if dbt_ok else ["fund_position"]})
    write_json(run_dir / "publish.json", {"published": published,
                                          "message": "published" if published else "not published: 1 FAIL check",
                                          "warehouse": "/data/warehouse.duckdb"})


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory):
    """2019/20 budget extract short by £10,000: the budget check FAILs and publishing is blocked."""
    root = tmp_path_factory.mktemp("report")
    fx = build_fixture(root, build_sql=[
        "UPDATE marts.funding_source_position SET budget = 1490000.00"
        " WHERE financial_year = '2019/20' AND funding_source_code = 'PCC'"])
    run_dir = fx.settings.reports_dir / RUN_DATE
    pipeline_files(run_dir, published=False)
    run_audit(fx.settings, fx.build_db, run_dir)
    latest = write_report(fx.settings, run_dir, fx.build_db)
    return fx, run_dir, latest


def local_hrefs(page: Path) -> list[str]:
    hrefs = re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))
    return [h for h in hrefs if not h.startswith(("#", "http://", "https://", "mailto:"))]


def test_formatting():
    assert gbp("2400000.00") == "£2,400,000"
    assert gbp("-10000.00") == "\u2212£10,000"
    assert gbp("11000.00", signed=True) == "+£11,000"
    assert gbp("4499.50") == "£4,499.50"
    assert thousands("1733000.00") == "1,733" and thousands("0", dash_for_zero=True) == "-"


def test_files_written_and_links_resolve(blocked_run):
    fx, run_dir, latest = blocked_run
    reports = fx.settings.reports_dir
    assert latest == reports / "index.html"
    assert (run_dir / "index.html").exists() and (reports / "history.html").exists()
    for page in (latest, run_dir / "index.html", reports / "history.html"):
        hrefs = local_hrefs(page)
        assert hrefs, page
        for href in hrefs:
            assert (page.parent / href).resolve().exists(), f"{page}: broken link {href}"
    latest_hrefs = local_hrefs(latest)
    assert f"{RUN_DATE}/failures/budget.priority_commissioning_total.csv" in latest_hrefs
    assert f"{RUN_DATE}/data_docs/contents.html" in latest_hrefs
    assert "history.html" in latest_hrefs
    history = (reports / "history.html").read_text()
    assert f'href="{RUN_DATE}/index.html"' in history and "NOT PUBLISHED" in history


@pytest.mark.skipif(not chromium_cdp.available(), reason="chromium not installed")
def test_key_figures_in_rendered_page(blocked_run, tmp_path):
    _, _, latest = blocked_run
    dom = chromium_cdp.dump_dom(latest.as_uri(), tmp_path / "profile")
    text = re.sub(r"<[^>]+>", " ", dom)
    text = re.sub(r"\s+", " ", text)
    for expected in [
        "NOT PUBLISHED \u2014 FAIL checks blocked it",
        "£2,400,000 £2,390,000 \u2212£10,000",  # the budget check: expected, actual, difference
        "at least £0",
        "What was compared (1 row)",
        "+£21,000",  # PCC committed + planned over its (short) budget: WARN
        "no header matching the budgets feed",  # why the rejected file was rejected
        "same content as spend-2019-04.csv",
        "No new file arrived",
        "did not run (no ingest-commitments.json)",
        "Commissioner's Safety Fund 810 £810,000",  # table 3.1
        "Total 1,733 £1,733,000",
        "Local Innovation Fund 523 £523,000",  # table 3.3
        "Total 551 £551,000",
        "35.5%",  # pillar chart: Protecting People at Risk of Harm
        "Victims services Victim Support",  # due for re-commissioning (ends Oct 2019)
        "£127,000",  # MoJ headroom
    ]:
        assert expected in text, expected
    assert "<svg" in dom and "<script" not in dom


@pytest.mark.skipif(not chromium_cdp.available(), reason="chromium not installed")
def test_no_request_leaves_the_machine(blocked_run, tmp_path):
    fx, run_dir, latest = blocked_run
    reports = fx.settings.reports_dir
    docs = run_dir / "data_docs"
    validation_page = next(docs.glob("validations/**/*.html"))
    pages = [latest, reports / "history.html", run_dir / "index.html", docs / "contents.html", docs / "index.html",
             validation_page]
    seen = chromium_cdp.record_requests([p.as_uri() for p in pages], tmp_path / "profile")
    assert any(u.startswith("file://") and u.endswith("index.html") for u in seen), seen
    offending = [u for u in seen if not u.startswith(("file://", "data:"))]
    assert offending == []


def explain(run_dir: Path) -> run_outcome.Outcome:
    return run_outcome.explain(run_record.read(run_dir))


def test_one_explanation_of_each_outcome(tmp_path):
    run_dir = tmp_path / "r"
    pipeline_files(run_dir, published=True)
    write_json(run_dir / "checks.json", [{"id": "x", "status": "WARN"}, {"id": "y", "status": "PASS"}])
    st = explain(run_dir)
    assert st.headline == "PUBLISHED" and "1 check(s) gave a warning" in st.meaning
    assert st.published and st.why == "published; 1 check(s) gave a warning"
    pipeline_files(run_dir, published=False)
    write_json(run_dir / "checks.json", [{"id": "budget.total", "status": "FAIL", "expected": "2400000.00",
                                          "actual": "2390000.00", "difference": "-10000.00"}])
    st = explain(run_dir)
    assert st.headline == "NOT PUBLISHED \u2014 FAIL checks blocked it" and not st.published
    assert st.why == ("not published: budget.total failed (expected 2400000.00, actual 2390000.00, "
                      "difference -10000.00)")
    pipeline_files(run_dir, published=False, dbt_ok=False)
    (run_dir / "checks.json").unlink()
    st = explain(run_dir)
    assert st.headline == "FAILED at step: build (dbt)" and "fund_position" in st.meaning
    assert st.why == "not published: the warehouse build failed: dbt build failed"
    write_json(run_dir / "dbt.json", {"ok": True, "message": "", "failed_nodes": []})
    (run_dir / "publish.json").unlink()
    st = explain(run_dir)
    assert st.headline == "FAILED at step: audit (checks)" and st.why == "not published: the checks did not run"
    bare = tmp_path / "bare"
    bare.mkdir()
    write_json(bare / "run.json", {"run_id": "r1", "run_date": RUN_DATE, "started_at": "x"})
    assert explain(bare).headline == "FAILED at step: ingest"


def test_report_without_build_and_outside_reports_dir(tmp_path):
    fx = build_fixture(tmp_path)
    run_dir = tmp_path / "runs" / "manual-1"
    pipeline_files(run_dir, published=False, dbt_ok=False)
    latest = write_report(fx.settings, run_dir, tmp_path / "missing.duckdb")
    page = latest.read_text()
    assert "FAILED at step: build (dbt)" in page
    assert "does not exist" in page
    # The run's page and files are also kept under reports/<run date>/, which the latest copy links into.
    assert (fx.settings.reports_dir / RUN_DATE / "index.html").exists()
    assert (fx.settings.reports_dir / RUN_DATE / "dbt.json").exists()
    assert "No Data Docs" in page
    for href in local_hrefs(latest):
        assert (latest.parent / href).resolve().exists(), href
    assert "The checks did not run this time" in page
