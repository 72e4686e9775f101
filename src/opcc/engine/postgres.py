"""The warehouse on PostgreSQL: raw in schema `raw`, a night's build in `<schema>__build`, versions as schemas
(opcc.postgres.wap). Each feed loads into its own DuckDB working file and is copied into `raw` as it ends
(opcc.postgres.feed_ingest), so the feeds load at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from opcc.engine.base import ChecksSource, Engine, RawSink

if TYPE_CHECKING:
    from opcc.warehouse_read import WarehouseSource


class PostgresEngine(Engine):
    name = "PostgreSQL"
    dbt_adapter = "dbt-postgres"
    dbt_target = "postgres"
    feeds_load_in_parallel = True

    def check_before_night(self) -> list[str]:
        # raw and the versions are schemas of a database server, whose own durability and backups answer for them.
        return []

    @contextmanager
    def raw_sink(self, feed: str) -> Iterator[RawSink]:
        from opcc.postgres.feed_ingest import feed_sink

        with feed_sink(self.settings, feed) as (con, file_ids):
            yield RawSink(con, file_ids)

    def catch_up_raw(self, feed: str) -> None:
        from opcc.postgres.raw import sync_raw

        if self.settings.raw_feed_db(feed).exists():
            sync_raw(self.settings, self.settings.raw_feed_db(feed))

    def undo_rejections(self, feed: str, sha256: str, file_name: str, note: str) -> list[int]:
        return []  # raw.files is PostgreSQL's here, copied from the feeds' working files: the rejection stays

    def prepare_build(self, fingerprint: str, step: Callable[[str], AbstractContextManager[None]]) -> tuple[str, int]:
        """raw's files the ingest tasks did not copy (one stopped before its copy), then empty build schemas."""
        from opcc.postgres import wap
        from opcc.postgres.raw import sync_every_store

        with step("copying raw's new files into PostgreSQL"):
            print(sync_every_store(self.settings).line())
        with step("preparing the warehouse build"):
            build = wap.prepare_build(self.settings)
        return build, wap.first_unpublished_file_id(self.settings, fingerprint)

    def dbt_environment(self, build: str) -> dict[str, str]:
        from opcc.postgres.connect import dbt_environment

        return dbt_environment(self.settings) | {"OPCC_SCHEMA_SUFFIX": build}

    def discard_build(self) -> None:
        pass  # the build schemas stay until the next night's prepare_build drops them

    def checks_source(self, build: str, views: str) -> ChecksSource:
        from opcc.postgres.checks import open_audit_session

        return open_audit_session(self.settings, build, views)

    def checks_on_published(self) -> ChecksSource | None:
        from opcc.postgres.checks import PostgresChecks
        from opcc.postgres.read import PostgresSchemas

        return PostgresChecks(self.settings, "") if PostgresSchemas(self.settings).exists() else None

    def location(self) -> str:
        from opcc.postgres.wap import location

        return location(self.settings)

    def publish(self, build: str, fingerprint: str | None) -> str:
        from opcc.postgres.wap import publish

        return f"published version {publish(self.settings, fingerprint)}: {self.location()}"

    def list_versions(self) -> list[str]:
        from opcc.postgres.wap import list_versions

        return [f"v{v}" for v in list_versions(self.settings)]

    def rollback(self, version: str | None, on_skip: Callable[[str], None]) -> str:
        from opcc.postgres.wap import rollback

        return f"{self.location()} is now version {rollback(self.settings, version)}"

    def warehouse(self, *, published: bool) -> WarehouseSource | None:
        from opcc.postgres.dialect import BUILD_SUFFIX
        from opcc.postgres.read import PostgresSchemas

        return PostgresSchemas(self.settings, "" if published else BUILD_SUFFIX)  # the report checks it exists

    def bi_access(self, name: str | None, new_password: bool) -> list[str]:
        from opcc.environment import variable
        from opcc.postgres.roles import DEFAULT_NAME, ensure_bi_role

        role = ensure_bi_role(self.settings, name or DEFAULT_NAME, new_password=new_password)
        return [f"BI role {role.name}: read-only on the published schemas; connect with {role.url}",
                f"password: from ${variable('bi_password')}" if role.password_file is None else
                f"password: in {role.password_file} (a libpq password file: PGPASSFILE={role.password_file})"]
