"""`opcc cluster up|down|status` on the real stack: PostgreSQL, Redis, Airflow's API server, scheduler, DAG processor
and two Celery workers, then a demo night under the CeleryExecutor run by both workers, published to the cluster's
PostgreSQL warehouse.

One cluster for the module (started and stopped here): the tests run in file order, each night after the one
before. Then the nights issue #16 asks for on it: the published marts equal DuckDB's from the same extracts; a build
killed half way, then rerun, publishes what a clean build does, while a BI reader on the read-only role loops over
the marts and sees only complete versions; a budget £10,000 short publishes nothing and the report says why.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import psycopg2
import pytest
from marts_compare import DEMO, Table, duckdb_tables, postgres_tables
from warehouse_watch import BiReader, BuildKiller, fingerprint_of, published_state

from opcc import pipeline, run_record
from opcc.cli import cmd_demo, main
from opcc.cluster.local import AIRFLOW_PARTS, WORKERS, LocalCluster
from opcc.config import FEEDS, Settings, load_settings
from opcc.postgres import wap
from opcc.postgres.roles import ensure_bi_role
from opcc.report.formatting import gbp
from opcc.run_progress import libpq_url

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def data_dir(outside_pytest_tmp: Path) -> Iterator[Path]:
    data = outside_pytest_tmp / "cluster-data"
    data.mkdir()
    before = os.environ.get("OPCC_DATA_DIR")
    os.environ["OPCC_DATA_DIR"] = str(data)
    assert main(["--data-dir", str(data), "cluster", "up"]) == 0
    try:
        yield data
    finally:
        LocalCluster(load_settings(data)).down()
        if before is None:
            os.environ.pop("OPCC_DATA_DIR", None)
        else:
            os.environ["OPCC_DATA_DIR"] = before


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _runs(pid: int) -> bool:
    """The process exists and is not a zombie (one whose parent has not collected its exit yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_up_starts_every_part_and_points_the_data_directory_at_it(data_dir: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cluster = LocalCluster(load_settings(data_dir))
    status = {part.name: part for part in cluster.status()}
    assert list(status) == ["postgres", "redis", *AIRFLOW_PARTS]
    assert all(part.running for part in status.values()), [str(p) for p in status.values() if not p.running]
    con = psycopg2.connect(cluster.postgres.url())
    with con.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname IN ('airflow', 'warehouse') ORDER BY 1")
        assert [r[0] for r in cur.fetchall()] == ["airflow", "warehouse"]
    con.close()
    assert cluster.redis.answers()
    with urllib.request.urlopen(f"{cluster.api_url}/api/v2/monitor/health", timeout=10) as response:
        assert response.status == 200
    settings = load_settings(data_dir)
    assert settings.airflow_database_url == cluster.airflow_database_url
    assert settings.warehouse_url == cluster.warehouse_url

    pids = {part.name: part.pid for part in cluster.status()}
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "cluster", "up"]) == 0  # harmless twice
    assert {part.name: part.pid for part in cluster.status()} == pids
    assert f"BI (read-only): postgresql://opcc_bi@127.0.0.1:{cluster.ports['postgres']}/warehouse" \
        in capsys.readouterr().out


def test_a_night_on_the_cluster_publishes_and_both_workers_ran_tasks(data_dir: Path) -> None:
    assert main(["--data-dir", str(data_dir), "demo"]) == 0
    assert main(["--data-dir", str(data_dir), "run"]) == 0  # triggers the DAG on the cluster and follows it

    settings = load_settings(data_dir)
    assert settings.airflow_database_url is not None
    con = psycopg2.connect(libpq_url(settings.airflow_database_url))
    with con.cursor() as cur:
        cur.execute("SELECT run_id, state FROM dag_run WHERE dag_id = 'opcc_nightly'")
        runs = cur.fetchall()
        assert [state for _, state in runs] == ["success"]  # one run: unpausing started no second one
        cur.execute("SELECT task_id, state, hostname, pool FROM task_instance WHERE run_id = %s", (runs[0][0],))
        tasks = {task_id: (state, hostname, pool) for task_id, state, hostname, pool in cur.fetchall()}
    con.close()
    assert {state for state, _, _ in tasks.values()} == {"success"}
    assert {hostname for _, hostname, _ in tasks.values()} == set(WORKERS)  # each worker ran some of them
    # On PostgreSQL the feeds ingest side by side (each into its own working file); the build and the publish
    # still take the writer pool's one slot.
    writers = {task_id for task_id, (_, _, pool) in tasks.items() if pool == "opcc_warehouse_writer"}
    assert writers == {"build", "publish"}
    assert {pool for task_id, (_, _, pool) in tasks.items() if task_id.startswith("ingest_")} == {"default_pool"}

    warehouse = psycopg2.connect(settings.warehouse_url)
    with warehouse.cursor() as cur:  # the published marts, on the cluster's PostgreSQL
        cur.execute("SELECT funding_source_code, budget FROM marts.funding_source_position "
                    "WHERE financial_year = '2019/20' AND funding_source_code IN ('PCC', 'MOJ') ORDER BY 1")
        assert cur.fetchall() == [("MOJ", Decimal("900000.00")), ("PCC", Decimal("1500000.00"))]
    warehouse.close()


