"""A published version's marts as Parquet: `marts-versions/<version>/<mart>.parquet`, the line-grain ones as
`<mart>/file-<id>.parquet`, and SHA256SUMS listing each file's sha256 (`sha256sum -c` reads it). A version
folder is written under a hidden name and renamed when whole; its files are its own (copies, never hard links
of another version's), so damage to one version never reaches another. opcc.publish publishes the folder
with its warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from opcc.config import Settings, duckdb_config
from opcc.integrity import copy_file, fsync, sha256_of


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]


# Line-grain marts whose lines of a file never change while the file is current (for a given dbt
# project): exported as one Parquet file per source file, so a night writes only its new files.
BY_SOURCE_FILE = ("spend_transactions",)


def export_parquet(settings: Settings, db: Path, version: str, fingerprint: str | None = None,
                   previous: Path | None = None) -> Path:
    """Every mart of `db` as marts-versions/<version>/<mart>.parquet (the line-grain ones as
    <mart>/file-<id>.parquet), with version.json naming the version. Written under a hidden name and
    renamed when whole, so a version folder is complete or absent. Kept if it exists already.
    `previous` is the folder BI reads now: line-grain files it holds for the same dbt project are copied."""
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
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # a full disk: give back what the half folder took
        raise
    finally:
        con.close()
    (work / "version.json").write_text(json.dumps({"version": version, "project_fingerprint": fingerprint}) + "\n",
                                       encoding="utf-8")
    sums = [f"{sha256_of(path)}  {path.relative_to(work)}" for path in sorted(work.rglob("*")) if path.is_file()]
    (work / PARQUET_SUMS).write_text("\n".join(sums) + "\n", encoding="utf-8")
    for path in sorted(work.rglob("*"), reverse=True):  # files, then the folders that name them
        fsync(path)
    fsync(work)
    os.rename(work, final)
    fsync(final.parent)
    return final


# Each Parquet version folder's files and their sha256, as `sha256sum -c` reads them.
PARQUET_SUMS = "SHA256SUMS"


def parquet_damage(folder: Path) -> str | None:
    """Why a Parquet version folder is not whole (one line), or None. A folder written before SHA256SUMS was
    kept is taken as it is."""
    sums = folder / PARQUET_SUMS
    if not folder.is_dir():
        return f"{folder.name}: the folder is missing"
    if not sums.exists():
        return None
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = folder / name
        if not path.is_file():
            return f"{folder.name}/{name} is missing"
        if sha256_of(path) != digest:
            return f"{folder.name}/{name}: its sha256 is not the one recorded when it was written"
    return None


def _export_by_source_file(con: duckdb.DuckDBPyConnection, folder: Path, name: str, fingerprint: str | None,
                           previous: Path | None) -> None:
    """<mart>/file-<id>.parquet for each source file in the mart. A file the previous version holds for the
    same dbt project is copied (a reflink where the file system has them), not exported again: a file's lines
    do not change while it is current. Never a hard link: damage to one version's file must not reach another."""
    folder.mkdir()
    stamp = ".project_fingerprint"
    reusable = (fingerprint is not None and previous is not None and (previous / stamp).is_file()
                and (previous / stamp).read_text(encoding="utf-8") == fingerprint)
    for (file_id,) in con.execute(f'SELECT DISTINCT file_id FROM marts."{name}" ORDER BY 1').fetchall():
        target = folder / f"file-{int(file_id)}.parquet"
        if reusable and previous is not None and (previous / target.name).is_file():
            copy_file(previous / target.name, target)
            shutil.copystat(previous / target.name, target)  # the same file, as written once
            continue
        _copy(con, f'SELECT * FROM marts."{name}" WHERE file_id = {int(file_id)} ORDER BY sheet, line_number', target)
    if fingerprint is not None:
        (folder / stamp).write_text(fingerprint, encoding="utf-8")


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    quoted = str(target).replace("'", "''")
    con.execute(f"COPY ({query}) TO '{quoted}' (FORMAT parquet)")


