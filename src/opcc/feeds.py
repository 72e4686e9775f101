"""The contract of each feed: its columns, their types, which are required, and the header
spellings finance systems use for them. `docs/contracts.md` documents the same in prose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    YEAR = "year"  # a UK financial year, stored as '2019/20'


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    aliases: tuple[str, ...] = ()


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


def _c(name: str, kind: Kind, required: bool, *aliases: str) -> Column:
    return Column(name, kind, required, aliases)


T, M, D, Y = Kind.TEXT, Kind.MONEY, Kind.DATE, Kind.YEAR

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        Feed(
            "transactions",
            (
                _c("body", T, False, "Body Name", "Body", "Organisation", "Organisation Name"),
                _c("transaction_date", D, True, "Date", "Transaction Date", "Payment Date", "Date Paid",
                   "Paid Date", "Posting Date", "Invoice Date", "Date of Payment"),
                _c("transaction_number", T, False, "Transaction Number", "Transaction No", "Transaction Ref",
                   "Transaction Reference", "Reference", "Transaction ID", "Payment Reference",
                   "Document Number"),
                _c("supplier", T, True, "Supplier", "Supplier Name", "Beneficiary", "Payee", "Vendor",
                   "Merchant Name", "Payee Name", "Vendor Name", "Creditor Name", "Creditor"),
                _c("expense_type", T, False, "Expense Type", "Expenses Type", "Procurement Category",
                   "Expenditure Category", "Expense Category", "Category", "Expenditure Type",
                   "Purpose of Expenditure"),
                _c("expense_area", T, False, "Department", "Service Area", "Expense Area", "Cost Centre",
                   "Service Division", "Directorate", "Cost Centre Name", "Cost Centre Description"),
                _c("amount", M, True, "Amount", "Net Amount", "Amount £", "Amount (£)", "Value", "Value £",
                   "Net Value", "Amount Excl VAT", "Amount GBP"),
            ),
            "amount",
        ),
        Feed(
            "budgets",
            (
                _c("financial_year", Y, True, "Financial Year", "Year", "FY"),
                _c("funding_source", T, True, "Funding Source", "Source", "Funding Source Code"),
                _c("fund", T, False, "Fund", "Fund Code", "Fund Name"),
                _c("cost_centre", T, False, "Cost Centre", "Expense Area", "Cost Center"),
                _c("description", T, False, "Description", "Budget Line", "Narrative"),
                _c("amount", M, True, "Amount", "Budget", "Budget £", "Budget Amount", "Amount £"),
            ),
            "amount",
        ),
        Feed(
            "commitments",
            (
                _c("commitment_id", T, True, "Commitment ID", "Contract ID", "Agreement ID", "Reference",
                   "Contract Reference"),
                _c("title", T, True, "Title", "Service", "Project", "Description", "Contract Title"),
                _c("provider", T, True, "Provider", "Supplier", "Grantee", "Provider Name"),
                _c("commitment_type", T, False, "Type", "Commitment Type", "Agreement Type", "Contract Type"),
                _c("fund", T, True, "Fund", "Fund Code", "Fund Name"),
                _c("pillar", T, True, "Pillar", "Main Pillar", "Police and Crime Plan Pillar", "Plan Pillar",
                   "Priority"),
                _c("start_date", D, True, "Start Date", "Start", "Contract Start"),
                _c("end_date", D, True, "End Date", "End", "Contract End"),
                _c("annual_value", M, True, "Annual Value", "Value per Year", "Annual Amount",
                   "Annual Value £"),
            ),
            "annual_value",
        ),
        Feed(
            "planned_projects",
            (
                _c("project_id", T, True, "Project ID", "Reference", "Project Reference"),
                _c("title", T, True, "Title", "Project", "Description", "Project Title"),
                _c("provider", T, False, "Provider", "Proposed Provider"),
                _c("fund", T, True, "Fund", "Fund Code", "Fund Name"),
                _c("pillar", T, True, "Pillar", "Main Pillar", "Police and Crime Plan Pillar", "Priority"),
                _c("financial_year", Y, True, "Financial Year", "Year", "FY"),
                _c("anticipated_spend", M, True, "Anticipated Spend", "Planned Value", "Amount",
                   "Anticipated Spend £", "Planned Spend"),
                _c("status", T, False, "Status", "Project Status"),
            ),
            "anticipated_spend",
        ),
        Feed(
            "ppa_receipts",
            (
                _c("receipt_date", D, True, "Date", "Receipt Date", "Date Received"),
                _c("reference", T, False, "Reference", "Receipt Reference", "Lot", "Lot Number"),
                _c("description", T, False, "Description", "Item", "Items"),
                _c("gross_amount", M, True, "Gross", "Gross Amount", "Sale Proceeds", "Gross Proceeds"),
                _c("sale_costs", M, True, "Fees", "Sale Costs", "Costs", "Commission", "Costs of Sale"),
                _c("net_amount", M, True, "Net", "Net Amount", "Net Proceeds", "Net Receipt"),
            ),
            "net_amount",
        ),
        Feed(
            "grant_awards",
            (
                _c("award_date", D, True, "Date", "Award Date", "Date Awarded"),
                _c("reference", T, False, "Reference", "Grant Reference", "Grant ID"),
                _c("recipient", T, True, "Recipient", "Organisation", "Applicant", "Grantee"),
                _c("pillar", T, False, "Pillar", "Main Pillar", "Priority"),
                _c("amount", M, True, "Amount", "Award", "Amount Awarded", "Grant Amount", "Amount £"),
            ),
            "amount",
        ),
    )
}


def normalise_header(text: str) -> str:
    """Case-, space- and punctuation-insensitive form of a header: 'Amount (£)' -> 'amount£'."""
    text = text.replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_().:\-/]+", "", text)


def alias_index(feed: Feed, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Normalised header -> canonical column, built-in aliases plus a configured mapping.

    A configured mapping wins over a built-in alias, so an ambiguous header (e.g. 'Reference')
    can be pointed at the right column."""
    index: dict[str, str] = {}
    for col in feed.columns:
        for spelling in (col.name, *col.aliases):
            index.setdefault(normalise_header(spelling), col.name)
    for canonical, header in (extra or {}).items():
        if canonical not in {c.name for c in feed.columns}:
            raise ValueError(f"mapping for feed {feed.name!r} names unknown column {canonical!r}")
        index[normalise_header(header)] = canonical
    return index
