"""The checked reference handed to dbt as seeds: one clean CSV per table (the contract's columns, canonical
values) and their properties (types and docs), generated from the contract, in a folder of the data directory.

dbt_project.yml's `seed-paths` is `$OPCC_REFERENCE_SEEDS` (opcc.dbt_runner sets it to that folder), so the models'
`ref('funds')` read the data directory's reference on DuckDB and on PostgreSQL alike, and no model changes.
Files are rewritten only when their content changes, so dbt's partial parsing keeps working night after night.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml

from opcc.reference.checks import Checked
from opcc.reference.contract import CONTRACT, DBT_TYPES, Table

PROPERTIES_FILE = "_reference.yml"


def table_csv(table: Table, rows: list[dict[str, str | None]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in table.column_names])
    return buf.getvalue()


def properties() -> dict[str, Any]:
    """dbt's properties of every reference seed, from the contract: types and docs. No data tests: the reference
    passed every check of the contract (keys, empty cells, references, allowed values, dates) before dbt sees it,
    and dbt writes a test's compiled SQL under its properties file's path, which outside the project (an absolute
    seed path) it cannot."""
    return {"version": 2, "seeds": [
        {"name": table.name, "description": table.description,
         "config": {"column_types": {c.name: DBT_TYPES[c.type] for c in table.columns}},
         "columns": [{"name": c.name, "description": c.description} for c in table.columns]}
        for table in CONTRACT.values()]}


def seed_files(checked: Checked) -> dict[str, str]:
    """File name -> content of the seeds folder for a reference that passed its checks."""
    files = {PROPERTIES_FILE: "# Generated from src/opcc/reference_contract.toml by opcc.reference.seeds.\n"
             + yaml.safe_dump(properties(), sort_keys=False, allow_unicode=True, width=120)}
    for name, table in CONTRACT.items():
        files[table.file_name] = table_csv(table, [r.values for r in checked.tables[name]])
    return files


def write_seeds(folder: Path, files: dict[str, str]) -> None:
    """The folder holds exactly `files`; unchanged files are left untouched (dbt's partial parsing sees no change)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        if path.is_file() and path.name not in files:
            path.unlink()
    for name, content in files.items():
        path = folder / name
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(path)
