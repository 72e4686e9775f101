"""Checksums and verified copies of the DuckDB files the warehouse keeps (published versions, raw's backup).

A kept file is a file of its own (a reflink where the file system has them, else a copy), never a hard link of
the file it keeps: damage to one must not be damage to both. Its sha256 is written beside it at the time
(`<file>.sha256`, the format `sha256sum -c` reads). A file is intact when its sha256 is the recorded one and
DuckDB opens it and reads every block of every table (each block carries DuckDB's own checksum).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from pathlib import Path

import duckdb

from opcc.config import Settings, duckdb_config

FICLONE = 0x40049409  # linux/fs.h: share the source's blocks, copy-on-write (btrfs, XFS, ...)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def recorded_sha256(path: Path) -> str | None:
    """The sha256 written beside `path` when it was kept; None when none was."""
    try:
        text = sidecar(path).read_text(encoding="utf-8").split()
    except OSError:
        return None
    return text[0] if text else None


def record_sha256(path: Path, digest: str) -> None:
    side = sidecar(path)
    tmp = side.with_name(f".{side.name}.tmp")
    tmp.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    fsync(tmp)
    os.replace(tmp, side)


def copy_file(source: Path, target: Path) -> None:
    """`target` as a file of its own with `source`'s bytes: a reflink where the file system can, else a copy."""
    with source.open("rb") as src, target.open("wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), FICLONE, src.fileno())
        except OSError:
            shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())


def keep_copy(source: Path, target: Path, digest: str | None = None) -> str:
    """Copy `source` to `target` (whole or not at all), check the copy's sha256 against the source's and
    record it beside the copy. Returns the sha256."""
    digest = digest or sha256_of(source)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        copy_file(source, partial)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk: give back what the half copy took
        raise
    if sha256_of(partial) != digest:
        partial.unlink()
        raise OSError(f"the copy of {source} differs from it: not kept")
    os.chmod(partial, 0o444)
    os.replace(partial, target)
    record_sha256(target, digest)
    fsync(target.parent)
    return digest


def duckdb_damage(path: Path, settings: Settings) -> str | None:
    """None when DuckDB opens `path` and reads every column of every table; else what went wrong, in one line."""
    try:
        con = duckdb.connect(str(path), read_only=True, config=duckdb_config(settings))
    except duckdb.Error as exc:
        return _first_line(exc)
    try:
        tables = con.execute("""SELECT schema_name, table_name FROM duckdb_tables()
                                WHERE database_name = current_database() AND NOT internal""").fetchall()
        for schema, table in tables:
            # One aggregate per column: every block of every column is read, and its checksum checked.
            con.execute(f'SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM "{schema}"."{table}"').fetchall()
    except duckdb.Error as exc:
        return _first_line(exc)
    finally:
        con.close()
    return None


def damage(path: Path, settings: Settings, expected_sha256: str | None) -> str | None:
    """Why `path` is not intact (one line), or None: its sha256 (when one was recorded), then DuckDB's checks."""
    if not path.exists():
        return "the file is missing"
    if expected_sha256 is not None and sha256_of(path) != expected_sha256:
        return "its sha256 is not the one recorded when it was kept"
    return duckdb_damage(path, settings)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def fsync(path: Path) -> None:
    """Flush a file, or a directory's entries (so a rename survives a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
