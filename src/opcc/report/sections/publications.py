"""The report's "Transparency publications" section, as data (from the run's publications.json)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opcc import run_record
from opcc.report.formatting import gbp
from opcc.report.sections.base import Inputs
from opcc.report.tables import Cell, Row, Table, num, plain

ANCHOR = "publications"
NAV = "Publications"

KIND_TITLES = {"spend-over-500": "Spend over £500 (para 3(g))", "grants": "Grants made (para 3(f))",
               "contracts": "Contracts register (para 4)", "360giving": "Community grants, 360Giving"}


@dataclass(frozen=True)
class PublicationsSection:
    ran: bool
    status: str  # PASS | FAIL | NA
    message: str
    month: str | None
    table: Table | None
    failed: list[str]


def build(inputs: Inputs) -> PublicationsSection:
    return publications_section(inputs.folder)


def publications_section(folder: Path) -> PublicationsSection:
    data = run_record.read_publications(folder)
    if data is None:
        return PublicationsSection(False, "NA", "The publications were not generated this run (the warehouse was not "
                                   "published, or the step did not run): last month's files stay as they were.",
                                   None, None, [])
    failed = [f"{c['id']}: {c['description']} (expected {c['expected']}, actual {c['actual']})"
              for c in data.get("checks", []) if c.get("status") == "FAIL"]
    month = data.get("latest_month")
    rows = [Row([plain(KIND_TITLES.get(m["kind"], m["kind"]) + (f" ({m['detail']})" if m.get("detail") else "")),
                 num(f"{m['items']:,}"), num(f"{m['lines']:,}"),
                 num(gbp(m["total"]), m["total"]), num(f"{m['lines_redacted']:,}"),
                 Cell("new version" if m["written"] else "unchanged"), plain(", ".join(m["files"]))])
            for m in data.get("months", []) if m.get("month") == month]
    table = Table(["Publication", "Items", "Lines", "Total", "Lines redacted", "This run", "Files"], rows,
                  frozenset({1, 2, 3, 4})) if rows else None
    return PublicationsSection(True, "PASS" if data.get("released") else "FAIL", data.get("message", ""), month,
                               table, failed)
