"""A feed's rules across columns are data in its contract: they quarantine the lines they break with their
reason, and a rule naming something that is not a column of the feed fails when the contract is read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from opcc.feeds import _load_contracts

CONTRACT = """
[refunds]
amount_column = "refunded"

[refunds.columns.paid]
type = "money"
required = true

[refunds.columns.refunded]
type = "money"
required = true

[[refunds.rules]]
check = "refunded <= paid"
column = "refunded"
reason = "refunded {refunded} is more than paid {paid} (by {refunded - paid})"
"""


def test_a_rule_is_read_from_the_contract_and_says_its_reason_with_the_values(tmp_path: Path) -> None:
    path = tmp_path / "contracts.toml"
    path.write_text(CONTRACT, encoding="utf-8")
    (rule,) = _load_contracts(path)["refunds"].rules
    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT NOT ({rule.check}) AS broken, {rule.reason_sql()} AS reason
        FROM (VALUES (100.00::DECIMAL(18,2), 120.50::DECIMAL(18,2)), (100.00, 80.00), (NULL, 5.00)) t(paid, refunded)
    """).fetchall()
    assert rows == [(True, "refunded 120.50 is more than paid 100.00 (by 20.50)"),
                    (False, "refunded 80.00 is more than paid 100.00 (by -20.00)"),
                    (None, None)]  # an empty cell the rule needs: not judged by it (parse's coalesce)


@pytest.mark.parametrize("rule", ['check = "refunded <= paid_amount"\ncolumn = "refunded"\nreason = "x"',
                                  'check = "refunded <= paid"\ncolumn = "refund"\nreason = "x"',
                                  'check = "refunded <= paid"\ncolumn = "refunded"\nreason = "{refunded - fee}"'])
def test_a_rule_naming_no_column_of_the_feed_is_refused_when_the_contract_is_read(tmp_path: Path, rule: str) -> None:
    path = tmp_path / "contracts.toml"
    path.write_text(CONTRACT.split("[[refunds.rules]]")[0] + "[[refunds.rules]]\n" + rule + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"{path}: a rule of refunds names .*not columns of refunds"):
        _load_contracts(path)

