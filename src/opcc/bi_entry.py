"""What BI opens: `warehouse.duckdb`, a symbolic link to the published version's own file, and nothing more.

Each night's file is published under its own folder, `published/<version>/warehouse.duckdb`, and the link
is switched to it in one rename. (The file keeps its name, which DuckDB makes the catalog's: BI sees
`warehouse.marts` every night.) Why not a file replaced by rename: DuckDB keeps one database per path per
process for as long as any connection to it is open, so a BI server whose queries overlap without pause
would never reopen a file renamed over, and would serve last night for ever. DuckDB keys that cache on the
path with links resolved: once the link is switched, the next connection opens the new file while the
ones still open finish on the old, each connection reading one whole version.

The published file holds the published schemas' tables only (never views over raw, nor anything else), so
even a BI connection set up carelessly sees nothing more than the marts and their reference data.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from opcc.config import Settings
from opcc.integrity import fsync


def published_file(settings: Settings, version: str) -> Path:
    return settings.published_dir / version / settings.warehouse_db.name


def linked_version(settings: Settings) -> str | None:
    """The version `warehouse.duckdb` links to; None when it is no link (before the first publish, or a
    warehouse published before the link)."""
    if not settings.warehouse_db.is_symlink():
        return None
    return Path(os.readlink(settings.warehouse_db)).parent.name or None


def drop_unpublished(con: duckdb.DuckDBPyConnection, published_schemas: tuple[str, ...]) -> None:
    """Drop from the database `con` opened every view, table, sequence and macro outside `published_schemas`:
    what BI opens holds the marts and their reference data, and nothing that reaches further."""
    keep = ", ".join(f"'{s}'" for s in published_schemas)
    found = con.execute(
        f"""SELECT 'VIEW', schema_name, view_name FROM duckdb_views()
              WHERE NOT internal AND database_name = current_database() AND schema_name NOT IN ({keep})
            UNION ALL SELECT 'TABLE', schema_name, table_name FROM duckdb_tables()
              WHERE NOT internal AND database_name = current_database() AND schema_name NOT IN ({keep})
            UNION ALL SELECT 'SEQUENCE', schema_name, sequence_name FROM duckdb_sequences()
              WHERE database_name = current_database() AND schema_name NOT IN ({keep})
            UNION ALL SELECT DISTINCT CASE function_type WHEN 'table_macro' THEN 'MACRO TABLE' ELSE 'MACRO' END,
                                      schema_name, function_name FROM duckdb_functions()
              WHERE NOT internal AND function_type IN ('macro', 'table_macro')
                AND database_name = current_database() AND schema_name NOT IN ({keep})""").fetchall()
    # Views first: a view may read a table dropped after it.
    for kind, schema, name in sorted(found, key=lambda row: row[0] != "VIEW"):
        con.execute(f'DROP {kind} IF EXISTS "{schema}"."{name}" CASCADE')


def switch_to(settings: Settings, new_file: Path, version: str) -> None:
    """Make `new_file` (whole, read-only, flushed) what BI opens: moved into its version's own folder under
    published/, then `warehouse.duckdb` switched to it by renaming a new link over it. A reader that
    opened the previous file keeps it; the next connection opens this one."""
    previous = linked_version(settings)
    target = published_file(settings, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    fsync(target.parent.parent)
    os.replace(new_file, target)  # a rollback to a version BI read before: the same bytes under the same name
    new_link = settings.warehouse_db.with_name(".warehouse.switch")
    new_link.unlink(missing_ok=True)
    os.symlink(target.relative_to(settings.data_dir), new_link)  # relative: the data dir may move
    fsync(target.parent)
    os.replace(new_link, settings.warehouse_db)  # over the old link, or a warehouse file from before it
    fsync(settings.warehouse_db.parent)
    # Kept: this file and the one BI read until now (a reader that resolved the link an instant before the
    # switch still opens it). Older ones go (the kept versions are under versions/); a reader that has one
    # open keeps reading it, as an open file stays until it is closed.
    for old in settings.published_dir.iterdir():
        if old.name not in (version, previous):
            shutil.rmtree(old, ignore_errors=True)
