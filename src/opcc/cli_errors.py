"""What `opcc` says when the machine, not the data, stops a command: one line saying what to do, no traceback.

Faults of the data have their own messages where they are found (a file set aside with its reason, a check that
fails); this is the last word for what reaches the command line: a full disk, an I/O error, a read-only or
forbidden path, memory exhausted.
"""

from __future__ import annotations

import errno
from pathlib import Path

# How the libraries that do not raise OSError (DuckDB, for one) word the same faults.
_DISK_FULL_WORDS = ("No space left on device", "Disk quota exceeded")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it was raised from or while handling, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _where(exc: BaseException, data_dir: Path) -> Path:
    name = getattr(exc, "filename", None)
    return Path(name) if isinstance(name, str) and name else data_dir


def fault_line(exc: BaseException, data_dir: Path) -> str | None:
    """One line for a fault of the machine, saying what to do; None when `exc` is not one (a bug keeps its
    traceback)."""
    for e in _chain(exc):
        code = e.errno if isinstance(e, OSError) else None
        if code in (errno.ENOSPC, errno.EDQUOT) or any(words in str(e) for words in _DISK_FULL_WORDS):
            name = getattr(e, "filename", None)
            writing = f" (writing {name})" if isinstance(name, str) and name else ""
            return (f"the disk is full{writing}: free space on the disk holding {data_dir} "
                    f"(see `df -h {data_dir}`), then run the same command again")
        if isinstance(e, MemoryError) or code == errno.ENOMEM:
            return ("the machine ran out of memory: close other programs or lower duckdb_memory_limit in "
                    f"{data_dir / 'opcc.toml'}, then run the same command again")
        if code == errno.EIO:
            return (f"the disk reported an input/output error at {_where(e, data_dir)}: check the disk "
                    "(a failing or disconnected drive?), then run the same command again")
        if code == errno.EROFS:
            return (f"{_where(e, data_dir)} is on a read-only filesystem: the data directory must be writable; "
                    "remount it read-write or choose another with --data-dir")
        if code in (errno.EACCES, errno.EPERM):
            return (f"permission denied at {_where(e, data_dir)}: run opcc as the user who owns {data_dir}, "
                    "or give that user access")
    return None
