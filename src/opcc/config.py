"""Where everything lives, and the few settings a finance team may change.

All paths hang off one data directory, `$OPCC_DATA_DIR` (default `./data`). Settings come from
`$OPCC_DATA_DIR/opcc.toml` when it exists; every setting has a default that suits the demo.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

FEEDS = (
    "transactions",
    "budgets",
    "commitments",
    "planned_projects",
    "ppa_receipts",
    "grant_awards",
)

# The repository (or the editable install's source tree): dags/, dbt_project/, expectations/, seeds/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    # Committed + planned may exceed a funding source's budget by this fraction before it WARNs;
    # committed alone over budget always FAILs. Some OPCCs allow ~0.10 because grantees underspend.
    over_allocation_tolerance: Decimal = Decimal("0")
    # A contract is due for re-commissioning when it ends within this many months of the year's start.
    recommissioning_window_months: int = 12
    # How many published warehouse versions to keep for `opcc rollback`.
    keep_versions: int = 7
    # Column mappings for finance-system layouts the built-in aliases do not cover:
    # {feed: {canonical column: header in the file}}.
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    alert_email: str | None = None
    # DuckDB's memory cap for every connection the pipeline opens (ingestion, dbt, audit, publish);
    # past it, DuckDB spills to disk under the data directory.
    duckdb_memory_limit: str = "1GB"

    # -- paths -------------------------------------------------------------------------------
    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def archive_dir(self) -> Path:
        """Files already received, kept by feed so a file can always be traced."""
        return self.data_dir / "archive"

    @property
    def quarantine_dir(self) -> Path:
        """Files rejected whole (not a recognisable extract)."""
        return self.data_dir / "quarantine"

    @property
    def raw_db(self) -> Path:
        return self.data_dir / "raw.duckdb"

    @property
    def builds_dir(self) -> Path:
        return self.data_dir / "builds"

    @property
    def warehouse_db(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def versions_dir(self) -> Path:
        return self.data_dir / "versions"

    @property
    def marts_dir(self) -> Path:
        return self.data_dir / "marts"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def airflow_home(self) -> Path:
        return self.data_dir / "airflow"

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    @property
    def expectations_dir(self) -> Path:
        return PROJECT_ROOT / "expectations"

    @property
    def dags_dir(self) -> Path:
        return PROJECT_ROOT / "dags"

    @property
    def demo_dir(self) -> Path:
        return PROJECT_ROOT / "seeds" / "demo"


def duckdb_config(settings: Settings) -> dict[str, str]:
    """Settings for every DuckDB connection we open: bounded memory, spilling under the data dir."""
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return {"memory_limit": settings.duckdb_memory_limit, "temp_directory": str(settings.data_dir / "tmp")}


def data_dir_from_env() -> Path:
    return Path(os.environ.get("OPCC_DATA_DIR", "data")).resolve()


def load_settings(data_dir: Path | None = None) -> Settings:
    """Settings for `data_dir` (default `$OPCC_DATA_DIR`), overlaid with its `opcc.toml`."""
    data_dir = (data_dir or data_dir_from_env()).resolve()
    values: dict[str, Any] = {}
    config_file = data_dir / "opcc.toml"
    if config_file.exists():
        with config_file.open("rb") as fh:
            raw = tomllib.load(fh)
        known = {"over_allocation_tolerance", "recommissioning_window_months", "keep_versions",
                 "mappings", "alert_email", "duckdb_memory_limit"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{config_file}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(raw)
        if "over_allocation_tolerance" in values:
            values["over_allocation_tolerance"] = Decimal(str(values["over_allocation_tolerance"]))
    return Settings(data_dir=data_dir, **values)


def offline_environment() -> dict[str, str]:
    """Environment variables that keep dbt, GX and Airflow from reaching the internet."""
    return {
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "SCARF_ANALYTICS": "false",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
    }
