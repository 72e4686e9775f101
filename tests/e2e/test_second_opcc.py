"""End to end: a second OPCC onboards without touching the code (issue 21). `opcc init DIR` makes a blank data
directory; the test fills its reference and settings as Lancashire's finance officer would (docs/onboarding.md walks
through the same values), lands Lancashire OPCC's real 2023/24 spend workbook, and runs ONE real Airflow night.

The night publishes; the two commissioning funds' actuals are the `PCC Commissioning - ...` lines of the workbook
(read here independently); every other line is in spend_transactions, UNMAPPED; and nothing of the demo's OPCC
(Dorset) shows in the report, the marts or the publications. The budget figures are illustrative."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook
from real_extracts import REAL, published_files
from test_nightly_run import opcc

from opcc import run_outcome, run_record

LANCASHIRE = REAL / "lancashire-pcc-spend-over-500-2023-24.xlsx"
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not LANCASHIRE.exists(), reason=f"Lancashire's real workbook is not here ({REAL})")]
REPO = Path(__file__).resolve().parents[2]

# The reference a finance officer at Lancashire fills in: each table's rows under the header `opcc init` wrote.
REFERENCE = {
    "bodies": ["LANCS_PCC,Police and Crime Commissioner for Lancashire,PCC,Lancashire,2012-11-22,"],
    "funding_sources": ["PCC,PCC's own commissioning budget,false,,Police and Crime Commissioner for Lancashire",
                        "MOJ,Ministry of Justice victims grant,true,Victim services,Ministry of Justice"],
    "funds": ["PUBPROT,Public Protection commissioning,Commissioning,PCC,LANCS_PCC,false,",
              "COMMLIA,Community Liaison commissioning,Commissioning,PCC,LANCS_PCC,false,"],
    "pillars": ["LOCAL,Protecting Local Policing,Police and Crime Plan 2021-2025,2021-05-13,",
                "CRIME,Cracking Down on Crime,Police and Crime Plan 2021-2025,2021-05-13,",
                "VICTIMS,Supporting Victims,Police and Crime Plan 2021-2025,2021-05-13,"],
    "budget_controls": ["2023/24,commissioning_total,Commissioning budget 2023/24,Commissioning,false,5000000.00"],
    "fund_mapping_rules": [
        ",PCC Commissioning - Public Protection,,,,,PUBPROT,,,Expenditure Category in the spend over £500 workbook",
        ",PCC Commissioning - Community Liason,,,,,COMMLIA,,,Spelt as the ledger spells it"],
}
BUDGETS = """Financial Year,Funding Source,Fund,Description,Amount
2023/24,PCC,PUBPROT,Public Protection commissioning (illustrative),3700000.00
2023/24,PCC,COMMLIA,Community Liaison commissioning (illustrative),1300000.00
"""
SETTINGS = """
publisher_prefix = "lancashireopcc"
funding_org_id = "360G-lancashireopcc-PCC"
funding_org_name = "Police and Crime Commissioner for Lancashire"
police_force_area_code = "E23000003"
police_force_area_name = "Lancashire"
publications_url = "https://www.lancashire-pcc.gov.uk/transparency/"
"""
FUNDS = {"PUBPROT": "PCC Commissioning - Public Protection", "COMMLIA": "PCC Commissioning - Community Liason"}


def fill_reference(reference: Path) -> None:
    """Each blank table keeps the header `opcc init` wrote; its commented example row gives way to the OPCC's rows."""
    for table, rows in REFERENCE.items():
        path = reference / f"{table}.csv"
        header, example = path.read_text(encoding="utf-8").splitlines()
        assert example.startswith("# ")
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    data = tmp_path_factory.mktemp("lancashire") / "data"
    init = opcc(data, "init", str(data))
    assert init.returncode == 0, init.stdout + init.stderr
    fill_reference(data / "reference")
    with (data / "opcc.toml").open("a", encoding="utf-8") as fh:
        fh.write(SETTINGS)
    checked = opcc(data, "check-reference")
    assert checked.returncode == 0 and "reference data OK" in checked.stdout, checked.stdout + checked.stderr
    (data / "landing" / "budgets" / "lancashire-commissioning-budget-2023-24.csv").write_text(BUDGETS)
    shutil.copy(LANCASHIRE, data / "landing" / "transactions" / LANCASHIRE.name)
    return data, opcc(data, "run")


