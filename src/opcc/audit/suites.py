"""The check definitions in `expectations/`: one folder per suite, each check's SQL in one readable file.

`expectations/<folder>/checks.yml` names the suite and, for each check `<name>`, its metadata; the SQL
is `expectations/<folder>/<name>.sql` beside it, and the check's id is `<folder>.<name>`:

- `description`: plain English;
- `severity`: `FAIL` (blocks publishing) or `WARN` (reported only);
- `unit`: `GBP` or `rows`;
- `summary`: how the check's expected / actual / difference are totalled from its compared rows:
  `sum` (sum of the failing rows, or of all rows when none fail), `first` (the first failing row,
  or the first row; the SQL orders worst first) or `count` (expected 0 failing rows);
- `expected_label` (optional): how the report words the expected figure ("at least").

The SQL returns every compared row with `expected`, `actual`, `difference` (= actual - expected) and a
boolean `ok`. It runs once (audit/compare.py): GX's verdict and the report's figures read that one result.
`expectations/views.sql` defines the views every check may use (e.g. `current_files`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SEVERITIES = ("FAIL", "WARN")
SUMMARIES = ("sum", "first", "count")
UNITS = ("GBP", "rows")
VIEWS_FILE = "views.sql"


@dataclass(frozen=True)
class Check:
    check_id: str
    suite: str
    description: str
    severity: str
    unit: str
    summary: str
    sql: str  # every compared row, with expected, actual, difference and ok
    sql_file: Path
    expected_label: str | None = None


def load_checks(expectations_dir: Path) -> list[Check]:
    """Every check of every suite (folders in name order), validated: SQL present, severities, units and
    summaries known. A SQL file no check names is an error too: nothing lies about unread."""
    checks: list[Check] = []
    for spec in sorted(Path(expectations_dir).glob("*/checks.yml")):
        folder = spec.parent
        doc = yaml.safe_load(spec.read_text(encoding="utf-8"))
        named = set(doc.get("checks") or {})
        stray = {p.stem for p in folder.glob("*.sql")} - named
        if stray:
            raise ValueError(f"{folder}: SQL without an entry in checks.yml: {', '.join(sorted(stray))}")
        for name, meta in (doc.get("checks") or {}).items():
            cid = f"{folder.name}.{name}"
            sql_file = folder / f"{name}.sql"
            if not sql_file.exists():
                raise ValueError(f"{cid}: {sql_file} is missing")
            for key, allowed in (("severity", SEVERITIES), ("unit", UNITS), ("summary", SUMMARIES)):
                if meta.get(key, "sum" if key == "summary" else None) not in allowed:
                    raise ValueError(f"{cid}: {key} must be one of {allowed}, not {meta.get(key)!r}")
            checks.append(Check(
                check_id=cid, suite=doc["suite"], description=meta["description"], severity=meta["severity"],
                unit=meta["unit"], summary=meta.get("summary", "sum"),
                sql=sql_file.read_text(encoding="utf-8").strip().rstrip(";"), sql_file=sql_file,
                expected_label=meta.get("expected_label"),
            ))
    if not checks:
        raise FileNotFoundError(f"no checks (*/checks.yml) in {expectations_dir}")
    return checks


def suite_descriptions(expectations_dir: Path) -> dict[str, str]:
    """Suite name -> its description, for GX's suites and Data Docs."""
    out = {}
    for spec in sorted(Path(expectations_dir).glob("*/checks.yml")):
        doc = yaml.safe_load(spec.read_text(encoding="utf-8"))
        out[doc["suite"]] = doc.get("description", "")
    return out


def views_sql(expectations_dir: Path) -> str:
    """The views every check may read, created once on the audit connection before any check runs."""
    path = Path(expectations_dir) / VIEWS_FILE
    return path.read_text(encoding="utf-8") if path.exists() else ""
