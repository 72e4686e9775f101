"""Reference history: each night records the reference version it used, since when, and what changed since the
last night (rows added, removed and changed, named by their key)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from opcc.cli import main
from opcc.config import load_settings
from opcc.datadir import DEMO_REFERENCE
from opcc.reference import history
from opcc.reference.checks import check_folder

NIGHT_1, NIGHT_2 = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC)


def test_a_version_is_recorded_then_kept_until_the_reference_changes(tmp_path: Path) -> None:
    folder, kept = Path(shutil.copytree(DEMO_REFERENCE, tmp_path / "reference")), tmp_path / "history"
    first = history.record(kept, check_folder(folder), "2026-12-01", NIGHT_1)
    assert first["previous"] is None and first["changed"] and first["since"] == "2026-12-01T02:00:00+00:00"
    again = history.record(kept, check_folder(folder), "2026-12-02", NIGHT_2)
    assert again == {"version": first["version"], "since": first["since"], "previous": first["version"],
                     "changed": False, "changes": []}

    # Finance re-maps a cost centre, adds a fund and removes a payee.
    text = (folder / "fund_mapping_rules.csv").read_text(encoding="utf-8")
    (folder / "fund_mapping_rules.csv").write_text(text.replace("OPCC Wellbeing Fund,,,,,,WELL",
                                                                "OPCC Wellbeing Fund,,,,,,CSF"))
    with (folder / "funds.csv").open("a", encoding="utf-8") as fh:
        fh.write("YOUTH,Youth Fund,Priority Commissioning,PCC,DORSET_PCC,false,\n")
    lines = (folder / "payees.csv").read_text(encoding="utf-8").splitlines()
    (folder / "payees.csv").write_text("\n".join(line for line in lines if not line.startswith("Victim Support"))
                                       + "\n", encoding="utf-8")
    changed = history.record(kept, check_folder(folder), "2026-12-03", NIGHT_2 + dt.timedelta(days=1))
    assert changed["changed"] and changed["previous"] == first["version"] != changed["version"]
    assert changed["since"] == "2026-12-03T02:00:00+00:00"
    assert [history.describe_change(c) for c in changed["changes"]] == [
        "funds: 1 row added (YOUTH)",
        "fund_mapping_rules: 1 row changed (OPCC Wellbeing Fund / 2012-11-22: fund_code 'WELL' -> 'CSF')",
        "payees: 1 row removed (Victim Support)"]
    # Every version a night used is kept whole, so a past month's figures can be explained.
    assert [e["version"] for e in history.log(kept)] == [first["version"], changed["version"]]
    old = history.used_by(kept, first["version"])
    assert old is not None and any(r["expense_area"] == "OPCC Wellbeing Fund" and r["fund_code"] == "WELL"
                               for r in old["fund_mapping_rules"])


def test_row_order_is_not_a_change(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(DEMO_REFERENCE, tmp_path / "reference"))
    before = history.version_of(history.snapshot(check_folder(folder)))
    header, *rows = (folder / "funds.csv").read_text(encoding="utf-8").splitlines()
    (folder / "funds.csv").write_text("\n".join([header, *reversed(rows)]) + "\n", encoding="utf-8")
    assert history.version_of(history.snapshot(check_folder(folder))) == before


def test_a_failing_reference_is_compared_but_never_becomes_the_version_in_use(tmp_path: Path) -> None:
    folder, kept = Path(shutil.copytree(DEMO_REFERENCE, tmp_path / "reference")), tmp_path / "history"
    good = history.record(kept, check_folder(folder), "2026-12-01", NIGHT_1)
    with (folder / "fund_mapping_rules.csv").open("a", encoding="utf-8") as fh:
        fh.write("OPCC Youth,,,,,,YOUTH,2012-11-22,,\n")
    bad = check_folder(folder)
    assert not bad.ok
    seen = history.record(kept, bad, "2026-12-02", NIGHT_2)
    assert seen["changed"] and seen["since"] is None
    assert [history.describe_change(c) for c in seen["changes"]] == [
        "fund_mapping_rules: 1 row added (OPCC Youth / 2012-11-22)"]
    assert [e["version"] for e in history.log(kept)] == [good["version"]]


def test_check_reference_says_what_changed_since_the_version_in_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert main(["init", "--demo", str(data)]) == 0
    settings = load_settings(data)
    history.record(settings.reference_history_dir, check_folder(settings.reference_dir), "2026-12-01", NIGHT_1)
    text = (settings.reference_dir / "fund_mapping_rules.csv").read_text(encoding="utf-8")
    (settings.reference_dir / "fund_mapping_rules.csv").write_text(text.replace("OPCC Wellbeing Fund,,,,,,WELL",
                                                                                "OPCC Wellbeing Fund,,,,,,CSF"))
    capsys.readouterr()
    assert main(["--data-dir", str(data), "check-reference"]) == 0
    version = history.log(settings.reference_history_dir)[-1]["version"]
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"changed since the version in use ({version}):",
        "  fund_mapping_rules: 1 row changed (OPCC Wellbeing Fund / 2012-11-22: fund_code 'WELL' -> 'CSF')"]
    assert len(history.log(settings.reference_history_dir)) == 1  # checking records nothing
