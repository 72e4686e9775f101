"""The quarterly budget monitoring pages: one self-contained file per quarter, its figures the marts', and it
prints on A4 (Chromium lays it out as print at A4's width: no table or chart runs past the page)."""

from __future__ import annotations

import re
from decimal import Decimal

import chromium_cdp
import duckdb
import pytest
from audit_fixture import baseline
from print_a4 import print_layout

from opcc.report import monitoring
from opcc.report.formatting import gbp
from opcc.report.render import write_monitoring_pages


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    _, build_db = baseline()
    folder = tmp_path_factory.mktemp("run")
    return folder, build_db, write_monitoring_pages(folder, build_db)


def test_a_page_per_quarter_of_every_monitored_year(pages):
    folder, build_db, section = pages
    with duckdb.connect(str(build_db), read_only=True) as con:
        years = [r[0] for r in con.execute(
            "SELECT DISTINCT financial_year FROM marts.budget_monitoring ORDER BY 1").fetchall()]
    expected = [f"budget-monitoring-{y.replace('/', '-')}-Q{q}.html" for y in years for q in (1, 2, 3, 4)]
    assert years == ["2018/19", "2019/20", "2020/21"]
    assert sorted(p.name for p in folder.glob("budget-monitoring-*.html")) == sorted(expected)
    assert [p.file_name for p in section.pages] == expected
    for name in expected:  # self-contained: nothing fetched from anywhere
        html = (folder / name).read_text()
        assert not re.search(r"""(src|href)=["'](https?:|//)""", html) and "<script" not in html


@pytest.mark.skipif(not chromium_cdp.available(), reason="chromium not installed")
def test_panel_page_shows_the_marts_figures_and_prints_on_a4(pages, tmp_path):
    folder, build_db, _ = pages
    with duckdb.connect(str(build_db), read_only=True) as con:
        rows = con.execute("""SELECT fund_name, revised_budget, actual_to_date, forecast_outturn, forecast_variance,
                                     rag_status
                              FROM marts.budget_monitoring WHERE month_end = DATE '2019-09-30'""").fetchall()
    layout, pdf = print_layout((folder / "budget-monitoring-2019-20-Q2.html").as_uri(), tmp_path / "profile")
    text = layout["text"]
    assert "Budget monitoring 2019/20, quarter 2" in text and "30 September 2019" in text
    lines = text.splitlines()
    for fund, revised, actual, forecast, variance, rag in rows:
        line = next(ln for ln in lines if ln.startswith(f"{fund}\t"))  # the fund table comes first
        cells = line.split("\t")
        assert cells[3] == gbp(revised) and cells[5] == gbp(actual) and cells[10] == gbp(forecast), line
        assert cells[11] == gbp(variance) and cells[12] == rag, line
    # The crafted LIF: 500,000 against 178,000 committed and 523,000 planned, so over budget, RED, and said so.
    lif = next(r for r in rows if r[0] == "Local Innovation Fund")
    assert lif[5] == "RED" and lif[4] < 0
    assert f"Local Innovation Fund forecast {gbp(-lif[4])} over budget: planned projects exceed the budget." in text
    assert layout["overflowing"] == [], layout["overflowing"]
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    sizes = {tuple(round(float(v)) for v in m) for m in boxes}
    assert sizes == {(595, 842)}, sizes  # A4 in points


def test_notes_word_the_variances():
    row = {"fund_name": "Local Innovation Fund", "fund_code": "LIF", "revised_budget": Decimal("650000"),
           "actual_to_date": Decimal("85000"), "committed_remaining": Decimal("93000"),
           "planned_remaining": Decimal("523000"), "run_rate_remaining": Decimal("0"),
           "forecast_outturn": Decimal("701000"), "forecast_variance": Decimal("-51000"), "rag_status": "RED",
           "ring_fenced": False}
    assert monitoring.note(row) == (
        "Local Innovation Fund forecast £51,000 over budget: planned projects exceed the budget.")
    under = {**row, "fund_name": "Victims Core Fund", "forecast_variance": Decimal("105000"), "rag_status": "AMBER",
             "ring_fenced": True, "forecast_outturn": Decimal("745000")}
    assert monitoring.note(under) == ("Victims Core Fund forecast £105,000 under budget. "
                                      "This is ring-fenced money the PCC must not lose.")
    assert monitoring.note({**row, "rag_status": "GREEN"}) is None
