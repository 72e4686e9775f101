"""Write-audit-publish on PostgreSQL (issue #16 part 2), on a real server: builds are made here by hand the way
dbt makes them (tables and views in `<schema>__build`), so no dbt run is needed."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from wap_builds import MARTS, build, published_night, settings_for, sql

from opcc import pipeline, run_record
from opcc.cli import main
from opcc.config import Settings
from opcc.postgres import wap
from opcc.postgres.roles import ensure_bi_role


def test_publish_swaps_the_schemas_keeps_versions_and_rolls_back(tmp_path: Path, pg_database: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_for(tmp_path, pg_database, keep=2)
    for night in range(1, 5):
        build(s, pg_database, night)
        assert wap.publish(s, f"fingerprint-{night}") == str(night)
    assert published_night(pg_database) == 4
    assert sql(pg_database, "SELECT committed FROM marts.fund_position") == [(Decimal("810004.00"),)]
    assert wap.published_info(s)["version"] == "4"
    assert wap.published_info(s)["project_fingerprint"] == "fingerprint-4"
    assert wap.list_versions(s) == ["3", "2"]  # version 1 pruned: keep_versions=2
    schemas = {r[0] for r in sql(pg_database, "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%\\_\\_%'")}
    assert schemas == {f"{x}__v{n}" for x in ("marts", "reference", "snapshots", "staging", "intermediate")
                       for n in (2, 3)}  # no __build left: every one was published
    assert sql(pg_database, "SELECT night FROM marts__v3.fund_position") == [(3,)]

    assert wap.rollback(s) == "3"  # the newest earlier one
    assert published_night(pg_database) == 3
    assert wap.published_info(s)["project_fingerprint"] is None  # the next build tests everything
    assert wap.list_versions(s) == ["4", "2"]
    monkeypatch.setenv("OPCC_WAREHOUSE_URL", pg_database)  # the CLI on PostgreSQL too
    monkeypatch.setenv("OPCC_DATA_DIR", str(s.data_dir))
    assert main(["rollback", "--list"]) == 0
    assert main(["rollback", "v4"]) == 0
    assert published_night(pg_database) == 4
    with pytest.raises(FileNotFoundError, match="no version '9'"):
        wap.rollback(s, "9")

    build(s, pg_database, 5)  # after a rollback, versions go on counting up
    assert wap.publish(s, "fingerprint-5") == "5"
    assert wap.list_versions(s) == ["4", "3"]


def test_views_follow_their_schemas_when_published(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s)
    # Bound by OID: the view renamed with intermediate__build now reads staging, renamed with it.
    definition = sql(pg_database, "SELECT pg_get_viewdef('intermediate.int_transactions_mapped')")[0][0]
    assert "staging.stg_raw__transactions" in str(definition)
    build(s, pg_database, 2)  # the next night's build schemas are new: the published views still work
    assert sql(pg_database, "SELECT night, file_id FROM intermediate.int_transactions_mapped ORDER BY 2") == [
        (1, 1), (1, 2)]


def test_snapshots_carry_on_from_the_published_version(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s)
    assert wap.prepare_build(s) == "__build"
    assert sql(pg_database, "SELECT night, commitment_id FROM snapshots__build.commitments_snapshot") == [(1, "C1")]
    # Marts are not carried: dbt builds them again.
    assert sql(pg_database, "SELECT to_regclass('marts__build.fund_position')") == [(None,)]
    build(s, pg_database, 2)
    wap.publish(s)
    assert sql(pg_database, "SELECT night, commitment_id FROM snapshots.commitments_snapshot ORDER BY 1") == [
        (1, "C1"), (2, "C2")]
    assert sql(pg_database, "SELECT night, commitment_id FROM snapshots__v1.commitments_snapshot") == [(1, "C1")]


def published_state(url: str) -> list[tuple[object, ...]]:
    """Every relation of the published schemas with its OID, and the published marts' rows."""
    relations = sql(url, """SELECT n.nspname, c.relname, c.oid::bigint FROM pg_class c
                            JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE n.nspname IN ('marts', 'reference', 'snapshots', 'staging', 'intermediate')
                            ORDER BY 1, 2""")
    rows = [r for mart in MARTS for r in sql(url, f"SELECT '{mart}', * FROM marts.{mart} ORDER BY 2, 3")]
    return relations + rows + sql(url, "SELECT * FROM opcc_meta.published ORDER BY id")


def failed_checks_run(settings: Settings) -> Path:
    run_dir = Path(pipeline.start(settings, "manual__2019-06-04T01:00:00+00:00",
                                  dt.datetime(2019, 6, 4, 1, tzinfo=dt.UTC)))
    run_record.write_dbt(run_dir, run_record.DbtOutcome(ok=True, message="dbt build: 313 passed", failed_nodes=[],
                                                        project_fingerprint="fp"))
    run_record.write_checks(run_dir, [{"id": "budget.priority_commissioning_total", "status": "FAIL",
                                       "description": "Budget total", "expected": "2400000.00",
                                       "actual": "2390000.00", "difference": "-10000.00", "unit": "GBP"}])
    return run_dir


