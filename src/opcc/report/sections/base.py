"""What every section of the morning report is given, and what the page holds of each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opcc.report.marts import MartData
    from opcc.report.monitoring import MonitoringSection
    from opcc.run_outcome import Outcome
    from opcc.run_record import RunRecord


@dataclass(frozen=True)
class Inputs:
    """Everything a section may read: the run's record and what it means, the build's marts (or why they are not
    shown), the budget monitoring pages written beside the report, and the run's folder."""

    record: RunRecord
    outcome: Outcome
    marts: MartData | None
    marts_note: str | None  # why the marts are not shown
    monitoring: MonitoringSection | None
    folder: Path


@dataclass(frozen=True)
class Shown:
    """One section on the page: its template (beside its module), its anchor and its link in the page's
    navigation (None: not linked), and what its template lays out."""

    template: str
    anchor: str
    nav: str | None
    model: object
