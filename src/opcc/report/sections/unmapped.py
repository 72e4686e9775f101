"""The report's unmapped-spend section: ledger spend no mapping rule matches, grouped by the value a rule would
need, each group with the line to paste into the mapping rules (fund_mapping_rules.csv, docs/mapping.md), and
the lines whose fund was chosen between equally specific rules."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from opcc.report.formatting import count, gbp, to_decimal
from opcc.report.sections.base import Inputs

ANCHOR = "unmapped"
NAV = "Unmapped spend"

# The columns of fund_mapping_rules.csv, in its order (tests/report/test_unmapped.py holds them to the demo's file).
RULE_COLUMNS = ("expense_area", "expense_type", "body", "supplier", "extra_column", "extra_value", "fund_code",
                "effective_from", "effective_to", "note")
# What a finance officer writes in place of the fund: check-reference rejects it until it names a fund.
FUND_PLACEHOLDER = "FUND_CODE"
SHOWN = 50  # groups shown in the report; the rest are counted

# A line needs a rule on the most telling ledger column it has: its expense area (cost centre), else its
# expense type, else its supplier (always present).
UNMAPPED_SQL = """
WITH unmapped AS (
    SELECT
        CASE WHEN expense_area IS NOT NULL THEN 'expense_area'
             WHEN expense_type IS NOT NULL THEN 'expense_type'
             ELSE 'supplier' END AS rule_column,
        coalesce(expense_area, expense_type, supplier) AS rule_value,
        amount, transaction_date
    FROM marts.spend_transactions
    WHERE mapping_rule IS NULL
)
SELECT rule_column, min(rule_value) AS rule_value, count(*) AS lines, sum(amount) AS amount,
       min(transaction_date) AS first_date, max(transaction_date) AS last_date
FROM unmapped
GROUP BY rule_column, lower(trim(rule_value))
ORDER BY abs(sum(amount)) DESC, rule_column, min(rule_value)
"""

AMBIGUOUS_SQL = """
SELECT mapping_rule, fund_code, count(*) AS lines, sum(amount) AS amount
FROM marts.spend_transactions
WHERE mapping_ambiguous
GROUP BY mapping_rule, fund_code
ORDER BY mapping_rule, fund_code
"""

COLUMN_LABELS = {"expense_area": "Expense area (cost centre)", "expense_type": "Expense type",
                 "supplier": "Supplier"}


def rule_line(column: str, value: str) -> str:
    """The CSV line of a rule mapping `column = value` to a fund still to be named, as it goes in
    fund_mapping_rules.csv (quoted where the value needs it)."""
    row = {c: "" for c in RULE_COLUMNS}
    row[column] = value
    row["fund_code"] = FUND_PLACEHOLDER
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([row[c] for c in RULE_COLUMNS])
    return out.getvalue()


@dataclass(frozen=True)
class UnmappedGroup:
    label: str  # the ledger column the rule needs, as the report names it
    value: str
    lines: str
    amount: str
    negative: bool
    first_date: str
    last_date: str
    rule: str  # the rule line to add


@dataclass(frozen=True)
class AmbiguousGroup:
    rule: str  # the rule that won (first fund by code)
    fund_code: str
    lines: str
    amount: str


@dataclass(frozen=True)
class UnmappedSection:
    available: bool  # false: the build's spend_transactions could not be read
    groups: list[UnmappedGroup]
    more: int  # groups not shown
    lines: str  # unmapped lines and amount in all
    amount: str
    ambiguous: list[AmbiguousGroup]


def build(inputs: Inputs) -> UnmappedSection | None:
    """None without the marts (the headroom section says why)."""
    data = inputs.marts
    return None if data is None else section(data.unmapped, data.ambiguous_mapping)


def section(unmapped: list[dict[str, Any]] | None, ambiguous: list[dict[str, Any]]) -> UnmappedSection:
    """`unmapped`: UNMAPPED_SQL's rows (None when it could not be read); `ambiguous`: AMBIGUOUS_SQL's."""
    if unmapped is None:
        return UnmappedSection(False, [], 0, "0", gbp(0), [])
    shown = [UnmappedGroup(COLUMN_LABELS.get(r["rule_column"], r["rule_column"]), str(r["rule_value"]),
                           count(r["lines"]), gbp(r["amount"]), (to_decimal(r["amount"]) or 0) < 0,
                           str(r["first_date"]), str(r["last_date"]),
                           rule_line(r["rule_column"], str(r["rule_value"])))
             for r in unmapped[:SHOWN]]
    total = sum((to_decimal(r["amount"]) or Decimal(0) for r in unmapped), Decimal(0))
    return UnmappedSection(
        True, shown, max(len(unmapped) - SHOWN, 0), count(sum(int(r["lines"]) for r in unmapped)), gbp(total),
        [AmbiguousGroup(str(r["mapping_rule"]), str(r["fund_code"]), count(r["lines"]), gbp(r["amount"]))
         for r in ambiguous])
