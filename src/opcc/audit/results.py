"""A check's result for the run record, the report and failures/<check>.csv, from its compared rows and GX's
outcome."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from opcc import csv_safe
from opcc.audit.compare import FAILING_ROWS_INLINE, Compared
from opcc.audit.gx import GxOutcome
from opcc.audit.suites import Check

log = logging.getLogger(__name__)

STATUS_PASS, STATUS_WARN, STATUS_FAIL = "PASS", "WARN", "FAIL"


def json_safe(value: Any) -> str | None:
    """A value as a JSON-safe string (exact decimals, ISO dates); None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _total(rows: list[dict[str, Any]], key: str) -> Decimal | None:
    values = [_decimal(r.get(key)) for r in rows]
    present = [v for v in values if v is not None]
    if not present:
        return None
    return sum(present, Decimal(0))


def summarise(
    check: Check, compared: Compared,
) -> tuple[Decimal | int | None, Decimal | int | None, Decimal | int | None]:
    """(expected, actual, difference) for the check as a whole, per its `summary` rule."""
    failing = compared.failing
    if check.summary == "count":
        return 0, compared.failing_count, compared.failing_count
    rows = failing or compared.rows
    if not rows:
        return None, None, None
    if compared.totals is not None and check.summary != "first":  # a check of many: summed in SQL
        expected, actual, difference = (_decimal(v) for v in compared.totals)
    elif check.summary == "first":
        row = rows[0]
        expected, actual = _decimal(row.get("expected")), _decimal(row.get("actual"))
        difference = _decimal(row.get("difference"))
    else:
        expected, actual = _total(rows, "expected"), _total(rows, "actual")
        difference = _total(rows, "difference")
    if difference is None and expected is not None and actual is not None:
        difference = actual - expected
    return expected, actual, difference


def _status(check: Check, passed: bool) -> str:
    return STATUS_PASS if passed else check.severity


Row = dict[str, str | None]  # a compared or failing row, every value JSON-safe (json_safe)


class CheckResult(TypedDict):
    """A check's result: what the run record keeps, the report shows, the alerts and the
    publications' outcome quote. The one definition; a dict so that it is its own JSON."""

    id: str  # <suite folder>.<name>, or publications.<...> for the publications' checks
    suite: str
    description: str
    severity: str  # FAIL or WARN: the status the check takes when it does not pass
    unit: str  # GBP or rows
    expected_label: str | None
    compared_rows: int
    compared: list[Row]  # the first FAILING_ROWS_INLINE compared rows, failing or not
    status: str  # PASS, WARN or FAIL
    expected: str | None  # exact decimals as text
    actual: str | None
    difference: str | None
    failing_rows_count: int
    failing_rows: list[Row]  # the first FAILING_ROWS_INLINE
    error: str | None  # why the check could not run
    failures_csv: NotRequired[str | None]  # failures/<id>.csv in the run folder, when it failed


def build_result(check: Check, compared: Compared, outcome: GxOutcome | None) -> CheckResult:
    error = compared.error or (outcome.error if outcome else "Great Expectations did not report this check")
    failing = [{k: v for k, v in r.items() if k != "ok"} for r in compared.failing]
    result = CheckResult(
        id=check.check_id, suite=check.suite, description=check.description, severity=check.severity,
        unit=check.unit, expected_label=check.expected_label, compared_rows=compared.row_count,
        # Every compared row (first 20), failing or not, so a PASS shows what was compared per year/file.
        compared=[{k: json_safe(v) for k, v in row.items()} for row in compared.rows[:FAILING_ROWS_INLINE]],
        status=check.severity, expected=None, actual=None, difference=None, failing_rows_count=0, failing_rows=[],
        error=None)
    if error is not None:
        # A check that cannot run cannot vouch for the build: it takes its severity.
        result["error"] = f"The check could not run: {error}"
        return result
    assert outcome is not None
    passed = bool(outcome.success)
    if outcome.unexpected_count is not None and outcome.unexpected_count != compared.failing_count:
        log.warning("%s: GX found %s failing rows, the comparison %s",
                    check.check_id, outcome.unexpected_count, compared.failing_count)
    expected, actual, difference = summarise(check, compared)
    result["status"] = _status(check, passed)
    result["expected"], result["actual"] = json_safe(expected), json_safe(actual)
    result["difference"] = json_safe(difference)
    result["failing_rows_count"] = compared.failing_count
    result["failing_rows"] = [{k: json_safe(v) for k, v in row.items()} for row in failing[:FAILING_ROWS_INLINE]]
    return result


def _numeric_columns(rows: list[dict[str, Any]]) -> set[str]:
    numeric: set[str] = set()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                numeric.add(key)
    return numeric


def write_failures(run_dir: Path, check: Check, compared: Compared) -> Path | None:
    failing = [{k: v for k, v in r.items() if k != "ok"} for r in compared.failing]
    if not failing:
        return None
    header = [c for c in compared.columns if c != "ok"]
    return csv_safe.write_csv(run_dir / "failures" / f"{check.check_id}.csv", header, failing,
                              _numeric_columns(failing))