@pytest.fixture(scope="module")
def warehouse(night: tuple[Path, subprocess.CompletedProcess[str]]) -> Iterator[duckdb.DuckDBPyConnection]:
    data, proc = night
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def workbook_lines() -> list[tuple[str, Decimal]]:
    """(expenditure category, amount to 2 dp) of every data line of the workbook, every sheet (PROVENANCE.md: the
    header on row 1, blank rows after the data in May and November, amounts with float artefacts)."""
    book = CalamineWorkbook.from_path(str(LANCASHIRE))
    lines = []
    for name in book.sheet_names:
        header, *rows = book.get_sheet_by_name(name).to_python()
        assert header[:4] == ["* Expenditure Category", "* Date", "TOTAL", "* SUPPLIER FINAL"], name
        lines += [(str(r[0]).strip(), Decimal(repr(float(r[2]))).quantize(Decimal("0.01")))
                  for r in rows if any(str(c).strip() for c in r[:4])]
    return lines


def test_the_night_publishes(night: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    data, proc = night
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (data / "warehouse.duckdb").resolve().is_file()
    run_dir = run_record.latest_run(data / "reports")
    assert run_dir is not None
    assert run_outcome.explain(run_record.read(run_dir)).code == run_outcome.PUBLISHED
    checks = {c["id"]: c for c in run_record.read_checks(run_dir) or []}
    assert [i for i, c in checks.items() if c["status"] == "FAIL"] == []
    # Lancashire's own budget control is reconciled, whatever it is called: the budget extract totals 5,000,000.
    control = checks["budget.priority_commissioning_total"]
    assert (control["status"], control["expected"], control["actual"]) == ("PASS", "5000000.00", "5000000.00")
    assert (data / "publications" / "spend-over-500" / "2023-04").is_dir()


def test_commissioning_funds_actuals_are_the_workbooks_commissioning_lines(
        warehouse: duckdb.DuckDBPyConnection) -> None:
    by_category: dict[str, Decimal] = {}
    for category, amount in workbook_lines():
        by_category[category] = by_category.get(category, Decimal(0)) + amount
    position = {fund: (budget, actual) for fund, budget, actual in warehouse.execute(
        "SELECT fund_code, budget, actual FROM marts.fund_position WHERE financial_year = '2023/24'").fetchall()}
    assert {fund: position[fund][1] for fund in FUNDS} == {fund: by_category[c] for fund, c in FUNDS.items()}
    assert {fund: position[fund][0] for fund in FUNDS} == {"PUBPROT": Decimal("3700000.00"),
                                                           "COMMLIA": Decimal("1300000.00")}


def test_every_other_line_is_in_spend_transactions(warehouse: duckdb.DuckDBPyConnection) -> None:
    [published] = [f for f in published_files() if f.name == LANCASHIRE.name]
    assert (published.rows, published.total) == (9289, Decimal("104322773.62"))  # PROVENANCE.md
    by_fund = {fund: (n, total) for fund, n, total in warehouse.execute(
        "SELECT fund_code, count(*), sum(amount) FROM marts.spend_transactions GROUP BY 1").fetchall()}
    assert set(by_fund) == {*FUNDS, "UNMAPPED"}
    assert sum(n for n, _ in by_fund.values()) == published.rows
    assert sum(total for _, total in by_fund.values()) == published.total
    others = [amount for category, amount in workbook_lines() if not category.startswith("PCC Commissioning - ")]
    assert by_fund["UNMAPPED"] == (len(others), sum(others))


def demo_settings() -> set[str]:
    """The demo's own settings (seeds/demo/opcc.toml: Dorset's publisher prefix, funder, force area, web page)."""
    with (REPO / "seeds" / "demo" / "opcc.toml").open("rb") as fh:
        return {str(v) for v in tomllib.load(fh).values()}


def demo_names() -> set[str]:
    """What only the demo's OPCC has: the word Dorset, its settings, and its bodies, funds, schemes and pillars
    (seeds/reference/)."""
    def column(table: str, *names: str) -> set[str]:
        with (REPO / "seeds" / "reference" / f"{table}.csv").open(encoding="utf-8") as fh:
            return {row[n] for row in csv.DictReader(fh) for n in names}

    return {"Dorset", *demo_settings(), *column("bodies", "body_code", "body_name"),
            *column("funds", "fund_name", "scheme"), *column("pillars", "pillar_name")}


def leaks(text: str, allowed: set[str], names: set[str]) -> set[str]:
    """The `names` in `text`, once the OPCC's own ledger values that contain one are taken out."""
    for value in allowed:
        text = re.sub(re.escape(value), "", text, flags=re.IGNORECASE)
    return {name for name in names if name.lower() in text.lower()}


def ledger_values_naming_the_demo() -> set[str]:
    """Lancashire's own lines may name Dorset: it paid `DORSET POLICE AUTHORITY`. That is its data, not ours."""
    names = [n.lower() for n in demo_names()]
    book = CalamineWorkbook.from_path(str(LANCASHIRE))
    return {str(cell).strip() for sheet in book.sheet_names for row in book.get_sheet_by_name(sheet).to_python()
            for cell in row if isinstance(cell, str) and any(n in cell.lower() for n in names)}


def test_no_dorset_name_or_setting_in_report_marts_or_publications(
        night: tuple[Path, subprocess.CompletedProcess[str]], warehouse: duckdb.DuckDBPyConnection) -> None:
    data, _ = night
    assert "Police and Crime Commissioner for Dorset" in demo_names() and "dorsetopcc" in demo_names()
    allowed = ledger_values_naming_the_demo()
    assert allowed == {"DORSET POLICE AUTHORITY"}
    found = {}
    # dbt's docs document the project's models and their unit tests' fixtures, whose examples are the demo's funds
    # and pillars: there only the word Dorset and the demo's settings would be a leak.
    for page in sorted((data / "reports").rglob("*.html")):
        names = {"Dorset", *demo_settings()} if "dbt_docs" in page.parts else demo_names()
        found[str(page.relative_to(data))] = leaks(page.read_text(encoding="utf-8", errors="replace"), allowed, names)
    publications = [p for p in sorted((data / "publications").rglob("*")) if p.is_file()]
    assert publications
    for path in publications:
        found[str(path.relative_to(data))] = leaks(path.read_text(encoding="utf-8-sig", errors="replace"), allowed,
                                                   demo_names())
    for table, column_name in warehouse.execute(
            """SELECT table_name, column_name FROM information_schema.columns
               WHERE table_schema = 'marts' AND data_type = 'VARCHAR'""").fetchall():
        values = warehouse.execute(f'SELECT DISTINCT "{column_name}" FROM marts."{table}"').fetchall()
        found[f"marts.{table}.{column_name}"] = leaks("\n".join(str(v) for (v,) in values if v is not None), allowed,
                                                      demo_names())
    assert {where: names for where, names in found.items() if names} == {}
    # What the report and the publications say instead: Lancashire's own names.
    report = (data / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Public Protection commissioning" in report
    first = next((data / "publications" / "spend-over-500" / "2023-04").glob("*.csv")).read_text(encoding="utf-8-sig")
    assert first.splitlines()[1].startswith("Police and Crime Commissioner for Lancashire,")


def test_a_published_line_says_what_it_bought(night: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Purpose is the fund's name; a line no rule maps gives its expense type, never the word UNMAPPED."""
    data, _ = night
    purposes = {}
    for path in (data / "publications" / "spend-over-500").rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                purposes[row["ExpenseType"]] = purposes.get(row["ExpenseType"], set()) | {row["Purpose"]}
    assert purposes.pop("PCC Commissioning - Public Protection") == {"Public Protection commissioning"}
    assert purposes.pop("PCC Commissioning - Community Liason") == {"Community Liaison commissioning"}
    assert purposes and all(purpose == {expense_type} for expense_type, purpose in purposes.items())
