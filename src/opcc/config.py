"""Where everything lives, and the few settings a finance team may change.

All paths hang off one data directory, `$OPCC_DATA_DIR` (default `./data`). Settings come from
`$OPCC_DATA_DIR/opcc.toml` when it exists (`opcc init` writes one listing every setting); every setting has a
default, except those only an OPCC can give (PER_OPCC), and a mistake in the file stops start-up with one line
saying what was expected.
"""

from __future__ import annotations

import difflib
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from opcc.cadence import DEFAULT_CADENCES, Cadence, parse_cadence
from opcc.cadence import VOCABULARY as CADENCE_VOCABULARY
from opcc.environment import environment
from opcc.feeds import FEEDS as feed_contracts

# The feeds' names, in the order the nightly run ingests them; their contracts are opcc.feeds'.
FEEDS = tuple(feed_contracts)
# The warehouse's schemas BI reads, on either engine. Staging and intermediate views point at raw, which BI never opens.
PUBLISHED_SCHEMAS = ("marts", "reference", "snapshots")

# The repository (or the editable install's source tree): dags/, dbt_project/, expectations/, seeds/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


# A DuckDB size as `SET memory_limit` reads it: a number and a unit, any case, space allowed.
_DUCKDB_SIZE = r"(?i)^\s*(\d+(\.\d*)?|\.\d+)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$"


class SettingsError(ValueError):
    """A mistake in opcc.toml, said in one line: the file, the key, the value and what was expected."""


# Settings only an OPCC can give (who publishes, for which police force area, where): no default outside the demo.
PER_OPCC = ("publisher_prefix", "funding_org_id", "funding_org_name", "police_force_area_code",
            "police_force_area_name", "publications_url")


def _optional(pattern: str, example: str, description: str, *, like: bool = False) -> Any:
    """An optional text setting (unset: None) that must match `pattern`; `example` shows the form in `opcc init`
    and, `like`, in the error too ("…, like '<example>'")."""
    return Field(None, pattern=pattern, examples=[example],
                 description=f"{description}, like '{example}'" if like else description)


