"""raw.duckdb's backup: a verified copy after each night's ingest, and the restore from it when raw is damaged.

Raw is the source of truth (every mart is built from it), so it gets the care the published versions get:
`backups/raw.duckdb` is replaced only by a copy whose sha256 is the source's, taken from a raw that DuckDB read
whole. When raw is found damaged, the backup (verified again) takes its place, the damaged file is kept aside,
and every file received since the backup (in archive/ or quarantine/, unknown to the restored raw) goes back to
landing/ to be loaded again: nothing received is lost.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb

from opcc.config import FEEDS, Settings, duckdb_config
from opcc.filing import QUARANTINE_STAMP, REASON_SUFFIX
from opcc.integrity import copy_file, damage, duckdb_damage, keep_copy, recorded_sha256, sha256_of
from opcc.rawdb import raw_lock


class RawDamaged(Exception):
    """raw.duckdb is damaged and cannot be mended here: str() says so in one line, and what to do."""


def backup_path(settings: Settings) -> Path:
    return settings.data_dir / "backups" / settings.raw_db.name


def damaged_dir(settings: Settings) -> Path:
    """Damaged files set aside for whoever wants to look at them (never read again by the pipeline)."""
    return settings.data_dir / "damaged"


def backup_raw(settings: Settings) -> str:
    """Replace raw's backup by a verified copy of raw as it is now; one line saying what was done."""
    raw = settings.raw_db
    if not raw.exists():
        return "raw backup: no raw database yet"
    with raw_lock(raw):
        if raw.with_name(raw.name + ".wal").exists():  # a load stopped before its checkpoint: fold it in first
            con = duckdb.connect(str(raw), config=duckdb_config(settings))
            try:
                con.execute("CHECKPOINT")
            finally:
                con.close()
        why = duckdb_damage(raw, settings)
        if why is not None:
            raise RawDamaged(f"{raw} is damaged ({why}): it was not backed up over the last good backup; "
                             "the next run restores it from that backup")
        target = backup_path(settings)
        target.parent.mkdir(parents=True, exist_ok=True)
        keep_copy(raw, target)
    return f"raw backup: {target} verified ({raw.stat().st_size / 1e6:,.1f} MB)"


def raw_damage(settings: Settings) -> str | None:
    """Why raw.duckdb is damaged (one line; DuckDB reads every block of every table), or None."""
    raw = settings.raw_db
    if not raw.exists():
        return None
    with raw_lock(raw):
        return duckdb_damage(raw, settings)


def restore_raw(settings: Settings, why: str) -> str:
    """Put the verified backup in place of the damaged raw.duckdb, and back in landing/ every file received
    since the backup; one line saying what was done. RawDamaged when there is no intact backup."""
    raw, backup = settings.raw_db, backup_path(settings)
    advice = ("restore raw.duckdb from your own backups, or move it aside and copy archive/<feed>/*/* back into "
              "landing/<feed>/ to load every file again")
    if not backup.exists():
        raise RawDamaged(f"{raw} is damaged ({why}) and there is no backup of it in {backup.parent}: {advice}")
    backup_why = damage(backup, settings, recorded_sha256(backup))
    if backup_why is not None:
        raise RawDamaged(f"{raw} is damaged ({why}) and so is its backup {backup} ({backup_why}): {advice}")
    taken = dt.datetime.fromtimestamp(backup.stat().st_mtime, dt.UTC)
    with raw_lock(raw):
        aside_dir = damaged_dir(settings)
        aside_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        aside = aside_dir / f"raw-{stamp}.duckdb"
        os.replace(raw, aside)
        wal = raw.with_name(raw.name + ".wal")
        if wal.exists():
            os.replace(wal, aside.with_name(aside.name + ".wal"))
        restoring = raw.with_name(f".{raw.name}.restoring")
        copy_file(backup, restoring)
        if sha256_of(restoring) != recorded_sha256(backup):
            restoring.unlink()
            raise RawDamaged(f"{raw} is damaged ({why}) and the copy of its backup differs from it: {advice}")
        os.chmod(restoring, 0o644)
        os.replace(restoring, raw)
        put_back = _put_back_files_received_since(settings)
    return (f"{raw} was damaged ({why}): restored from its verified backup of {taken:%d/%m/%Y %H:%M} UTC, the damaged "
            f"file kept as {aside}; {put_back} file(s) received since that backup put back in landing/ to load again")


def _put_back_files_received_since(settings: Settings) -> int:
    """Back to landing/: archived and quarantined files the restored raw has no record of (by content)."""
    con = duckdb.connect(str(settings.raw_db), read_only=True, config=duckdb_config(settings))
    try:
        known = {sha for (sha,) in con.execute("SELECT sha256 FROM main.files").fetchall()}
    except duckdb.CatalogException:  # a backup taken before the first load
        known = set()
    finally:
        con.close()
    known_prefixes = {sha[:12] for sha in known}
    count = 0
    for feed in FEEDS:
        landing = settings.landing_dir / feed
        landing.mkdir(parents=True, exist_ok=True)
        archived = settings.archive_dir / feed
        for path in sorted(archived.glob("*/*")) if archived.is_dir() else []:
            # archive/<feed>/<first 12 of sha256>/<name>, as the loader files a received file away
            if path.is_file() and path.parent.name not in known_prefixes and not (landing / path.name).exists():
                shutil.copy2(path, landing / path.name)
                count += 1
        quarantined = settings.quarantine_dir / feed
        for path in sorted(quarantined.iterdir()) if quarantined.is_dir() else []:
            if not path.is_file() or path.name.endswith(REASON_SUFFIX) or sha256_of(path) in known:
                continue
            name = QUARANTINE_STAMP.sub("", path.name)
            if (landing / name).exists():
                continue
            os.replace(path, landing / name)
            path.with_name(path.name + REASON_SUFFIX).unlink(missing_ok=True)
            count += 1
    return count
