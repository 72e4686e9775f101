"""Write-audit-publish: build aside, then replace the warehouse BI reads in one atomic rename.

A reader that opened the old file keeps reading it (the rename does not touch its inode); a new
connection sees the new file. The previous versions stay under versions/ for `opcc rollback`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb

from opcc.config import Settings, duckdb_config

# Schemas BI reads. Staging and intermediate views point at the raw database, which BI never opens.
PUBLISHED_SCHEMAS = ("marts", "reference", "snapshots")


def prepare_build(settings: Settings, build_db: Path) -> Path:
    """Start a build as a copy of the published warehouse, so snapshots and incremental models carry on."""
    build_db.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build_db, build_db.with_name(build_db.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a killed earlier attempt: start again from the published file
    if settings.warehouse_db.exists():
        shutil.copyfile(settings.warehouse_db, build_db)
    return build_db


def _published_record(settings: Settings) -> Path:
    return settings.data_dir / "published.json"


def published_info(settings: Settings) -> dict[str, str | None]:
    """What `publish` recorded of the warehouse BI reads now (empty when unknown, e.g. after a rollback)."""
    path = _published_record(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def first_unpublished_file_id(settings: Settings, build_db: Path, fingerprint: str) -> int:
    """The first raw file id the published warehouse has not seen, if the same dbt project built it;
    else 0. The build's tests over raw need not look again at files below it (raw is append-only)."""
    if published_info(settings).get("project_fingerprint") != fingerprint or not build_db.exists():
        return 0
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        seen = con.execute("SELECT max(file_id) FROM marts.load_audit").fetchone()[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
    return 0 if seen is None else seen + 1


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]


def finalise_build(settings: Settings, build_db: Path) -> None:
    """Drop the views over raw, and checkpoint so the file stands alone (no write-ahead log)."""
    con = duckdb.connect(str(build_db), config=duckdb_config(settings))
    try:
        views = con.execute(
            """SELECT schema_name, view_name FROM duckdb_views()
               WHERE NOT internal AND database_name = current_database()
                 AND schema_name NOT IN ('marts', 'reference', 'snapshots')""").fetchall()
        for schema, view in views:
            con.execute(f'DROP VIEW "{schema}"."{view}"')
        con.execute("CHECKPOINT")
    finally:
        con.close()


# Line-grain marts whose lines of a file never change while the file is current (for a given dbt
# project): exported as one Parquet file per source file, so a night writes only its new files.
BY_SOURCE_FILE = ("spend_transactions",)


def export_parquet(settings: Settings, db: Path, fingerprint: str | None = None) -> list[Path]:
    """Every mart as marts/<mart>.parquet (the line-grain ones as marts/<mart>/file-<id>.parquet),
    each file replaced atomically."""
    out_dir = settings.marts_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    con = duckdb.connect(str(db), read_only=True, config=duckdb_config(settings))
    try:
        for name in mart_names(con):
            if name in BY_SOURCE_FILE:
                written.append(_export_by_source_file(con, out_dir / name, name, fingerprint))
                continue
            target = out_dir / f"{name}.parquet"
            _copy_atomically(con, f'SELECT * FROM marts."{name}"', target)
            written.append(target)
    finally:
        con.close()
    for stale in set(out_dir.glob("*.parquet")) | {p for p in out_dir.iterdir() if p.is_dir()}:
        if stale in written:
            continue
        if stale.is_dir():  # a mart that no longer exists, or is now exported another way
            shutil.rmtree(stale)
        else:
            stale.unlink()
    return written


def _export_by_source_file(con: duckdb.DuckDBPyConnection, folder: Path, name: str, fingerprint: str | None) -> Path:
    """marts/<mart>/file-<id>.parquet for each source file in the mart: files already exported by the same
    dbt project are kept, new ones written, gone ones (superseded) deleted."""
    stamp = folder / ".project_fingerprint"
    if fingerprint is None or not stamp.exists() or stamp.read_text(encoding="utf-8") != fingerprint:
        shutil.rmtree(folder, ignore_errors=True)  # another project (or unknown): the lines may differ
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {file_id for (file_id,) in con.execute(f'SELECT DISTINCT file_id FROM marts."{name}"').fetchall()}
    exported = {int(p.stem.removeprefix("file-")): p for p in folder.glob("file-*.parquet")}
    for file_id in sorted(wanted - set(exported)):
        _copy_atomically(con, f'SELECT * FROM marts."{name}" WHERE file_id = {int(file_id)} ORDER BY line_number',
                         folder / f"file-{file_id}.parquet")
    for file_id in set(exported) - wanted:
        exported[file_id].unlink()
    if fingerprint is not None:
        stamp.write_text(fingerprint, encoding="utf-8")
    return folder


def _copy_atomically(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet)")
    os.replace(tmp, target)


def publish(settings: Settings, build_db: Path, fingerprint: str | None = None) -> Path:
    """Make `build_db` the warehouse BI reads; keep the one it replaces as a version.
    `fingerprint` is the dbt project's that built it (see dbt_runner.project_fingerprint)."""
    finalise_build(settings, build_db)
    # Exported from the build itself: a process that has the old warehouse open would otherwise be
    # handed its cached old database when it opens the same path again.
    export_parquet(settings, build_db, fingerprint)
    _swap_in(settings, build_db, fingerprint)
    return settings.warehouse_db


def _swap_in(settings: Settings, new_file: Path, fingerprint: str | None) -> None:
    """Replace the warehouse by `new_file` in one rename, keeping the replaced one as a version."""
    warehouse = settings.warehouse_db
    settings.versions_dir.mkdir(parents=True, exist_ok=True)
    if warehouse.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        os.link(warehouse, settings.versions_dir / f"warehouse-{stamp}.duckdb")
    os.chmod(new_file, 0o444)  # read-only for everyone: BI never writes to it
    _fsync(new_file)
    info = _published_record(settings)
    info.unlink(missing_ok=True)  # never describe the new file with the old one's record
    os.replace(new_file, warehouse)
    _fsync(warehouse.parent)
    info.write_text(json.dumps({"project_fingerprint": fingerprint,
                                "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}) + "\n",
                    encoding="utf-8")
    for old in list_versions(settings)[settings.keep_versions:]:
        old.unlink()


def list_versions(settings: Settings) -> list[Path]:
    """Earlier published warehouses, newest first."""
    return sorted(settings.versions_dir.glob("warehouse-*.duckdb"), reverse=True)


def rollback(settings: Settings, version: str | None = None) -> Path:
    """Publish an earlier version again (the newest earlier one unless `version` names one)."""
    versions = list_versions(settings)
    if not versions:
        raise FileNotFoundError(f"no earlier versions in {settings.versions_dir}")
    chosen = versions[0] if version is None else next(
        (v for v in versions if version in v.name), None)
    if chosen is None:
        raise FileNotFoundError(f"no version matching {version!r}; have: {', '.join(v.name for v in versions)}")
    tmp = settings.warehouse_db.with_name(".rollback.duckdb")
    shutil.copyfile(chosen, tmp)
    export_parquet(settings, tmp)
    _swap_in(settings, tmp, None)  # which project built that version is not recorded: test everything next
    return chosen


def _fsync(path: Path) -> None:
    """Flush a file, or a directory's entries (so a rename survives a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
