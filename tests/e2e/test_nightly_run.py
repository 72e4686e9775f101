"""End to end, through the real stack: `opcc demo` + `opcc run` drive a real Airflow DagRun that
ingests into DuckDB, builds with dbt, audits with Great Expectations, publishes and reports.
Then a bad budget extract must be caught and must not reach BI."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from smtp_sink import SmtpSink

from opcc import run_record
from opcc.publish_parquet import BY_SOURCE_FILE

pytestmark = pytest.mark.e2e

OPCC = str(Path(sys.executable).with_name("opcc"))
FY = "2019/20"


NETGUARD = Path(__file__).parent / "netguard"


def opcc(data: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**extra_env, **os.environ, "OPCC_DATA_DIR": str(data), "OPCC_NETGUARD_LOG": str(data.parent / "network.log"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH")]))}
    # The run must turn telemetry off by itself: drop any opt-out the caller's shell may carry.
    for var in ("DO_NOT_TRACK", "DBT_SEND_ANONYMOUS_USAGE_STATS", "GX_ANALYTICS_ENABLED"):
        env.pop(var, None)
    return subprocess.run([OPCC, *args], env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    data = tmp_path_factory.mktemp("e2e") / "data"
    assert opcc(data, "demo").returncode == 0
    return data, opcc(data, "run")


@pytest.fixture(scope="module")
def marts(demo_run):
    data, proc = demo_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def by(con, sql: str, *params) -> dict:
    return {r[0]: r[1:] if len(r) > 2 else r[1] for r in con.execute(sql, list(params)).fetchall()}


def test_run_is_a_successful_airflow_dagrun(demo_run) -> None:
    data, proc = demo_run
    assert proc.returncode == 0, proc.stdout[-3000:]
    db = sqlite3.connect(data / "airflow" / "airflow.db")
    [(run_id, state)] = db.execute("SELECT run_id, state FROM dag_run WHERE dag_id = 'opcc_nightly'").fetchall()
    assert state == "success"
    tasks = dict(db.execute("SELECT task_id, state FROM task_instance WHERE run_id = ?", (run_id,)).fetchall())
    assert set(tasks) >= {"start", "ingest_transactions", "ingest_budgets", "ingest_commitments",
                          "ingest_planned_projects", "ingest_ppa_receipts", "ingest_grant_awards",
                          "build", "audit", "publish", "report", "finish"}
    assert set(tasks.values()) == {"success"}
    assert (data / "reports" / "index.html").exists()
    # A run a person can follow: one line per task as it finishes, then the summary; Airflow's log in a file.
    lines = proc.stdout.splitlines()
    assert len(lines) <= 45, proc.stdout
    for task_id in tasks:
        assert any(line.split()[:2] == [task_id, "success"] for line in lines if line.strip()), (task_id, proc.stdout)
    assert "30 checks: 29 PASS, 1 WARN" in proc.stdout
    [log] = (data / "airflow" / "logs").glob("opcc-run-*.log")
    assert str(log) in proc.stdout and "[DAG TEST] end task task_id=finish" in log.read_text()


def test_demo_checks_all_pass_but_the_pcc_pot_warning(demo_run) -> None:
    data, _ = demo_run
    [run_dir] = run_record.run_folders(data / "reports")
    checks = run_record.read_checks(run_dir)
    assert len(checks) >= 20
    not_passing = [(c["id"], c["status"], c["difference"]) for c in checks if c["status"] != "PASS"]
    assert not_passing == [("commitments.allocation_within_tolerance", "WARN", "11000.00")]
    # Freshness: the demo's files land as it runs, and its ledger has lines in all 36 months of its three years.
    fresh = {c["id"]: (c["status"], c["compared_rows"]) for c in checks if c["id"].startswith("freshness.")}
    assert fresh == {"freshness.feeds_on_time": ("PASS", 6), "freshness.ledger_months_closed": ("PASS", 36)}
    html = (data / "reports" / "index.html").read_text()
    assert "127,000" in html and "11,000" in html and "PUBLISHED" in html


def test_budget_monitoring_covers_every_fund_month_and_year(demo_run, marts) -> None:
    data, _ = demo_run
    grid = marts.execute("""SELECT financial_year, count(DISTINCT fund_code), count(DISTINCT month_end), count(*)
                            FROM marts.budget_monitoring GROUP BY 1 ORDER BY 1""").fetchall()
    funds = marts.execute("SELECT count(*) FROM marts.dim_funds WHERE fund_code <> 'UNMAPPED'").fetchone()[0]
    assert grid == [(year, funds, 12, funds * 12) for year in ("2018/19", "2019/20", "2020/21")]
    # 2019/20 is over at 31 March 2020: every fund's forecast outturn is its actual, and the actual is the ledger's.
    year_end = marts.execute("""SELECT m.fund_code, m.forecast_outturn, m.actual_to_date, f.actual
                                FROM marts.budget_monitoring AS m
                                JOIN marts.fund_position AS f USING (financial_year, fund_code)
                                WHERE m.financial_year = '2019/20' AND m.month_end = DATE '2020-03-31'""").fetchall()
    assert len(year_end) == funds and all(fo == act == ledger for _, fo, act, ledger in year_end)
    # The demo's revisions: £25,000 moved from CSF to LIF in October 2019; £211,000 carried forward to WELL.
    lif = marts.execute("""SELECT virements, revised_budget, forecast_variance FROM marts.budget_monitoring
                           WHERE fund_code = 'LIF' AND month_end IN (DATE '2019-06-30', DATE '2019-10-31')
                           ORDER BY month_end""").fetchall()
    assert lif == [(Decimal("0.00"), Decimal("650000.00"), Decimal("-51000.00")),
                   (Decimal("25000.00"), Decimal("675000.00"), lif[1][2])]
    [run_dir] = run_record.run_folders(data / "reports")
    pages = sorted(p.name for p in run_dir.glob("budget-monitoring-*.html"))
    assert pages == sorted(f"budget-monitoring-{y}-Q{q}.html" for y in ("2018-19", "2019-20", "2020-21")
                           for q in (1, 2, 3, 4))
    q1 = (run_dir / "budget-monitoring-2019-20-Q1.html").read_text()
    assert "Local Innovation Fund forecast £51,000 over budget: planned projects exceed the budget." in q1
    assert 'id="monitoring"' in (data / "reports" / "index.html").read_text()


def test_run_makes_no_network_connection(demo_run) -> None:
    data, proc = demo_run
    assert proc.returncode == 0
    log = data.parent / "network.log"
    assert not log.exists() or log.read_text() == ""


def test_committed_and_planned_by_fund_match_the_report(marts) -> None:
    committed = by(marts, """SELECT fund_code, committed FROM marts.fund_position
                             WHERE financial_year = ? AND scheme = 'Priority Commissioning'""", FY)
    assert committed == {"CSF": Decimal("810000.00"), "LIF": Decimal("178000.00"),
                         "VCF": Decimal("745000.00"), "VFCSA": Decimal("0.00")}
    planned = by(marts, """SELECT fund_code, planned FROM marts.fund_position
                           WHERE financial_year = ? AND scheme = 'Priority Commissioning'""", FY)
    assert planned == {"CSF": Decimal("0.00"), "LIF": Decimal("523000.00"),
                       "VCF": Decimal("0.00"), "VFCSA": Decimal("28000.00")}
    counts = by(marts, """SELECT status, count(*), sum(value) FROM marts.commitments
                          WHERE financial_year = ? GROUP BY status""", FY)
    assert counts == {"committed": (23, Decimal("1733000.00")), "planned": (12, Decimal("551000.00"))}


def test_budget_and_headroom_match_the_report(marts) -> None:
    rows = by(marts, """SELECT funding_source_code, budget, headroom FROM marts.funding_source_position
                        WHERE financial_year = ? AND (budget <> 0 OR committed <> 0 OR planned <> 0)""", FY)
    assert rows == {"PCC": (Decimal("1500000.00"), Decimal("-11000.00")),
                    "MOJ": (Decimal("900000.00"), Decimal("127000.00"))}
    ring_fenced = marts.execute("""SELECT sum(budget) FROM marts.funding_source_position
                                   WHERE financial_year = ? AND ring_fenced""", [FY]).fetchone()[0]
    assert ring_fenced == Decimal("900000.00")
    total, headroom = marts.execute("""SELECT sum(budget), sum(headroom) FROM marts.funding_source_position
                                       WHERE financial_year = ?""", [FY]).fetchone()
    assert (total, headroom) == (Decimal("2400000.00"), Decimal("116000.00"))


def test_pillars_sum_to_committed_plus_planned(marts) -> None:
    total, share = marts.execute("""SELECT sum(total), sum(share_of_total) FROM marts.pillar_spend
                                    WHERE financial_year = ?""", [FY]).fetchone()
    assert total == Decimal("2284000.00")
    assert abs(share - 1) <= Decimal("0.00001")
    assert marts.execute("SELECT count(*) FROM marts.pillar_spend WHERE financial_year = ?", [FY]).fetchone()[0] == 4


def test_money_is_decimal_in_every_mart(marts) -> None:
    types = marts.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
                             WHERE table_schema = 'marts' AND data_type IN ('DOUBLE', 'FLOAT', 'REAL')""").fetchall()
    assert types == []


