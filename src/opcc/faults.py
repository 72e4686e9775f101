"""A fault of the machine (full disk, I/O error, memory exhausted) told apart from a fault of a file.

A bad file is set aside to quarantine/ with its reason; a machine fault must not be: the file stays where
it is, the task fails with one line saying what to do, and the next run loads it as if nothing had happened.
"""

from __future__ import annotations

import errno

import duckdb

# What each errno means to whoever runs the night, and what to do about it.
_BY_ERRNO = {
    errno.ENOSPC: ("disk full", "free space, then rerun"),
    errno.EDQUOT: ("disk quota exceeded", "free space or raise the quota, then rerun"),
    errno.ENOMEM: ("memory exhausted", "free memory (or adjust duckdb_memory_limit in opcc.toml), then rerun"),
    errno.EIO: ("an I/O error", "check the disk, then rerun"),
    errno.EROFS: ("a read-only file system", "make the data directory writable, then rerun"),
    errno.EACCES: ("permission denied", "give the pipeline's user access, then rerun"),
    errno.EPERM: ("permission denied", "give the pipeline's user access, then rerun"),
}
# DuckDB reports the operating system's error in its own exception's text.
_BY_TEXT = (
    ("no space left on device", errno.ENOSPC),
    ("disk quota exceeded", errno.EDQUOT),
    ("input/output error", errno.EIO),
    ("cannot allocate memory", errno.ENOMEM),
    ("read-only file system", errno.EROFS),
)


class MachineFault(Exception):
    """A fault of the machine met while working on `subject`: str() is the one line to show."""

    def __init__(self, what: str, subject: str, remedy: str, cause: BaseException | str) -> None:
        self.what, self.subject, self.remedy = what, subject, remedy
        self.done: list[object] = []  # what was finished before it (the loader: each file's result)
        said = str(cause).strip()  # an exception's message, or a subprocess's (dbt's) failure line
        detail = said.splitlines()[0][:200] if said else type(cause).__name__
        super().__init__(f"{what} while {subject}: {remedy} ({detail})")


def machine_fault(exc: BaseException) -> tuple[str, str] | None:
    """(what happened, what to do) when `exc`, or an exception it was raised from, is a fault of the machine
    rather than of the data; None otherwise."""
    seen: BaseException | None = exc
    for _ in range(5):  # the exception and its causes
        if seen is None:
            return None
        if isinstance(seen, OSError) and seen.errno in _BY_ERRNO:
            return _BY_ERRNO[seen.errno]
        if isinstance(seen, (OSError, MemoryError, duckdb.Error)):
            found = machine_fault_in(str(seen))  # DuckDB's "out of memory" may be a temp folder on a full disk
            if found is not None:
                return found
        if isinstance(seen, (MemoryError, duckdb.OutOfMemoryException)):
            return _BY_ERRNO[errno.ENOMEM]
        seen = seen.__cause__ or seen.__context__
    return None


def machine_fault_in(text: str) -> tuple[str, str] | None:
    """(what happened, what to do) when `text`, an error's message or a subprocess's output (dbt's), reports a
    fault of the machine; None otherwise."""
    lowered = text.lower()
    for needle, number in _BY_TEXT:
        if needle in lowered:
            return _BY_ERRNO[number]
    return None


def as_machine_fault(exc: BaseException, subject: str) -> MachineFault | None:
    """`exc` as a MachineFault about `subject` ("loading transactions/x.csv"), if it is one."""
    found = machine_fault(exc)
    return None if found is None else MachineFault(found[0], subject, found[1], exc)
