"""The check definitions: Great Expectations suites kept as JSON in `expectations/`.

Each suite file is a serialised GX 1.x ExpectationSuite whose expectations are all
`unexpected_rows_expectation`s. Every expectation carries in its `meta`:

- `check_id`: stable id, used for `failures/<check id>.csv` and in the report;
- `severity`: `FAIL` (blocks publishing) or `WARN` (reported only);
- `unit`: `GBP` or `rows`;
- `summary`: how the check's expected / actual / difference are totalled from its compared rows:
  `sum` (sum of the failing rows, or of all rows when none fail), `first` (the first failing row,
  or the first row; the SQL orders worst first) or `count` (expected 0 failing rows);
- `comparison_sql`: every compared row with `expected`, `actual`, `difference` (= actual - expected)
  and a boolean `ok`; the GX `unexpected_rows_query` is exactly its rows where `ok` is false.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEVERITIES = ("FAIL", "WARN")
SUMMARIES = ("sum", "first", "count")
UNITS = ("GBP", "rows")


@dataclass(frozen=True)
class Check:
    check_id: str
    suite: str
    description: str
    severity: str
    unit: str
    summary: str
    comparison_sql: str
    unexpected_rows_query: str
    expected_label: str | None
    config: dict[str, Any]  # the expectation as stored (type, kwargs, meta)


def wrap_comparison(comparison_sql: str) -> str:
    """The failing-rows query for a comparison query (as the suites store it)."""
    return (
        "SELECT * EXCLUDE (ok)\nFROM (\n"
        + comparison_sql.strip()
        + "\n) AS comparison\nWHERE NOT comparison.ok"
    )


def load_suite_files(expectations_dir: Path) -> dict[str, dict[str, Any]]:
    """Suite name -> suite JSON, for every `*.json` in `expectations_dir` (sorted by file name)."""
    suites: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(expectations_dir).glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        suites[doc["name"]] = doc
    if not suites:
        raise FileNotFoundError(f"no expectation suites (*.json) in {expectations_dir}")
    return suites


def load_checks(expectations_dir: Path) -> list[Check]:
    """Every check in the suites, validated: ids unique, severities and units known."""
    checks: list[Check] = []
    seen: set[str] = set()
    for suite_name, doc in load_suite_files(expectations_dir).items():
        for exp in doc.get("expectations", []):
            if exp.get("type") != "unexpected_rows_expectation":
                raise ValueError(f"{suite_name}: only unexpected_rows_expectation is supported, got {exp.get('type')}")
            meta = exp.get("meta", {})
            kwargs = exp.get("kwargs", {})
            cid = meta["check_id"]
            if cid in seen:
                raise ValueError(f"duplicate check id {cid}")
            seen.add(cid)
            if meta["severity"] not in SEVERITIES:
                raise ValueError(f"{cid}: severity must be one of {SEVERITIES}")
            if meta.get("summary", "sum") not in SUMMARIES:
                raise ValueError(f"{cid}: summary must be one of {SUMMARIES}")
            if meta["unit"] not in UNITS:
                raise ValueError(f"{cid}: unit must be one of {UNITS}")
            checks.append(
                Check(
                    check_id=cid,
                    suite=suite_name,
                    description=kwargs.get("description") or meta.get("description", ""),
                    severity=meta["severity"],
                    unit=meta["unit"],
                    summary=meta.get("summary", "sum"),
                    comparison_sql=meta["comparison_sql"],
                    unexpected_rows_query=kwargs["unexpected_rows_query"],
                    expected_label=meta.get("expected_label"),
                    config=exp,
                )
            )
    return checks
