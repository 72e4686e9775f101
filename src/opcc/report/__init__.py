"""The finance team's morning data-quality and reconciliation report (one self-contained HTML page)."""

from opcc.report.render import write_report

__all__ = ["write_report"]
