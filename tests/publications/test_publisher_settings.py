"""The publisher settings are each OPCC's own, with no default: unset, the 360Giving files (which need them) are
not written and the message says which settings are missing; the other publications are written, and no Dorset
setting appears anywhere in them."""

from __future__ import annotations

from pathlib import Path

from test_publications import GRANTS_FILE, _land, _night

from opcc.config import PER_OPCC, Settings
from opcc.datadir import demo_values
from opcc.publications import GIVING, GRANTS, SPEND, generate, publications_dir

LEDGER = ("Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
          "Example Body,03/06/2019,INV-1,Grants,OPCC Commissioning - Safety Fund,Split Supplies Ltd,900.00\n")


def test_without_publisher_settings_360giving_says_what_is_missing(tmp_path: Path) -> None:
    settings = Settings.model_validate({"data_dir": tmp_path / "data"})  # no opcc.toml: nothing of Dorset's
    _land(settings, "transactions", "spend-2019-06.csv", LEDGER)
    _land(settings, "grant_awards", "grants-2019-20.csv", GRANTS_FILE)
    _night(settings, tmp_path)
    outcome = generate(settings, tmp_path / "run")
    assert outcome.released, outcome.message
    assert outcome.message.endswith(f"; 360Giving not written: opcc.toml does not set {', '.join(PER_OPCC)} "
                                    "(your OPCC's own: `opcc init` lists them)")
    assert not any(c["id"].startswith("publications.threesixty.") for c in outcome.checks)
    written = {path.split("/")[0] for path in outcome.written}
    assert written >= {SPEND, GRANTS} and GIVING not in written
    text = "\n".join(p.read_bytes().decode("utf-8-sig") for p in publications_dir(settings).rglob("*.*"))
    for value in demo_values().values():
        assert str(value) not in text
