"""Making a data directory: `opcc init DIR [--demo]` and what `opcc demo` lays when a data directory has no
reference or settings of its own.

`opcc.toml` is written from the pydantic settings themselves (opcc.config.Settings: each field's description,
default and example), so the file lists every setting and cannot drift from what the code accepts. The reference
starts blank (each table's header and one commented example row, from the reference contract) or as a copy of the
demo's (`seeds/reference/`, Dorset OPCC).
"""

from __future__ import annotations

import json
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from opcc.cadence import DEFAULT_CADENCES
from opcc.config import FEEDS, PER_OPCC, PROJECT_ROOT, Settings, load_settings
from opcc.reference.contract import CONTRACT
from opcc.reference.seeds import table_csv

# The settings that are TOML tables, each with the commented lines that show it (its defaults, or an example).
TABLES: dict[str, Any] = {
    "cadence": lambda: ["# [cadence]  # an overdue feed WARNs: docs/freshness.md",
                        *(f"# {feed} = {toml_value(phrase)}" for feed, phrase in DEFAULT_CADENCES.items())],
    "date_order": lambda: ["# [date_order]  # for files whose dates read either way; day first unless set",
                           '# transactions = "day_first"'],
    "mappings": lambda: ["# (`opcc inspect FILE --feed NAME` prints them for a file it does not recognise); feeds: "
                         + ", ".join(FEEDS), "# [mappings.transactions]", '# amount = "Value GBP"'],
}
DEMO_SETTINGS = PROJECT_ROOT / "seeds" / "demo" / "opcc.toml"
DEMO_REFERENCE = PROJECT_ROOT / "seeds" / "reference"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


def settings_toml(values: dict[str, Any] | None = None) -> str:
    """opcc.toml listing every setting: those in `values` set, the others commented out at their default (or, for
    those without one, an example)."""
    values = values or {}
    lines = ["# The settings of this data directory. Every setting is listed; a line starting with # is not set and",
             "# the value shown is its default. Remove the # to set one. Each is checked when a command starts: a",
             "# mistake stops it with one line naming the key, the value and what was expected.", ""]
    for name, field in Settings.model_fields.items():
        if name in TABLES or name == "data_dir":  # the tables come last
            continue
        note = field.description or ""
        if name in PER_OPCC:
            note += " (your OPCC's own: no default; unset, the publications that need it say so)"
        lines.append(f"# {name}: {note}")
        if name in values:
            lines.append(f"{name} = {toml_value(values[name])}")
        elif field.default is not None:
            lines.append(f"# {name} = {toml_value(field.default)}")
        else:
            example = (field.examples or [""])[0]
            lines.append(f"# {name} = {toml_value(example)}")
        lines.append("")
    # Last: a TOML table holds every line after it. Each shown with its defaults (or an example) commented.
    for name, example in TABLES.items():
        lines += [f"# {name}: {Settings.model_fields[name].description}", *example(), ""]
    return "\n".join(lines)


def demo_values() -> dict[str, Any]:
    with DEMO_SETTINGS.open("rb") as fh:
        return tomllib.load(fh)


def demo_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a demo data directory (the demo's own settings set), without touching the disk."""
    return Settings.model_validate({"data_dir": data_dir} | demo_values() | overrides)


def ensure_demo_reference(settings: Settings) -> None:
    """The demo's reference in the data directory, unless it has reference data of its own."""
    if not has_reference(settings.reference_dir):
        copy_demo_reference(settings.reference_dir)


def write_blank_reference(folder: Path) -> list[Path]:
    """Each table of the contract as a CSV: its header and one commented example row (a row starting with #)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in CONTRACT.values():
        header, *_ = table_csv(table, []).splitlines()
        example = table_csv(table, [{c.name: c.example for c in table.columns}]).splitlines()[1]
        path = folder / table.file_name
        path.write_text(f"{header}\n# {example}\n", encoding="utf-8")
        written.append(path)
    return written


def copy_demo_reference(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(DEMO_REFERENCE / t.file_name, folder / t.file_name)) for t in CONTRACT.values()]


def has_reference(folder: Path) -> bool:
    return folder.is_dir() and any(p.suffix.lower() in (".csv", ".xlsx", ".xlsm") for p in folder.iterdir())


def init(data_dir: Path, demo: bool) -> list[str]:
    """A new data directory: opcc.toml, the reference (blank or the demo's) and the landing folders. Nothing that
    exists is overwritten. Returns what was done, one line each."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    done = []
    config = data_dir / "opcc.toml"
    if config.exists():
        done.append(f"kept {config} (it exists)")
    else:
        config.write_text(settings_toml(demo_values() if demo else None), encoding="utf-8")
        done.append(f"wrote {config}: every setting, commented" + (" (the demo's set)" if demo else ""))
    probe = load_settings(data_dir)
    if has_reference(probe.reference_dir):
        done.append(f"kept {probe.reference_dir} (it holds reference data)")
    elif demo:
        copy_demo_reference(probe.reference_dir)
        done.append(f"copied the demo's reference data (Dorset OPCC) into {probe.reference_dir}")
    else:
        write_blank_reference(probe.reference_dir)
        done.append(f"wrote {len(CONTRACT)} blank reference tables into {probe.reference_dir} (header and one "
                    "commented example row each): fill them in, then `opcc check-reference`")
    for feed in FEEDS:
        (probe.landing_dir / feed).mkdir(parents=True, exist_ok=True)
    done.append(f"made {probe.landing_dir}/<feed>/ for the extracts: {', '.join(FEEDS)}")
    return done


def lay_demo(settings: Settings) -> list[str]:
    """What the demo night needs beside its extracts: the demo's reference when the data directory has none, and
    the demo's own settings (publisher, police force area) where opcc.toml does not set them."""
    done = []
    if not has_reference(settings.reference_dir):
        ensure_demo_reference(settings)
        done.append(f"demo: the demo's reference data copied into {settings.reference_dir}")
    config = settings.data_dir / "opcc.toml"
    missing = {k: v for k, v in demo_values().items() if getattr(settings, k) is None}
    if not config.exists():
        config.write_text(settings_toml(demo_values()), encoding="utf-8")
        done.append(f"demo: wrote {config} with the demo's settings")
    elif missing:
        _add_settings(config, missing)
        done.append(f"demo: added the demo's {', '.join(missing)} to {config}")
    return done


def _add_settings(config: Path, values: dict[str, Any]) -> None:
    """Add top-level settings to an existing opcc.toml, before its first [table] (after it, they would belong to
    that table)."""
    lines = config.read_text(encoding="utf-8").splitlines()
    at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    added = ["# The demo's settings (opcc demo):", *(f"{k} = {toml_value(v)}" for k, v in values.items())]
    config.write_text("\n".join(lines[:at] + added + lines[at:]) + "\n", encoding="utf-8")
