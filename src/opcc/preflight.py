"""What a night checks before it begins, and mends where it can: what the engine builds on (on DuckDB raw.duckdb
whole, else restored from its verified backup, and the published warehouse and its Parquet whole, else rolled back
to the newest intact version, or with none rebuilt from raw tonight: opcc.engine.duckdb), and enough free space
for what the night will write.

Each finding is one line for whoever runs the night; a night that cannot start raises CannotStart.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from opcc.config import Settings

# A night writes beside what it reads: raw grows by about what landing holds (and as much again in its
# temporary tables while a file loads); raw's backup is a second raw; the build is a copy of the warehouse,
# growing as raw does, and publishing keeps a copy of it and its marts as Parquet. Whatever the data, dbt's
# target folder, the night's report with its dbt docs and Airflow's logs take some 50 MB (the demo's first
# night writes 57 MB in all). Reflinks make copies cheaper than this on file systems that have them.
LANDING_FACTOR = 5
WAREHOUSE_FACTOR = 3
SLACK_BYTES = 48 * 1024 * 1024


class CannotStart(Exception):
    """The night cannot start: str() says why in one line, and what to do."""


def check_before_night(settings: Settings) -> list[str]:
    """Check (and mend) what the engine builds on (raw, the published warehouse), then the free space; the lines
    to report."""
    from opcc.engine import engine_for
    from opcc.engine.base import WarehouseDamaged

    try:
        notices = engine_for(settings).check_before_night()
    except WarehouseDamaged as exc:
        raise CannotStart(str(exc)) from None
    _check_space(settings)
    return notices


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def space_needed(settings: Settings) -> tuple[int, str]:
    """Bytes a night will write, about, and what the estimate is made of (for the message)."""
    landing = sum(_size(p) for p in settings.landing_dir.glob("*/*") if p.is_file())
    raw, warehouse = _size(settings.raw_db), _size(settings.warehouse_db)
    need = LANDING_FACTOR * landing + raw + WAREHOUSE_FACTOR * warehouse + SLACK_BYTES
    return need, f"landing {_mb(landing)}, raw.duckdb {_mb(raw)}, warehouse.duckdb {_mb(warehouse)}"


def _check_space(settings: Settings) -> None:
    need, made_of = space_needed(settings)
    free = shutil.disk_usage(settings.data_dir).free
    if free < need:
        raise CannotStart(f"disk full before the night: {_mb(free)} free in {settings.data_dir}, about {_mb(need)} "
                          f"needed ({made_of}): free space, then rerun")


def free_space_line(settings: Settings, below: int) -> str:
    """'; the disk holding <data dir> has only N MB free: free space, then rerun' when fewer than `below` bytes are
    free there, else ''."""
    free = shutil.disk_usage(settings.data_dir).free
    if free >= below:
        return ""
    return f"; the disk holding {settings.data_dir} has only {_mb(free)} free: free space, then rerun"


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"
