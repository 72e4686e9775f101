"""The one place where the warehouse's read-side SQL, written once for both engines, is pointed at PostgreSQL.

The checks (expectations/) and the readers of the warehouse (report, publications) name relations as the
DuckDB warehouse has them: `marts.x`, `reference.x`, ..., and raw's tables as `raw.main.x` (raw.duckdb is
attached as catalog `raw`). In PostgreSQL everything is one database: raw is the schema `raw`, and a night's
build lives in the schemas `<name><suffix>` (e.g. `marts__build`) until it is published as `<name>`.
`for_postgres` renames those schema references, never inside string literals, quoted names or comments, and
turns the readers' one paramstyle (`?`, DuckDB's) into psycopg2's (`%s`, with literal `%` doubled).
"""

from __future__ import annotations

import re

# Schemas of the build that the read-side SQL names (published ones and the pipeline's views alike).
BUILD_SCHEMAS = ("marts", "reference", "snapshots", "staging", "intermediate")
RAW_SCHEMA = "raw"
# A night's build lives in `<schema>` + BUILD_SUFFIX (dbt's generate_schema_name appends $OPCC_SCHEMA_SUFFIX).
BUILD_SUFFIX = "__build"

_TOKEN = re.compile(
    r"'(?:[^']|'')*'"  # a string literal
    r'|"(?:[^"]|"")*"'  # a quoted name
    r"|--[^\n]*"  # a comment
    r"|(?<![\w.])(?P<schema>raw\.main|" + "|".join(BUILD_SCHEMAS) + r")\."  # a schema-qualified name
    r"|(?P<param>\?)"
    r"|(?P<percent>%)"
)


def for_postgres(sql: str, schema_suffix: str = "", *, with_params: bool = False) -> str:
    """`sql` for the PostgreSQL warehouse: `marts.x` -> `marts<schema_suffix>.x`, `raw.main.x` -> `raw.x`; with
    `with_params`, `?` -> `%s` and `%` -> `%%` (psycopg2 formats the whole statement when given parameters)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group("schema"):
            schema = match.group("schema")
            return f"{RAW_SCHEMA}." if schema == "raw.main" else f"{schema}{schema_suffix}."
        if match.group("param"):
            return "%s" if with_params else token
        if with_params and "%" in token:  # `%` alone, or inside a literal or comment
            return token.replace("%", "%%")
        return token

    return _TOKEN.sub(replace, sql)
