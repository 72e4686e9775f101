"""Run the reconciliation checks on a build through a Great Expectations Checkpoint.

Each check's SQL (expectations/<suite>/<name>.sql) runs once, into a temp table of its compared rows;
GX validates that table's failing rows and the report's expected, actual and difference are totalled
from the same rows, so the verdict and the figures cannot disagree.

Everything runs inside DuckDB on ONE connection that this module opens (build read-only, raw
attached read-only as catalog `raw`, a temp table `audit_params`, the views of expectations/views.sql).
GX gets that same connection
through a SQL datasource whose engine hands it out (`creator`), and GX is told to keep one
persistent connection for the duckdb dialect: otherwise GX fetches query results after closing the
connection and duckdb-engine returns no rows (GX issue 11579).

On PostgreSQL (`settings.on_postgres`) the same check SQL runs on the build's schemas and GX reads the results
through its PostgreSQL data source: `opcc.postgres.audit`. Both paths share the Checkpoint (`run_checkpoint`)
and everything after it (`record_results`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from opcc import csv_safe, run_record
from opcc.audit.data_docs import make_offline
from opcc.audit.suites import Check, load_checks, suite_descriptions, views_sql
from opcc.config import duckdb_config
from opcc.freshness.params import create_tables as freshness_tables
from opcc.freshness.params import night_of

if TYPE_CHECKING:
    from opcc.config import Settings
    from opcc.postgres.audit import PostgresChecks

log = logging.getLogger(__name__)

FAILING_ROWS_INLINE = 20
STATUS_PASS, STATUS_WARN, STATUS_FAIL = "PASS", "WARN", "FAIL"


# -- the DuckDB connection --------------------------------------------------------------------

def open_connection(build_db: Path, raw_db: Path | None, over_allocation_tolerance: Decimal,
                    config: dict[str, Any] | None = None, views: str = "") -> duckdb.DuckDBPyConnection:
    """The build opened read-only, raw attached read-only as `raw`, the audit parameters and the checks' views."""
    con = duckdb.connect(str(build_db), read_only=True, config=config or {})
    if raw_db is not None and Path(raw_db).exists():
        escaped = str(raw_db).replace("'", "''")
        con.execute(f"ATTACH '{escaped}' AS raw (READ_ONLY)")
    else:
        log.warning("raw database %s not found: checks that read raw will not run", raw_db)
    con.execute(
        "CREATE TEMP TABLE audit_params AS SELECT CAST(? AS DECIMAL(9,4)) AS over_allocation_tolerance",
        [str(over_allocation_tolerance)],
    )
    if views:
        try:
            con.execute(views)
        except duckdb.Error as exc:  # the checks that read a missing view report it as their error
            log.warning("the checks' views could not be made: %s", exc)
    return con


# -- comparison rows ------------------------------------------------------------------------

ROWS_KEPT = 10_000  # a check's compared rows read whole up to this many; beyond, only what the report needs
FAILING_ROWS_KEPT = 10_000  # failing rows kept for failures/*.csv when there are more; their count stays exact


@dataclass
class Compared:
    columns: list[str] = field(default_factory=list)
    # The compared rows (incl. `ok`) as read: every one, or for a check of many (one row per ledger line), the first
    # FAILING_ROWS_INLINE, so that memory does not follow the data.
    rows: list[dict[str, Any]] = field(default_factory=list)
    failing: list[dict[str, Any]] = field(default_factory=list)  # the rows not ok (up to FAILING_ROWS_KEPT)
    row_count: int = 0
    failing_count: int = 0
    # Of a check of many: the sums of expected, actual and difference over its failing rows, or all when none fail.
    totals: tuple[Any, Any, Any] | None = None
    error: str | None = None


def result_table(check: Check) -> str:
    """The temp table holding the check's compared rows: the one result GX and the report both read."""
    return "check__" + check.check_id.replace(".", "__")


