"""Builds made by hand the way dbt makes them on PostgreSQL (tables and views in `<schema>__build`), for the
write-audit-publish and BI role tests: no dbt run needed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg2

from opcc.config import Settings
from opcc.postgres import wap

MARTS = ("fund_position", "commitments_by_pillar", "load_audit")


def settings_for(tmp_path: Path, url: str, keep: int = 7) -> Settings:
    return Settings(data_dir=tmp_path / "data", warehouse_url=url, keep_versions=keep)


def sql(url: str, statement: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    con = psycopg2.connect(url)
    try:
        with con, con.cursor() as cur:
            cur.execute(statement, params or None)  # no parameters: `%` is just `%`
            return cur.fetchall() if cur.description else []
    finally:
        con.close()


def build(settings: Settings, url: str, night: int) -> None:
    """What a night's dbt build leaves: every mart, a seed, a snapshot row, and views over raw. Each row says
    which night built it, so a reader can tell versions apart."""
    assert wap.prepare_build(settings) == "__build"
    committed = Decimal("810000.00") + night
    sql(url, f"""
        CREATE SCHEMA IF NOT EXISTS raw;
        CREATE TABLE IF NOT EXISTS raw.transactions (file_id bigint, amount numeric(18,2));
        INSERT INTO raw.transactions VALUES ({night}, 1.00);
        CREATE VIEW staging__build.stg_raw__transactions AS SELECT file_id, amount FROM raw.transactions;
        CREATE VIEW intermediate__build.int_transactions_mapped AS
            SELECT file_id, amount, {night} AS night FROM staging__build.stg_raw__transactions;
        CREATE TABLE marts__build.fund_position AS
            SELECT {night} AS night, 'CSF'::text AS fund_code, {committed}::numeric(18,2) AS committed;
        CREATE TABLE marts__build.commitments_by_pillar AS
            SELECT {night} AS night, pillar FROM generate_series(1, 4) AS pillar;
        CREATE TABLE marts__build.load_audit AS SELECT {night} AS night, max(file_id) AS file_id
            FROM intermediate__build.int_transactions_mapped;
        CREATE TABLE reference__build.funds AS SELECT {night} AS night, 'CSF'::text AS fund_code;
        CREATE TABLE IF NOT EXISTS snapshots__build.commitments_snapshot (night int, commitment_id text);
        INSERT INTO snapshots__build.commitments_snapshot VALUES ({night}, 'C{night}');
    """)


def published_night(url: str) -> int:
    return int(sql(url, "SELECT night FROM marts.fund_position")[0][0])
