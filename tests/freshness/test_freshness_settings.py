"""opcc.toml's freshness settings: each feed's cadence (a phrase), when a ledger month closes, and the time a
night must be published by; defaults for a typical OPCC, mistakes named in one line like every other setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from opcc.config import FEEDS, SettingsError, load_settings


def settings_from(tmp_path: Path, text: str):
    (tmp_path / "opcc.toml").write_text(text)
    return load_settings(tmp_path)


def test_defaults_fit_a_typical_opcc(tmp_path: Path) -> None:
    s = load_settings(tmp_path)
    assert {f: c.text for f, c in s.cadence.items()} == {
        "transactions": "every working day", "budgets": "yearly by working day 1 of April",
        "commitments": "monthly by working day 10", "planned_projects": "monthly by working day 10",
        "ppa_receipts": "monthly by working day 10", "grant_awards": "monthly by working day 10"}
    assert set(s.cadence) == set(FEEDS)
    assert (s.ledger_month_closes_on_working_day, s.publish_by) == (10, "07:00")


def test_a_feed_set_in_opcc_toml_changes_only_that_feed(tmp_path: Path) -> None:
    s = settings_from(tmp_path, 'publish_by = "06:30"\nledger_month_closes_on_working_day = 5\n'
                                '[cadence]\nppa_receipts = "Monthly by working day 8"\ngrant_awards = "not expected"\n')
    assert s.cadence["ppa_receipts"].text == "monthly by working day 8"
    assert s.cadence["grant_awards"].text == "not expected"
    assert s.cadence["transactions"].text == "every working day"
    assert (s.ledger_month_closes_on_working_day, s.publish_by) == (5, "06:30")
    hash(s)  # settings key caches: still hashable


@pytest.mark.parametrize(("toml", "expected"), [
    ('[cadence]\ntransactions = "daily"\n',
     "cadence.transactions = 'daily': expected one of \"every working day\", \"monthly by working day N\""),
    ('[cadence]\nledger = "every working day"\n',
     "cadence.ledger = 'every working day': expected a known feed: transactions, budgets"),
    ('publish_by = "7am"\n', "publish_by = '7am': expected a time in quotes, 24-hour, like '07:00'"),
    ("ledger_month_closes_on_working_day = 0\n",
     "ledger_month_closes_on_working_day = 0: expected a whole number of working days, from 1 to 20"),
])
def test_a_mistake_is_named_in_one_line(tmp_path: Path, toml: str, expected: str) -> None:
    with pytest.raises(SettingsError) as err:
        settings_from(tmp_path, toml)
    assert str(err.value).startswith(f"{tmp_path / 'opcc.toml'}: {expected}")
    assert "\n" not in str(err.value)