def read_compared(execute: Callable[[str], Any], relation: str, hidden: str | None = None) -> Compared:
    """A check's result table `relation` as Compared, on either engine (`execute` runs SQL, returning a cursor):
    few rows are read whole, in order (`hidden`: a column of row numbers giving it, left out); of many, the counts,
    the first rows, the failing rows and the sums are read in SQL."""
    cur = execute(f"SELECT * FROM {relation} LIMIT 0")
    columns = [d[0] for d in cur.description if d[0] != hidden]
    cur.fetchall()
    select = ", ".join(f'"{c}"' for c in columns)
    order = f' ORDER BY "{hidden}"' if hidden else ""

    def fetch(where: str, limit: int) -> list[dict[str, Any]]:
        rows = execute(f"SELECT {select} FROM {relation}{where}{order} LIMIT {limit}").fetchall()
        return [dict(zip(columns, values, strict=True)) for values in rows]

    count, failing_count = execute(
        f"SELECT count(*), count(*) FILTER (WHERE ok IS NOT TRUE) FROM {relation}").fetchone()
    if count <= ROWS_KEPT:
        rows = fetch("", max(count, 1))
        return Compared(columns, rows, [r for r in rows if not r.get("ok")], count, failing_count)
    failing = fetch(" WHERE ok IS NOT TRUE", FAILING_ROWS_KEPT)
    sums = ", ".join(f'sum("{c}")' if c in columns else "NULL" for c in ("expected", "actual", "difference"))
    totals = execute(f"SELECT {sums} FROM {relation}" + (" WHERE ok IS NOT TRUE" if failing_count else "")).fetchone()
    return Compared(columns, fetch("", FAILING_ROWS_INLINE), failing, count, failing_count, tuple(totals))


def run_comparison(con: duckdb.DuckDBPyConnection, check: Check) -> Compared:
    """Run the check's SQL, once, into its result table; return what it compared."""
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {result_table(check)} AS {check.sql}")
        return read_compared(con.execute, result_table(check))
    except duckdb.Error as exc:
        return Compared(error=f"{type(exc).__name__}: {exc}")


# -- Great Expectations -------------------------------------------------------------------------

@dataclass
class GxOutcome:
    success: bool | None  # None: GX could not evaluate the expectation
    unexpected_count: int | None
    error: str | None = None


# The workaround below patches a private name of GX's SQLAlchemy engine, as it is in this release line.
GX_WORKAROUND_WRITTEN_FOR = (1, 24)


class UnsupportedGxVersion(RuntimeError):
    """Great Expectations is not the release the GX issue 11579 workaround was written (and tested) for."""


def _check_gx_version(version: str) -> None:
    major_minor = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
    if major_minor != GX_WORKAROUND_WRITTEN_FOR:
        written_for = ".".join(map(str, GX_WORKAROUND_WRITTEN_FOR))
        raise UnsupportedGxVersion(
            f"Great Expectations {version} is installed, but the audit's workaround for GX issue 11579 "
            f"(_keep_duckdb_connection_persistent in {__name__}) was written for {written_for}.x: pin "
            f"great-expectations {written_for}.* again, or check that this version still needs and "
            "allows the workaround and update GX_WORKAROUND_WRITTEN_FOR")


def _keep_duckdb_connection_persistent() -> None:
    """Make GX keep one persistent SQLAlchemy connection for the duckdb dialect (GX issue 11579)."""
    import great_expectations
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    _check_gx_version(great_expectations.__version__)

    class _DuckDBDialectName(str):
        value = "duckdb"

    dialects = engine_module._PERSISTED_CONNECTION_DIALECTS
    if not any(str(getattr(d, "value", d)) == "duckdb" for d in dialects):
        # A str with `.value` stands in for the GXSqlDialect member GX has no duckdb entry for.
        engine_module._PERSISTED_CONNECTION_DIALECTS = (  # type: ignore[assignment]
            *dialects, _DuckDBDialectName("duckdb"))


def validate_with_gx(
    con: duckdb.DuckDBPyConnection, checks: list[Check], suites: dict[str, str], data_docs_dir: Path,
    skip: frozenset[str] = frozenset(),
) -> dict[str, GxOutcome]:
    """Validate every check's result table (a temp table on `con`) through one Checkpoint (one suite per
    folder); build Data Docs; outcome per check id.

    Checks in `skip` (their SQL failed) are left out: they have no result table, and a failing statement
    aborts the transaction GX holds open on its one persistent connection, so every later expectation
    would then fail too.
    """
    def add_duckdb(context: Any) -> Any:
        import duckdb_engine

        _keep_duckdb_connection_persistent()
        return context.data_sources.add_sql(
            name="build",
            connection_string="duckdb:///:memory:",  # never opened: the creator hands out `con`
            # GX's sources.pyi omits the engine kwargs add_sql accepts at run time
            kwargs={"creator": lambda: duckdb_engine.ConnectionWrapper(con), "pool_reset_on_return": None},
        )

    return run_checkpoint(checks, suites, data_docs_dir, skip, add_duckdb,
                          lambda check: f"SELECT * EXCLUDE (ok) FROM {result_table(check)} WHERE NOT ok")


