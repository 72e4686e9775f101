"""Where a received file goes once read: archive/<feed>/<sha256[:12]>/<name>, or when rejected
quarantine/<feed>/<stamp>-<name> with its reason beside it in `<that>.reason.txt`. The one owner of those names:
ingest files away, `opcc requeue` and raw's restore find files by them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from opcc.config import Settings

QUARANTINE_STAMP = re.compile(r"^\d{8}T\d{6}-")
REASON_SUFFIX = ".reason.txt"


def file_away(settings: Settings, feed: str, path: Path, sha256: str, rejected_because: str | None,
              move: bool) -> None:
    """Move (or with `move` False, copy) a landing file out of the way: to archive/, or when rejected to
    quarantine/ with the reason."""
    if rejected_because is not None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        target = settings.quarantine_dir / feed / f"{stamp}-{path.name}"
    else:
        target = settings.archive_dir / feed / sha256[:12] / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        shutil.move(str(path), target)
    elif not target.exists():
        shutil.copy2(path, target)
    if rejected_because is not None:
        target.with_name(target.name + REASON_SUFFIX).write_text(rejected_because + "\n", encoding="utf-8")