class Settings(BaseModel):
    """The settings of one data directory. Strict and frozen: a mistake in opcc.toml stops the run at
    start-up with its key and value, rather than breaking a task hours later. Each field's
    `description` is what an error says was expected."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    data_dir: Path = Field(description="a directory")
    # Committed + planned may exceed a funding source's budget by this fraction before it WARNs;
    # committed alone over budget always FAILs. Some OPCCs allow ~0.10 because grantees underspend.
    over_allocation_tolerance: Decimal = Field(
        Decimal("0"), ge=0, allow_inf_nan=False,
        description="a number of 0 or more, a fraction of the budget (0.10 is 10%)")
    # Budget monitoring's RAG status, as fractions of a fund's revised budget: RED when the forecast outturn is
    # over it by more than rag_red_overspend, AMBER when over by more than rag_amber_overspend or under by more
    # than rag_amber_underspend (money that may be lost, a ring-fenced grant's above all).
    rag_red_overspend: Decimal = Field(
        Decimal("0.05"), ge=0, allow_inf_nan=False, description="a number of 0 or more, a fraction of the budget")
    rag_amber_overspend: Decimal = Field(
        Decimal("0"), ge=0, allow_inf_nan=False, description="a number of 0 or more, a fraction of the budget")
    rag_amber_underspend: Decimal = Field(
        Decimal("0.10"), ge=0, allow_inf_nan=False, description="a number of 0 or more, a fraction of the budget")
    # A contract is due for re-commissioning when it ends within this many months of the year's start.
    # Upper bounds keep an absurd number (99999999999999999999) from reaching date arithmetic or the disk.
    recommissioning_window_months: int = Field(
        12, gt=0, le=120, description="a whole number of months, more than 0 and at most 120")
    # How many published warehouse versions to keep for `opcc rollback`.
    keep_versions: int = Field(7, ge=1, le=1000, description="a whole number, at least 1 and at most 1000")
    # Column mappings for finance-system layouts the built-in aliases do not cover:
    # {feed: {canonical column: header in the file}}.
    mappings: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description='[mappings.<feed>] tables of column = "header in the file", both in quotes')
    # A file's date order is read from all its dates (a first or second number over 12 settles it); a file
    # whose dates read either way is read in its feed's order here: day first (dd/mm/yyyy) unless set.
    date_order: dict[str, Literal["day_first", "month_first"]] = Field(
        default_factory=dict, description='[date_order] feed = "day_first" or "month_first", in quotes')
    alert_email: str | None = _optional(r"^[^@\s]+@[^@\s]+$", "finance@opcc.example", "an email address in quotes",
                                        like=True)
    # DuckDB's memory cap for every connection the pipeline opens (ingestion, dbt, audit, publish);
    # past it, DuckDB spills to disk under the data directory.
    duckdb_memory_limit: str = Field(
        "1GB", pattern=_DUCKDB_SIZE, description="a DuckDB size in quotes, like '1GB' or '512MB'")
    # Transparency publications (SI 2011/3050; 360Giving): who publishes them and where. Each OPCC's own: no
    # default (the demo's opcc.toml sets Dorset's); unset, the publications that need them say so (PER_OPCC).
    publisher_prefix: str | None = _optional(
        r"^[A-Za-z0-9]+$", "exampleopcc",
        "the 360Giving publisher prefix in quotes, letters and digits (grant ids are 360G-<prefix>-<ref>)")
    funding_org_id: str | None = _optional(
        r"^[A-Za-z0-9]+-[A-Za-z0-9]+-\S+$", "360G-exampleopcc-PCC",
        "the funder's org-id in quotes, like 'GB-GOR-XXXXXX' or '360G-<prefix>-PCC'")
    funding_org_name: str | None = Field(
        None, min_length=1, examples=["Police and Crime Commissioner for Example"],
        description="the funder's name in quotes")
    police_force_area_code: str | None = _optional(
        r"^E23\d{6}$|^W15\d{6}$", "E23000000",
        "the police force area's ONS code in quotes (E23… or W15…)")
    police_force_area_name: str | None = Field(
        None, min_length=1, examples=["Example"], description="the police force area's name in quotes")
    publications_url: str | None = _optional(
        r"^https?://\S+$", "https://www.example.pcc.police.uk/transparency/",
        "the web page the publications are published on (360Giving Data Source), in quotes")
    grant_conditions: str = Field(
        "Awarded subject to the scheme's grant agreement terms and conditions", min_length=1,
        description="the conditions published for a grant whose extract gives none, in quotes")
    # Free-text narrative (a ledger line's description) may name people: never published unless turned on.
    publish_narrative: bool = Field(
        False, description="true or false: publish the ledger lines' narrative in the spend over £500 files")
    # The warehouse on PostgreSQL instead of DuckDB files (issue #16): a libpq URL such as
    # 'postgresql://opcc@db.example:5432/opcc'. Unset: DuckDB, exactly as before. $OPCC_WAREHOUSE_URL wins
    # over the file; keep the password out of the repo (PGPASSFILE / PGPASSWORD, or this data directory's file).
    warehouse_url: str | None = _optional(r"^postgres(ql)?://\S+$", "postgresql://opcc@127.0.0.1:5432/opcc",
                                          "a PostgreSQL URL in quotes", like=True)
    # The metadata database of a running Airflow (scheduler and Celery workers; `opcc cluster up` sets it):
    # `opcc run` then triggers the DAG there and follows it. Unset: `opcc run` runs it itself (airflow dags test).
    airflow_database_url: str | None = _optional(
        r"^postgresql(\+psycopg2)?://\S+$", "postgresql+psycopg2://airflow@127.0.0.1:5432/airflow",
        "Airflow's SQLAlchemy URL in quotes", like=True)

    # -- freshness (docs/freshness.md) --------------------------------------------------------------
    # Each feed's expected cadence, a phrase of opcc.cadence's vocabulary; a feed left out keeps its
    # default (DEFAULT_CADENCES). An overdue feed WARNs in the report and the alert.
    cadence: dict[str, Cadence] = Field(
        default_factory=lambda: _default_cadences(),
        description=f"[cadence] a table of <feed> = one of {CADENCE_VOCABULARY}")
    # A ledger month counts as closed once this working day of the next month has passed: a month with no
    # ledger lines by then WARNs.
    ledger_month_closes_on_working_day: int = Field(
        10, ge=1, le=20, description="a whole number of working days, from 1 to 20")
    # A night not published by this time (Europe/London) alerts: an Airflow Deadline Alert on the DAG.
    publish_by: str = Field(
        "07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="a time in quotes, 24-hour, like '07:00'")

    @field_validator("cadence", mode="before")
    @classmethod
    def _known_feeds_and_phrases(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        merged = _default_cadences()
        for feed, phrase in value.items():
            if feed not in FEEDS:
                raise PydanticCustomError("unknown_feed", "a known feed: {known}",
                                          {"key": f"cadence.{feed}", "value": phrase, "known": ", ".join(FEEDS)})
            if isinstance(phrase, Cadence):
                merged[feed] = phrase
                continue
            try:
                merged[feed] = parse_cadence(phrase if isinstance(phrase, str) else repr(phrase))
            except ValueError:
                raise PydanticCustomError("unknown_cadence", "one of {known}",
                                          {"key": f"cadence.{feed}", "value": phrase,
                                           "known": CADENCE_VOCABULARY}) from None
        return merged

    @field_validator("over_allocation_tolerance", "rag_red_overspend", "rag_amber_overspend", "rag_amber_underspend",
                     mode="before")
    @classmethod
    def _number_as_decimal(cls, value: object) -> object:
        # TOML has no decimals: 0.10 arrives as a float, converted through its shortest text so it
        # stays exactly 0.10. Text ('0.10') and true/false are still refused by the strict check.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return Decimal(str(value))
        return value

    @field_validator("date_order")
    @classmethod
    def _known_feeds(cls, orders: dict[str, str]) -> dict[str, str]:
        for feed, order in orders.items():
            if feed not in FEEDS:
                raise PydanticCustomError("unknown_feed", "a known feed: {known}",
                                          {"key": f"date_order.{feed}", "value": order, "known": ", ".join(FEEDS)})
        return orders

    @field_validator("mappings")
    @classmethod
    def _known_feeds_and_columns(cls, mappings: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:

        for feed, mapping in mappings.items():
            if feed not in FEEDS:
                raise PydanticCustomError(
                    "unknown_feed", "a known feed: {known}",
                    {"key": f"mappings.{feed}", "value": mapping, "known": ", ".join(FEEDS)})
            columns = [c.name for c in feed_contracts[feed].columns]
            for column, header in mapping.items():
                if column not in columns:
                    raise PydanticCustomError(
                        "unknown_column", "a column of feed {feed}: {known}",
                        {"key": f"mappings.{feed}.{column}", "value": header, "feed": feed,
                         "known": ", ".join(columns)})
        return mappings

    def __hash__(self) -> int:
        # Frozen, but `mappings` holds dicts: hash a frozen copy of every field so Settings can key a cache.
        return hash(tuple(_frozen(v) for v in self.__dict__.values()))

    @property
    def on_postgres(self) -> bool:
        """The warehouse (raw, builds, published marts) lives in PostgreSQL, not in DuckDB files."""
        return self.warehouse_url is not None

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

    def raw_feed_db(self, feed: str) -> Path:
        """On PostgreSQL, a feed's own DuckDB working file: one writer per feed, so feeds ingest at once."""
        return self.data_dir / "raw" / f"{feed}.duckdb"

    @property
    def builds_dir(self) -> Path:
        return self.data_dir / "builds"

    @property
    def warehouse_db(self) -> Path:
        """What BI opens: a link to the published version's file in published_dir (opcc.bi_entry)."""
        return self.data_dir / "warehouse.duckdb"

    @property
    def published_dir(self) -> Path:
        """Each published night's warehouse in a folder of its own, `<version>/warehouse.duckdb`."""
        return self.data_dir / "published"

    @property
    def versions_dir(self) -> Path:
        return self.data_dir / "versions"

    @property
    def marts_dir(self) -> Path:
        """What BI reads: a link to the published version's folder in marts_versions_dir."""
        return self.data_dir / "marts"

    @property
    def marts_versions_dir(self) -> Path:
        """Every kept version's Parquet, one folder each, beside the warehouse versions."""
        return self.data_dir / "marts-versions"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def airflow_home(self) -> Path:
        return self.data_dir / "airflow"

    @property
    def reference_dir(self) -> Path:
        """The OPCC's reference data (opcc.reference): a CSV per table, or one .xlsx workbook, edited by finance."""
        return self.data_dir / "reference"

    @property
    def reference_seeds_dir(self) -> Path:
        """The checked reference as dbt seeds it (written each night from reference_dir; never edited by hand)."""
        return self.data_dir / "dbt" / "reference"

    @property
    def reference_history_dir(self) -> Path:
        """Every reference version a night used, and when it changed (opcc.reference.history)."""
        return self.data_dir / "reference-history"

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

    @property
    def demo_reference_dir(self) -> Path:
        """The demo's reference data (Dorset OPCC), which `opcc demo` and `opcc init --demo` copy."""
        return PROJECT_ROOT / "seeds" / "reference"