def test_a_failed_night_and_a_killed_build_leave_the_published_schemas_untouched(tmp_path: Path,
                                                                                  pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s, "fp")
    before = published_state(pg_database)

    build(s, pg_database, 2)  # a night whose checks FAIL: the pipeline's publish step refuses
    run_dir = failed_checks_run(s)
    with pytest.raises(pipeline.StepFailed):
        pipeline.publish(s, "__build", str(run_dir))
    outcome = run_record.read_publish(run_dir)
    assert outcome is not None and not outcome.published
    assert published_state(pg_database) == before

    sql(pg_database, "CREATE TABLE marts__build.half_built AS SELECT 1 AS x")  # killed mid-build, then rerun
    wap.prepare_build(s)
    assert published_state(pg_database) == before
    build_tables = sql(pg_database, """SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n
                                       ON n.oid = c.relnamespace
                                       WHERE n.nspname LIKE '%\\_\\_build' AND c.relkind = 'r'""")
    assert build_tables == [("snapshots__build", "commitments_snapshot")]  # empty but the carried snapshot
    assert published_night(pg_database) == 1


def test_the_pipeline_publishes_on_postgresql_when_no_check_fails(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    run_dir = failed_checks_run(s)
    checks = run_record.read_checks(run_dir)
    assert checks is not None
    run_record.write_checks(run_dir, [dict(checks[0], status="PASS", actual="2400000.00", difference="0.00")])
    where = pipeline.publish(s, "__build", str(run_dir))
    assert where.startswith("postgresql://127.0.0.1:") and "password" not in where
    outcome = run_record.read_publish(run_dir)
    assert outcome is not None and outcome.published and outcome.message.startswith("published version 1")
    assert wap.published_info(s)["project_fingerprint"] == "fp"
    assert published_night(pg_database) == 1
    assert wap.first_unpublished_file_id(s, "fp") == 2  # raw's file 1 is in the published marts
    assert wap.first_unpublished_file_id(s, "another project") == 0


def bi_connection(settings: Settings, name: str) -> psycopg2.extensions.connection:
    role = ensure_bi_role(settings, name)
    assert role.password_file is not None
    return psycopg2.connect(role.url, passfile=str(role.password_file))


def test_a_reader_sees_the_old_marts_or_the_new_ones_never_a_mix(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database, keep=2)
    build(s, pg_database, 1)
    wap.publish(s)
    reader = bi_connection(s, "wap_reader")  # what BI tools do: one transaction reads several marts
    seen: list[set[int]] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def read_in_a_loop() -> None:
        try:
            while not done.is_set():
                nights: set[int] = set()
                with reader.cursor() as cur:
                    for table in (*(f"marts.{m}" for m in MARTS), "reference.funds"):
                        cur.execute(f"SELECT night, count(*) FROM {table} GROUP BY night")
                        rows = cur.fetchall()
                        assert rows, f"{table} is empty"
                        nights |= {night for night, _ in rows}
                        cur.execute("SELECT pg_sleep(0.005)")  # widen the window between two marts
                reader.commit()
                seen.append(nights)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    thread = threading.Thread(target=read_in_a_loop)
    thread.start()
    try:
        for night in range(2, 8):
            build(s, pg_database, night)
            wap.publish(s)
            time.sleep(0.05)
    finally:
        done.set()
        thread.join(timeout=60)
        reader.close()
    assert not failures, failures
    assert all(len(nights) == 1 for nights in seen), [n for n in seen if len(n) != 1]
    assert len({night for nights in seen for night in nights}) >= 3  # it read through several publishes
    assert published_night(pg_database) == 7


def test_publish_waits_for_a_reader_in_the_middle_of_its_transaction(tmp_path: Path, pg_database: str) -> None:
    s = settings_for(tmp_path, pg_database)
    build(s, pg_database, 1)
    wap.publish(s)
    build(s, pg_database, 2)
    reader = bi_connection(s, "wap_reader")
    try:
        with reader.cursor() as cur:
            cur.execute("SELECT night FROM marts.load_audit")  # holds marts.load_audit until it commits
            assert cur.fetchone() == (1,)
            publishing = threading.Thread(target=wap.publish, args=(s,))
            publishing.start()
            time.sleep(1.5)  # publish tries, gives way, tries again...
            assert publishing.is_alive()
            for mart in MARTS:  # ... while this transaction goes on reading version 1, without an error
                cur.execute(f"SELECT DISTINCT night FROM marts.{mart}")
                assert cur.fetchall() == [(1,)]
        reader.commit()
        publishing.join(timeout=30)
        assert not publishing.is_alive()
        with reader.cursor() as cur:
            cur.execute("SELECT night FROM marts.fund_position")
            assert cur.fetchone() == (2,)
    finally:
        reader.close()
