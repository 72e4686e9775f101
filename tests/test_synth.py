"""opcc.synth: deterministic, the size asked for, and every file it writes loads cleanly."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from opcc.config import FEEDS, Settings
from opcc.ingest import ingest_feed
from opcc.synth import HISTORY_END, HISTORY_START, TX_HEADER, generate

ROWS = 2_000
DAY = HISTORY_END + dt.timedelta(days=1)


def _digests(written: dict[str, list[Path]], root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for paths in written.values() for p in paths}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Path]]]:
    out = tmp_path_factory.mktemp("synth")
    return out, generate(out, ROWS)


def _money(text: str) -> Decimal:
    t = text.replace("£", "").replace(",", "")
    return -Decimal(t[1:-1]) if t.startswith("(") else Decimal(t)


def test_writes_every_feed(history: tuple[Path, dict[str, list[Path]]]) -> None:
    _, written = history
    assert set(written) == set(FEEDS)
    assert all(written[f] and all(p.stat().st_size > 0 for p in written[f]) for f in FEEDS)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path,
                                                     history: tuple[Path, dict[str, list[Path]]]) -> None:
    root, written = history
    again = generate(tmp_path / "again", ROWS)
    assert _digests(again, tmp_path / "again") == _digests(written, root)
    other = generate(tmp_path / "other", ROWS, seed=7)
    tx = "transactions/" + written["transactions"][0].name
    assert _digests(other, tmp_path / "other")[tx] != _digests(written, root)[tx]


def test_day_file_is_deterministic(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 500, day=DAY)["transactions"][0]
    b = generate(tmp_path / "b", 500, day=DAY)["transactions"][0]
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("rows", [1, 999, ROWS])
def test_row_count_honoured(tmp_path: Path, rows: int) -> None:
    tx = generate(tmp_path, rows)["transactions"][0]
    data = tx.read_bytes()
    assert data.count(b"\n") == rows + 2  # header + lines + totals line
    assert b"\n\n" not in data and b"\r" not in data  # no blank lines: DuckDB's fast reader applies


def test_transactions_layout_and_content(history: tuple[Path, dict[str, list[Path]]]) -> None:
    _, written = history
    with written["transactions"][0].open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    assert ",".join(records[0]) == TX_HEADER
    lines, total = records[1:-1], records[-1]
    assert total[0] == "Total" and not any(total[1:6])
    assert all(len(r) == 7 for r in lines)
    dates = [dt.datetime.strptime(r[1], "%d/%m/%Y").date() for r in lines]
    assert dates == sorted(dates) and HISTORY_START <= dates[0] and dates[-1] <= HISTORY_END
    assert len({(d.year if d.month > 3 else d.year - 1) for d in dates}) >= 3  # several financial years
    assert any(r[5] == "REDACTED PERSONAL DATA" for r in lines)
    assert any(r[6].startswith("(") for r in lines)  # credits
    numbers = [r[2] for r in lines]
    assert len(set(numbers)) < len(numbers)  # some split transactions share a number
    areas = {r[4] for r in lines}
    with (Path(__file__).resolve().parents[1] / "seeds/reference/fund_mapping_rules.csv").open(encoding="utf-8") as fh:
        mapped = {r["expense_area"] for r in csv.DictReader(fh)}
    assert mapped <= areas and areas - mapped  # every cost centre, and some unmapped ones
    assert len({r[5] for r in lines}) > 300


def test_transactions_sum_equals_totals_row(history: tuple[Path, dict[str, list[Path]]]) -> None:
    _, written = history
    with written["transactions"][0].open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    assert sum(_money(r[6]) for r in records[1:-1]) == _money(records[-1][6])


def _land_and_ingest(data_dir: Path, written: dict[str, list[Path]]) -> list:
    settings = Settings(data_dir=data_dir)
    results = []
    for feed in FEEDS:
        landing = settings.landing_dir / feed
        landing.mkdir(parents=True, exist_ok=True)
        for p in written.get(feed, []):
            shutil.copy2(p, landing / p.name)
        results.extend(ingest_feed(settings, feed))
    return results


def test_every_file_ingests_cleanly(tmp_path: Path, history: tuple[Path, dict[str, list[Path]]]) -> None:
    _, written = history
    results = _land_and_ingest(tmp_path / "data", written)
    assert len(results) == sum(len(v) for v in written.values())
    for r in results:
        assert r.status == "loaded", r.line()
        assert r.rows_quarantined == 0, r.line()
        assert r.rows_loaded > 0, r.line()
        if r.feed == "transactions":
            assert r.rows_loaded == ROWS
            assert r.control_total == r.loaded_amount
    day = generate(tmp_path / "day", 300, day=DAY)
    (r,) = _land_and_ingest(tmp_path / "data", day)
    assert (r.status, r.rows_loaded, r.rows_quarantined) == ("loaded", 300, 0)
    assert r.control_total == r.loaded_amount


def test_other_feeds_reconcile_to_reference(history: tuple[Path, dict[str, list[Path]]]) -> None:
    _, written = history
    root = Path(__file__).resolve().parents[1] / "seeds/reference"
    with (root / "budget_controls.csv").open(encoding="utf-8") as fh:
        controls = {(r["financial_year"], r["control_code"]): Decimal(r["amount"]) for r in csv.DictReader(fh)}
    for path in written["budgets"]:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        year = rows[0]["Financial Year"]
        assert {r["Funding Source"] for r in rows} == {"PCC", "MOJ"}
        assert {r["Fund"] for r in rows} <= {"CSF", "LIF", "VCF", "VFCSA"}
        assert sum(Decimal(r["Amount"]) for r in rows) == controls[(year, "priority_commissioning_total")]
        assert sum(Decimal(r["Amount"]) for r in rows if r["Funding Source"] == "MOJ") == \
            controls[(year, "moj_ring_fence")]
    for path in written["ppa_receipts"]:
        with path.open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                assert Decimal(r["Net Amount"]) == Decimal(r["Gross Amount"]) - Decimal(r["Sale Costs"])