@pytest.mark.parametrize("mart", ["fund_position", "funding_source_position", "commitments", "pillar_spend",
                                  "community_grant_fund", "budget_vs_actual", "spend_transactions"])
def test_every_mart_has_several_years(marts, mart: str) -> None:
    years = {r[0] for r in marts.execute(f"SELECT DISTINCT financial_year FROM marts.{mart}").fetchall()}
    assert {"2018/19", "2019/20", "2020/21"} <= years


def test_recommissioning_flags_victims_then_sarc(marts) -> None:
    due = marts.execute("""SELECT financial_year, provider FROM marts.commitments
                           WHERE recommissioning_due AND (provider ILIKE '%victim support%' OR provider ILIKE '%G4S%')
                           ORDER BY 1""").fetchall()
    assert [(y, "G4S" if "G4S" in p else "Victim Support") for y, p in due] == [
        ("2019/20", "Victim Support"), ("2020/21", "G4S")]


def test_budget_vs_actual_equals_loaded_transactions_to_the_penny(marts) -> None:
    actual = marts.execute("SELECT sum(actual) FROM marts.budget_vs_actual").fetchone()[0]
    loaded = marts.execute("""SELECT sum(loaded_amount) FROM marts.load_audit
                              WHERE feed = 'transactions' AND status = 'loaded'""").fetchone()[0]
    assert actual == loaded
    per_year = marts.execute("""SELECT b.financial_year, b.actual, s.amount FROM
        (SELECT financial_year, sum(actual) AS actual FROM marts.budget_vs_actual GROUP BY 1) b
        JOIN (SELECT financial_year, sum(amount) AS amount FROM marts.spend_transactions GROUP BY 1) s
        USING (financial_year)""").fetchall()
    assert len(per_year) >= 3 and all(a == b for _, a, b in per_year)