@pytest.fixture(scope="module")
def on_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The DuckDB default beside the cluster: a second data directory (no warehouse_url) given the same extracts."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("duckdb-data"))
    assert cmd_demo(settings, argparse.Namespace()) == 0
    return settings


def duckdb_marts(settings: Settings) -> dict[str, Table]:
    """The nightly steps on DuckDB, in this process: ingest whatever landed, build; every mart and reference table."""
    run_dir = pipeline.start(settings, f"duckdb__{dt.datetime.now(dt.UTC).isoformat()}", dt.datetime.now(dt.UTC))
    for feed in FEEDS:
        pipeline.ingest(settings, feed, run_dir)
    return duckdb_tables(Path(pipeline.build(settings, run_dir)))


# When each file arrived is not the extracts' but each data directory's own: two ingestions differ there only.
# So do file ids across feeds where feeds ingest side by side (PostgreSQL): a file id is compared as the file it
# names (feed, file name), from the same side's load_audit.
ARRIVAL = {"marts.load_audit": "received_at"}


def _without_arrival(tables: dict[str, Table]) -> dict[str, Table]:
    audit_columns, audit_rows = tables["marts.load_audit"]
    names = [c for c, _ in audit_columns]
    at_id, at_feed, at_name = (names.index(c) for c in ("file_id", "feed", "file_name"))
    files = {row[at_id]: (row[at_feed], row[at_name]) for row in audit_rows}
    kept = {}
    for name, (columns, rows) in tables.items():
        names = [c for c, _ in columns]
        drop = names.index(ARRIVAL[name]) if name in ARRIVAL else None
        at = names.index("file_id") if "file_id" in names else None
        rows = [tuple(files.get(value, value) if i == at else value for i, value in enumerate(row) if i != drop)
                for row in rows]
        kept[name] = (columns, sorted(rows, key=repr))
    return kept


def assert_same_marts(got: dict[str, Table], want: dict[str, Table]) -> None:
    got, want = _without_arrival(got), _without_arrival(want)
    assert sorted(got) == sorted(want)
    assert {t: got[t][0] for t in want} == {t: columns for t, (columns, _) in want.items()}  # names and types
    differ = [t for t, (_, rows) in want.items() if got[t][1] != rows]
    assert not differ, {t: set(got[t][1]) ^ set(want[t][1]) for t in differ}


def test_the_published_marts_equal_the_duckdb_warehouse_from_the_same_extracts(data_dir: Path,
                                                                                on_duckdb: Settings) -> None:
    """The night above (CeleryExecutor, two workers, PostgreSQL) and the DuckDB default on the same demo extracts:
    every mart and reference table equal, column for column (money NUMERIC(18,2)) and row for row."""
    settings = load_settings(data_dir)
    assert settings.warehouse_url is not None
    want = duckdb_marts(on_duckdb)
    got = postgres_tables(settings.warehouse_url, "")  # the published schemas
    assert len([t for t in want if t.startswith("marts.")]) >= 15
    assert_same_marts(got, want)
    positions = {(r[0], r[1]): r for r in got["marts.funding_source_position"][1]}
    assert positions[("2019/20", "MOJ")][4] == Decimal("900000.00")  # money as Decimal, the demo's own figure


def test_down_stops_everything_and_up_again_keeps_the_data(data_dir: Path) -> None:
    settings = load_settings(data_dir)
    cluster = LocalCluster(settings)
    before = cluster.status()
    assert main(["--data-dir", str(data_dir), "cluster", "down"]) == 0
    for part in before:
        assert part.pid is not None and not _runs(part.pid), part.name
    assert not any(part.running for part in cluster.status())
    assert not any(_answers(port) for port in cluster.ports.values())

    assert main(["--data-dir", str(data_dir), "cluster", "up"]) == 0
    con = psycopg2.connect(cluster.postgres.url("airflow"))
    with con.cursor() as cur:  # last night's run is still in Airflow's metadata database
        cur.execute("SELECT count(*) FROM dag_run WHERE dag_id = 'opcc_nightly' AND state = 'success'")
        assert cur.fetchone() == (1,)
    con.close()
    con = psycopg2.connect(cluster.warehouse_url)
    with con.cursor() as cur:  # and its published warehouse
        cur.execute("SELECT sum(budget) FROM marts.funding_source_position WHERE financial_year = '2019/20'")
        assert cur.fetchone() == (Decimal("2400000.00"),)
    con.close()


