"""Whether dbt built the warehouse, and which models or tests failed."""

from __future__ import annotations

from dataclasses import dataclass, field

from opcc import run_record
from opcc.report.sections.base import Inputs

ANCHOR = "build"
NAV = None  # a line or two, under the files


@dataclass(frozen=True)
class Build:
    ran: bool
    record_file: str = run_record.DBT_FILE
    status: str = ""
    message: str = ""
    failed_nodes: list[str] = field(default_factory=list)


def build(inputs: Inputs) -> Build:
    dbt = inputs.record.dbt
    if dbt is None:
        return Build(ran=False)
    return Build(True, run_record.DBT_FILE, "PASS" if dbt.ok else "FAIL", dbt.message or "",
                 list(dbt.failed_nodes or []))
