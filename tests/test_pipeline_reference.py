"""The night's first step checks the reference data: a failing reference is recorded with its problems, fails
its task, and the build then refuses (dbt never starts), so nothing can be published; the report and the run's
`why` say which file and row to fix. A passing one is written where dbt seeds it from, with its version."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from opcc import pipeline, run_outcome, run_record
from opcc.datadir import DEMO_REFERENCE, demo_settings
from opcc.report import write_report

PROBLEM = ("fund_mapping_rules.csv row 9, column fund_code = 'YOUTH': expected a fund_code of funds (funds.csv): "
           "CGS, CSF, INNOV, LIF, VCF, VFCSA, WELL")


def test_a_failing_reference_stops_the_build_and_says_which_row_to_fix(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path / "data")
    shutil.copytree(DEMO_REFERENCE, settings.reference_dir)
    with (settings.reference_dir / "fund_mapping_rules.csv").open("a", encoding="utf-8") as fh:
        fh.write("OPCC Commissioning - Youth,,,,,,YOUTH,2012-11-22,,\n")
    run_dir = pipeline.start(settings, "manual__broken", dt.datetime(2026, 12, 7, 2, tzinfo=dt.UTC))
    with pytest.raises(pipeline.StepFailed, match="the reference data has 1 problem"):
        pipeline.check_reference(settings, run_dir)
    with pytest.raises(pipeline.StepFailed, match="fund_mapping_rules.csv row 9"):
        pipeline.build(settings, run_dir)  # refuses: dbt is never started
    assert run_record.read_dbt(Path(run_dir)) is None and not settings.builds_dir.exists()

    record = run_record.read(Path(run_dir))
    assert record.reference is not None and record.reference["problems"] == [PROBLEM]
    outcome = run_outcome.explain(record)
    assert outcome.headline == "FAILED at step: reference data" and not outcome.published
    assert outcome.why == (f"not published: the reference data has 1 problem(s) to fix in {settings.reference_dir}: "
                           f"{PROBLEM} (`opcc check-reference` lists them all)")
    html = write_report(settings, Path(run_dir), None).read_text(encoding="utf-8")
    assert PROBLEM.replace("'", "&#39;") in html and "FAILED at step: reference data" in html


def test_a_passing_reference_is_seeded_and_its_version_recorded_and_shown(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path / "data")
    shutil.copytree(DEMO_REFERENCE, settings.reference_dir)
    first = pipeline.start(settings, "manual__1", dt.datetime(2026, 12, 6, 2, tzinfo=dt.UTC))
    assert pipeline.check_reference(settings, first).endswith(", changed")
    seeded = settings.reference_seeds_dir
    assert (seeded / "funds.csv").read_text(encoding="utf-8") == (DEMO_REFERENCE / "funds.csv").read_text("utf-8")
    assert (seeded / "_reference.yml").exists()

    text = (settings.reference_dir / "funds.csv").read_text(encoding="utf-8")
    (settings.reference_dir / "funds.csv").write_text(text.replace("Wellbeing Fund,Wellbeing Fund,PCC",
                                                                   "Wellbeing Fund,Wellbeing Fund,RESERVES"))
    second = pipeline.start(settings, "manual__2", dt.datetime(2026, 12, 7, 2, tzinfo=dt.UTC))
    pipeline.check_reference(settings, second)
    reference = run_record.read(Path(second)).reference
    assert reference is not None and reference["changed"] and reference["previous"] is not None
    assert "WELL,Wellbeing Fund,Wellbeing Fund,RESERVES" in (seeded / "funds.csv").read_text(encoding="utf-8")
    html = write_report(settings, Path(second), None).read_text(encoding="utf-8")
    assert "Reference data CHANGED since the last night" in html
    assert "funds: 1 row changed (WELL: funding_source_code &#39;PCC&#39; -&gt; &#39;RESERVES&#39;)" in html


def test_a_reference_edited_after_the_nights_check_is_not_built(tmp_path: Path) -> None:
    """The run record names the version the night used: a reference saved again between the check and the build
    stops the build rather than building figures on a version nobody checked or recorded."""
    settings = demo_settings(tmp_path / "data")
    shutil.copytree(DEMO_REFERENCE, settings.reference_dir)
    run_dir = pipeline.start(settings, "manual__edited", dt.datetime(2026, 12, 7, 2, tzinfo=dt.UTC))
    pipeline.check_reference(settings, run_dir)
    with (settings.reference_dir / "payees.csv").open("a", encoding="utf-8") as fh:
        fh.write("Jane Example,individual,,true,\n")
    with pytest.raises(pipeline.StepFailed, match="the reference data changed after this night's check"):
        pipeline.build(settings, run_dir)
    assert run_record.read_dbt(Path(run_dir)) is None
