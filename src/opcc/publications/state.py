"""What the publications last wrote, month by month: each publication's month digest (candidates.sql's
`pub_digests`, over every column of its rows) and its summary. A night then checks for names, renders and writes
only the months whose content changed (a night adding one day touches one month), and reports the rest as they
were: the cost of a night follows its new data, not its history (issue 24). A night whose inputs (the relations
the candidates read, the parameters, the checks) are the last computing night's computes nothing at all.

Everything that decides a month's rows is in its digest (the marts, the reference, the redaction, the settings
the rows carry); the code that computes and renders them (every module of this package, the redaction's keys
among them, and the CSV writer) is in the state's fingerprint, and a change there makes every month new again:
a night that skipped on its inputs alone would otherwise miss a name the new code redacts."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "publications_state.json"  # in the data directory, not in the public publications folder
_PACKAGE = Path(__file__).parent

Key = tuple[str, str]  # (publication, month)


def state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in [*sorted(_PACKAGE.glob("*.py")), *sorted(_PACKAGE.glob("*.sql")), _PACKAGE.parent / "csv_safe.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Saved:
    """What the last computing night left: its months, each {"digest", "summary"}, whose files are all still in
    the publications folder; and `night`, from which inputs it computed them ({"inputs", "latest_month",
    "checks"}), None when none was recorded or a file it wrote is gone (a night then writes it again)."""

    months: dict[Key, dict[str, Any]]
    night: dict[str, Any] | None


def load(data_dir: Path, root: Path) -> Saved:
    """The state of `data_dir` as the publications folder `root` now holds it; nothing when the code changed
    since, or no state was kept."""
    try:
        state = json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Saved({}, None)
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint():
        return Saved({}, None)
    saved = state.get("months") or {}
    months: dict[Key, dict[str, Any]] = {}
    for key, entry in saved.items():
        publication, _, month = key.partition("/")
        files = entry.get("summary", {}).get("files") or []
        if files and all((root / f).is_file() for f in files):
            months[(publication, month)] = entry
    night = state.get("night")
    return Saved(months, night if isinstance(night, dict) and len(months) == len(saved) else None)


def save(data_dir: Path, months: dict[Key, dict[str, Any]], night: dict[str, Any] | None = None) -> None:
    """Record `months`, and what the night computed from which inputs (`night`: its "inputs" digest, its
    "latest_month" and its checks' results); written whole, then moved into place: a night killed here leaves the old
    state."""
    path = state_path(data_dir)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint(), "night": night,
                               "months": {f"{p}/{m}": entry for (p, m), entry in sorted(months.items())}},
                              indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
