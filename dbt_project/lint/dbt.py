"""Stand-ins for the `dbt.*` macros our models call, for sqlfluff's jinja templater (dbt_project/.sqlfluff).

sqlfluff lints the SQL these render to, not dbt's own: they only need to render SQL DuckDB would parse.
The dbt templater would give the real thing but needs a live dbt connection.
"""

from __future__ import annotations

from pathlib import Path

import yaml

_PROJECT = Path(__file__).resolve().parents[1] / "dbt_project.yml"


def var(name: str, default: object = None) -> object:
    """A dbt var's value as its one owner sets it: dbt_project.yml, or for those an OPCC sets, the settings'
    defaults (opcc.dbt_runner.dbt_vars); else `default`."""
    from opcc.config import Settings
    from opcc.dbt_runner import dbt_vars

    project = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars") or {}
    return {**dbt_vars(Settings(data_dir=_PROJECT.parent)), **project}.get(name, default)


def cast(expr: object, data_type: object) -> str:
    return f"cast({expr} as {data_type})"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_string() -> str:
    return "varchar"


def type_timestamp() -> str:
    return "timestamp"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: object) -> str:
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date: object, second_date: object, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def date_trunc(datepart: str, date: object) -> str:
    return f"date_trunc('{datepart}', {date})"


def last_day(date: object, datepart: str) -> str:
    return f"last_day({date})"
