"""The line `opcc run` prints for each task as it finishes."""

from __future__ import annotations

import json
from pathlib import Path

from opcc.config import Settings
from opcc.run_progress import TaskLine, describe


def test_ingest_and_audit_say_what_they_did(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert describe(settings, "ingest_transactions", "success", {"loaded": 14}, {}) == "14 files: 14 loaded, 0 rejected"
    assert (describe(settings, "ingest_budgets", "success", {"loaded": 1, "duplicate": 2, "rejected": 1}, {})
            == "4 files: 1 loaded, 2 duplicate, 1 rejected")
    assert describe(settings, "ingest_budgets", "success", {}, {}) == "no new files"
    assert describe(settings, "audit", "success", {"PASS": 21, "WARN": 1}, {}) == "22 checks: 21 PASS, 1 WARN"


def test_the_build_counts_the_models_and_tests_dbt_ran(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    target = tmp_path / "dbt" / "target"
    target.mkdir(parents=True)
    nodes = {f"n{i}": {"resource_type": kind} for i, kind in enumerate(["model"] * 3 + ["test"] * 5 + ["seed"])}
    (target / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    build_db = str(tmp_path / "builds" / "nightly.duckdb")
    assert describe(settings, "build", "success", build_db, {}) == "3 models, 5 tests into builds/nightly.duckdb"


def test_a_task_that_did_not_run_says_why_and_lines_align(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    what = describe(settings, "publish", "upstream_failed", None, {})
    assert what == "not run: a task it needs failed"
    ran = str(TaskLine("audit", "success", 2.94, "22 checks: 21 PASS, 1 WARN"))
    skipped = str(TaskLine("publish", "upstream_failed", None, what))
    assert ran.startswith("audit ") and "  2.9 s  22 checks" in ran
    assert ran.index("22 checks") == skipped.index("not run")
