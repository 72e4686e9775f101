"""Write-audit-publish: build aside, then publish the warehouse and its Parquet as one version.

A version is a warehouse file, `versions/warehouse-<version>.duckdb`, and its marts as Parquet,
`marts-versions/<version>/`. BI opens two fixed paths, each a symbolic link switched by one rename:
`warehouse.duckdb` (to the published version's file under published/, see opcc.bi_entry) and `marts`
(to the published version's folder). The two renames follow each other with no work between; should a
crash fall between them, `repair_published` points `marts` at the warehouse's version again. A reader
that opened the old file keeps reading it; a new connection sees the new one. The last `keep_versions`
earlier versions stay, both halves, for `opcc rollback`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb

from opcc import bi_entry
from opcc.config import Settings, duckdb_config

# Schemas BI reads. Staging and intermediate views point at the raw database, which BI never opens.
PUBLISHED_SCHEMAS = ("marts", "reference", "snapshots")


def prepare_build(settings: Settings, build_db: Path) -> Path:
    """Start a build as a copy of the published warehouse, so snapshots and incremental models carry on."""
    repair_published(settings)  # a night that does not publish still leaves marts/ matching the warehouse
    build_db.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build_db, build_db.with_name(build_db.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a killed earlier attempt: start again from the published file
    if settings.warehouse_db.exists():
        shutil.copyfile(settings.warehouse_db, build_db)
    return build_db


def _published_record(settings: Settings) -> Path:
    return settings.data_dir / "published.json"


def published_info(settings: Settings) -> dict[str, str | None]:
    """What `publish` recorded of the version BI reads now: version, project_fingerprint (None after a
    rollback), published_at. Empty when unknown (before the first publish, or a crash mid-swap)."""
    path = _published_record(settings)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def first_unpublished_file_id(settings: Settings, build_db: Path, fingerprint: str) -> int:
    """The first raw file id the published warehouse has not seen, if the same dbt project built it;
    else 0. The build's tests over raw need not look again at files below it (raw is append-only)."""
    if published_info(settings).get("project_fingerprint") != fingerprint or not build_db.exists():
        return 0
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        row = con.execute("SELECT max(file_id) FROM marts.load_audit").fetchone()
        assert row is not None  # an aggregate always returns one row
        seen = row[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
    return 0 if seen is None else seen + 1


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]


def finalise_build(settings: Settings, build_db: Path) -> None:
    """Drop the views over raw and all else BI does not read, and checkpoint so the file stands alone
    (no write-ahead log)."""
    con = duckdb.connect(str(build_db), config=duckdb_config(settings))
    try:
        bi_entry.drop_unpublished(con, PUBLISHED_SCHEMAS)
        con.execute("CHECKPOINT")
    finally:
        con.close()


# Line-grain marts whose lines of a file never change while the file is current (for a given dbt
# project): exported as one Parquet file per source file, so a night writes only its new files.
BY_SOURCE_FILE = ("spend_transactions",)


def _new_version() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")


def _version_file(settings: Settings, version: str) -> Path:
    return settings.versions_dir / f"warehouse-{version}.duckdb"


def _version_of(version_file: Path) -> str:
    return version_file.stem.removeprefix("warehouse-")


def published_version(settings: Settings) -> str | None:
    """The version BI reads now: the one warehouse.duckdb links to, or whose file under versions/ is
    warehouse.duckdb itself (None before the first publish, or for a warehouse published before versions
    were kept so)."""
    linked = bi_entry.linked_version(settings)
    if linked is not None:
        return linked
    if not settings.warehouse_db.exists():
        return None
    published = settings.warehouse_db.stat()
    return next((_version_of(v) for v in settings.versions_dir.glob("warehouse-*.duckdb")
                 if os.path.samestat(v.stat(), published)), None)


