"""The run record: each run keeps its own folder and report; a rerun on the same day erases nothing;
the newest run and the explanation of its outcome come from one place."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from opcc import pipeline, run_outcome, run_record
from opcc.config import FEEDS, Settings

NIGHT = dt.datetime(2019, 6, 4, 1, 0, tzinfo=dt.UTC)  # 02:00 in London
SRC = Path(__file__).parents[1] / "src" / "opcc"


def failed_night(settings: Settings, run_id: str, when: dt.datetime) -> Path:
    """A night whose build failed: nothing checked, nothing published."""
    run_dir = pipeline.start(settings, run_id, when)
    for feed in FEEDS:
        pipeline.ingest(settings, feed, run_dir)  # nothing in landing: each feed records no file
    run_record.write_dbt(Path(run_dir), run_record.DbtOutcome(ok=False, message="dbt build: 1 error",
                                                              failed_nodes=["model.opcc.fund_position"]))
    pipeline.report(settings, run_dir)  # publish does not run after a failed build
    return Path(run_dir)


def good_night(settings: Settings, run_id: str, when: dt.datetime) -> Path:
    """A rerun that passes its checks and publishes (recorded as the build, audit and publish steps do)."""
    run_dir = pipeline.start(settings, run_id, when)
    for feed in FEEDS:
        pipeline.ingest(settings, feed, run_dir)
    folder = Path(run_dir)
    (folder / "data_docs").mkdir()
    (folder / "data_docs" / "contents.html").write_text("<!doctype html><title>Data Docs</title>")
    run_record.write_dbt(folder, run_record.DbtOutcome(ok=True, message="dbt build: 313 passed", failed_nodes=[]))
    run_record.write_checks(folder, [{"id": "budget.priority_commissioning_total", "status": "PASS",
                                      "description": "Budget total", "expected": "2400000.00",
                                      "actual": "2400000.00", "difference": "0.00", "unit": "GBP"}])
    run_record.write_publish(folder, run_record.PublishOutcome(published=True, message="published",
                                                               warehouse=str(settings.warehouse_db)))
    pipeline.report(settings, run_dir)
    return folder


def test_a_rerun_on_the_same_day_keeps_both_reports(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = failed_night(settings, "scheduled__2019-06-04T01:00:00+00:00", NIGHT)
    with pytest.raises(pipeline.StepFailed) as failed:
        pipeline.finish(settings, str(first))
    assert str(failed.value) == "not published: the warehouse build failed: dbt build: 1 error"

    second = good_night(settings, "manual__2019-06-04T09:30:00+00:00", NIGHT + dt.timedelta(hours=8, minutes=30))
    pipeline.finish(settings, str(second))  # published: no failure

    reports = settings.reports_dir
    assert (first.name, second.name) == ("2019-06-04", "2019-06-04-2")
    assert run_record.run_folders(reports) == [first, second]
    assert run_record.latest_run(reports) == second
    # The failed night's report is still there, explaining its failure.
    first_page = (first / "index.html").read_text(encoding="utf-8")
    assert "FAILED at step: build (dbt)" in first_page and "model.opcc.fund_position" in first_page
    assert run_record.read_dbt(first).ok is False
    # The latest page is the rerun's, its links into the rerun's folder.
    latest = (reports / "index.html").read_text(encoding="utf-8")
    assert "<h2>PUBLISHED</h2>" in latest and "FAILED at step" not in latest
    assert 'href="2019-06-04-2/data_docs/contents.html"' in latest

    history = (reports / "history.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td><a href=\"([^\"]+)\">.*?</tr>", history, flags=re.S)
    assert rows == ["2019-06-04-2/index.html", "2019-06-04/index.html"]  # newest first
    for href in rows:
        assert (reports / href).exists()
    first_row, second_row = (re.search(rf'href="{re.escape(name)}/index.html".*?</tr>', history, flags=re.S).group(0)
                             for name in (first.name, second.name))
    assert "FAILED at step: build (dbt)" in first_row
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>", first_row)
    assert "PUBLISHED" in second_row and "1 pass, 0 warn, 0 fail" in second_row
    assert "manual__2019-06-04T09:30:00+00:00" in second_row


def test_a_retried_start_keeps_its_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    run_dir = pipeline.start(settings, "scheduled__1", NIGHT)
    pipeline.ingest(settings, "budgets", run_dir)
    assert pipeline.start(settings, "scheduled__1", NIGHT) == run_dir  # the task retried: same run
    assert run_record.read_ingest(Path(run_dir), "budgets") == []  # what it recorded stays
    assert pipeline.start(settings, "scheduled__2", NIGHT) != run_dir
    # Another night's run starts that night's folder.
    assert Path(pipeline.start(settings, "scheduled__3", NIGHT + dt.timedelta(days=1))).name == "2019-06-05"


def test_runs_sort_by_date_then_number(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    for n in range(1, 12):
        run_record.open_run(reports, f"run-{n}", dt.date(2019, 6, 4))
    run_record.open_run(reports, "next-day", dt.date(2019, 6, 5))
    (reports / "not-a-run").mkdir()
    names = [p.name for p in run_record.run_folders(reports)]
    assert names == ["2019-06-04"] + [f"2019-06-04-{n}" for n in range(2, 12)] + ["2019-06-05"]
    assert run_record.latest_run(reports).name == "2019-06-05"
    assert run_record.read_run(reports / "2019-06-04-10").run_id == "run-10"


def test_only_the_run_record_names_its_files() -> None:
    pattern = re.compile(r"\b(run|dbt|checks|publish)\.json\b|ingest-")
    owners = {SRC / "run_record.py"}
    offenders = [f"{p.relative_to(SRC)}:{i}" for p in sorted(SRC.rglob("*")) if p.is_file() and p not in owners
                 and p.suffix in (".py", ".html", ".j2", ".sql", ".toml")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_dbt_colour_codes_reach_no_record_why_line_report_or_alert(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """dbt colours its console; the line a failed build leaves (issue 22: `[31mFAIL 1[0m`) is plain text in the
    run record, `opcc run`'s why: line, the report and the alert."""
    from opcc import cli

    settings = Settings(data_dir=tmp_path / "data")
    run_dir = pipeline.start(settings, "manual__colour", NIGHT)
    coloured = ("dbt build failed (exit 1): \x1b[31mFAIL 1\x1b[0m not_null_int_budgets_resolved_fund_code | "
                "Done. PASS=3 WARN=0 \x1b[31mERROR=1\x1b[0m")
    run_record.write_dbt(Path(run_dir), run_record.DbtOutcome(ok=False, message=coloured, failed_nodes=[]))
    plain = ("not published: the warehouse build failed: dbt build failed (exit 1): FAIL 1 "
             "not_null_int_budgets_resolved_fund_code | Done. PASS=3 WARN=0 ERROR=1")
    assert "\x1b" not in (Path(run_dir) / run_record.DBT_FILE).read_text(encoding="utf-8")
    assert run_outcome.explain(run_record.read(Path(run_dir))).why == plain
    assert cli._why_not_published(settings) == plain
    html = Path(pipeline.report(settings, run_dir)).read_text(encoding="utf-8")
    assert "\x1b" not in html and "[31m" not in html and "FAIL 1" in html
    capsys.readouterr()
    with pytest.raises(pipeline.StepFailed) as failed:
        pipeline.finish(settings, run_dir)  # no alert_email: the alert is printed to the task's log
    assert str(failed.value) == plain
    assert "\x1b" not in capsys.readouterr().out


def test_a_record_written_with_colour_codes_reads_plain(tmp_path: Path) -> None:
    """A run folder an earlier version left, codes and all (their ESC already lost, as the issue shows them)."""
    folder = tmp_path / "2019-06-04"
    folder.mkdir()
    (folder / run_record.DBT_FILE).write_text(
        '{"ok": false, "message": "dbt build failed: [31mFAIL 1[0m x \\u001b[33mWARN 2\\u001b[0m", '
        '"failed_nodes": []}', encoding="utf-8")
    dbt = run_record.read_dbt(folder)
    assert dbt is not None and dbt.message == "dbt build failed: FAIL 1 x WARN 2"
