"""What a stage of the night asks of the warehouse engine, and nothing about which engine it is.

Like astronomer-cosmos's profiles: this base says what a stage needs; `opcc.engine.duckdb` and
`opcc.engine.postgres` say how, and `opcc.engine.engine_for` picks one from the settings, once. A stage holds
an `Engine` and never asks which it is: a third engine is a third implementation of this class.

A night's build is named by a string both engines can pass between Airflow's tasks: on DuckDB the build
file's path, on PostgreSQL the build schemas' suffix (`__build`: `marts__build`, ...).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import duckdb

    from opcc.config import Settings
    from opcc.warehouse_read import WarehouseSource


class SqlSession(Protocol):
    """What runs SQL written as the DuckDB warehouse names things, with `?` parameters: a cursor back."""

    def execute(self, sql: str, params: Sequence[Any] | None = None, /) -> Any: ...


class ChecksSource(SqlSession, Protocol):
    """One session on a warehouse (a build, or the published one) for the checks: their SQL runs here, each
    check's compared rows are kept as a relation, and Great Expectations reads those relations through a data
    source of its own kind."""

    # What the engine's driver raises when a check's SQL fails: that check reports it, the others run on.
    errors: tuple[type[Exception], ...]

    def materialise(self, name: str, sql: str) -> tuple[str, str | None]:
        """`sql`'s rows kept as the relation for `name`; (its name, a column of row numbers giving the SQL's
        order, or None where the relation keeps it)."""
        ...

    def add_gx_datasource(self, context: Any) -> Any:
        """Add to GX's `context` the data source that reads the materialised relations; return it."""
        ...

    def content_digest(self, relation: str) -> str:
        """A digest of the rows of `relation` (`schema.table` as the DuckDB warehouse names it), whatever their
        order: equal while its content is, different (all but certainly) once any value changes."""
        ...

    def close(self) -> None: ...


@dataclass
class RawSink:
    """Where a feed's files load: a DuckDB connection to a raw store (raw.duckdb, or on PostgreSQL the feed's own
    working file), and who hands out file ids (None: the raw store's own next id)."""

    con: duckdb.DuckDBPyConnection
    file_ids: Callable[[], int] | None = None


class WarehouseDamaged(Exception):
    """What the night builds on is damaged beyond what the engine can mend: str() says what and what to do."""


class NotOnThisEngine(Exception):
    """The command does not apply to this engine: str() says why and what to do instead."""


class Engine(ABC):
    """The warehouse engine a night runs on. Built once per task from the settings (`engine_for`)."""

    name: ClassVar[str]  # as the docs and messages say it
    dbt_adapter: ClassVar[str]  # the dbt adapter package (its version is part of the build's fingerprint)
    dbt_target: ClassVar[str]  # the output of dbt_project/profiles.yml dbt builds with
    # Whether the feeds' ingest tasks may run at once (each into its own raw store), or take turns.
    feeds_load_in_parallel: ClassVar[bool]

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # -- before the night -------------------------------------------------------------------------

    @abstractmethod
    def check_before_night(self) -> list[str]:
        """Check what the night builds on, mending what can be mended: a line for each finding. Raises
        WarehouseDamaged when the night cannot start."""

    # -- ingest -----------------------------------------------------------------------------------

    @abstractmethod
    def raw_sink(self, feed: str) -> AbstractContextManager[RawSink]:
        """The raw store `feed`'s files load into, held while they load; what loaded is in the warehouse's raw
        once the block ends."""

    @abstractmethod
    def catch_up_raw(self, feed: str) -> None:
        """With no new file for `feed`: what its raw store holds and the warehouse's raw lacks (a task that stopped
        before its copy) is copied now. Nothing to do where the store is the warehouse's raw itself."""

    @abstractmethod
    def undo_rejections(self, feed: str, sha256: str, file_name: str, note: str) -> list[int]:
        """Mark the raw store's rejections of this file (by content, or by name where it had none) as requeued,
        `note` put before their reason; their file ids."""

    # -- build ------------------------------------------------------------------------------------

    @abstractmethod
    def prepare_build(self, fingerprint: str, step: Callable[[str], AbstractContextManager[None]]) -> tuple[str, int]:
        """A build ready for dbt beside the published warehouse, carrying on its snapshots and incremental marts;
        and the first raw file id the published marts have not seen if the same project (`fingerprint`) built
        them, else 0 (test every file). Each part runs inside `step(what it does)`, which turns a fault of the
        machine into the night's one line. Raises WarehouseDamaged when raw cannot be trusted."""

    @abstractmethod
    def dbt_environment(self, build: str) -> dict[str, str]:
        """dbt's environment variables that point profiles.yml's target at `build`."""

    @abstractmethod
    def discard_build(self) -> None:
        """Remove what is left of the night's build (called at the end of the night)."""

    # -- audit ------------------------------------------------------------------------------------

    @abstractmethod
    def checks_source(self, build: str, views: str) -> ChecksSource:
        """A session on the build for the night's checks: raw readable, the audit parameters
        (`audit_params`) and the checks' `views` made."""

    @abstractmethod
    def checks_on_published(self) -> ChecksSource | None:
        """A session on the published warehouse, read-only (the publications' checks); None before the first
        publish."""

    # -- publish ----------------------------------------------------------------------------------

    @abstractmethod
    def location(self) -> str:
        """Where BI finds the published warehouse, with no secret in it."""

    @abstractmethod
    def publish(self, build: str, fingerprint: str | None) -> str:
        """Publish the build as a new version in one switch, keeping the one it replaces; a line saying so."""

    @abstractmethod
    def list_versions(self) -> list[str]:
        """The earlier versions kept for rollback, newest first."""

    @abstractmethod
    def rollback(self, version: str | None, on_skip: Callable[[str], None]) -> str:
        """Publish an earlier version again (the newest intact one unless `version` names one); a line saying so.
        Raises FileNotFoundError when there is none to roll back to, WarehouseDamaged when the one named is
        damaged."""

    # -- reading ----------------------------------------------------------------------------------

    @abstractmethod
    def warehouse(self, *, published: bool) -> WarehouseSource | None:
        """The published warehouse, or tonight's build, for the report and the publications to read; None when
        there is none."""

    # -- BI ---------------------------------------------------------------------------------------

    def bi_access(self, name: str | None, new_password: bool) -> list[str]:
        """Set up BI tools' read-only access to the published warehouse; lines saying how to connect. Raises
        NotOnThisEngine where BI needs nothing made."""
        raise NotOnThisEngine(f"the warehouse is on {self.name} here: BI needs no role made")

