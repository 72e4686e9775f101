"""Budget monitoring in the morning report: the current quarter's panel and a link to every quarter's print-ready
page, which the report writes beside itself first (report/render.py, from report/monitoring.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opcc.report.sections.base import Inputs

if TYPE_CHECKING:
    from opcc.report.monitoring import MonitoringSection

ANCHOR = "monitoring"
NAV = "Budget monitoring"


def build(inputs: Inputs) -> MonitoringSection | None:
    """None without the marts, or when the pages could not be written."""
    return inputs.monitoring
