"""Run the reconciliation checks on a build through a Great Expectations Checkpoint, on either engine.

The engine (opcc.engine) gives the checks' session: the build with raw readable, the audit parameters and the
checks' views. Each check runs once into its result relation (opcc.audit.compare), GX judges them all in one
Checkpoint (opcc.audit.gx), and each result is recorded with its figures and failing rows (opcc.audit.results).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from opcc import run_record
from opcc.audit.compare import Checks, Compared
from opcc.audit.gx import GxOutcome
from opcc.audit.results import STATUS_PASS, CheckResult, build_result, write_failures
from opcc.audit.suites import Check, load_checks, suite_descriptions, views_sql
from opcc.freshness.params import create_tables as freshness_tables
from opcc.freshness.params import night_of

if TYPE_CHECKING:
    from opcc.config import Settings

log = logging.getLogger(__name__)


def checks_on_published(settings: Settings) -> Checks | None:
    """A checks session on the published warehouse, read-only; None when nothing is published yet."""
    from opcc.engine import engine_for

    source = engine_for(settings).checks_on_published()
    return None if source is None else Checks(source)


def outcomes_or_error(checks: list[Check], validate: Callable[[], dict[str, GxOutcome]]) -> dict[str, GxOutcome]:
    """GX's outcomes; when GX itself breaks, every check reports it rather than vanishing."""
    try:
        return validate()
    except Exception as exc:
        log.exception("Great Expectations checkpoint failed")
        return {c.check_id: GxOutcome(None, None, f"Great Expectations checkpoint failed: {exc}") for c in checks}


def run_audit(settings: Settings, build: Path | str, run_dir: Path) -> list[CheckResult]:
    """Run every check on the build (`build` as the engine names it: opcc.engine.base); record them in the run
    record (`run_record.write_checks`), write `run_dir/failures/*.csv` and GX Data Docs under `run_dir/data_docs/`;
    return the checks."""
    from opcc.engine import engine_for

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    expectations_dir = settings.expectations_dir
    checks = load_checks(expectations_dir)
    suites, views = suite_descriptions(expectations_dir), views_sql(expectations_dir)
    session = Checks(engine_for(settings).checks_source(str(build), views))
    try:
        # The freshness checks' parameters: each feed's last deadline and the last closed ledger month, that night.
        freshness_tables(session, settings, night_of(run_dir))
        compared = {c.check_id: session.compare(c) for c in checks}
        outcomes = outcomes_or_error(checks, lambda: session.validate(checks, suites, run_dir / "data_docs", compared))
    finally:
        with contextlib.suppress(Exception):
            session.close()
    return record_results(run_dir, checks, compared, outcomes)


def record_results(run_dir: Path, checks: list[Check], compared: dict[str, Compared],
                   outcomes: dict[str, GxOutcome]) -> list[CheckResult]:
    """Each check's result from its compared rows and GX's outcome; failing rows to `run_dir/failures/`; the
    run record's checks."""
    results = []
    failures_dir = run_dir / "failures"
    if failures_dir.exists():
        for old in failures_dir.glob("*.csv"):
            old.unlink()
    for check in checks:
        result = build_result(check, compared[check.check_id], outcomes.get(check.check_id))
        path = write_failures(run_dir, check, compared[check.check_id]) if result["status"] != STATUS_PASS else None
        result["failures_csv"] = f"failures/{path.name}" if path else None
        results.append(result)
    run_record.write_checks(run_dir, results)
    return results
