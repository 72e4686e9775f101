"""The reference data is checked before a night uses it: each kind of problem is one line naming the file (and
sheet), the row as Excel shows it, the column, the value and what was expected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from opcc.datadir import DEMO_REFERENCE, write_blank_reference
from opcc.reference.checks import check_folder

FUNDS = "CGS, CSF, INNOV, LIF, VCF, VFCSA, WELL"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the demo's reference, for a test to break."""
    return Path(shutil.copytree(DEMO_REFERENCE, tmp_path / "reference"))


def append(folder: Path, name: str, *lines: str) -> None:
    with (folder / name).open("a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))


def replace(folder: Path, name: str, old: str, new: str) -> None:
    text = (folder / name).read_text(encoding="utf-8")
    assert old in text
    (folder / name).write_text(text.replace(old, new), encoding="utf-8")


def test_the_demo_reference_passes_with_every_table_read(folder: Path) -> None:
    checked = check_folder(folder)
    assert checked.problems == []
    assert {name: len(rows) for name, rows in checked.tables.items()} == {
        "bodies": 1, "funding_sources": 4, "funds": 7, "pillars": 4, "fund_mapping_rules": 7, "budget_controls": 6,
        "fund_opening_balances": 1, "budget_profiles": 6, "fund_contributions": 4, "payees": 4}
    assert checked.tables["budget_controls"][2].values["amount"] == "2400000.00"


def test_a_cost_centre_mapped_to_a_fund_that_does_not_exist(folder: Path) -> None:
    append(folder, "fund_mapping_rules.csv", "OPCC Commissioning - Youth,,,,,,YOUTH,2012-11-22,,")
    assert check_folder(folder).problems == [
        f"fund_mapping_rules.csv row 9, column fund_code = 'YOUTH': expected a fund_code of funds (funds.csv): {FUNDS}"]


def test_a_duplicate_key(folder: Path) -> None:
    append(folder, "funds.csv", "CSF,Commissioner's Safety Fund (again),Priority Commissioning,PCC,DORSET_PCC,false,")
    assert check_folder(folder).problems == [
        "funds.csv row 9, column fund_code = 'CSF': expected a unique fund_code: row 2 has the same"]


def test_a_duplicate_key_of_two_columns(folder: Path) -> None:
    append(folder, "budget_controls.csv", "2019-20,moj_ring_fence,again,Priority Commissioning,true,1.00")
    assert check_folder(folder).problems == [
        "budget_controls.csv row 8, columns financial_year, control_code = '2019/20', 'moj_ring_fence': expected a "
        "unique financial_year, control_code: row 5 has the same"]


def test_bodies_of_one_area_that_overlap(folder: Path) -> None:
    append(folder, "bodies.csv", "DORSET_MAYOR,Mayor of Dorset,Mayor,Dorset,2028-05-08,")
    assert check_folder(folder).problems == [
        "bodies.csv row 3, column valid_from = '2028-05-08': expected a date after row 2's valid_to (same area "
        "'Dorset'): row 2 has no valid_to (still current), so the two overlap"]


def test_bodies_of_one_area_that_leave_a_gap(folder: Path) -> None:
    replace(folder, "bodies.csv", "2012-11-22,", "2012-11-22,07/05/2028")
    append(folder, "bodies.csv", "DORSET_BOARD,Dorset Policing Board,Policing Board,Dorset,01/06/2028,")
    assert check_folder(folder).problems == [
        "bodies.csv row 3, column valid_from = '2028-06-01': expected 2028-05-08, the day after row 2's valid_to "
        "(2028-05-07) (same area 'Dorset'): the dates leave a gap"]


def test_bodies_that_follow_each_other_pass(folder: Path) -> None:
    replace(folder, "bodies.csv", "2012-11-22,", "2012-11-22,2028-05-07")
    append(folder, "bodies.csv", "DORSET_BOARD,Dorset Policing Board,Policing Board,Dorset,2028-05-08,")
    assert check_folder(folder).problems == []


def test_a_period_that_ends_before_it_starts(folder: Path) -> None:
    replace(folder, "pillars.csv", "PROTECT,Protecting People at Risk of Harm,Police and Crime Plan 2017-2021,"
            "2017-04-01,2021-03-31", "PROTECT,Protecting People at Risk of Harm,Police and Crime Plan 2017-2021,"
            "2017-04-01,2016-03-31")
    assert check_folder(folder).problems == [
        "pillars.csv row 2, column valid_to = '2016-03-31': expected a date on or after valid_from (2017-04-01)"]


def test_a_budget_control_for_a_scheme_with_no_funds(folder: Path) -> None:
    append(folder, "budget_controls.csv", "2021/22,priority_commissioning_total,typo,Priority Comissioning,false,1.00")
    assert check_folder(folder).problems == [
        "budget_controls.csv row 8, column scheme = 'Priority Comissioning': expected a scheme of funds (funds.csv): "
        "Community Grant Scheme, Innovation Fund, Priority Commissioning, Wellbeing Fund"]


def test_a_ring_fenced_fund_on_a_funding_source_that_is_not(folder: Path) -> None:
    replace(folder, "funds.csv", "VCF,Victims Core Fund,Priority Commissioning,MOJ", "VCF,Victims Core Fund,"
            "Priority Commissioning,PCC")
    assert check_folder(folder).problems == [
        "funds.csv row 4, column funding_source_code = 'PCC': expected a ring-fenced funding source (ring_fenced = "
        "true in funding_sources): a ring-fenced fund's money comes from a ring-fenced grant, because ring_fenced = "
        "true; funding_sources.csv row 2 has ring_fenced = false"]


def test_a_fund_not_ring_fenced_on_a_ring_fenced_funding_source(folder: Path) -> None:
    append(folder, "funds.csv", "VICT,Victim services,Priority Commissioning,MOJ,DORSET_PCC,false,")
    assert check_folder(folder).problems == [
        "funds.csv row 9, column funding_source_code = 'MOJ': expected a funding source that is not ring-fenced, or "
        "ring_fenced = true on this fund: a ring-fenced grant's money goes only to ring-fenced funds, because "
        "ring_fenced = false; funding_sources.csv row 3 has ring_fenced = true"]


@pytest.mark.parametrize(("file", "old", "new", "problem"), [
    ("budget_controls.csv", "2400000.00", "2.400.000", "budget_controls.csv row 4, column amount = '2.400.000': "
     "expected an amount in pounds like 2400000.00 (at most 2 decimal places)"),
    ("fund_opening_balances.csv", "2018-04-01", "31/02/2018", "fund_opening_balances.csv row 2, column as_at = "
     "'31/02/2018': expected a date like 2019-04-01 or 01/04/2019"),
    ("fund_contributions.csv", "2019/20,INNOV,reserve", "2019/21,INNOV,reserve", "fund_contributions.csv row 3, "
     "column financial_year = '2019/21': expected a financial year like 2019/20"),
    ("funds.csv", "DORSET_PCC,true,Victim", "DORSET_PCC,maybe,Victim", "funds.csv row 4, column ring_fenced = "
     "'maybe': expected true or false"),
    ("budget_profiles.csv", "2019/20,VCF,3,1", "2019/20,VCF,13,1", "budget_profiles.csv row 4, column month_number "
     "= '13': expected 12 or less"),
    ("bodies.csv", ",PCC,", ",Council,", "bodies.csv row 2, column body_type = 'Council': expected one of PCC, "
     "Mayor, Policing Board"),
    ("funds.csv", "LIF,Local Innovation Fund,", "LIF,,", "funds.csv row 3, column fund_name = '': expected a value "
     "(Name of the fund (e.g. Commissioner's Safety Fund))"),
])
def test_a_cell_that_is_not_what_its_column_holds(folder: Path, file: str, old: str, new: str, problem: str) -> None:
    replace(folder, file, old, new)
    assert check_folder(folder).problems == [problem]


def test_a_missing_table_and_a_misspelt_column(folder: Path) -> None:
    (folder / "payees.csv").unlink()
    replace(folder, "pillars.csv", "valid_to", "valid_too")
    assert check_folder(folder).problems == [
        "pillars.csv row 1, column valid_too: not a column of pillars: expected one of pillar_code, pillar_name, "
        "plan_name, valid_from, valid_to",
        "payees.csv: missing: expected the table payees (its CSV file, or a sheet named payees in the workbook) "
        "with the columns payee_name, payee_type, org_id, redact, note"]


def test_a_required_column_missing_from_the_header(folder: Path) -> None:
    (folder / "fund_mapping_rules.csv").write_text("expense_area\nOPCC Commissioning - Safety Fund\n", encoding="utf-8")
    assert check_folder(folder).problems == [
        "fund_mapping_rules.csv row 1: column fund_code missing: expected the header expense_area, expense_type, body, "
        "supplier, extra_column, extra_value, fund_code, effective_from, effective_to, note"]


def test_a_blank_reference_parses_to_no_rows_and_asks_for_the_tables_that_need_one(tmp_path: Path) -> None:
    write_blank_reference(tmp_path)
    checked = check_folder(tmp_path)
    assert all(rows == [] for rows in checked.tables.values())  # the commented example rows do not count
    assert checked.problems == [
        f"{name}.csv: no rows: expected at least 1 row of {name} (the template's example row starts with # and "
        "does not count)" for name in ("bodies", "funding_sources", "funds")]


def test_an_excel_csv_in_windows_1252_reads(folder: Path) -> None:
    text = (folder / "funds.csv").read_text(encoding="utf-8")
    (folder / "funds.csv").write_bytes(text.encode("cp1252"))  # 'Victims Fund – CSA Element': the dash is 0x96
    checked = check_folder(folder)
    assert checked.problems == []
    assert checked.tables["funds"][3].values["fund_name"] == "Victims Fund – CSA Element"


def test_an_excel_error_in_the_first_cell_is_read_not_skipped_as_a_comment(folder: Path) -> None:
    append(folder, "fund_mapping_rules.csv", "#N/A,,,,,,CSF,,,")
    assert check_folder(folder).tables["fund_mapping_rules"][-1].values["expense_area"] == "#N/A"
