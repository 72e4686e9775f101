"""The report's "Reference data" section: did the reference pass its checks (each problem naming the file and row
to fix), which version the night used, since when, and what changed since the last night."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opcc.reference.history import describe_change
from opcc.report.sections.base import Inputs

ANCHOR = "reference"
NAV = "Reference data"


@dataclass(frozen=True)
class ReferenceSection:
    ran: bool
    status: str  # PASS, FAIL or NA
    message: str
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def build(inputs: Inputs) -> ReferenceSection:
    return reference_section(inputs.record.reference)


def reference_section(reference: dict[str, Any] | None) -> ReferenceSection:
    if reference is None:
        return ReferenceSection(False, "NA", "The reference data was not checked this run (no reference.json).")
    version, folder = reference.get("version", "?"), reference.get("folder", "reference/")
    changes = [describe_change(c) for c in reference.get("changes", [])]
    if not reference.get("ok"):
        problems = reference.get("problems", [])
        return ReferenceSection(True, "FAIL", f"The reference data in {folder} has {len(problems)} problem(s): fix "
                                f"each file and row below (then `opcc check-reference`); nothing was built or "
                                "published with it.", problems, changes, reference.get("ignored", []))
    if reference.get("previous") is None:
        message = f"Reference data version {version}: first recorded this night (since {reference.get('since')})."
    elif reference.get("changed"):
        message = (f"Reference data CHANGED since the last night: version {version} (was "
                   f"{reference.get('previous')}), in use since {reference.get('since')}.")
    else:
        message = f"Reference data unchanged since the last night: version {version}, in use since " \
                  f"{reference.get('since')}."
    return ReferenceSection(True, "PASS", message, [], changes, reference.get("ignored", []))
