"""The warehouse on DuckDB files: raw.duckdb, a night's build beside the published warehouse.duckdb, versions as
files (opcc.publish), raw's verified backup (opcc.raw_backup). One writer per file: the feeds take turns."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from opcc.config import duckdb_config
from opcc.engine.base import ChecksSource, Engine, RawSink, WarehouseDamaged

if TYPE_CHECKING:
    from opcc.warehouse_read import WarehouseSource


class DuckDBEngine(Engine):
    name = "DuckDB"
    dbt_adapter = "dbt-duckdb"
    dbt_target = "build"  # profiles.yml's default output
    feeds_load_in_parallel = False

    @property
    def build_file(self) -> Path:
        # One name for every night's build (one run at a time: max_active_runs=1), so that dbt's profile,
        # and with it dbt's parse cache, stays the same from night to night.
        return self.settings.builds_dir / "nightly.duckdb"

    # -- before the night -------------------------------------------------------------------------

    def check_before_night(self) -> list[str]:
        """raw.duckdb whole (else restored from its verified backup), then the published warehouse and its Parquet
        whole (else rolled back to the newest intact version, or with none rebuilt from raw tonight)."""
        return self._check_raw() + self._check_published()

    def _check_raw(self) -> list[str]:
        from opcc.raw_backup import RawDamaged, raw_damage, restore_raw

        why = raw_damage(self.settings)
        if why is None:
            return []
        try:
            return [restore_raw(self.settings, why)]
        except RawDamaged as exc:
            raise WarehouseDamaged(str(exc)) from None

    def _check_published(self) -> list[str]:
        from opcc import publish

        publish.repair_published(self.settings)
        why = publish.warehouse_damage(self.settings)
        if why is not None:
            skipped: list[str] = []
            try:
                chosen = publish.recover_published(self.settings, on_skip=skipped.append)
            except FileNotFoundError:
                aside = self._set_aside()
                return [f"{why}: no intact version is kept, so it is set aside as {aside} and tonight's build "
                        "rebuilds the warehouse from raw"]
            return [f"{why}: replaced by {chosen.name}, the newest intact version"
                    + (f" ({'; '.join(skipped)})" if skipped else "") + "; tonight's build starts from it"]
        why = publish.parquet_damage_published(self.settings)
        if why is not None:
            publish.export_published_parquet_again(self.settings)
            return [f"{why}: written again from the published warehouse, which is intact"]
        return []

    def _set_aside(self) -> Path:
        """Move the damaged published warehouse out of the way: the build then starts from nothing."""
        from opcc.raw_backup import damaged_dir

        folder = damaged_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        aside = folder / f"warehouse-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.duckdb"
        damaged = self.settings.warehouse_db.resolve()  # the file BI's link points to, not the link
        os.replace(damaged, aside)
        self.settings.warehouse_db.unlink(missing_ok=True)
        return aside

    # -- ingest -----------------------------------------------------------------------------------

    @contextmanager
    def raw_sink(self, feed: str) -> Iterator[RawSink]:
        from opcc.rawdb import raw_writer

        with raw_writer(self.settings.raw_db, duckdb_config(self.settings)) as con:
            yield RawSink(con)

    def catch_up_raw(self, feed: str) -> None:
        pass  # the feeds load into raw.duckdb itself

    def undo_rejections(self, feed: str, sha256: str, file_name: str, note: str) -> list[int]:
        from opcc.rawdb import raw_writer

        if not self.settings.raw_db.exists():
            return []
        with raw_writer(self.settings.raw_db, duckdb_config(self.settings)) as con:
            undone = [r[0] for r in con.execute(
                """SELECT file_id FROM main.files WHERE feed = ? AND status = 'rejected'
                   AND (sha256 = ? OR (sha256 = '' AND file_name = ?)) ORDER BY file_id""",
                [feed, sha256, file_name]).fetchall()]
            for file_id in undone:
                con.execute("UPDATE main.files SET status = 'requeued', message = ? || coalesce(message, '') "
                            "WHERE file_id = ?", [note, file_id])
        return undone

    # -- build ------------------------------------------------------------------------------------

    def prepare_build(self, fingerprint: str, step: Callable[[str], AbstractContextManager[None]]) -> tuple[str, int]:
        """raw's backup replaced by a verified copy of it as the night's ingest left it, then the build a copy of
        the published warehouse."""
        from opcc.publish import first_unpublished_file_id, prepare_build
        from opcc.raw_backup import RawDamaged, backup_raw

        with step("backing up raw.duckdb after the night's ingest"):
            try:
                print(backup_raw(self.settings))
            except RawDamaged as exc:
                raise WarehouseDamaged(str(exc)) from None
        with step("preparing the warehouse build"):
            build = prepare_build(self.settings, self.build_file)
        return str(build), first_unpublished_file_id(self.settings, build, fingerprint)

    def dbt_environment(self, build: str) -> dict[str, str]:
        return {"OPCC_BUILD_DB": build, "OPCC_RAW_DB": str(self.settings.raw_db),
                "OPCC_DUCKDB_MEMORY_LIMIT": self.settings.duckdb_memory_limit}

    def discard_build(self) -> None:
        self.build_file.unlink(missing_ok=True)

    # -- audit ------------------------------------------------------------------------------------

    def checks_source(self, build: str, views: str) -> ChecksSource:
        from opcc.engine.duckdb_checks import DuckDBChecksSource, open_connection

        if not Path(build).exists():
            raise FileNotFoundError(f"build database {build} does not exist")
        return DuckDBChecksSource(open_connection(Path(build), self.settings.raw_db,
                                                  self.settings.over_allocation_tolerance,
                                                  duckdb_config(self.settings), views))

    def checks_on_published(self) -> ChecksSource | None:
        from opcc.engine.duckdb_checks import DuckDBChecksSource, open_connection

        if not Path(self.settings.warehouse_db).exists():
            return None
        return DuckDBChecksSource(open_connection(Path(self.settings.warehouse_db), None, Decimal(0),
                                                  duckdb_config(self.settings)))

    # -- publish ----------------------------------------------------------------------------------

    def location(self) -> str:
        return str(self.settings.warehouse_db)

    def publish(self, build: str, fingerprint: str | None) -> str:
        from opcc.publish import publish

        where = publish(self.settings, Path(build), fingerprint)
        return f"published {where} and {self.settings.marts_dir}/<mart>.parquet"

    def list_versions(self) -> list[str]:
        from opcc.publish import list_versions

        return [v.name for v in list_versions(self.settings)]

    def rollback(self, version: str | None, on_skip: Callable[[str], None]) -> str:
        from opcc.publish import DamagedVersion, rollback

        try:
            chosen = rollback(self.settings, version, on_skip=on_skip)
        except DamagedVersion as exc:  # the version named is damaged: said as this interface says it
            raise WarehouseDamaged(str(exc)) from None
        return f"{self.settings.warehouse_db} is now {chosen.name}"

    # -- reading ----------------------------------------------------------------------------------

    def warehouse(self, *, published: bool) -> WarehouseSource | None:
        source = self.settings.warehouse_db if published else self.build_file
        return source if source.exists() else None
