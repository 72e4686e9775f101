"""A check's compared rows on a DuckDB connection the test made, as the audit compares them on any engine."""

from __future__ import annotations

import duckdb

from opcc.audit.compare import Checks, Compared
from opcc.audit.suites import Check
from opcc.engine.duckdb_checks import DuckDBChecksSource


def run_comparison(con: duckdb.DuckDBPyConnection, check: Check) -> Compared:
    return Checks(DuckDBChecksSource(con)).compare(check)
