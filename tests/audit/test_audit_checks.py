"""Each reconciliation check PASSING and FAILING on crafted raw + build databases."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal

import pytest
from audit_fixture import build_fixture

from opcc.audit import load_checks, run_audit
from opcc.audit.runner import result_table
from opcc.config import PROJECT_ROOT

ALL_IDS = {
    "completeness.rows_accounted_for", "completeness.rows_loaded_match_raw", "completeness.control_total",
    "completeness.control_total_quarantined", "completeness.transactions_amount_preserved",
    "completeness.transactions_count_preserved", "completeness.commitments_count_preserved",
    "completeness.planned_count_preserved", "completeness.planned_amount_preserved",
    "budget.priority_commissioning_total", "budget.moj_ring_fence",
    "commitments.committed_within_budget", "commitments.allocation_within_tolerance",
    "commitments.ring_fence_eligible",
    "ppa.closing_balance_not_negative", "ppa.net_equals_gross_less_costs", "ppa.receipt_lines_net",
    "ppa.closing_balance_rolls_forward", "ppa.opening_equals_previous_closing",
    "register.end_not_before_start", "register.values_non_negative", "register.known_fund_and_pillar",
}


def by_id(results):
    return {r["id"]: r for r in results}


def figures(check):
    return check["status"], check["expected"], check["actual"], check["difference"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    fx = build_fixture(tmp_path_factory.mktemp("baseline"))
    return fx, by_id(run_audit(fx.settings, fx.build_db, fx.run_dir))


def test_each_check_is_one_sql_file_with_its_metadata_beside_it():
    checks = load_checks(PROJECT_ROOT / "expectations")
    assert {c.check_id for c in checks} == ALL_IDS
    for c in checks:
        assert c.sql_file == PROJECT_ROOT / "expectations" / c.check_id.split(".")[0] / f"{c.check_id.split('.')[1]}.sql"
        assert c.severity in ("FAIL", "WARN") and c.description
        # The query GX runs reads the check's one result; GX formats it with str.format and SQLAlchemy's text()
        # reads :name as a bind parameter, so the table name has neither.
        assert re.fullmatch(r"check__\w+", result_table(c)), c.check_id
    # No scheme name in any check: what a budget control covers is reference data (budget_controls.csv).
    assert not [c.check_id for c in checks if "Priority Commissioning" in c.sql or "'MOJ'" in c.sql]


def test_baseline_demo_passes_except_pcc_over_allocation(baseline):
    fx, checks = baseline
    assert set(checks) == ALL_IDS
    not_pass = {cid: c["status"] for cid, c in checks.items() if c["status"] != "PASS"}
    assert not_pass == {"commitments.allocation_within_tolerance": "WARN"}, [checks[c].get("error") for c in not_pass]
    assert figures(checks["budget.priority_commissioning_total"]) == ("PASS", "2400000.00", "2400000.00", "0.00")
    assert figures(checks["budget.moj_ring_fence"]) == ("PASS", "900000.00", "900000.00", "0.00")
    # The PCC's own pot is 11k over if every planned project proceeds; MoJ keeps 127k headroom.
    warn = checks["commitments.allocation_within_tolerance"]
    assert figures(warn) == ("WARN", "1500000.00", "1511000.00", "11000.00")
    assert warn["unit"] == "GBP" and warn["severity"] == "WARN"
    assert warn["failing_rows_count"] == 1
    assert warn["failing_rows"][0]["funding_source_code"] == "PCC"
    assert warn["failing_rows"][0]["committed"] == "988000.00"
    assert figures(checks["commitments.committed_within_budget"]) == ("PASS", "2400000.00", "1733000.00", "-667000.00")
    assert figures(checks["completeness.transactions_amount_preserved"]) == ("PASS", "12850.00", "12850.00", "0.00")
    assert figures(checks["completeness.transactions_count_preserved"]) == ("PASS", "5", "5", "0")
    assert figures(checks["completeness.commitments_count_preserved"]) == ("PASS", "4", "4", "0")
    assert figures(checks["completeness.planned_amount_preserved"]) == ("PASS", "551000.00", "551000.00", "0.00")
    assert figures(checks["completeness.rows_accounted_for"]) == ("PASS", "21", "21", "0")
    assert figures(checks["ppa.closing_balance_not_negative"]) == ("PASS", "0.00", "46000.00", "46000.00")
    assert figures(checks["register.known_fund_and_pillar"]) == ("PASS", "0", "0", "0")
    # Written files: checks.json is the returned list; a CSV only for the check that did not pass.
    on_disk = json.loads((fx.run_dir / "checks.json").read_text())
    assert by_id(on_disk) == checks
    assert sorted(p.name for p in (fx.run_dir / "failures").glob("*.csv")) == ["commitments.allocation_within_tolerance.csv"]
    assert checks["commitments.allocation_within_tolerance"]["failures_csv"] == "failures/commitments.allocation_within_tolerance.csv"


def test_data_docs_written_and_offline(baseline):
    fx, _ = baseline
    docs = fx.run_dir / "data_docs"
    assert (docs / "index.html").exists() and (docs / "contents.html").exists()
    pages = list(docs.rglob("*.html"))
    assert any("validations" in p.parts for p in pages)
    for page in pages:
        text = page.read_text()
        assert not re.search(r"<(script|link)[^>]*(src|href)=\"https?://", text), page
        assert not re.search(r"\bsrc=\"https?://", text), page
    assert "opcc_budget" in (docs / "contents.html").read_text()


def test_tolerance_lets_over_allocation_pass(tmp_path):
    fx = build_fixture(tmp_path, tolerance=Decimal("0.05"))
    checks = by_id(run_audit(fx.settings, fx.build_db, fx.run_dir))
    assert figures(checks["commitments.allocation_within_tolerance"]) == ("PASS", "2400000.00", "2284000.00", "-116000.00")


def test_budget_extract_short_by_10000_fails(tmp_path):
    fx = build_fixture(
        tmp_path,
        build_sql=[
            "UPDATE marts.funding_source_position SET budget = 1490000.00 WHERE financial_year = '2019/20' AND funding_source_code = 'PCC'",
            "DROP TABLE intermediate.int_budgets_resolved",
        ],
    )
    checks = by_id(run_audit(fx.settings, fx.build_db, fx.run_dir))
    pc = checks["budget.priority_commissioning_total"]
    assert figures(pc) == ("FAIL", "2400000.00", "2390000.00", "-10000.00")
    assert pc["failing_rows"] == [
        {"financial_year": "2019/20", "funding_sources": "MOJ, PCC", "expected": "2400000.00", "actual": "2390000.00", "difference": "-10000.00"}
    ] or pc["failing_rows"][0]["difference"] == "-10000.00"
    assert figures(checks["budget.moj_ring_fence"]) == ("PASS", "900000.00", "900000.00", "0.00")
    assert figures(checks["commitments.allocation_within_tolerance"]) == ("WARN", "1490000.00", "1511000.00", "21000.00")
    # A check that cannot run (its model is missing) cannot vouch for the build.
    rf = checks["commitments.ring_fence_eligible"]
    assert rf["status"] == "FAIL" and "could not run" in rf["error"] and "int_budgets_resolved" in rf["error"]
    rows = list(csv.reader((fx.run_dir / "failures" / "budget.priority_commissioning_total.csv").open()))
    assert rows[0] == ["financial_year", "funding_sources", "expected", "actual", "difference"]
    assert rows[1][2:] == ["2400000.00", "2390000.00", "-10000.00"]


def test_completeness_failures(tmp_path):
    fx = build_fixture(
        tmp_path,
        raw_sql=[
            "UPDATE files SET rows_received = 5 WHERE file_id = 2",
            "DELETE FROM grant_awards WHERE file_id = 6",
            "UPDATE files SET control_total = 12100.00 WHERE file_id = 1",  # 1 line quarantined: WARN
            "UPDATE files SET control_total = 900.00 WHERE file_id = 9",  # nothing quarantined: FAIL
        ],
        build_sql=[
            "DELETE FROM staging.stg_raw__transactions WHERE file_id = 9 AND line_number = 3",
            "DELETE FROM marts.commitments WHERE commitment_id IN ('P002', 'C002')",
        ],
    )
    checks = by_id(run_audit(fx.settings, fx.build_db, fx.run_dir))
    c = checks["completeness.rows_accounted_for"]
    assert figures(c) == ("FAIL", "5", "4", "-1") and c["unit"] == "rows"
    assert c["failing_rows"][0]["file_name"] == "budget-2019-20.csv"
    c = checks["completeness.rows_loaded_match_raw"]
    assert figures(c) == ("FAIL", "1", "0", "-1")
    assert c["failing_rows"][0]["measure"] == "lines loaded" and c["failing_rows"][0]["feed"] == "grant_awards"
    assert figures(checks["completeness.control_total"]) == ("FAIL", "900.00", "850.00", "-50.00")
    assert figures(checks["completeness.control_total_quarantined"]) == ("WARN", "12100.00", "12000.00", "-100.00")
    c = checks["completeness.transactions_amount_preserved"]
    assert figures(c) == ("FAIL", "12850.00", "13100.00", "250.00")
    assert [r["stage"] for r in c["failing_rows"]] == ["staging.stg_raw__transactions"]
    assert figures(checks["completeness.transactions_count_preserved"]) == ("FAIL", "5", "4", "-1")
    assert figures(checks["completeness.commitments_count_preserved"]) == ("FAIL", "4", "3", "-1")
    assert figures(checks["completeness.planned_count_preserved"]) == ("FAIL", "2", "1", "-1")
    assert figures(checks["completeness.planned_amount_preserved"]) == ("FAIL", "551000.00", "523000.00", "-28000.00")
    for cid in ("completeness.control_total", "completeness.rows_accounted_for", "completeness.control_total_quarantined"):
        assert (fx.run_dir / "failures" / f"{cid}.csv").exists()


def test_commitments_ppa_and_register_failures(tmp_path):
    row = ("INSERT INTO marts.commitments VALUES ('2019/20', '{id}-2019/20', '{id}', 'Crafted', '{provider}', 'Contract', "
           "'{fund}', 'Fund', '{source}', '{pillar}', 'Pillar', 'committed', DATE '{start}', DATE '{end}', {annual}, 12, {value}, 11, true)")
    fx = build_fixture(
        tmp_path,
        raw_sql=["UPDATE ppa_receipts SET net_amount = 650.00 WHERE line_number = 2"],
        build_sql=[
            "UPDATE marts.funding_source_position SET committed = 950000.00 WHERE financial_year = '2019/20' AND funding_source_code = 'MOJ'",
            # MoJ (ring-fenced) money on the PCC's Safety Fund: a commitment and a budget line.
            row.format(id="C099", provider="NHS Dorset", fund="CSF", source="MOJ", pillar="PROTECT", start="2019-04-01", end="2020-03-31", annual="10000.00", value="10000.00"),
            "UPDATE intermediate.int_budgets_resolved SET fund_code = 'LIF' WHERE line_number = 5",
            # Police Property Act Fund ledger: May overdrawn, April net wrong, May opening not April's closing.
            "UPDATE marts.community_grant_fund SET opening_balance = 45000.00, grants_awarded = 45500.00, closing_balance = -500.00 WHERE month_start = DATE '2019-05-01'",
            "UPDATE marts.community_grant_fund SET ppa_receipts = 1100.00 WHERE month_start = DATE '2019-04-01'",
            # Register sanity.
            row.format(id="C098", provider="Backwards Ltd", fund="CSF", source="PCC", pillar="PROTECT", start="2019-10-01", end="2019-06-30", annual="1000.00", value="0.00"),
            row.format(id="C097", provider='=HYPERLINK("http://x","y")', fund="CSF", source="PCC", pillar="PROTECT", start="2019-04-01", end="2020-03-31", annual="-5000.00", value="-5000.00"),
            row.format(id="C096", provider="Nobody", fund="XYZ", source="PCC", pillar="NOPE", start="2019-04-01", end="2020-03-31", annual="1.00", value="1.00"),
        ],
    )
    checks = by_id(run_audit(fx.settings, fx.build_db, fx.run_dir))
    c = checks["commitments.committed_within_budget"]
    assert figures(c) == ("FAIL", "900000.00", "950000.00", "50000.00")
    assert c["failing_rows"][0]["funding_source_code"] == "MOJ"
    c = checks["commitments.allocation_within_tolerance"]
    assert figures(c) == ("WARN", "2400000.00", "2489000.00", "89000.00") and c["failing_rows_count"] == 2
    c = checks["commitments.ring_fence_eligible"]
    assert figures(c) == ("FAIL", "0", "2", "2") and c["unit"] == "rows"
    assert sorted((r["kind"], r["fund_code"]) for r in c["failing_rows"]) == [("budget line", "LIF"), ("commitment", "CSF")]
    c = checks["ppa.closing_balance_not_negative"]
    assert figures(c) == ("FAIL", "0.00", "-500.00", "-500.00") and c["expected_label"] == "at least"
    assert c["failing_rows"][0]["month_label"] == "May 2019"
    assert figures(checks["ppa.net_equals_gross_less_costs"]) == ("FAIL", "1000.00", "1100.00", "100.00")
    assert figures(checks["ppa.closing_balance_rolls_forward"]) == ("FAIL", "46100.00", "46000.00", "-100.00")
    assert figures(checks["ppa.opening_equals_previous_closing"]) == ("FAIL", "46000.00", "45000.00", "-1000.00")
    assert figures(checks["ppa.receipt_lines_net"]) == ("FAIL", "600.00", "650.00", "50.00")
    for cid, bad in (("register.end_not_before_start", "C098"), ("register.values_non_negative", "C097"), ("register.known_fund_and_pillar", "C096")):
        assert figures(checks[cid]) == ("FAIL", "0", "1", "1"), cid
        assert checks[cid]["failing_rows"][0]["commitment_id"] == bad
    # The failing rows CSV: formula text neutralised, the negative value kept a number.
    with (fx.run_dir / "failures" / "register.values_non_negative.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["provider"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert rows[0]["annual_value"] == "-5000.00" and rows[0]["value"] == "-5000.00"
