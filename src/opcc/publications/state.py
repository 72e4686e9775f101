"""What the publications last wrote, month by month: each publication's month digest (candidates.sql's
`pub_digests`, over every column of its rows) and its summary. A night then checks for names, renders and writes
only the months whose content changed (a night adding one day touches one month), and reports the rest as they
were: the cost of a night follows its new data, not its history (issue 24). A night whose inputs (the relations
the candidates read, the parameters, the checks) are the last computing night's computes nothing at all.

Everything that decides a month's rows is in its digest (the marts, the reference, the redaction, the settings
the rows carry); what turns rows into files (this package's columns and candidates, the CSV writer) is in the
state's fingerprint, and a change there makes every month new again."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

STATE_FILE = "publications_state.json"  # in the data directory, not in the public publications folder
_RENDERING = (Path(__file__).with_name("__init__.py"), Path(__file__).with_name("candidates.sql"),
              Path(__file__).parents[1] / "csv_safe.py")

Key = tuple[str, str]  # (publication, month)


def state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _RENDERING:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(data_dir: Path) -> dict[str, Any]:
    """The state as saved, or nothing when none was kept or the rendering changed since."""
    try:
        state = json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("fingerprint") == fingerprint() else {}


def _files_present(entry: dict[str, Any], root: Path) -> bool:
    files = entry.get("summary", {}).get("files") or []
    return bool(files) and all((root / f).is_file() for f in files)


def load(data_dir: Path, root: Path) -> dict[Key, dict[str, Any]]:
    """The months written before, each {"digest", "summary"}, whose files are all still in `root` (the
    publications folder); nothing when the rendering changed since, or no state was kept."""
    months: dict[Key, dict[str, Any]] = {}
    for key, entry in (_read(data_dir).get("months") or {}).items():
        publication, _, month = key.partition("/")
        if _files_present(entry, root):
            months[(publication, month)] = entry
    return months


def last_night(data_dir: Path, root: Path) -> dict[str, Any] | None:
    """What the last night that wrote the state computed from its inputs: {"inputs", "latest_month", "checks"},
    with "months" as `load` gives them; None when there is none, or when a file it wrote is gone (a night then
    writes it again)."""
    state = _read(data_dir)
    night, months = state.get("night"), state.get("months") or {}
    if not isinstance(night, dict) or not all(_files_present(entry, root) for entry in months.values()):
        return None
    return night | {"months": load(data_dir, root)}


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
