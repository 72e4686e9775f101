"""Mapping rules on real dbt and DuckDB (docs/mapping.md): a cost centre re-mapped from 1 April 2020 moves
2020/21 and leaves 2019/20's fund figures as they were, through the incremental spend_transactions as through
a full rebuild; an expense-type prefix maps Lancashire OPCC's real ledger, which has no expense area.

The rules are edited in the test's data directory's reference, never in the repository."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc.config import FEEDS, PROJECT_ROOT, Settings
from opcc.datadir import ensure_demo_reference
from opcc.dbt_runner import run_dbt
from opcc.ingest import ingest_feed

pytestmark = pytest.mark.e2e

DEMO = PROJECT_ROOT / "seeds" / "demo"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-extracts"
LANCASHIRE = REAL / "lancashire-pcc-spend-over-500-2023-24.xlsx"
MOVED_AREA = "OPCC Commissioning - Local Innovation Fund"  # LIF, from 1 April 2020 charged to CSF


def write_rules(settings: Settings, edit: list[dict[str, str]] | None = None,
                add: list[dict[str, str]] | None = None) -> None:
    """The demo's mapping rules in the data directory's reference, edited (`edit`: rows whose expense_area matches
    get the given values) and extended (`add`): what the next dbt run seeds."""
    rules_file = settings.reference_dir / "fund_mapping_rules.csv"
    shutil.rmtree(settings.reference_dir, ignore_errors=True)
    ensure_demo_reference(settings)
    with rules_file.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rules = list(reader.fieldnames or []), list(reader)
    for change in edit or []:
        for rule in rules:
            if rule["expense_area"] == change["expense_area"]:
                rule.update(change)
    with rules_file.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rules + [{c: r.get(c, "") for c in header} for r in add or []])


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def actuals(db: Path, year: str) -> dict[str, Decimal]:
    return dict(rows(db, f"SELECT fund_code, actual FROM marts.fund_position WHERE financial_year = '{year}'"))


def test_cost_centre_remapped_from_april_2020_leaves_2019_20_unchanged(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copytree(DEMO, settings.landing_dir)
    for feed in FEEDS:
        ingest_feed(settings, feed)
    settings.builds_dir.mkdir(parents=True)
    before = settings.builds_dir / "before.duckdb"
    write_rules(settings)
    built = run_dbt(settings, before, "build")
    assert built.ok, built.message

    # The Local Innovation Fund's cost centre is charged to the Safety Fund from 1 April 2020.
    write_rules(
        settings,
        edit=[{"expense_area": MOVED_AREA, "effective_to": "2020-03-31"}],
        add=[{"expense_area": MOVED_AREA, "fund_code": "CSF", "effective_from": "2020-04-01",
              "note": "PCC Decision Notice 2020/001 (illustrative)"}])
    after = settings.builds_dir / "after.duckdb"  # last night's build, then tonight's incremental one
    shutil.copyfile(before, after)
    built = run_dbt(settings, after, "build")
    assert built.ok, built.message

    # 2019/20: every fund's figures, and budget against actual, as they were.
    for sql in ("SELECT * FROM marts.fund_position WHERE financial_year = '2019/20' ORDER BY ALL",
                "SELECT * FROM marts.budget_vs_actual WHERE financial_year = '2019/20' ORDER BY ALL",
                "SELECT * FROM marts.funding_source_position WHERE financial_year = '2019/20' ORDER BY ALL"):
        assert rows(after, sql) == rows(before, sql), sql
    was, now = actuals(before, "2020/21"), actuals(after, "2020/21")
    assert was["LIF"] > 0 and now["LIF"] == 0
    assert now["CSF"] == was["CSF"] + was["LIF"]
    assert sum(now.values()) == sum(was.values())
    assert {k: v for k, v in now.items() if k not in ("CSF", "LIF")} == {
        k: v for k, v in was.items() if k not in ("CSF", "LIF")}
    # budget_vs_actual keeps its cost-centre grain: the moved cost centre's 2020/21 spend now sits under CSF
    moved_spend = rows(after, f"""SELECT fund_code, sum(actual) FROM marts.budget_vs_actual
                                  WHERE financial_year = '2020/21' AND cost_centre = '{MOVED_AREA}'
                                  GROUP BY fund_code HAVING sum(actual) <> 0""")
    assert moved_spend == [("CSF", was["LIF"])]
    # each line says which rule charged it
    assert rows(after, f"""SELECT DISTINCT financial_year, fund_code, mapping_rule FROM marts.spend_transactions
                           WHERE expense_area = '{MOVED_AREA}' AND financial_year IN ('2019/20', '2020/21')
                           ORDER BY 1""") == [
        ("2019/20", "LIF", f"expense_area = {MOVED_AREA}; from 2012-11-22; to 2020-03-31"),
        ("2020/21", "CSF", f"expense_area = {MOVED_AREA}; from 2020-04-01")]

    # The incremental night re-mapped the stored lines exactly as a rebuild from nothing does.
    full = settings.builds_dir / "full.duckdb"
    built = run_dbt(settings, full, "build", "--full-refresh")
    assert built.ok, built.message
    for mart in ("spend_transactions", "fund_position", "budget_vs_actual"):
        sql = f"SELECT * FROM marts.{mart} ORDER BY ALL"
        assert rows(after, sql) == rows(full, sql), mart


@pytest.mark.skipif(not LANCASHIRE.exists(), reason=f"the real published extracts are not here ({REAL})")
def test_expense_type_prefix_maps_lancashire_commissioning(tmp_path: Path) -> None:
    """Lancashire OPCC's 2023/24 ledger marks commissioning by expense type (`PCC Commissioning - Public
    Protection`, `PCC Commissioning - Community Liason`): one prefix rule charges exactly those lines."""
    settings = Settings(data_dir=tmp_path / "data")
    (settings.landing_dir / "transactions").mkdir(parents=True)
    shutil.copyfile(LANCASHIRE, settings.landing_dir / "transactions" / LANCASHIRE.name)
    [result] = ingest_feed(settings, "transactions")
    assert result.rows_loaded == 9289, result.line()
    write_rules(settings, add=[
        {"expense_type": "pcc commissioning - %", "fund_code": "VCF", "effective_from": "2023-04-01"}])
    settings.builds_dir.mkdir(parents=True)
    build = settings.builds_dir / "lancashire.duckdb"
    # the mapping and what it reads, seeds included (this test is about mapping, not about the whole night)
    built = run_dbt(settings, build, "build", "--select", "+int_transactions_mapped",
                    "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    assert built.ok, built.message

    con = duckdb.connect(str(build), read_only=True)
    try:
        con.execute(f"ATTACH '{settings.raw_db}' AS raw (READ_ONLY)")
        by_fund = {fund: (n, total) for fund, n, total in con.execute(
            """SELECT fund_code, count(*), sum(amount) FROM intermediate.int_transactions_mapped
               GROUP BY fund_code""").fetchall()}
        types = dict(con.execute(
            """SELECT expense_type, sum(amount) FROM intermediate.int_transactions_mapped
               WHERE fund_code = 'VCF' GROUP BY expense_type""").fetchall())
    finally:
        con.close()
    assert types == {"PCC Commissioning - Public Protection": Decimal("3584614.59"),
                     "PCC Commissioning - Community Liason": Decimal("1308647.28")}
    assert by_fund["VCF"] == (145, Decimal("4893261.87"))
    # every other line is there, unmapped: no pound lost
    assert set(by_fund) == {"VCF", "UNMAPPED"}
    assert by_fund["VCF"][0] + by_fund["UNMAPPED"][0] == 9289
    assert by_fund["VCF"][1] + by_fund["UNMAPPED"][1] == Decimal("104322773.62")
