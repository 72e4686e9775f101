"""Reconciliation checks on a new build, run as Great Expectations suites (write-audit-publish).

`run_audit` is the entry point; Great Expectations is imported inside it, never at import time, so
DAG files can import this package cheaply.
"""

from opcc.audit.runner import run_audit
from opcc.audit.suites import Check, load_checks

__all__ = ["Check", "load_checks", "run_audit"]
