"""`opcc init DIR [--demo]` makes a data directory: opcc.toml listing every setting (from the settings themselves),
its own reference data (blank templates or the demo's) and the landing folders. `opcc demo` lays the demo's
reference and settings where a data directory has none. Outside the demo, no Dorset setting is a default."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from opcc.cli import main
from opcc.config import FEEDS, PER_OPCC, Settings, load_settings
from opcc.datadir import DEMO_REFERENCE, demo_values, settings_toml
from opcc.reference.contract import CONTRACT


def uncommented(text: str) -> str:
    """opcc.toml with every commented setting line set (as a finance officer removing each #)."""
    setting = re.compile(r"^# (\w+ = |\[)")
    return "\n".join(line[2:] if setting.match(line) else line for line in text.splitlines())


def test_opcc_toml_lists_every_setting_and_loads_as_the_defaults(tmp_path: Path) -> None:
    text = settings_toml()
    for name in Settings.model_fields:
        if name != "data_dir":
            assert f"# {name}" in text, name
    (tmp_path / "opcc.toml").write_text(text, encoding="utf-8")
    assert load_settings(tmp_path) == Settings.model_validate({"data_dir": tmp_path.resolve()})
    # Every value shown is one the settings accept: with each line set, the file still loads.
    (tmp_path / "opcc.toml").write_text(uncommented(text), encoding="utf-8")
    every = load_settings(tmp_path)
    assert every.publisher_prefix == "exampleopcc" and every.keep_versions == 7


def test_no_dorset_setting_is_a_default(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert {name: getattr(settings, name) for name in PER_OPCC} == dict.fromkeys(PER_OPCC)
    assert "dorset" not in settings_toml().lower()


def test_init_blank_makes_a_data_directory_with_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lancashire"
    assert main(["init", str(data)]) == 0
    assert (data / "opcc.toml").read_text(encoding="utf-8") == settings_toml()
    assert sorted(p.name for p in (data / "reference").iterdir()) == sorted(t.file_name for t in CONTRACT.values())
    funds = (data / "reference" / "funds.csv").read_text(encoding="utf-8").splitlines()
    assert funds == ["fund_code,fund_name,scheme,funding_source_code,body_code,ring_fenced,ring_fence_purpose",
                     "# CSF,Commissioner's Safety Fund,Priority Commissioning,PCC,EXAMPLE_PCC,false,"]
    assert all((data / "landing" / feed).is_dir() for feed in FEEDS)
    capsys.readouterr()
    # A blank reference is not yet usable: check-reference says which tables need rows.
    assert main(["--data-dir", str(data), "check-reference"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{name}.csv: no rows: expected at least 1 row of {name} (the template's example row starts "
                   "with # and does not count)" for name in ("bodies", "funding_sources", "funds")]
    # Run again: what exists is kept.
    (data / "reference" / "funds.csv").write_text("edited", encoding="utf-8")
    assert main(["init", str(data)]) == 0
    assert (data / "reference" / "funds.csv").read_text(encoding="utf-8") == "edited"


def test_init_demo_starts_from_the_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "demo"
    assert main(["init", "--demo", str(data)]) == 0
    for table in CONTRACT.values():
        assert (data / "reference" / table.file_name).read_bytes() == (DEMO_REFERENCE / table.file_name).read_bytes()
    settings = load_settings(data)
    assert {k: getattr(settings, k) for k in demo_values()} == demo_values()
    capsys.readouterr()
    assert main(["--data-dir", str(data), "check-reference"]) == 0
    assert capsys.readouterr().out.strip() == f"reference data OK: 10 tables, 44 rows in {data / 'reference'}"


def test_demo_lays_the_demo_reference_and_settings_where_the_data_directory_has_none(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "opcc.toml").write_text('keep_versions = 3\n\n[mappings.transactions]\namount = "Value GBP"\n')
    assert main(["--data-dir", str(data), "demo"]) == 0
    settings = load_settings(data)
    assert settings.keep_versions == 3 and settings.mappings == {"transactions": {"amount": "Value GBP"}}
    assert {k: getattr(settings, k) for k in demo_values()} == demo_values()
    assert (data / "reference" / "funds.csv").read_bytes() == (DEMO_REFERENCE / "funds.csv").read_bytes()
    with (data / "opcc.toml").open("rb") as fh:
        assert tomllib.load(fh)["mappings"] == {"transactions": {"amount": "Value GBP"}}

    # An OPCC's own reference and settings are never replaced by the demo's.
    (data / "reference" / "funds.csv").write_text("mine", encoding="utf-8")
    assert main(["--data-dir", str(data), "demo"]) == 0
    assert (data / "reference" / "funds.csv").read_text(encoding="utf-8") == "mine"
