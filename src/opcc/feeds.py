"""The contract of each feed: its columns, their types and which are required. The header spellings
finance systems use for each column are data, in `header_synonyms.toml` beside this file;
`docs/contracts.md` documents both in prose."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).with_name("header_synonyms.toml")


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    YEAR = "year"  # a UK financial year, stored as '2019/20'


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool


@dataclass(frozen=True)
class Feed:
    name: str
    columns: tuple[Column, ...]
    # The money column whose sum is the file's loaded amount and is compared with a totals row.
    amount_column: str

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


T, M, D, Y = Kind.TEXT, Kind.MONEY, Kind.DATE, Kind.YEAR

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        Feed(
            "transactions",
            (
                Column("body", T, False),
                Column("transaction_date", D, True),
                Column("transaction_number", T, False),
                Column("supplier", T, True),
                Column("expense_type", T, False),
                Column("expense_area", T, False),
                Column("amount", M, True),
            ),
            "amount",
        ),
        Feed(
            "budgets",
            (
                Column("financial_year", Y, True),
                Column("funding_source", T, True),
                Column("fund", T, False),
                Column("cost_centre", T, False),
                Column("description", T, False),
                Column("amount", M, True),
                # In-year revisions beside the original budget: 'virement' or 'carry_forward' (empty is
                # 'original'), the date it takes effect and the decision that approved it.
                Column("budget_change", T, False),
                Column("change_date", D, False),
                Column("decision_reference", T, False),
            ),
            "amount",
        ),
        Feed(
            "commitments",
            (
                Column("commitment_id", T, True),
                Column("title", T, True),
                Column("provider", T, True),
                Column("commitment_type", T, False),
                Column("fund", T, True),
                Column("pillar", T, True),
                Column("start_date", D, True),
                Column("end_date", D, True),
                Column("annual_value", M, True),
                # Optional, for the transparency publications (contracts register, grants made).
                Column("contract_url", T, False),
                Column("conditions", T, False),
            ),
            "annual_value",
        ),
        Feed(
            "planned_projects",
            (
                Column("project_id", T, True),
                Column("title", T, True),
                Column("provider", T, False),
                Column("fund", T, True),
                Column("pillar", T, True),
                Column("financial_year", Y, True),
                Column("anticipated_spend", M, True),
                Column("status", T, False),
            ),
            "anticipated_spend",
        ),
        Feed(
            "ppa_receipts",
            (
                Column("receipt_date", D, True),
                Column("reference", T, False),
                Column("description", T, False),
                Column("gross_amount", M, True),
                Column("sale_costs", M, True),
                Column("net_amount", M, True),
            ),
            "net_amount",
        ),
        Feed(
            "grant_awards",
            (
                Column("award_date", D, True),
                Column("reference", T, False),
                Column("recipient", T, True),
                Column("pillar", T, False),
                Column("amount", M, True),
                # Optional, for the transparency publications (grants made, 360Giving).
                Column("recipient_org_id", T, False),
                Column("purpose", T, False),
                Column("conditions", T, False),
            ),
            "amount",
        ),
    )
}


def normalise_header(text: str) -> str:
    """The words of a header, lower case, one space apart: 'Net Amount(£)', '* NET AMOUNT:' and
    'NetAmount' are all 'net amount'. CamelCase is split; `£`, `*`, punctuation and spacing are not words."""
    text = text.replace("\ufeff", "").replace("£", " ")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


@cache
def _synonym_table() -> dict[str, dict[str, list[str]]]:
    with SYNONYMS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def synonyms(feed: Feed, column: str) -> list[str]:
    """The column's header spellings, in priority order, its own name first."""
    return [column, *_synonym_table().get(feed.name, {}).get(column, [])]


def synonym_index(feed: Feed, mapping: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    """Normalised header -> (canonical column, priority: lower wins) for `feed`, from the synonyms file
    and a configured mapping. A configured mapping wins over every synonym, so an ambiguous header
    ('Reference') can be pointed at the right column."""
    index: dict[str, tuple[str, int]] = {}
    for col in feed.columns:
        for priority, spelling in enumerate(synonyms(feed, col.name), start=1):
            index.setdefault(normalise_header(spelling), (col.name, priority))
    for canonical, header in (mapping or {}).items():
        if canonical not in {c.name for c in feed.columns}:
            raise ValueError(f"mapping for feed {feed.name!r} names unknown column {canonical!r}; "
                             f"its columns are {', '.join(c.name for c in feed.columns)}")
        index[normalise_header(header)] = (canonical, 0)
    return index