def test_parquet_exports_match_marts(demo_run, marts) -> None:
    data, _ = demo_run
    names = marts.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()
    for (name,) in names:
        parquet = data / "marts" / (f"{name}/*.parquet" if name in BY_SOURCE_FILE else f"{name}.parquet")
        diff = marts.execute(f"""SELECT count(*) FROM (
            (SELECT * FROM marts."{name}" EXCEPT ALL SELECT * FROM read_parquet('{parquet}'))
            UNION ALL
            (SELECT * FROM read_parquet('{parquet}') EXCEPT ALL SELECT * FROM marts."{name}"))""").fetchone()[0]
        assert diff == 0, name


def test_demo_contracts_register_and_grant_conditions_are_published(demo_run, marts) -> None:
    """The demo's contracts register: split at £10,000, the extract's document links, totals as committed; grant
    agreements publish their own conditions, else the grant_conditions setting."""
    import csv
    import io

    from opcc.config import Settings

    data, _ = demo_run
    root = data / "publications"

    def rows(path: Path) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))

    spend_months = {p.name for p in (root / "spend-over-500").iterdir()}
    assert spend_months <= {p.name for p in (root / "contracts").iterdir()}
    october = {r["Reference"]: r for r in rows(root / "contracts" / "2019-10" / "contracts-2019-10-v1.csv")}
    assert october["DOR-C-0101"]["Register"] == "Contract over £10,000"
    assert october["DOR-C-0101"]["Contract Document"] == "https://www.dorset.pcc.police.uk/media/contracts/dor-c-0101.pdf"
    assert october["DOR-C-0101"]["Contracting Body"] == "Police and Crime Commissioner for Dorset"
    committed = by(marts, """SELECT commitment_id, sum(value) FROM marts.commitments WHERE status = 'committed'
                             GROUP BY commitment_id HAVING min(start_date) <= DATE '2019-10-31'
                                AND max(end_date) >= DATE '2019-10-01'""")
    assert set(october) == set(committed)
    assert sum(Decimal(r["Contract Value"]) for r in october.values()) == sum(committed.values())
    april_2019 = {g["Reference"]: g["Conditions"] for g in rows(root / "grants" / "2019-04" / "grants-2019-04-v1.csv")}
    assert april_2019["DOR-G-0107"] == Settings.model_fields["grant_conditions"].default
    april_2018 = {g["Reference"]: g["Conditions"] for g in rows(root / "grants" / "2018-04" / "grants-2018-04-v1.csv")}
    assert april_2018["DOR-G-0103"].startswith("Quarterly monitoring returns to the OPCC; compliance with")


