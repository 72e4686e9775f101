"""The OPCC's reference data (funds, funding sources, bodies, pillars, cost centres, budget controls, payees, ...):
kept by finance in the data directory (`reference/`), checked against its contract before a night uses it, handed
to dbt as seeds, and versioned night by night. The repository's `seeds/reference/` is only the demo's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opcc.reference.checks import Checked, check_folder
from opcc.reference.seeds import seed_files, write_seeds

if TYPE_CHECKING:
    from opcc.config import Settings

__all__ = ["Checked", "ReferenceInvalid", "check", "prepare", "seed_files", "write_seeds"]


class ReferenceInvalid(ValueError):
    """The reference failed its checks: the message lists each problem, one a line."""

    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        super().__init__(f"the reference data in {checked.folder} has {len(checked.problems)} problem(s):\n"
                         + "\n".join(checked.problems))


def check(settings: Settings) -> Checked:
    """The data directory's reference, read and checked."""
    folder = settings.reference_dir
    if not folder.is_dir():
        return Checked(folder, problems=[
            f"{folder}: no reference data: expected the folder with the OPCC's tables; "
            "`opcc init DIR` starts one (blank, or --demo), `opcc demo` lays the demo's"])
    return check_folder(folder)


def prepare(settings: Settings) -> Checked:
    """Check the reference and, when it passes, write it where dbt seeds it from (settings.reference_seeds_dir).
    Raises ReferenceInvalid, with every problem, when it does not."""
    checked = check(settings)
    if not checked.ok:
        raise ReferenceInvalid(checked)
    write_seeds(settings.reference_seeds_dir, seed_files(checked))
    return checked