def list_versions(settings: Settings) -> list[Path]:
    """Earlier published warehouses, newest first (not the one BI reads now)."""
    published = settings.warehouse_db.stat() if settings.warehouse_db.exists() else None
    return sorted((v for v in settings.versions_dir.glob("warehouse-*.duckdb")
                   if published is None or not os.path.samestat(v.stat(), published)), reverse=True)


def export_parquet(settings: Settings, db: Path, version: str, fingerprint: str | None = None,
                   previous: Path | None = None) -> Path:
    """Every mart of `db` as marts-versions/<version>/<mart>.parquet (the line-grain ones as
    <mart>/file-<id>.parquet), with version.json naming the version. Written under a hidden name and
    renamed when whole, so a version folder is complete or absent. Kept if it exists already.
    `previous` is the folder BI reads now: line-grain files it holds for the same dbt project are linked."""
    final = settings.marts_versions_dir / version
    if final.is_dir():
        return final
    work = final.with_name(f".{version}.partial")
    shutil.rmtree(work, ignore_errors=True)  # a crashed earlier attempt
    work.mkdir(parents=True)
    con = duckdb.connect(str(db), read_only=True, config=duckdb_config(settings))
    try:
        for name in mart_names(con):
            if name in BY_SOURCE_FILE:
                _export_by_source_file(con, work / name, name, fingerprint, previous and previous / name)
            else:
                _copy(con, f'SELECT * FROM marts."{name}"', work / f"{name}.parquet")
    finally:
        con.close()
    (work / "version.json").write_text(json.dumps({"version": version, "project_fingerprint": fingerprint}) + "\n",
                                       encoding="utf-8")
    for path in sorted(work.rglob("*"), reverse=True):  # files, then the folders that name them
        _fsync(path)
    _fsync(work)
    os.rename(work, final)
    _fsync(final.parent)
    return final


def _export_by_source_file(con: duckdb.DuckDBPyConnection, folder: Path, name: str, fingerprint: str | None,
                           previous: Path | None) -> None:
    """<mart>/file-<id>.parquet for each source file in the mart. A file the previous version holds for the
    same dbt project is hard-linked (copied across file systems), not written again: a file's lines do
    not change while it is current, and no Parquet file is ever rewritten in place."""
    folder.mkdir()
    stamp = ".project_fingerprint"
    reusable = (fingerprint is not None and previous is not None and (previous / stamp).is_file()
                and (previous / stamp).read_text(encoding="utf-8") == fingerprint)
    for (file_id,) in con.execute(f'SELECT DISTINCT file_id FROM marts."{name}" ORDER BY 1').fetchall():
        target = folder / f"file-{int(file_id)}.parquet"
        if reusable and previous is not None and (previous / target.name).is_file():
            try:
                os.link(previous / target.name, target)
            except OSError:
                shutil.copy2(previous / target.name, target)
            continue
        _copy(con, f'SELECT * FROM marts."{name}" WHERE file_id = {int(file_id)} ORDER BY sheet, line_number', target)
    if fingerprint is not None:
        (folder / stamp).write_text(fingerprint, encoding="utf-8")


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    quoted = str(target).replace("'", "''")
    con.execute(f"COPY ({query}) TO '{quoted}' (FORMAT parquet)")


def publish(settings: Settings, build_db: Path, fingerprint: str | None = None) -> Path:
    """Make `build_db` and its marts as Parquet the version BI reads; keep the one it replaces.
    `fingerprint` is the dbt project's that built it (see dbt_runner.project_fingerprint)."""
    repair_published(settings)
    finalise_build(settings, build_db)
    version = _new_version()
    previous = settings.marts_dir.resolve() if settings.marts_dir.is_dir() else None
    # Exported from the build itself: a process that has the old warehouse open would otherwise be
    # handed its cached old database when it opens the same path again.
    export_parquet(settings, build_db, version, fingerprint, previous)
    _swap_in(settings, build_db, version, fingerprint)
    return settings.warehouse_db


