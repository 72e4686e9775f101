"""Reference history: which reference version each night used, since when, and what changed, so that a past
month's figures can be explained after a mapping or a fund changed.

A version is the hash of the tables' content (row order does not count). Each version a night used is kept
whole in `reference-history/<version>.json`; `reference-history/log.jsonl` gets a line each time the version
in use changes (version, since, run). A night's run record holds its version and the changes since the last
night's (tables and rows added, removed, changed: rows are named by their key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from opcc.reference.checks import Checked
from opcc.reference.contract import CONTRACT

LOG_FILE = "log.jsonl"
Snapshot = dict[str, list[dict[str, str | None]]]


def snapshot(checked: Checked) -> Snapshot:
    return {name: [r.values for r in checked.tables.get(name, [])] for name in CONTRACT}


def version_of(tables: Snapshot) -> str:
    canonical = {name: sorted(json.dumps(row, sort_keys=True) for row in rows) for name, rows in sorted(tables.items())}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()[:16]


def log(history_dir: Path) -> list[dict[str, Any]]:
    """Every change of version, oldest first."""
    path = history_dir / LOG_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key_text(name: str, row: dict[str, str | None]) -> str:
    # A key's empty parts are left out (a mapping rule is keyed by seven columns, most of them empty).
    return " / ".join(value for c in CONTRACT[name].key if (value := row.get(c))) if name in CONTRACT else "?"


def changes(before: Snapshot, after: Snapshot) -> list[dict[str, Any]]:
    """Per table whose rows differ: the keys of the rows added and removed, and of those changed with the columns
    and values before and after."""
    out: list[dict[str, Any]] = []
    for name in dict.fromkeys([*before, *after]):
        old = {_key_text(name, r): r for r in before.get(name, [])}
        new = {_key_text(name, r): r for r in after.get(name, [])}
        changed: list[dict[str, Any]] = []
        for key in old.keys() & new.keys():
            cols = {c: [old[key].get(c), new[key].get(c)] for c in dict.fromkeys([*old[key], *new[key]])
                    if old[key].get(c) != new[key].get(c)}
            if cols:
                changed.append({"key": key, "columns": cols})
        added, removed = sorted(new.keys() - old.keys()), sorted(old.keys() - new.keys())
        if added or removed or changed:
            out.append({"table": name, "added": added, "removed": removed,
                        "changed": sorted(changed, key=lambda c: str(c["key"]))})
    return out


def describe_change(change: dict[str, Any]) -> str:
    """`funds: 1 row added (WELL2); 1 changed (CSF: fund_name 'Safety Fund' -> 'Commissioner's Safety Fund')`."""
    parts = []
    for what in ("added", "removed"):
        if keys := change[what]:
            parts.append(f"{len(keys)} row{'s' if len(keys) > 1 else ''} {what} ({', '.join(keys)})")
    if changed := change["changed"]:
        each = ", ".join(f"{c['key']}: " + ", ".join(f"{col} {a or ''!r} -> {b or ''!r}"
                                                     for col, (a, b) in c["columns"].items()) for c in changed)
        parts.append(f"{len(changed)} row{'s' if len(changed) > 1 else ''} changed ({each})")
    return f"{change['table']}: " + "; ".join(parts)


def compare(history_dir: Path, checked: Checked) -> dict[str, Any]:
    """The reference's version against the version in use (the last night's), recording nothing."""
    tables = snapshot(checked)
    version = version_of(tables)
    entries = log(history_dir)
    last = entries[-1] if entries else None
    previous: Snapshot = {}
    if last is not None:
        kept = history_dir / f"{last['version']}.json"
        previous = json.loads(kept.read_text(encoding="utf-8")) if kept.exists() else {}
    changed = last is None or last["version"] != version
    return {"version": version, "since": last["since"] if last is not None and not changed else None,
            "previous": last["version"] if last else None, "changed": changed,
            "changes": changes(previous, tables) if last is not None else []}


def record(history_dir: Path, checked: Checked, run: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """This night's reference version against the last night's. A reference that passed its checks becomes the
    version in use (kept, and logged when it changed); one that failed is compared but never logged."""
    seen = compare(history_dir, checked)
    if checked.ok and seen["changed"]:
        seen["since"] = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        history_dir.mkdir(parents=True, exist_ok=True)
        kept = history_dir / f"{seen['version']}.json"
        if not kept.exists():
            kept.write_text(json.dumps(snapshot(checked), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        with (history_dir / LOG_FILE).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"version": seen["version"], "since": seen["since"], "run": run}) + "\n")
    return seen


def used_by(history_dir: Path, version: str) -> dict[str, Any] | None:
    """A kept version's tables, to explain a past night's figures."""
    kept = history_dir / f"{version}.json"
    return json.loads(kept.read_text(encoding="utf-8")) if kept.exists() else None
