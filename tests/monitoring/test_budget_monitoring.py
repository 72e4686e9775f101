"""Budget monitoring on crafted extracts whose figures are worked by hand, built by dbt as a night does, then
reconciled by the GX checks (expectations/monitoring/) and shown on the quarterly panel pages.

The hand-worked year, 2019/20, fund CSF (Commissioner's Safety Fund):
- budget 120,000, straight-line: 60,000 profiled by 30 September;
- spent by 30 September 55,000: the contract's 2,000 a month for six months (12,000) and 43,000 else;
- a contract at 24,000 a year, paid monthly, running to September 2020: six months left, 12,000;
- a planned project of 10,000 (and one on hold, one cancelled: not in the forecast);
- the 43,000 no commitment explains, at its rate of six months, for six months more: 43,000;
- forecast 55,000 + 12,000 + 10,000 + 43,000 = 120,000.
A virement moves 12,000 from CSF to LIF on 15 October 2019; 8,000 is carried forward to LIF from 2018/19.
"""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc import pipeline
from opcc.audit import run_audit
from opcc.config import FEEDS, Settings
from opcc.datadir import ensure_demo_reference
from opcc.ingest import ingest_feed

D = Decimal
SPEND_HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
CSF = "OPCC Commissioning - Safety Fund"
CONTRACT = "".join(f"PCC,15/{m:02d}/2019,C{m},Contract,{CSF},Dorset Council,2000.00\n" for m in range(4, 10))
OTHER = f"PCC,20/05/2019,X1,Grants,{CSF},Community Trust,20000.00\nPCC,20/08/2019,X2,Grants,{CSF},Youth Club,23000.00\n"

EXTRACTS: dict[str, dict[str, str]] = {
    "transactions": {"spend-2019-20.csv": SPEND_HEADER + CONTRACT + OTHER},
    "budgets": {
        "budget-2019-20.csv": (
            "Financial Year,Funding Source,Fund,Cost Centre,Description,Amount\n"
            "2019/20,PCC,CSF,,Safety Fund,120000.00\n"
            "2019/20,PCC,LIF,,Innovation,30000.00\n"
        ),
        "budget-changes-2019-20.csv": (
            "Financial Year,Funding Source,Fund,Description,Amount,Budget Change,Change Date,Decision Reference\n"
            "2019/20,PCC,CSF,Virement to LIF,-12000.00,Virement,15/10/2019,PCC Decision 2019/01\n"
            "2019/20,PCC,LIF,Virement from CSF,12000.00,Virement,15/10/2019,PCC Decision 2019/01\n"
            "2019/20,PCC,LIF,Carried forward from 2018/19,8000.00,Carry forward,,Outturn report 2018/19\n"
        ),
    },
    "commitments": {
        "register.csv": (
            "Commitment ID,Title,Provider,Commitment Type,Fund,Main Pillar,Start Date,End Date,Annual Value\n"
            "C1,Community safety,Dorset Council,Contract,CSF,PROTECT,01/10/2018,30/09/2020,24000.00\n"
        ),
    },
    "planned_projects": {
        "planned.csv": (
            "Project ID,Title,Proposed Provider,Fund,Main Pillar,Financial Year,Anticipated Spend,Status\n"
            "P1,Knife crime prevention,,CSF,PROTECT,2019/20,10000.00,Proposed\n"
            "P2,Street triage,,CSF,PROTECT,2019/20,7000.00,On hold\n"
            "P3,Fly tipping,,CSF,COMMUNITIES,2019/20,5000.00,Cancelled\n"
        ),
    },
}


def build(root: Path, extracts: dict[str, dict[str, str]]) -> tuple[Settings, Path, Path]:
    settings = Settings(data_dir=root / "data")
    ensure_demo_reference(settings)
    for feed, files in extracts.items():
        (settings.landing_dir / feed).mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (settings.landing_dir / feed / name).write_text(text, encoding="utf-8")
    for feed in FEEDS:
        ingest_feed(settings, feed)
    run_dir = root / "run"
    run_dir.mkdir()
    return settings, Path(pipeline.build(settings, str(run_dir))), run_dir


@pytest.fixture(scope="module")
def crafted():
    root = Path(tempfile.mkdtemp(prefix="opcc-monitoring-"))
    try:
        yield build(root, EXTRACTS)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def position(build_db: Path, fund: str, month_end: str) -> dict:
    with duckdb.connect(str(build_db), read_only=True) as con:
        cur = con.execute("FROM marts.budget_monitoring WHERE financial_year = '2019/20' AND fund_code = ? "
                          "AND month_end = CAST(? AS DATE)", [fund, month_end])
        return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def test_forecast_terms_equal_the_hand_worked_figures(crafted):
    _, build_db, _ = crafted
    row = position(build_db, "CSF", "2019-09-30")
    assert {k: row[k] for k in ("original_budget", "virements", "carry_forwards", "revised_budget",
                                "profiled_budget_to_date", "actual_to_date", "variance_to_profile",
                                "committed_remaining", "planned_remaining", "run_rate_remaining",
                                "forecast_outturn", "forecast_variance", "rag_status")} == {
        "original_budget": D("120000.00"), "virements": D("0.00"), "carry_forwards": D("0.00"),
        "revised_budget": D("120000.00"), "profiled_budget_to_date": D("60000.00"), "actual_to_date": D("55000.00"),
        "variance_to_profile": D("5000.00"), "committed_remaining": D("12000.00"), "planned_remaining": D("10000.00"),
        "run_rate_remaining": D("43000.00"), "forecast_outturn": D("120000.00"), "forecast_variance": D("0.00"),
        "rag_status": "GREEN"}


