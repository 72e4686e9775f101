"""`opcc requeue FILE`: a file set aside in quarantine/ by mistake goes back to landing/ to load at the next run.

Its rejection is not erased but marked undone (status `requeued`, the first reason kept in the message), so
load_audit still shows every file received and its counts reconcile: the requeued record holds no lines, the
next load holds them all.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from opcc.config import Settings, duckdb_config
from opcc.ingest.loader import QUARANTINE_STAMP, REASON_SUFFIX
from opcc.ingest.rawdb import raw_writer
from opcc.integrity import sha256_of


class CannotRequeue(ValueError):
    """The file cannot be put back: str() says why in one line."""


def find_quarantined(settings: Settings, file: str) -> Path:
    """The quarantined file `file` names: a path, or a name under quarantine/<feed>/ (with or without its stamp)."""
    given = Path(file)
    if given.is_file():
        path = given.resolve()
    else:
        matches = sorted(p for p in settings.quarantine_dir.glob("*/*")
                         if p.is_file() and not p.name.endswith(REASON_SUFFIX)
                         and given.name in (p.name, QUARANTINE_STAMP.sub("", p.name)))
        if not matches:
            raise CannotRequeue(f"{file}: no such file in {settings.quarantine_dir}/<feed>/")
        if len(matches) > 1:
            raise CannotRequeue(f"{file}: {len(matches)} files in quarantine match it; name one: "
                                + ", ".join(str(m.relative_to(settings.quarantine_dir)) for m in matches))
        path = matches[0]
    quarantine = settings.quarantine_dir.resolve()
    if path.parent.parent != quarantine:
        raise CannotRequeue(f"{path}: not a file set aside in {quarantine}/<feed>/")
    return path


def requeue(settings: Settings, file: str) -> str:
    """Put the quarantined file back in landing/ and mark its rejection undone; one line saying so."""
    path = find_quarantined(settings, file)
    feed, name = path.parent.name, QUARANTINE_STAMP.sub("", path.name)
    target = settings.landing_dir / feed / name
    if target.exists():
        raise CannotRequeue(f"{path.name}: landing/{feed}/ already holds a file named {name}; move one of them first")
    digest = sha256_of(path)
    undone: list[int] = []
    if not settings.on_postgres and settings.raw_db.exists():
        with raw_writer(settings.raw_db, duckdb_config(settings)) as con:
            undone = [r[0] for r in con.execute(
                """SELECT file_id FROM main.files WHERE feed = ? AND status = 'rejected'
                   AND (sha256 = ? OR (sha256 = '' AND file_name = ?)) ORDER BY file_id""",
                [feed, digest, name]).fetchall()]
            when = dt.datetime.now(dt.UTC).strftime("%d/%m/%Y %H:%M")
            for file_id in undone:
                con.execute("""UPDATE main.files SET status = 'requeued',
                                   message = ? || coalesce(message, '')
                               WHERE file_id = ?""",
                            [f"set aside by mistake: put back in landing/ by opcc requeue on {when} UTC; "
                             "it was rejected: ", file_id])
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    path.with_name(path.name + REASON_SUFFIX).unlink(missing_ok=True)
    record = (f"its rejection (file {', '.join(map(str, undone))}) marked requeued" if undone
              else "no rejection of it was recorded in raw")
    return f"requeued {feed}/{name}: back in {target.parent}, {record}; it loads at the next run"
