"""Write-audit-publish: build aside, then publish the warehouse and its Parquet as one version.

A version is a warehouse file, `versions/warehouse-<version>.duckdb`, and its marts as Parquet,
`marts-versions/<version>/`. BI opens two fixed paths, each a symbolic link switched by one rename:
`warehouse.duckdb` (to the published version's file under published/, see opcc.bi_entry) and `marts`
(to the published version's folder). The two renames follow each other with no work between; should a
crash fall between them, `repair_published` points `marts` at the warehouse's version again. A reader
that opened the old file keeps reading it; a new connection sees the new one. The last `keep_versions`
earlier versions stay, both halves, for `opcc rollback`.

Every kept version is a file of its own (a copy or a reflink, never a hard link of the published file), its
sha256 recorded beside it (opcc.integrity) and in published.json for the published one, so damage to one file
is never damage to its only copy; `warehouse_damage` and `rollback` check them (the sha256, then DuckDB's own
block checksums) before anything is built on them or switched to. Each Parquet folder likewise holds its own
files and their sha256 (SHA256SUMS).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from opcc import bi_entry
from opcc.config import PUBLISHED_SCHEMAS, Settings, duckdb_config
from opcc.integrity import copy_file, damage, fsync, keep_copy, recorded_sha256, sha256_of, sidecar
from opcc.publish_parquet import BY_SOURCE_FILE as BY_SOURCE_FILE  # moved to publish_parquet; still importable here
from opcc.publish_parquet import export_parquet, parquet_damage


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
    rollback), published_at, sha256. Empty when unknown (before the first publish, or a crash mid-swap): the
    record is written just before the rename that publishes, and names the file by its inode, size and time."""
    record = _read_record(settings)
    if not record or not settings.warehouse_db.exists():
        return {}
    st = settings.warehouse_db.stat()
    if record.get("file") != [st.st_ino, st.st_size, st.st_mtime_ns]:
        return {}
    return {k: v for k, v in record.items() if k != "file"}


