"""`opcc requeue FILE`: a file set aside in quarantine/ by mistake goes back to landing/ to load at the next run.

Its rejection is not erased but marked undone (status `requeued`, the first reason kept in the message), so
load_audit still shows every file received and its counts reconcile: the requeued record holds no lines, the
next load holds them all.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from opcc.config import Settings
from opcc.engine import engine_for
from opcc.filing import QUARANTINE_STAMP, REASON_SUFFIX
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
    when = dt.datetime.now(dt.UTC).strftime("%d/%m/%Y %H:%M")
    undone = engine_for(settings).undo_rejections(
        feed, digest, name, f"set aside by mistake: put back in landing/ by opcc requeue on {when} UTC; "
                            "it was rejected: ")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    path.with_name(path.name + REASON_SUFFIX).unlink(missing_ok=True)
    record = (f"its rejection (file {', '.join(map(str, undone))}) marked requeued" if undone
              else "no rejection of it was recorded in raw")
    return f"requeued {feed}/{name}: back in {target.parent}, {record}; it loads at the next run"
