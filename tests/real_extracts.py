"""The real published extracts in `../shared/real-extracts/` (never copied into this repo) and the figures
PROVENANCE.md gives for each: shared by the ingest tests and the end-to-end night of real files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-extracts"
needs_real_extracts = pytest.mark.skipif(
    not (REAL / "PROVENANCE.md").exists(),
    reason=f"the real published extracts are not here ({REAL}): a clone without shared/")


@dataclass(frozen=True)
class Published:
    name: str
    rows: int
    total: Decimal

    @property
    def feed(self) -> str:
        return "grant_awards" if "360giving" in self.name else "transactions"


def published_files() -> list[Published]:
    """Every file PROVENANCE.md gives figures for: its `Data rows: N` and `Control sum: X` (or, for grants,
    `Sum of Amount Awarded: X` / `Sum: X`)."""
    if not (REAL / "PROVENANCE.md").exists():
        return []
    text = (REAL / "PROVENANCE.md").read_text(encoding="utf-8")
    found = []
    for section in re.split(r"^#{2,3} ", text, flags=re.MULTILINE)[1:]:
        names = re.findall(r"[\w.-]+\.(?:csv|xlsx|zip)", section.splitlines()[0])
        rows = re.search(r"Data rows: ([\d,]+)", section)
        total = re.search(r"(?:Control sum|Sum of Amount Awarded|Sum): ([\d,]+\.?\d*)", section)
        if names and rows and total:
            for name in names:
                found.append(Published(name, int(rows.group(1).replace(",", "")),
                                       Decimal(total.group(1).replace(",", "").rstrip("."))))
    return found