def test_rerun_with_no_new_files_changes_no_figure(demo_run, marts) -> None:
    data, _ = demo_run
    before = marts.execute("SELECT sum(committed), sum(planned), sum(actual) FROM marts.fund_position").fetchone()
    # DuckDB caches an open database per path within a process: close it to see the new file.
    marts.close()
    assert opcc(data, "demo").returncode == 0  # the same extracts land again
    # ... with an HTML page saved as .csv among them: rejected, and the night carries on.
    (data / "landing" / "transactions" / "spend-2020-04.csv").write_text(
        "<!DOCTYPE html><html><body>Your session has expired</body></html>\n")
    # ... and a ledger line with an amount beyond DECIMAL(18,2), which once crashed the night: quarantined.
    (data / "landing" / "transactions" / "spend-2020-05.csv").write_text(
        "Date,Supplier,Amount\n05/05/2020,Overflow Ltd,99999999999999999999.99\n")
    proc = opcc(data, "run")
    assert proc.returncode == 0, proc.stdout[-3000:]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    after = con.execute("SELECT sum(committed), sum(planned), sum(actual) FROM marts.fund_position").fetchone()
    statuses = dict(con.execute("SELECT status, count(*) FROM marts.load_audit GROUP BY 1").fetchall())
    [overflow] = con.execute("""SELECT reason FROM marts.quarantined_rows
                                WHERE file_name = 'spend-2020-05.csv' AND line_number = 2""").fetchall()
    con.close()
    assert after == before
    assert statuses == {"loaded": 27, "duplicate": 26, "rejected": 1}
    assert "99999999999999999999.99" in overflow[0] and "not an amount" in overflow[0]
    html = (data / "reports" / "index.html").read_text()
    assert "spend-2020-04.csv" in html and "HTML" in html
    assert list((data / "quarantine" / "transactions").glob("*-spend-2020-04.csv"))


