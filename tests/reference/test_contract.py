"""The reference tables' contract is one data file: a new table is one entry there (checked, templated, seeded),
and the finance officer's page documents every table and column it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from opcc.reference.checks import check_folder
from opcc.reference.contract import CONTRACT, CONTRACT_FILE, load_contract

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference-data.md"

MAPPING_RULES = """
[account_rules]
description = "Rules mapping ledger lines to funds."
key = ["ledger_column", "value", "effective_from"]
effective = { from = "effective_from", per = ["ledger_column", "value"] }

[account_rules.columns.ledger_column]
type = "text"
required = true
values = ["expense_area", "expense_type"]

[account_rules.columns.value]
type = "text"
required = true

[account_rules.columns.fund_code]
type = "text"
required = true
references = "funds.fund_code"

[account_rules.columns.effective_from]
type = "date"
required = true
"""


def test_a_new_table_is_one_entry_in_the_contract(tmp_path: Path) -> None:
    contract_file = tmp_path / "contract.toml"
    contract_file.write_text(CONTRACT_FILE.read_text(encoding="utf-8") + MAPPING_RULES, encoding="utf-8")
    contract = load_contract(contract_file)
    folder = tmp_path / "reference"
    folder.mkdir()
    for table in CONTRACT.values():
        (folder / table.file_name).write_bytes((CONTRACT_FILE.parents[2] / "seeds" / "reference" /
                                                table.file_name).read_bytes())
    (folder / "account_rules.csv").write_text(
        "ledger_column,value,fund_code,effective_from\n"
        "expense_type,PCC Commissioning - Public Protection,CSF,2019-04-01\n"
        "expense_type,PCC Commissioning - Public Protection,LIF,2020-04-01\n"
        "expense_type,PCC Commissioning - Community Liason,NOPE,01/04/2019\n", encoding="utf-8")
    checked = check_folder(folder, contract)
    assert checked.problems == [
        "account_rules.csv row 4, column fund_code = 'NOPE': expected a fund_code of funds (funds.csv): "
        "CGS, CSF, INNOV, LIF, VCF, VFCSA, WELL"]
    assert [r.values["effective_from"] for r in checked.tables["account_rules"]] == [
        "2019-04-01", "2020-04-01", "2019-04-01"]


def test_a_contract_that_references_what_does_not_exist_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "contract.toml"
    broken.write_text(MAPPING_RULES.replace("funds.fund_code", "fundz.fund_code"), encoding="utf-8")
    with pytest.raises(ValueError, match="account_rules.fund_code references fundz.fund_code"):
        load_contract(broken)


def test_the_finance_officers_page_documents_every_table_and_column() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for table in CONTRACT.values():
        assert f"### {table.name} " in text, table.name
        section = text.split(f"### {table.name} ", 1)[1].split("\n### ", 1)[0]
        for column in table.columns:
            assert column.name in section, f"{table.name}.{column.name}"