class SqlSession(Protocol):
    """What runs SQL for checks and their readers: a DuckDB connection, DuckDBChecks or PostgresChecks."""

    def execute(self, sql: str, params: Sequence[Any] | None = None, /) -> Any: ...


class DuckDBChecks:
    """Checks on one DuckDB connection (`open_connection`): the same interface as opcc.postgres.audit's
    PostgresChecks, so the audit and the publications run their checks on either engine alike."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, list(params) if params is not None else None)

    def compare(self, check: Check) -> Compared:
        return run_comparison(self.con, check)

    def validate(self, checks: list[Check], suites: dict[str, str], data_docs_dir: Path,
                 compared: dict[str, Compared]) -> dict[str, GxOutcome]:
        broken = frozenset(cid for cid, comp in compared.items() if comp.error is not None)
        return validate_with_gx(self.con, checks, suites, data_docs_dir, skip=broken)

    def close(self) -> None:
        self.con.close()


def run_checkpoint(
    checks: list[Check], suites: dict[str, str], data_docs_dir: Path, skip: frozenset[str],
    add_datasource: Callable[[Any], Any], unexpected_rows_query: Callable[[Check], str],
) -> dict[str, GxOutcome]:
    """One GX Checkpoint over the checks' result tables, read through the data source `add_datasource` adds
    to GX's context; `unexpected_rows_query(check)` selects a check's failing rows. Outcome per check id."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    sink = io.StringIO()
    # UnexpectedRowsExpectation prints a warning for queries without {batch}: these checks read their
    # result tables deliberately, so the prints are swallowed.
    with contextlib.redirect_stdout(sink):
        import great_expectations as gx
        from great_expectations.checkpoint import UpdateDataDocsAction
        from great_expectations.core.expectation_suite import ExpectationSuite
        from great_expectations.data_context.types.base import ProgressBarsConfig

        if data_docs_dir.exists():  # a rerun replaces the run's Data Docs rather than piling up
            shutil.rmtree(data_docs_dir)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            site_name="local",
            site_config={
                "class_name": "SiteBuilder",
                # SiteBuilder takes it; GX's DataDocsSiteConfigTypedDict does not list it
                "show_how_to_buttons": False,  # type: ignore[typeddict-unknown-key]
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        datasource = add_datasource(context)
        asset = datasource.add_query_asset(name="build", query="SELECT 1 AS build")
        batch_definition = asset.add_batch_definition_whole_table("whole build")

        validation_definitions = []
        for suite_name, description in suites.items():
            suite = ExpectationSuite(name=suite_name, meta={"description": description})
            for check in checks:
                if check.suite != suite_name or check.check_id in skip:
                    continue
                suite.add_expectation(
                    gx.expectations.UnexpectedRowsExpectation(
                        unexpected_rows_query=unexpected_rows_query(check),
                        description=check.description,
                        meta={"check_id": check.check_id, "severity": check.severity, "unit": check.unit,
                              "sql": f"expectations/{check.sql_file.parent.name}/{check.sql_file.name}"},
                    )
                )
            if not suite.expectations:
                continue
            suite = context.suites.add(suite)
            validation_definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(name=f"{suite_name} on build", data=batch_definition, suite=suite)
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name="opcc_audit",
                validation_definitions=validation_definitions,
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=["local"])],
                result_format={"result_format": "COMPLETE", "partial_unexpected_count": FAILING_ROWS_INLINE},
            )
        )
        result = checkpoint.run()
    make_offline(data_docs_dir)

    outcomes: dict[str, GxOutcome] = {}
    for suite_result in result.run_results.values():
        for r in suite_result.results:
            config = r.expectation_config
            assert config is not None  # a result always carries its expectation's configuration
            cid: str = config.meta["check_id"]  # every expectation above is built with its check_id
            exc = r.exception_info or {}
            raised = [v for v in (exc.values() if isinstance(exc, dict) else [])
                      if isinstance(v, dict) and v.get("raised_exception")]
            if exc.get("raised_exception") or raised:
                message = exc.get("exception_message") or (
                    raised[0].get("exception_message") if raised else "unknown error")
                outcomes[cid] = GxOutcome(success=None, unexpected_count=None, error=str(message))
            else:
                outcomes[cid] = GxOutcome(success=bool(r.success),
                                          unexpected_count=(r.result or {}).get("observed_value"))
    return outcomes