# -- the nights after: a build killed half way and its rerun, read through by BI; a budget £10,000 short ----------

# A late March 2020 extract, new tonight: it changes the ledger and the funds' actuals, so the versions before and
# after tonight's publish differ (a BI reader can tell them apart) and the rerun has new raw lines to copy.
LATE_TRANSACTIONS = ("dorset-opcc-spend-over-500-2020-03-late.csv", """\
Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £
Police and Crime Commissioner for Dorset,27/03/2020,5109901,Grants to Voluntary Organisations,\
OPCC Commissioning - Victims Core Fund,You First,"£1,250.00"
Police and Crime Commissioner for Dorset,30/03/2020,5109902,Grants to Voluntary Organisations,\
OPCC Commissioning - Victims Core Fund,You First,"£2,000.00"
Total,,,,,,"£3,250.00"
""")


class KilledNight(NamedTuple):
    version_before: str
    killed: list[tuple[int, int]]  # (dbt pid, marts built when killed)
    killed_exit: int
    version_after_kill: str
    rerun_exit: int
    version_after_rerun: str
    bi: BiReader


def nights(settings: Settings) -> list[tuple[str, dict[str, str]]]:
    """Each DagRun of the nightly DAG in Airflow's metadata database, oldest first: its state, and its tasks'."""
    assert settings.airflow_database_url is not None
    con = psycopg2.connect(libpq_url(settings.airflow_database_url))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT run_id, state FROM dag_run WHERE dag_id = 'opcc_nightly' ORDER BY id")
            runs = cur.fetchall()
            found = []
            for run_id, state in runs:
                cur.execute("SELECT task_id, state FROM task_instance WHERE run_id = %s", (run_id,))
                found.append((state, dict(cur.fetchall())))
            return found
    finally:
        con.close()


@pytest.fixture(scope="module")
def killed_night(data_dir: Path) -> KilledNight:
    """A night with a new extract whose dbt build is killed half way, then `opcc run` again; a BI reader on the
    read-only role loops over every mart from before the first until after the second."""
    settings = load_settings(data_dir)
    assert settings.warehouse_url is not None
    before = wap.published_info(settings)["version"]
    assert before is not None
    name, text = LATE_TRANSACTIONS
    (settings.landing_dir / "transactions" / name).write_text(text, encoding="utf-8")
    role = ensure_bi_role(settings)  # made by `cluster up`: the same role and kept password
    assert role.password_file is not None
    with BiReader(role.url, role.password_file) as bi:
        with BuildKiller(data_dir, settings.warehouse_url) as killer:
            killed_exit = main(["--data-dir", str(data_dir), "run"])
        after_kill = wap.published_info(settings)["version"]
        rerun_exit = main(["--data-dir", str(data_dir), "run"])
        seen = len(bi.passes)
        deadline = time.monotonic() + 30
        while len(bi.passes) < seen + 2 and time.monotonic() < deadline:  # a few passes on what was published
            time.sleep(0.2)
    return KilledNight(before, killer.killed, killed_exit, str(after_kill), rerun_exit,
                       str(wap.published_info(settings)["version"]), bi)


def test_a_run_killed_during_the_build_then_rerun_publishes_the_marts_of_a_clean_run(
        data_dir: Path, killed_night: KilledNight, on_duckdb: Settings) -> None:
    settings = load_settings(data_dir)
    assert settings.warehouse_url is not None
    assert killed_night.killed, "the dbt build was never caught running"
    assert killed_night.killed_exit != 0
    assert killed_night.version_after_kill == killed_night.version_before  # the killed night published nothing
    (killed, killed_tasks), (rerun, rerun_tasks) = nights(settings)[-2:]
    assert (killed, killed_tasks["build"], killed_tasks["publish"]) == ("failed", "failed", "upstream_failed")
    assert rerun == "success" and set(rerun_tasks.values()) == {"success"}
    assert killed_night.rerun_exit == 0
    assert int(killed_night.version_after_rerun) == int(killed_night.version_before) + 1
    leftovers = postgres_tables(settings.warehouse_url, "__build")
    assert leftovers == {}  # the killed build's half-built schemas are gone: the rerun built afresh and published

    # A clean run on the same extracts (the DuckDB default, shown equal to PostgreSQL's above): the same marts.
    name, text = LATE_TRANSACTIONS
    (on_duckdb.landing_dir / "transactions" / name).write_text(text, encoding="utf-8")
    want = duckdb_marts(on_duckdb)
    got = postgres_tables(settings.warehouse_url, "")
    assert_same_marts(got, want)
    con = psycopg2.connect(settings.warehouse_url)
    with con.cursor() as cur:  # tonight's lines are in, once each, however many times the build ran
        cur.execute("SELECT count(*), sum(amount) FROM marts.spend_transactions "
                    "WHERE transaction_number IN ('5109901', '5109902')")
        assert cur.fetchone() == (2, Decimal("3250.00"))
    con.close()


