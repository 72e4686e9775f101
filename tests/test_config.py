"""opcc.toml is validated at start-up: a mistake stops the run with one line naming the file, the key,
the value and what was expected; a good file loads with the right types."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from pydantic import ValidationError

from opcc.config import Settings, SettingsError, duckdb_config, load_settings

GOOD = """\
over_allocation_tolerance = 0.10
recommissioning_window_months = 18
keep_versions = 3
duckdb_memory_limit = "512MB"
alert_email = "finance@opcc.example"

[mappings.transactions]
transaction_date = "Posting Dt"
amount = "Value GBP"
"""


def write(data: Path, text: str) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    (data / "opcc.toml").write_text(text)
    return data


def test_a_good_opcc_toml_loads_with_the_right_types(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, GOOD))
    assert s.data_dir == tmp_path.resolve()
    # TOML's float 0.10 becomes exactly 0.10, never 0.1000000000000000055511151231257827.
    assert type(s.over_allocation_tolerance) is Decimal and s.over_allocation_tolerance == Decimal("0.10")
    assert (s.recommissioning_window_months, s.keep_versions) == (18, 3)
    assert (s.duckdb_memory_limit, s.alert_email) == ("512MB", "finance@opcc.example")
    assert s.mappings == {"transactions": {"transaction_date": "Posting Dt", "amount": "Value GBP"}}
    assert s.raw_db == tmp_path.resolve() / "raw.duckdb"


def test_no_opcc_toml_gives_the_defaults(tmp_path: Path) -> None:
    s = load_settings(tmp_path)
    assert (s.over_allocation_tolerance, s.recommissioning_window_months, s.keep_versions) == (Decimal("0"), 12, 7)
    assert (s.mappings, s.alert_email, s.duckdb_memory_limit) == ({}, None, "1GB")


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('keep_versions = "7"', "keep_versions = '7': expected a whole number"),
        ("keep_versions = 0", "keep_versions = 0: expected a whole number, at least 1"),
        ("keep_versions = 2.5", "keep_versions = 2.5: expected a whole number"),
        ("recommissioning_window_months = true", "recommissioning_window_months = True: expected a whole number"),
        ("recommissioning_window_months = -3",
         "recommissioning_window_months = -3: expected a whole number of months, more than 0"),
        ("keep_version = 7", "keep_version = 7: unknown setting (did you mean keep_versions?)"),
        # Absurd integers (issue 22): refused at start-up, not carried into a night.
        ("keep_versions = 99999999999999999999",
         "keep_versions = 99999999999999999999: expected a whole number, at least 1 and at most 1000"),
        ("keep_versions = 1001", "keep_versions = 1001: expected a whole number, at least 1 and at most 1000"),
        ("recommissioning_window_months = 99999999999999999999",
         "recommissioning_window_months = 99999999999999999999: expected a whole number of months, more than 0 and "
         "at most 120"),
        ("over_allocation_tolerance = -0.05", "over_allocation_tolerance = -0.05: expected a number of 0 or more"),
        ('over_allocation_tolerance = "0.10"', "over_allocation_tolerance = '0.10': expected a number"),
        ("over_allocation_tolerance = nan", "over_allocation_tolerance = NaN: expected a number of 0 or more"),
        ('duckdb_memory_limit = "lots"', "duckdb_memory_limit = 'lots': expected a DuckDB size"),
        ("duckdb_memory_limit = 1024", "duckdb_memory_limit = 1024: expected a DuckDB size"),
        ('duckdb_memory_limit = "1"', "duckdb_memory_limit = '1': expected a DuckDB size"),
        ('alert_email = "finance"', "alert_email = 'finance': expected an email address"),
        ('warehouse_url = "opcc.example:5432"', "warehouse_url = 'opcc.example:5432': expected a PostgreSQL URL"),
        ('data_dir = "/srv/opcc"', "data_dir = '/srv/opcc': not a setting here"),
        ('[mappings.trnsactions]\namount = "Value GBP"',
         "mappings.trnsactions = {'amount': 'Value GBP'}: expected a known feed: transactions, budgets"),
        ('[mappings.transactions]\namout = "Value GBP"',
         "mappings.transactions.amout = 'Value GBP': expected a column of feed transactions: body, transaction_date"),
        ('[mappings.budgets]\nsupplier = "Vendor"',
         "mappings.budgets.supplier = 'Vendor': expected a column of feed budgets"),
        ("[mappings.transactions]\namount = 5", "mappings.transactions.amount = 5: expected [mappings.<feed>] tables"),
        ("keep_versions = ", "not valid TOML"),
    ],
)
def test_each_mistake_names_the_file_key_value_and_what_was_expected(tmp_path: Path, toml: str, expected: str) -> None:
    write(tmp_path, toml + "\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path.resolve() / 'opcc.toml'}: ")
    assert expected in message
    assert "\n" not in message


def test_several_mistakes_are_all_named_on_one_line(tmp_path: Path) -> None:
    write(tmp_path, 'keep_versions = "7"\nduckdb_memory_limit = "lots"\n')
    with pytest.raises(SettingsError, match=r"keep_versions = '7'.*; .*duckdb_memory_limit = 'lots'") as caught:
        load_settings(tmp_path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("size", ["1GB", "512MB", "1.5GB", "2 GiB", "64mb"])
def test_every_memory_limit_accepted_is_one_duckdb_accepts(tmp_path: Path, size: str) -> None:
    s = load_settings(write(tmp_path / "data", f'duckdb_memory_limit = "{size}"\n'))
    with duckdb.connect(config=duckdb_config(s)) as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0].endswith("iB")


def test_settings_in_code_take_keywords_and_are_strict_frozen_and_hashable(tmp_path: Path) -> None:
    mappings = {"transactions": {"amount": "Value GBP"}}
    s = Settings(data_dir=tmp_path, mappings=mappings, over_allocation_tolerance=Decimal("0.05"))
    assert (s.over_allocation_tolerance, s.landing_dir) == (Decimal("0.05"), tmp_path / "landing")
    with pytest.raises(ValidationError):
        s.keep_versions = 3  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, keep_versions="7")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, mappings={"transactions": {"amout": "Value GBP"}})
    same = Settings(data_dir=tmp_path, mappings={"transactions": {"amount": "Value GBP"}},
                    over_allocation_tolerance=Decimal("0.05"))
    assert s == same and hash(s) == hash(same)
    assert {s: "cached"}[same] == "cached"
    assert hash(s) != hash(Settings(data_dir=tmp_path, mappings={"transactions": {"amount": "Amount"}}))


def test_cli_with_a_bad_opcc_toml_exits_2_with_one_line(tmp_path: Path) -> None:
    data = write(tmp_path / "data", 'keep_versions = "7"\n')
    opcc = Path(sys.executable).with_name("opcc")
    done = subprocess.run([str(opcc), "--data-dir", str(data), "demo"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"opcc: {data / 'opcc.toml'}: keep_versions = '7': expected a whole number, at least 1 and at most 1000"]
    assert not (data / "landing").exists()  # nothing was done with the bad settings


def test_warehouse_url_selects_postgresql_and_the_environment_wins_over_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPCC_WAREHOUSE_URL", raising=False)
    assert not load_settings(tmp_path).on_postgres  # unset: DuckDB, as before
    write(tmp_path, 'warehouse_url = "postgresql://opcc@db.example:5432/opcc"\n')
    s = load_settings(tmp_path)
    assert s.on_postgres and s.warehouse_url == "postgresql://opcc@db.example:5432/opcc"
    monkeypatch.setenv("OPCC_WAREHOUSE_URL", "postgresql://pipeline@127.0.0.1:6543/warehouse")
    assert load_settings(tmp_path).warehouse_url == "postgresql://pipeline@127.0.0.1:6543/warehouse"