def test_virement_and_carry_forward_revise_the_budget_from_their_month(crafted):
    _, build_db, _ = crafted
    # The virement takes effect in October: CSF 120,000 - 12,000 = 108,000, profiled 7/12 = 63,000.
    october = position(build_db, "CSF", "2019-10-31")
    assert (october["virements"], october["revised_budget"], october["profiled_budget_to_date"]) == (
        D("-12000.00"), D("108000.00"), D("63000.00"))
    # In October CSF is forecast over its revised budget: 55,000 + 10,000 (five months of the contract) + 10,000
    # planned + (55,000 - 14,000) x 5 / 7 = 29,285.71 run-rate = 104,285.71, so 3,714.29 under: GREEN.
    assert october["forecast_outturn"] == D("104285.71") and october["rag_status"] == "GREEN"
    lif = position(build_db, "LIF", "2019-09-30")  # the carry-forward has no date: it counts from April
    assert (lif["carry_forwards"], lif["virements"], lif["revised_budget"]) == (D("8000.00"), D("0.00"), D("38000.00"))
    assert position(build_db, "LIF", "2020-03-31")["revised_budget"] == D("50000.00")
    # Funding-source position, at the ledger's last month (September): PCC's original 150,000, revised 158,000 (the
    # virement nets to zero, the carry-forward adds 8,000); forecast CSF 120,000 + LIF nothing.
    with duckdb.connect(str(build_db), read_only=True) as con:
        pcc = con.execute("SELECT budget, revised_budget, forecast_outturn, forecast_as_at "
                          "FROM marts.funding_source_position WHERE financial_year = '2019/20' "
                          "AND funding_source_code = 'PCC'").fetchone()
    assert pcc[:3] == (D("150000.00"), D("158000.00"), D("120000.00"))
    assert str(pcc[3]) == "2019-09-30"


def test_year_end_forecast_is_the_actual(crafted):
    _, build_db, _ = crafted
    march = position(build_db, "CSF", "2020-03-31")
    assert march["forecast_outturn"] == march["actual_to_date"] == D("55000.00")
    assert (march["committed_remaining"], march["planned_remaining"], march["run_rate_remaining"]) == (0, 0, 0)


def test_monitoring_checks_pass_then_fail_when_broken(crafted, tmp_path):
    settings, build_db, run_dir = crafted
    checks = {c["id"]: c for c in run_audit(settings, build_db, run_dir) if c["id"].startswith("monitoring.")}
    assert {k: c["status"] for k, c in checks.items()} == {
        "monitoring.revised_budget_reconciles": "PASS", "monitoring.virements_net_to_zero": "PASS",
        "monitoring.forecast_adds_up": "PASS", "monitoring.forecast_without_budget_explained": "PASS"}
    # Broken copies: a virement that does not net to zero, a forecast that lost its planned term, and spend on a
    # fund with no budget and nothing else paying for it.
    raw, build = tmp_path / "raw.duckdb", tmp_path / "build.duckdb"
    shutil.copy(settings.raw_db, raw)
    shutil.copy(build_db, build)
    with duckdb.connect(str(raw)) as con:
        con.execute("UPDATE budgets SET amount = 11000.00 WHERE budget_change = 'Virement' AND fund = 'LIF'")
    with duckdb.connect(str(build)) as con:
        con.execute("UPDATE marts.budget_monitoring SET forecast_outturn = forecast_outturn - planned_remaining "
                    "WHERE fund_code = 'CSF' AND month_end = DATE '2019-09-30'")
        con.execute("UPDATE marts.budget_monitoring SET forecast_outturn = 700.00, actual_to_date = 700.00 "
                    "WHERE fund_code = 'VCF' AND is_latest")
    broken_settings = Settings(data_dir=tmp_path)
    (tmp_path / "run").mkdir()
    broken = {c["id"]: c for c in run_audit(broken_settings, build, tmp_path / "run")}
    virements = broken["monitoring.virements_net_to_zero"]
    assert (virements["status"], virements["expected"], virements["actual"]) == ("FAIL", "0.00", "-1000.00")
    assert broken["monitoring.revised_budget_reconciles"]["status"] == "FAIL"
    forecast = broken["monitoring.forecast_adds_up"]
    assert (forecast["status"], forecast["expected"], forecast["actual"], forecast["difference"]) == (
        "FAIL", "120000.00", "110000.00", "-10000.00")
    unexplained = broken["monitoring.forecast_without_budget_explained"]
    assert (unexplained["status"], unexplained["actual"]) == ("WARN", "700.00")
    assert unexplained["failing_rows"][0]["fund_name"] == "Victims Core Fund"