def _swap_in(settings: Settings, new_file: Path, version: str, fingerprint: str | None) -> None:
    """Publish `new_file` as `version`, whose Parquet folder is ready: the warehouse, then marts/, each
    in one rename, with nothing between them that can fail for want of time or space."""
    warehouse = settings.warehouse_db
    settings.versions_dir.mkdir(parents=True, exist_ok=True)
    if warehouse.exists() and published_version(settings) is None:
        # Published before each version's file was kept at publish time: keep it as an earlier version
        # (its Parquet is exported again should it ever be rolled back to).
        os.link(warehouse, _version_file(settings, _new_version()))
    os.chmod(new_file, 0o444)  # read-only for everyone: BI never writes to it
    _fsync(new_file)
    if not _version_file(settings, version).exists():  # a rollback's file is that version's already
        os.link(new_file, _version_file(settings, version))
    info = _published_record(settings)
    info.unlink(missing_ok=True)  # never describe the new file with the old one's record
    bi_entry.switch_to(settings, new_file, version)
    _point_marts_at(settings, version)
    _fsync(warehouse.parent)
    info.write_text(json.dumps({"version": version, "project_fingerprint": fingerprint,
                                "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}) + "\n",
                    encoding="utf-8")
    _prune(settings)


def _point_marts_at(settings: Settings, version: str) -> None:
    """Switch marts/ to marts-versions/<version>/ by renaming a new symbolic link over it."""
    link = settings.marts_dir
    new_link = link.with_name(".marts.switch")
    new_link.unlink(missing_ok=True)
    os.symlink(Path(settings.marts_versions_dir.name) / version, new_link)  # relative: the data dir may move
    if link.is_dir() and not link.is_symlink():
        # A marts/ folder from before Parquet was versioned: set aside once (marts/ is absent for that instant).
        aside = settings.marts_versions_dir / f".unversioned-{_new_version()}"
        os.rename(link, aside)
        os.replace(new_link, link)
        shutil.rmtree(aside)
    else:
        os.replace(new_link, link)


def repair_published(settings: Settings) -> None:
    """Point marts/ at the published warehouse's version if a crash fell between the two renames."""
    version = published_version(settings)
    if version is None or not (settings.marts_versions_dir / version).is_dir():
        return
    link = settings.marts_dir
    if not link.is_symlink() or Path(os.readlink(link)).name != version:
        _point_marts_at(settings, version)


def _prune(settings: Settings) -> None:
    """Keep the published version and the last `keep_versions` earlier ones, warehouse and Parquet."""
    earlier = list_versions(settings)
    for old in earlier[settings.keep_versions:]:
        old.unlink()
    kept = {_version_of(v) for v in earlier[:settings.keep_versions]} | {published_version(settings)}
    for folder in settings.marts_versions_dir.iterdir():
        if folder.name not in kept:  # older versions, and leftovers of crashed attempts
            shutil.rmtree(folder)


def rollback(settings: Settings, version: str | None = None) -> Path:
    """Publish an earlier version again, warehouse and Parquet (the newest earlier one unless `version`
    names one)."""
    repair_published(settings)
    versions = list_versions(settings)
    if not versions:
        raise FileNotFoundError(f"no earlier versions in {settings.versions_dir}")
    chosen = versions[0] if version is None else next(
        (v for v in versions if version in v.name), None)
    if chosen is None:
        raise FileNotFoundError(f"no version matching {version!r}; have: {', '.join(v.name for v in versions)}")
    # A version published before Parquet was versioned gets its folder now, from its own warehouse.
    export_parquet(settings, chosen, _version_of(chosen))
    tmp = settings.warehouse_db.with_name(".rollback.duckdb")
    tmp.unlink(missing_ok=True)
    os.link(chosen, tmp)
    _swap_in(settings, tmp, _version_of(chosen), None)  # which project built it is not recorded: test everything next
    return chosen


def _fsync(path: Path) -> None:
    """Flush a file, or a directory's entries (so a rename survives a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