def _default_cadences() -> dict[str, Cadence]:
    return {feed: parse_cadence(DEFAULT_CADENCES.get(feed, "not expected")) for feed in FEEDS}


def _frozen(value: object) -> object:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


# What duckdb.connect(config=...) takes: its stub's value type (a dict is invariant in it, so not dict[str, str]).
DuckDBConfig = dict[str, str | bool | int | float | list[str]]


def duckdb_config(settings: Settings) -> DuckDBConfig:
    """Settings for every DuckDB connection we open: bounded memory, spilling under the data dir."""
    (settings.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return {"memory_limit": settings.duckdb_memory_limit, "temp_directory": str(settings.data_dir / "tmp")}


def data_dir_from_env() -> Path:
    return environment().data_dir.resolve()


def load_settings(data_dir: Path | None = None) -> Settings:
    """Settings for `data_dir` (default `$OPCC_DATA_DIR`), overlaid with its `opcc.toml`. Raises
    SettingsError, one line naming the file, key, value and what was expected, on any mistake."""
    data_dir = (data_dir or data_dir_from_env()).resolve()
    config_file = data_dir / "opcc.toml"
    values: dict[str, Any] = {}
    if config_file.exists():
        try:
            with config_file.open("rb") as fh:
                values = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{config_file}: not valid TOML: {exc}") from None
        if "data_dir" in values:  # the file lives in the data directory: it cannot move it
            raise SettingsError(f"{config_file}: data_dir = {values['data_dir']!r}: not a setting here; "
                                "choose the data directory with --data-dir or $OPCC_DATA_DIR")
    warehouse_url = environment().warehouse_url
    if warehouse_url:  # the environment wins over the file (a cluster, a secret store)
        values["warehouse_url"] = warehouse_url
    try:
        return Settings(data_dir=data_dir, **values)
    except ValidationError as exc:
        raise SettingsError("; ".join(f"{config_file}: {_describe(e)}" for e in exc.errors())) from None


def _describe(error: ErrorDetails) -> str:
    """`key = value: expected …` for one pydantic error."""
    ctx = error.get("ctx", {})
    if "key" in ctx:  # our own checks (mappings) name the key and value themselves
        key, value, expected = ctx["key"], ctx["value"], "expected " + error["msg"]
    else:
        key = ".".join(str(part) for part in error["loc"])
        value = error["input"]
        if error["type"] == "extra_forbidden":
            known = [f for f in Settings.model_fields if f != "data_dir"]
            near = difflib.get_close_matches(key, known, n=1)
            expected = (f"unknown setting{f' (did you mean {near[0]}?)' if near else ''}; "
                        f"the settings are {', '.join(known)}")
        else:
            expected = "expected " + (Settings.model_fields[str(error["loc"][0])].description or error["msg"])
    shown = str(value) if isinstance(value, Decimal) else repr(value)
    return f"{key} = {shown}: {expected}"


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