# -- results ------------------------------------------------------------------------------------

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


def build_result(check: Check, compared: Compared, outcome: GxOutcome | None) -> dict[str, Any]:
    error = compared.error or (outcome.error if outcome else "Great Expectations did not report this check")
    failing = [{k: v for k, v in r.items() if k != "ok"} for r in compared.failing]
    result: dict[str, Any] = {
        "id": check.check_id,
        "suite": check.suite,
        "description": check.description,
        "severity": check.severity,
        "unit": check.unit,
        "expected_label": check.expected_label,
        "compared_rows": compared.row_count,
        # Every compared row (first 20), failing or not, so a PASS shows what was compared per year/file.
        "compared": [{k: json_safe(v) for k, v in row.items()} for row in compared.rows[:FAILING_ROWS_INLINE]],
    }
    if error is not None:
        # A check that cannot run cannot vouch for the build: it takes its severity.
        result.update(
            status=check.severity,
            expected=None,
            actual=None,
            difference=None,
            failing_rows_count=0,
            failing_rows=[],
            error=f"The check could not run: {error}",
        )
        return result
    assert outcome is not None
    passed = bool(outcome.success)
    if outcome.unexpected_count is not None and outcome.unexpected_count != compared.failing_count:
        log.warning("%s: GX found %s failing rows, the comparison %s",
                    check.check_id, outcome.unexpected_count, compared.failing_count)
    expected, actual, difference = summarise(check, compared)
    result.update(
        status=_status(check, passed),
        expected=json_safe(expected),
        actual=json_safe(actual),
        difference=json_safe(difference),
        failing_rows_count=compared.failing_count,
        failing_rows=[{k: json_safe(v) for k, v in row.items()} for row in failing[:FAILING_ROWS_INLINE]],
        error=None,
    )
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


def open_checks_on_published(settings: Settings) -> DuckDBChecks | PostgresChecks | None:
    """A checks session on the published warehouse (the file read-only, or the published schemas); None
    when nothing is published yet."""
    if settings.on_postgres:
        from opcc.postgres.audit import PostgresChecks
        from opcc.warehouse_read import PostgresSchemas, exists

        return PostgresChecks(settings, "") if exists(PostgresSchemas(settings)) else None
    if not Path(settings.warehouse_db).exists():
        return None
    return DuckDBChecks(open_connection(Path(settings.warehouse_db), None, Decimal(0), duckdb_config(settings)))


def outcomes_or_error(checks: list[Check], validate: Callable[[], dict[str, GxOutcome]]) -> dict[str, GxOutcome]:
    """GX's outcomes; when GX itself breaks, every check reports it rather than vanishing."""
    try:
        return validate()
    except Exception as exc:
        log.exception("Great Expectations checkpoint failed")
        return {c.check_id: GxOutcome(None, None, f"Great Expectations checkpoint failed: {exc}") for c in checks}


def run_audit(settings: Settings, build_db: Path | str, run_dir: Path) -> list[dict[str, Any]]:
    """Run every check on the build; record them in the run record (`run_record.write_checks`), write
    `run_dir/failures/*.csv` and GX Data Docs under `run_dir/data_docs/`; return the checks.

    The build is `build_db`, a DuckDB file, or on PostgreSQL (`settings.on_postgres`) the build schemas'
    suffix (e.g. `__build`: `marts__build`, ...)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    expectations_dir = settings.expectations_dir
    checks = load_checks(expectations_dir)
    suites, views = suite_descriptions(expectations_dir), views_sql(expectations_dir)
    session: DuckDBChecks | PostgresChecks
    if settings.on_postgres:
        from opcc.postgres.audit import open_audit_session

        session = open_audit_session(settings, str(build_db), views)
    else:
        if not Path(build_db).exists():
            raise FileNotFoundError(f"build database {build_db} does not exist")
        session = DuckDBChecks(open_connection(Path(build_db), settings.raw_db, settings.over_allocation_tolerance,
                                               duckdb_config(settings), views))
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
                   outcomes: dict[str, GxOutcome]) -> list[dict[str, Any]]:
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
