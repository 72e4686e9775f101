"""`opcc inspect`: how a file would be read, loading nothing; for an unknown layout, the opcc.toml lines
that make it load."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from test_real_extracts import FILES, REAL, Published

from opcc.cli import main
from opcc.config import load_settings
from opcc.ingest import ingest_feed


def inspect(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str]:
    code = main(["--data-dir", str(data), "inspect", *args])
    return code, capsys.readouterr().out


@pytest.mark.skipif(not FILES, reason=f"the real published extracts are not here ({REAL})")
@pytest.mark.parametrize("published", FILES, ids=[f.name for f in FILES])
def test_inspect_shows_each_real_files_mapping_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          published: Published) -> None:
    code, out = inspect(capsys, tmp_path, str(REAL / published.name), "--feed", published.feed)
    assert code == 0, out
    assert re.search(r"^header: +(line|row) \d+", out, re.MULTILINE), out
    assert re.search(r"^  amount +<- '", out, re.MULTILINE), out
    assert f"would load {published.rows:,} line(s), amount £{published.total:,.2f}" in out, out
    assert not (tmp_path / "raw.duckdb").exists()  # nothing loaded


ODD = "When paid,Who to,Ref,Paid (GBP),Why\n03/04/2019,Acme Ltd,R1,\"1,200.00\",Training\n" \
      "04/04/2019,Beta LLP,R2,300.50,Catering\n05/04/2019,Gamma,R3,(100.00),Refund\n"


def test_inspect_prints_mapping_lines_that_make_an_unknown_layout_load(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    extract = tmp_path / "odd.csv"
    extract.write_text(ODD)
    data = tmp_path / "data"
    code, out = inspect(capsys, data, str(extract), "--feed", "transactions")
    assert code == 1 and "REJECTED" in out
    block = out.split("\n    [mappings.transactions]\n", 1)[1].split("\n\n", 1)[0]
    lines = ["[mappings.transactions]"] + [line.strip() for line in block.strip().splitlines()]
    assert lines == ['[mappings.transactions]', 'transaction_date = "When paid"', 'supplier = "Who to"',
                     'amount = "Paid (GBP)"']
    # Pasted into opcc.toml, they make it load.
    (data / "opcc.toml").write_text("\n".join(lines) + "\n")
    (data / "landing" / "transactions").mkdir(parents=True)
    shutil.copy(extract, data / "landing" / "transactions" / extract.name)
    [result] = ingest_feed(load_settings(data), "transactions")
    assert (result.status, result.rows_loaded, result.loaded_amount) == ("loaded", 3, Decimal("1400.50"))


def test_a_nightly_rejection_points_to_inspect(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "landing" / "transactions").mkdir(parents=True)
    (data / "landing" / "transactions" / "odd.csv").write_text(ODD)
    [result] = ingest_feed(load_settings(data), "transactions")
    assert result.status == "rejected" and "opcc inspect FILE --feed transactions" in result.message
