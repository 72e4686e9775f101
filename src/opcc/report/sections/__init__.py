"""The morning report's sections, in the page's order. A section is a module here that says what it shows, as data
(`ANCHOR`, `NAV`, `build(inputs)`: None when it has nothing to show), and its template beside it (`<module>.html`)
that lays it out; adding one is a module, a template and a line in SECTIONS (docs/how-to-add.md)."""

from __future__ import annotations

from types import ModuleType

from opcc.report.sections import (
    build,
    checks,
    files,
    headroom,
    intentions,
    monitoring,
    publications,
    recommissioning,
    reference,
    status,
    unmapped,
)
from opcc.report.sections.base import Inputs, Shown

SECTIONS: tuple[ModuleType, ...] = (status, reference, files, build, checks, publications, headroom, intentions,
                                    recommissioning, unmapped, monitoring)


def shown(inputs: Inputs) -> list[Shown]:
    """Each section with something to show, in order."""
    out = []
    for section in SECTIONS:
        model = section.build(inputs)
        if model is not None:
            name = section.__name__.rsplit(".", 1)[-1]
            out.append(Shown(f"sections/{name}.html", section.ANCHOR, section.NAV, model))
    return out
