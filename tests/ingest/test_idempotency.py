"""Loading, re-loading and re-sending files: the same input never counts twice, a corrected re-send
replaces its predecessor, and raw keeps every version."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opcc.config import Settings
from opcc.ingest import ingest_feed

HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £\n"
FILES = {
    # name -> versions (a corrected re-send keeps the name and changes the content)
    "spend-2019-04.csv": [
        HEADER + "OPCC,01/04/2019,T1,G,V,Acme,£1000.00\nOPCC,02/04/2019,T2,G,V,Beta,£250.00\n",
        HEADER + "OPCC,01/04/2019,T1,G,V,Acme,£1000.00\nOPCC,02/04/2019,T2,G,V,Beta,£205.00\n",
    ],
    "spend-2019-05.csv": [HEADER + "OPCC,01/05/2019,T3,G,V,Gamma,\"£3,000.00\"\n"],
    "spend-2019-06.csv": [HEADER + "OPCC,01/06/2019,T4,G,V,Delta,(500.00)\nOPCC,02/06/2019,T5,G,V,Eps,£80.10\n"],
}
# What each version holds, worked out by hand: (amount, lines).
HOLDS = {
    ("spend-2019-04.csv", 0): (Decimal("1250.00"), 2),
    ("spend-2019-04.csv", 1): (Decimal("1205.00"), 2),
    ("spend-2019-05.csv", 0): (Decimal("3000.00"), 1),
    ("spend-2019-06.csv", 0): (Decimal("-419.90"), 2),
}

# Lines that count: those of loaded files not superseded by a later loaded file of the same name
# (the rule dbt's int_files_versioned applies).
CURRENT_TOTAL = """
    SELECT coalesce(sum(t.amount), 0), count(t.amount)
    FROM transactions t JOIN files f USING (file_id)
    WHERE f.status = 'loaded' AND NOT EXISTS (
        SELECT 1 FROM files later WHERE later.status = 'loaded' AND later.feed = f.feed
          AND later.file_name = f.file_name AND later.file_id > f.file_id)
"""


def send(settings_: Settings, name: str, version: int) -> str:
    landing = settings_.landing_dir / "transactions"
    landing.mkdir(parents=True, exist_ok=True)
    (landing / name).write_text(FILES[name][version], encoding="utf-8")
    [result] = ingest_feed(settings_, "transactions")
    return result.status


def totals(settings_: Settings) -> tuple[Decimal, int]:
    con = duckdb.connect(str(settings_.raw_db), read_only=True)
    try:
        return con.execute(CURRENT_TOTAL).fetchone()
    finally:
        con.close()


def test_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert send(s, "spend-2019-04.csv", 0) == "loaded"
    before = totals(s)
    assert send(s, "spend-2019-04.csv", 0) == "duplicate"
    assert totals(s) == before == (Decimal("1250.00"), 2)


def test_corrected_resend_replaces_predecessor_and_both_stay_in_raw(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    send(s, "spend-2019-04.csv", 0)
    assert send(s, "spend-2019-04.csv", 1) == "loaded"
    assert totals(s) == (Decimal("1205.00"), 2)
    con = duckdb.connect(str(s.raw_db), read_only=True)
    history = con.execute("SELECT file_id, count(*), sum(amount) FROM transactions GROUP BY 1 ORDER BY 1").fetchall()
    assert history == [(1, 2, Decimal("1250.00")), (2, 2, Decimal("1205.00"))]
    message = con.execute("SELECT message FROM files WHERE file_id = 2").fetchone()[0]
    assert "replaces the earlier spend-2019-04.csv (file 1" in message


ops = st.lists(st.tuples(st.sampled_from(sorted(FILES)), st.integers(0, 1)), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=ops)
def test_any_order_of_loads_and_resends_gives_the_latest_versions_totals(tmp_path: Path, sequence) -> None:
    data = tmp_path / "run"
    shutil.rmtree(data, ignore_errors=True)
    s = Settings(data_dir=data)
    first_seen: dict[tuple[str, int], int] = {}
    for step, (name, version) in enumerate(sequence):
        version = min(version, len(FILES[name]) - 1)
        status = send(s, name, version)
        assert status == ("duplicate" if (name, version) in first_seen else "loaded")
        first_seen.setdefault((name, version), step)
    # Expected: per name, the version whose content first arrived last is current.
    expected_amount, expected_lines = Decimal("0"), 0
    for name in {n for n, _ in first_seen}:
        version = max((v for n, v in first_seen if n == name), key=lambda v: first_seen[(name, v)])
        amount, lines = HOLDS[(name, version)]
        expected_amount, expected_lines = expected_amount + amount, expected_lines + lines
    assert totals(s) == (expected_amount, expected_lines)
    # Every file received is accounted for, and duplicates load no lines.
    con = duckdb.connect(str(s.raw_db), read_only=True)
    assert con.execute("SELECT count(*) FROM files").fetchone()[0] == len(sequence)
    assert con.execute("SELECT count(*) FROM files WHERE status = 'duplicate' AND rows_loaded > 0").fetchone()[0] == 0
    con.close()
