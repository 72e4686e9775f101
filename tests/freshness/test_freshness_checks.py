"""The freshness checks on raw + build databases that ingestion and dbt made from crafted extracts
(tests/audit/audit_fixture.py: ledger lines in April and May 2019 only, budgets for 2018/19 to 2020/21), with the
night's date ("today") set in the run's run.json and when each file came set in raw."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from audit_fixture import build_fixture
from smtp_sink import SmtpSink

from opcc import pipeline, run_record
from opcc.audit import run_audit
from opcc.cadence import parse_cadence
from opcc.config import FEEDS
from opcc.freshness.due_dates import LONDON
from opcc.freshness.messages import FEEDS_CHECK, MONTHS_CHECK, freshness_lines
from opcc.report.sections import checks as checks_section

# Every file came on Friday 20 November 2026 at 10:00 UTC.
ARRIVED = ["UPDATE main.files SET received_at = TIMESTAMP '2026-11-20 10:00:00'"]


def night(tmp_path, today: dt.date, raw_sql=ARRIVED):
    """The audit of a night run at 02:00 London on `today` (the run's folder under reports/, as `start` makes it)."""
    fx = build_fixture(tmp_path, raw_sql=raw_sql)
    run_dir = Path(pipeline.start(fx.settings, f"scheduled__{today}", dt.datetime.combine(today, dt.time(2), LONDON)))
    checks = {c["id"]: c for c in run_audit(fx.settings, fx.build_db, run_dir)}
    return replace(fx, run_dir=run_dir), checks


def test_a_ledger_overdue_past_its_cadence_warns_naming_the_feed_and_its_last_file(tmp_path):
    overdue_ledger_night(tmp_path)


def overdue_ledger_night(tmp_path):
    # Tuesday 1 December: Monday 30 November's ledger should have come, and nothing has since Friday 20th.
    fx, checks = night(tmp_path, dt.date(2026, 12, 1))
    feeds = checks[FEEDS_CHECK]
    assert (feeds["status"], feeds["failing_rows_count"]) == ("WARN", 1)
    [row] = feeds["failing_rows"]
    assert (row["feed"], row["cadence"], row["due_on"], row["last_file"], row["last_received_utc"]) == (
        "transactions", "every working day", "2026-11-30", "spend-2019-05.csv", "2026-11-20T10:00:00")
    # The monthly feeds (due by working day 10: 13 November) and the budget (1 April) are on time.
    assert {r["feed"]: r["ok"] for r in feeds["compared"]} == {
        "transactions": "false", "budgets": "true", "commitments": "true", "planned_projects": "true",
        "ppa_receipts": "true", "grant_awards": "true"}
    assert freshness_lines(list(checks.values()))[0] == (
        "Feed transactions is overdue: expected every working day, due by Mon 30 Nov 2026; its last file, "
        "spend-2019-05.csv, came on Fri 20 Nov 2026 10:00.")
    # The run record and the failing rows' CSV say it too.
    recorded = {c["id"]: c["status"] for c in run_record.read_checks(fx.run_dir)}
    assert recorded[FEEDS_CHECK] == "WARN"
    assert "spend-2019-05.csv" in (fx.run_dir / "failures" / f"{FEEDS_CHECK}.csv").read_text()
    return fx


def test_an_overdue_ledger_is_on_the_reports_first_screen_and_in_the_alert(tmp_path, monkeypatch):
    fx = overdue_ledger_night(tmp_path)
    settings = fx.settings.model_copy(update={"alert_email": "treasurer@opcc.test"})
    for feed in FEEDS:  # no new file tonight
        run_record.append_ingest(fx.run_dir, feed, [])
    run_record.write_dbt(fx.run_dir, run_record.DbtOutcome(ok=True, message="dbt build: passed", failed_nodes=[]))
    run_record.write_publish(fx.run_dir, run_record.PublishOutcome(True, "published", str(settings.warehouse_db)))
    line = ("Feed transactions is overdue: expected every working day, due by Mon 30 Nov 2026; its last file, "
            "spend-2019-05.csv, came on Fri 20 Nov 2026 10:00.")

    html = Path(pipeline.report(settings, str(fx.run_dir))).read_text(encoding="utf-8")
    banner = html[html.index('id="status"'):html.index('id="files"')]
    assert line in banner and "PUBLISHED" in banner
    files = html[html.index('id="files"'):html.index('id="build"')]
    assert ("No new file arrived. Its last file, spend-2019-05.csv, came on Fri 20 Nov 2026 10:00 (expected every "
            "working day). It is overdue.") in files
    on_time = (r"No new file arrived. Its last file, budget-[^,]+, came on Fri 20 Nov 2026 10:00 "
               r"\(expected yearly by working day 1 of April\).</p>")
    assert re.search(on_time, files)  # on time: nothing more said
    checks = html[html.index('id="checks"'):]
    assert "freshness.feeds_on_time" in checks and "1 failing row" in checks

    with SmtpSink() as smtp:
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_PORT", str(smtp.port))
        pipeline.finish(settings, str(fx.run_dir))  # published: a WARN does not fail the night
    [mail] = smtp.messages
    assert (mail["Subject"], mail["To"]) == ("OPCC warehouse: a feed is overdue", "treasurer@opcc.test")
    body = mail.get_payload(decode=True).decode("utf-8")
    assert f"- {line}" in body and str(fx.run_dir) in body

    # A night that did not publish says why, and lists the overdue feed too.
    run_record.write_publish(fx.run_dir, run_record.PublishOutcome(False, "not published: the disk was full"))
    with SmtpSink() as smtp:
        monkeypatch.setenv("AIRFLOW__SMTP__SMTP_PORT", str(smtp.port))
        with pytest.raises(pipeline.StepFailed):
            pipeline.finish(settings, str(fx.run_dir))
    [mail] = smtp.messages
    assert mail["Subject"] == "OPCC warehouse: last night's run did not publish"
    body = mail.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    assert "Why: not published: the disk was full" in body and f"Overdue:\n- {line}" in body


def test_a_feed_within_its_cadence_passes(tmp_path):
    # Monday 23 November: Friday 20th's ledger came on Friday 20th.
    fx, checks = night(tmp_path, dt.date(2026, 11, 23))
    assert checks[FEEDS_CHECK]["status"] == "PASS"
    assert checks[FEEDS_CHECK]["compared_rows"] == 6
    # The report's row of the check still lists every feed's last file and when it came.
    [row] = [r for r in checks_section.check_rows(run_record.read(fx.run_dir)) if r.check_id == FEEDS_CHECK]
    assert row.compared_summary == "What was compared (6 rows)"
    assert ["transactions", "every working day", "2026-11-20", "spend-2019-05.csv", "2026-11-20T10:00:00"] == [
        c.text for c in row.compared_table.rows[-1].cells[:5]]


def test_a_feed_that_never_came_warns_and_one_not_expected_does_not(tmp_path):
    fx, checks = night(tmp_path, dt.date(2026, 11, 23),
                       raw_sql=[*ARRIVED, "DELETE FROM main.files WHERE feed = 'grant_awards'"])
    [row] = checks[FEEDS_CHECK]["failing_rows"]
    assert (row["feed"], row["last_file"]) == ("grant_awards", None)
    assert "Feed grant_awards is overdue: expected monthly by working day 10, due by Fri 13 Nov 2026; no file of it " \
           "has ever loaded." in freshness_lines(list(checks.values()))


def test_a_ledger_month_with_no_lines_warns_once_it_should_have_closed(tmp_path):
    # June 2019 has no ledger line. It closes on working day 10 of July 2019: Friday 12 July.
    _, on_closing_day = night(tmp_path / "a", dt.date(2019, 7, 12))
    assert on_closing_day[MONTHS_CHECK]["status"] == "PASS"
    assert [(r["month"], r["ledger_lines"]) for r in on_closing_day[MONTHS_CHECK]["compared"]] == [
        ("2019-04-01", "3"), ("2019-05-01", "2")]
    _, after = night(tmp_path / "b", dt.date(2019, 7, 13))
    months = after[MONTHS_CHECK]
    assert (months["status"], months["failing_rows_count"]) == ("WARN", 1)
    assert months["failing_rows"] == [{"financial_year": "2019/20", "month": "2019-06-01", "ledger_lines": "0"}]
    assert "The ledger has no lines for 1 month that should have closed: June 2019." in freshness_lines(
        list(after.values()))


def test_closed_months_cover_the_years_with_a_budget_or_ledger_lines(tmp_path):
    # On 1 December 2026 October 2026 has closed: every month from June 2019 to March 2021 (the fixture's
    # budget years) is a gap; 2021/22 onwards has neither budget nor ledger, so is not looked at.
    _, checks = night(tmp_path, dt.date(2026, 12, 1))
    months = checks[MONTHS_CHECK]
    assert (months["status"], months["failing_rows_count"]) == ("WARN", 22)
    assert months["failing_rows"][0]["month"] == "2019-06-01"
    line = [x for x in freshness_lines(list(checks.values())) if x.startswith("The ledger")]
    assert line == ["The ledger has no lines for 22 months that should have closed: June 2019, July 2019, "
                    "August 2019, September 2019, October 2019, November 2019 and 16 more."]


def test_a_feed_not_expected_is_never_overdue(tmp_path):
    fx = build_fixture(tmp_path, raw_sql=ARRIVED)
    settings = fx.settings.model_copy(
        update={"cadence": {**fx.settings.cadence, "transactions": parse_cadence("not expected")}})
    run_record.write_run(fx.run_dir, run_record.RunStarted("test", "2026-12-01", "2026-01-01T00:00:00+00:00"))
    checks = {c["id"]: c for c in run_audit(settings, fx.build_db, fx.run_dir)}
    assert checks[FEEDS_CHECK]["status"] == "PASS"
    assert {r["feed"]: r["due_on"] for r in checks[FEEDS_CHECK]["compared"]}["transactions"] is None