def test_changed_contract_value_keeps_its_previous_snapshot_version(demo_run) -> None:
    data, _ = demo_run
    name = "dorset-opcc-commitments-register.csv"
    text = (Path(__file__).parents[2] / "seeds" / "demo" / "commitments" / name).read_text()
    assert ",31/10/2019,504000.00" in text  # Victim Support's contract
    (data / "landing" / "commitments" / name).write_text(text.replace(",31/10/2019,504000.00", ",31/10/2019,516000.00"))
    proc = opcc(data, "run")
    assert proc.returncode == 0, proc.stdout[-3000:]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    versions = con.execute("""SELECT annual_value, dbt_valid_to IS NULL FROM snapshots.commitments_snapshot
                              WHERE commitment_id = 'DOR-C-0101' ORDER BY dbt_valid_from""").fetchall()
    superseded = con.execute("SELECT count(*) FROM marts.load_audit WHERE status = 'superseded'").fetchone()[0]
    con.close()
    assert versions == [(Decimal("504000.00"), False), (Decimal("516000.00"), True)]
    assert superseded == 1


def test_budget_short_by_10k_fails_and_is_not_published(demo_run) -> None:
    data, _ = demo_run
    warehouse = data / "warehouse.duckdb"
    digest = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    name = "dorset-opcc-priority-commissioning-budget-2019-20.csv"
    lines = (Path(__file__).parents[2] / "seeds" / "demo" / "budgets" / name).read_text().splitlines()
    # A corrected re-send of the 2019/20 budget with one PCC line £10,000 lower.
    for i, line in enumerate(lines[1:], start=1):
        if ",PCC," in line:
            amount = Decimal(line.rsplit(",", 1)[1])
            lines[i] = line.rsplit(",", 1)[0] + f",{amount - 10000:.2f}"
            break
    (data / "landing" / "budgets" / name).write_text("\n".join(lines) + "\n")
    (data / "opcc.toml").write_text('alert_email = "treasurer@opcc.test"\n')
    with SmtpSink() as smtp:
        proc = opcc(data, "run", AIRFLOW__SMTP__SMTP_HOST="127.0.0.1", AIRFLOW__SMTP__SMTP_PORT=str(smtp.port))
    assert proc.returncode != 0
    assert "why:       not published: budget.priority_commissioning_total failed" in proc.stdout
    # The failing task is named, on its own line and in the summary with the full log's path.
    assert any(line.split()[:2] == ["publish", "failed"] for line in proc.stdout.splitlines() if line.strip())
    newest_log = max((data / "airflow" / "logs").glob("opcc-run-*.log"))
    assert f"failed:    publish, finish; the full log: {newest_log}" in proc.stdout
    [mail] = smtp.messages
    assert mail["To"] == "treasurer@opcc.test"
    body = mail.get_payload(decode=True).decode()
    assert "budget.priority_commissioning_total" in body and "-10000.00" in body
    assert str(data / "reports") in body
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == digest
    # Every run of the day keeps its report, and the history lists each one.
    history = (data / "reports" / "history.html").read_text()
    for run_dir in run_record.run_folders(data / "reports"):
        assert (run_dir / "index.html").exists() and f'href="{run_dir.name}/index.html"' in history
    checks = run_record.read_checks(run_record.latest_run(data / "reports"))
    failed = [c for c in checks if c["status"] == "FAIL"]
    assert failed and all("budget" in c["id"] for c in failed)
    assert any(Decimal(c["difference"]).copy_abs() == Decimal("10000") for c in failed)
    html = (data / "reports" / "index.html").read_text()
    assert "10,000" in html and "NOT PUBLISHED" in html.upper()


def test_netguard_would_catch_a_lookup(tmp_path: Path) -> None:
    """The offline check above can fail: a process that looks up a public host is logged."""
    log = tmp_path / "network.log"
    env = {**os.environ, "OPCC_NETGUARD_LOG": str(log), "PYTHONPATH": str(NETGUARD)}
    lookup = "import socket\ntry: socket.getaddrinfo('example.com', 443)\nexcept OSError: pass"
    subprocess.run([sys.executable, "-c", lookup], env=env, check=True)
    assert "example.com" in log.read_text()
