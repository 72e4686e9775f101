"""One Great Expectations Checkpoint over the checks' result relations, on whichever engine holds them."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opcc.audit.data_docs import make_offline
from opcc.audit.suites import Check

# Failing rows shown per check: in GX's Data Docs, in the report and in the run record.
FAILING_ROWS_INLINE = 20


@dataclass
class GxOutcome:
    success: bool | None  # None: GX could not evaluate the expectation
    unexpected_count: int | None
    error: str | None = None



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