def _read_record(settings: Settings) -> dict:
    try:
        record = json.loads(_published_record(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(settings: Settings, published: Path, version: str, fingerprint: str | None, digest: str) -> None:
    """published.json for `published`, the file about to be renamed to warehouse.duckdb (a rename keeps the
    inode, size and time that name it), whole or not at all."""
    st = published.stat()
    path = _published_record(settings)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({
        "version": version, "project_fingerprint": fingerprint,
        "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "sha256": digest,
        "file": [st.st_ino, st.st_size, st.st_mtime_ns]}) + "\n", encoding="utf-8")
    fsync(tmp)
    os.replace(tmp, path)


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


def finalise_build(settings: Settings, build_db: Path) -> None:
    """Drop the views over raw and all else BI does not read, and checkpoint so the file stands alone
    (no write-ahead log)."""
    con = duckdb.connect(str(build_db), config=duckdb_config(settings))
    try:
        bi_entry.drop_unpublished(con, PUBLISHED_SCHEMAS)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _new_version() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")


def _version_file(settings: Settings, version: str) -> Path:
    return settings.versions_dir / f"warehouse-{version}.duckdb"


def _version_of(version_file: Path) -> str:
    return version_file.stem.removeprefix("warehouse-")


def _kept_files(settings: Settings) -> list[Path]:
    return sorted(settings.versions_dir.glob("warehouse-*.duckdb"), reverse=True)


def published_version(settings: Settings) -> str | None:
    """The version BI reads now (None before the first publish, or for a warehouse published before versions
    were kept): the one warehouse.duckdb links to; failing that (a warehouse from before the link), the one
    published.json names, or the kept file that is warehouse.duckdb itself (a hard link, as versions were kept
    before) or has its sha256."""
    linked = bi_entry.linked_version(settings)
    if linked is not None:
        return linked
    if not settings.warehouse_db.exists():
        return None
    version = published_info(settings).get("version")
    if version is not None:
        return version
    published = settings.warehouse_db.stat()
    kept = _kept_files(settings)
    linked = next((_version_of(v) for v in kept if os.path.samestat(v.stat(), published)), None)
    if linked is not None or not any(sidecar(v).exists() for v in kept):
        return linked
    digest = sha256_of(settings.warehouse_db)
    return next((_version_of(v) for v in kept if recorded_sha256(v) == digest), None)


def list_versions(settings: Settings) -> list[Path]:
    """Earlier published warehouses, newest first (not the one BI reads now)."""
    published = published_version(settings)
    return [v for v in _kept_files(settings) if _version_of(v) != published]


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


def _swap_in(settings: Settings, new_file: Path, version: str, fingerprint: str | None,
             digest: str | None = None) -> None:
    """Publish `new_file` as `version`, whose Parquet folder is ready: the warehouse, then marts/, each
    in one rename, with nothing between them that can fail for want of time or space. The version's kept
    file is a verified copy of `new_file` (a rollback's is that version's already; `digest` is its sha256)."""
    warehouse = settings.warehouse_db
    settings.versions_dir.mkdir(parents=True, exist_ok=True)
    if warehouse.exists() and "sha256" not in _read_record(settings) and published_version(settings) is None:
        # Published before each version's file was kept at publish time: keep it as an earlier version
        # (its Parquet is exported again should it ever be rolled back to). Never a damaged one, which has a record.
        keep_copy(warehouse, _version_file(settings, _new_version()))
    os.chmod(new_file, 0o444)  # read-only for everyone: BI never writes to it
    fsync(new_file)
    kept = _version_file(settings, version)
    if kept.exists():
        digest = digest or recorded_sha256(kept) or sha256_of(new_file)
    else:
        digest = keep_copy(new_file, kept, digest)
    _write_record(settings, new_file, version, fingerprint, digest)  # a move keeps the inode that names the file
    bi_entry.switch_to(settings, new_file, version)
    _point_marts_at(settings, version)
    fsync(warehouse.parent)
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
    """Point marts/ at the published warehouse's version if a crash fell between the two renames (and the
    record at it, if the crash fell between the record and the first rename)."""
    version = published_version(settings)
    if version is not None and not published_info(settings):
        kept = _version_file(settings, version)
        if kept.exists() and recorded_sha256(kept) is not None:
            _write_record(settings, settings.warehouse_db, version, None, recorded_sha256(kept) or "")
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
        sidecar(old).unlink(missing_ok=True)
    kept = {_version_of(v) for v in earlier[:settings.keep_versions]} | {published_version(settings)}
    for folder in settings.marts_versions_dir.iterdir():
        if folder.name not in kept:  # older versions, and leftovers of crashed attempts
            shutil.rmtree(folder)


class DamagedVersion(ValueError):
    """A version asked for by name is damaged: it is not switched to."""


def version_damage(settings: Settings, kept: Path) -> str | None:
    """Why the kept version `kept` cannot be published again (one line), or None: its warehouse file (sha256,
    then DuckDB's checks) and its Parquet folder when it has one (a missing one is exported again)."""
    why = damage(kept, settings, recorded_sha256(kept))
    if why is None:
        folder = settings.marts_versions_dir / _version_of(kept)
        why = parquet_damage(folder) if folder.is_dir() else None
    return why


def rollback(settings: Settings, version: str | None = None,
             on_skip: Callable[[str], None] = lambda line: None) -> Path:
    """Publish an earlier version again, warehouse and Parquet: the newest intact earlier one unless `version`
    names one. Each is verified first; a damaged one is skipped (`on_skip` hears why) or, when named, refused
    (DamagedVersion). FileNotFoundError when no intact version is kept."""
    repair_published(settings)
    versions = list_versions(settings)
    if not versions:
        raise FileNotFoundError(f"no earlier versions in {settings.versions_dir}")
    if version is not None:
        named = next((v for v in versions if version in v.name), None)
        if named is None:
            raise FileNotFoundError(f"no version matching {version!r}; have: {', '.join(v.name for v in versions)}")
        why = version_damage(settings, named)
        if why is not None:
            raise DamagedVersion(f"{named.name} is damaged ({why}): not rolled back to it")
        chosen = named
    else:
        found = None
        for kept in versions:
            why = version_damage(settings, kept)
            if why is None:
                found = kept
                break
            on_skip(f"{kept.name} is damaged ({why}): skipped")
        if found is None:
            raise FileNotFoundError(f"no intact version to roll back to: each of the {len(versions)} kept in "
                                    f"{settings.versions_dir} is damaged")
        chosen = found
    _publish_kept(settings, chosen, None)  # which project built it is not recorded: the build tests everything
    return chosen


def recover_published(settings: Settings, on_skip: Callable[[str], None] = lambda line: None) -> Path:
    """Replace a damaged published warehouse: by its own kept copy when that is intact (the same version, so
    nothing is lost), else by the newest intact earlier version (`rollback`). The kept file published."""
    record = _read_record(settings)
    version = record.get("version")
    kept = _version_file(settings, version) if isinstance(version, str) else None
    if kept is not None and kept.exists():
        why = version_damage(settings, kept)
        if why is None:
            _publish_kept(settings, kept, record.get("project_fingerprint"))
            return kept
        on_skip(f"its own kept copy {kept.name} is damaged too ({why})")
    return rollback(settings, on_skip=on_skip)


def _publish_kept(settings: Settings, kept: Path, fingerprint: str | None) -> None:
    """Publish the kept version `kept` again (verified already), warehouse and Parquet."""
    folder = settings.marts_versions_dir / _version_of(kept)
    if folder.is_dir() and parquet_damage(folder) is not None:
        shutil.rmtree(folder)
    # A version published before Parquet was versioned gets its folder now, from its own warehouse.
    export_parquet(settings, kept, _version_of(kept), fingerprint)
    tmp = settings.warehouse_db.with_name(".rollback.duckdb")
    tmp.unlink(missing_ok=True)
    digest = recorded_sha256(kept)
    copy_file(kept, tmp)  # BI's file is a copy of its own: the kept version stays as it was
    if digest is not None and sha256_of(tmp) != digest:
        tmp.unlink()
        raise OSError(f"the copy of {kept} differs from it: not published")
    _swap_in(settings, tmp, _version_of(kept), fingerprint, digest)


def warehouse_damage(settings: Settings) -> str | None:
    """Why the published warehouse is not intact, in one line; None when it is, or when nothing is published.
    Its sha256 is checked against the one recorded at publish, then DuckDB reads every block."""
    warehouse = settings.warehouse_db
    if not warehouse.exists():
        return None
    expected = _read_record(settings).get("sha256")
    why = None
    if expected is not None and (digest := sha256_of(warehouse)) != expected:
        # Unless a crash fell between the record and the rename: the previous version, intact, is published still.
        if published_info(settings) or all(recorded_sha256(v) != digest for v in _kept_files(settings)):
            why = "its sha256 is not the one recorded when it was published"
    why = why or damage(warehouse, settings, None)
    return None if why is None else f"the published warehouse {warehouse} is damaged: {why}"


def parquet_damage_published(settings: Settings) -> str | None:
    """Why the published version's Parquet folder is not whole, in one line; None when it is (or is none)."""
    version = published_version(settings)
    folder = settings.marts_versions_dir / version if version else None
    if folder is None or not folder.is_dir() or (why := parquet_damage(folder)) is None:
        return None
    return f"the published Parquet {settings.marts_dir} is damaged: {why}"


def export_published_parquet_again(settings: Settings) -> None:
    """The published version's Parquet written again from its warehouse (BI finds no marts/ for that instant)."""
    version = published_version(settings)
    assert version is not None  # parquet_damage_published found its folder
    shutil.rmtree(settings.marts_versions_dir / version)
    export_parquet(settings, settings.warehouse_db, version, published_info(settings).get("project_fingerprint"))
