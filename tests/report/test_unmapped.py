"""The report's unmapped-spend section: spend no mapping rule matches, grouped by the value a rule needs, with
the line to paste into the mapping rules (on the audit tests' crafted night, built by real dbt)."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

from audit_fixture import build_fixture

from opcc.config import PROJECT_ROOT
from opcc.report import write_report
from opcc.report.sections.unmapped import RULE_COLUMNS, rule_line, section


def test_rule_columns_are_the_rules_files_header() -> None:
    with (PROJECT_ROOT / "seeds" / "reference" / "fund_mapping_rules.csv").open(encoding="utf-8", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == RULE_COLUMNS


def test_rule_line_is_a_csv_line_of_the_rules_file() -> None:
    assert rule_line("expense_area", "Estates") == "Estates,,,,,,FUND_CODE,,,"
    line = rule_line("expense_type", 'PCC Commissioning - "Public", Protection')
    assert line == ',"PCC Commissioning - ""Public"", Protection",,,,,FUND_CODE,,,'
    [parsed] = list(csv.DictReader([",".join(RULE_COLUMNS), line]))
    assert parsed["expense_type"] == 'PCC Commissioning - "Public", Protection' and parsed["fund_code"] == "FUND_CODE"


def test_groups_biggest_first_and_totals() -> None:
    s = section([{"rule_column": "expense_type", "rule_value": "Rent", "lines": 3, "amount": "-900.00",
                  "first_date": "2023-04-03", "last_date": "2023-06-01"},
                 {"rule_column": "supplier", "rule_value": "Acme", "lines": 1, "amount": "120.50",
                  "first_date": "2023-05-02", "last_date": "2023-05-02"}], [])
    assert [(g.label, g.value, g.lines, g.negative) for g in s.groups] == [
        ("Expense type", "Rent", "3", True), ("Supplier", "Acme", "1", False)]
    assert (s.lines, s.amount) == ("4", "\u2212£779.50")
    assert s.groups[1].rule == ",,,Acme,,,FUND_CODE,,,"


def test_lines_between_equally_specific_rules_are_listed() -> None:
    s = section([], [{"mapping_rule": "expense_type = Grants", "fund_code": "ALPHA", "lines": 2, "amount": "1500.00"}])
    assert s.groups == [] and (s.lines, s.amount) == ("0", "£0")
    assert [(a.rule, a.fund_code, a.lines, a.amount) for a in s.ambiguous] == [
        ("expense_type = Grants", "ALPHA", "2", "£1,500")]


def test_report_shows_unmapped_spend_with_the_rule_to_add(tmp_path: Path) -> None:
    """The crafted night's May credit note is on expense area `Estates`, which no rule maps (−£250)."""
    fx = build_fixture(tmp_path)
    run_dir = fx.settings.reports_dir / "2019-06-04"
    run_dir.mkdir(parents=True)
    (run_dir / "run.json").write_text(json.dumps({"run_id": "manual__2019-06-04", "run_date": "2019-06-04",
                                                  "started_at": "2019-06-04T02:00:00+00:00"}), encoding="utf-8")
    page = write_report(fx.settings, run_dir, fx.build_db).read_text(encoding="utf-8")
    unmapped = page[page.index('id="unmapped"'):]
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unmapped)))
    assert "1 ledger line matches no mapping rule (\u2212£250) and is counted under fund UNMAPPED" in text
    assert "Expense area (cost centre) Estates 1 \u2212£250 2019-05-11 2019-05-11 Estates,,,,,,FUND_CODE,,," in text
    assert "equally specific" not in text  # no ambiguous line