def test_a_bi_reader_through_the_runs_sees_only_complete_versions_and_can_change_nothing(
        data_dir: Path, killed_night: KilledNight) -> None:
    settings = load_settings(data_dir)
    assert settings.warehouse_url is not None
    bi = killed_night.bi
    assert bi.errors == []
    # The version replaced (kept for rollback) and the one published, read whole by the pipeline's own role.
    old = fingerprint_of(settings.warehouse_url, f"marts__v{killed_night.version_before}")
    new = fingerprint_of(settings.warehouse_url, "marts")
    assert old.keys() == new.keys() and len(old) >= 15
    assert old["spend_transactions"] != new["spend_transactions"]  # tonight's extract changed the marts
    # Every pass (one transaction over every mart) saw one whole version: the old until the publish, the new after.
    mixed = [sorted(m for m in seen if seen[m] != old.get(m)) for seen in bi.passes if seen not in (old, new)]
    assert not mixed, f"{len(mixed)} of {len(bi.passes)} passes saw a mix; marts not at the old version: {mixed[:3]}"
    first_new = bi.passes.index(new)
    assert first_new > 0 and all(seen == new for seen in bi.passes[first_new:])

    role = ensure_bi_role(settings)
    assert role.password_file is not None
    con = psycopg2.connect(role.url, passfile=str(role.password_file))
    con.autocommit = True
    try:
        with con.cursor() as cur, pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            cur.execute("INSERT INTO marts.fund_position (fund_code) VALUES ('X')")
        with con.cursor() as cur:  # read-only by default; past that, its privileges refuse every change
            cur.execute("SET default_transaction_read_only = off")
        for statement in ("INSERT INTO marts.fund_position (fund_code) VALUES ('X')",
                          "UPDATE marts.fund_position SET budget = 0",
                          "CREATE TABLE marts.mine (x int)", "CREATE TABLE public.mine (x int)",
                          "CREATE SCHEMA mine"):
            with con.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
    finally:
        con.close()
    assert fingerprint_of(settings.warehouse_url, "marts") == new  # nothing changed


def test_a_budget_10000_short_fails_publishes_nothing_and_the_report_says_why(data_dir: Path) -> None:
    settings = load_settings(data_dir)
    assert settings.warehouse_url is not None
    before = published_state(settings.warehouse_url)
    name = "dorset-opcc-priority-commissioning-budget-2019-20.csv"
    lines = (DEMO / "budgets" / name).read_text(encoding="utf-8").splitlines()
    # A corrected re-send of the 2019/20 budget with one PCC line £10,000 lower.
    pcc = next(i for i, line in enumerate(lines) if ",PCC," in line)
    head, amount = lines[pcc].rsplit(",", 1)
    lines[pcc] = f"{head},{Decimal(amount) - 10000:.2f}"
    (settings.landing_dir / "budgets" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["--data-dir", str(data_dir), "run"]) != 0
    state, tasks = nights(settings)[-1]
    assert (state, tasks["audit"], tasks["publish"], tasks["report"]) == ("failed", "success", "failed", "success")
    assert published_state(settings.warehouse_url) == before  # every published relation, OID, row and version

    run_dir = run_record.latest_run(settings.reports_dir)
    assert run_dir is not None
    failed = [c for c in run_record.read_checks(run_dir) or [] if c["status"] == "FAIL"]
    assert [c["id"] for c in failed] == ["budget.priority_commissioning_total"]
    [check] = failed
    assert Decimal(check["difference"]) == Decimal("-10000.00")
    html = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "NOT PUBLISHED" in html.upper() and "budget.priority_commissioning_total" in html
    for figure in ("expected", "actual", "difference"):
        assert gbp(check[figure]) in html, (figure, gbp(check[figure]))  # as the report writes money
