"""Redaction that cannot be dodged (issue 22): a marked name in any spacing, case, Unicode form or with invisible
characters is redacted in the publications, and the check guarding them finds it wherever it is left."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from compare_on_duckdb import run_comparison
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from name_variants import MARKED, PAYEES, any_marked_variant

from opcc import pipeline, publish
from opcc.audit.suites import load_checks
from opcc.config import FEEDS, Settings
from opcc.datadir import demo_settings, ensure_demo_reference
from opcc.ingest import ingest_feed
from opcc.publications import SPEND, csv_bytes, generate, names, prepare, publications_dir

HEADER = "Body Name,Date,Transaction Number,Expense Type,Expense Area,Supplier Name,Amount £,Description\n"
BODY = "Police and Crime Commissioner for Dorset"
AREA = "OPCC Wellbeing Fund"
# The three suppliers (two spaces, a non-breaking space, a thin space), a real supplier whose name
# starts like a redaction, and a line whose narrative names the person with a zero-width space between words.
JUNE = HEADER + (
    f"{BODY},03/06/2019,R-1,Counselling,{AREA},Dr  Helen Marsh,750.00,\n"
    f"{BODY},04/06/2019,R-2,Counselling,{AREA},Dr\u00a0Helen Marsh,760.00,\n"
    f"{BODY},05/06/2019,R-3,Counselling,{AREA},Dr\u2009Helen Marsh,770.00,\n"
    f"{BODY},06/06/2019,R-4,Printing,{AREA},Redactive Publishing Ltd,880.00,\n"
    f"{BODY},07/06/2019,R-5,Counselling,{AREA},Victim Support,990.00,Sessions with Dr Helen\u200bMarsh\n"
)


# -- the canonical form ----------------------------------------------------------------------------------------

def test_the_payees_seed_marks_someone() -> None:
    assert MARKED, f"no name marked for redaction in {PAYEES}: the property tests below would test nothing"


@given(any_marked_variant)
@hsettings(max_examples=300, deadline=None)
def test_every_variant_of_a_marked_name_has_its_letters(pair: tuple[str, str]) -> None:
    name, variant = pair
    assert names.compact(names.name_key(variant)) == names.compact(names.name_key(name))
    pattern = names.key_pattern([names.name_key(name)])
    assert pattern is not None
    assert re.search(pattern, names.name_key(f"Payment to {variant}, thank you"))
    redacted = names.redact_free_text(f"Payment to {variant}, thank you", [names.name_key(name)])
    assert not re.search(pattern, names.name_key(redacted)) and names.REDACTED in redacted


@given(st.text())
@hsettings(deadline=None)
def test_the_key_is_stable(text: str) -> None:
    key = names.name_key(text)
    assert names.name_key(key) == key and "  " not in key and key == key.strip()


def test_names_that_differ_in_a_letter_stay_apart() -> None:
    marked = [names.name_key(n) for n in MARKED]
    pattern = names.key_pattern(marked)
    assert pattern is not None
    for other in ("Redactive Publishing Ltd", "Dr Helen Marshall", "Helen Marsh", "Dr Helena Marsh", "Joann Leeds"):
        assert not re.search(pattern, names.name_key(other)), other
        assert names.redact_free_text(f"Paid {other}", marked) == f"Paid {other}"


@pytest.fixture(scope="module")
def memory() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@given(st.text(alphabet=st.characters(max_codepoint=0x7F, blacklist_characters="\x00")))
@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_sql_key_of_ascii_text_is_the_python_key(memory: duckdb.DuckDBPyConnection, text: str) -> None:
    sql = f"SELECT {names.IS_ASCII_SQL.format(x='?')}, {names.ASCII_KEY_SQL.format(x='?')}"
    assert memory.execute(sql, [text, text]).fetchone() == (True, names.name_key(text))


# -- the publications ------------------------------------------------------------------------------------------

def _night(settings: Settings, tmp: Path) -> None:
    ensure_demo_reference(settings)
    for feed in FEEDS:
        ingest_feed(settings, feed)
    run_dir = tmp / f"run-{len(list(tmp.glob('run-*')))}"
    run_dir.mkdir()
    publish.publish(settings, Path(pipeline.build(settings, str(run_dir))))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("redaction")
    settings = demo_settings(data_dir=tmp / "data")
    folder = settings.landing_dir / "transactions"
    folder.mkdir(parents=True)
    (folder / "spend-2019-06.csv").write_text(JUNE, encoding="utf-8")
    _night(settings, tmp)
    return settings


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def _names_in(text: str) -> list[str]:
    pattern = names.key_pattern(names.name_key(n) for n in MARKED)
    assert pattern is not None
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row if re.search(pattern, names.name_key(cell))]


def test_a_marked_name_spaced_otherwise_is_redacted_in_the_spend_file(published: Settings, tmp_path: Path) -> None:
    """The issue's defect: `Dr  Helen Marsh` (two spaces), with U+00A0 or with U+2009 was published in clear."""
    outcome = generate(published, tmp_path)
    assert outcome.released, outcome.message
    june = publications_dir(published) / SPEND / "2019-06" / "spend-over-500-2019-06-v1.csv"
    rows = {r["TransactionNumber"]: (r["BeneficiaryName"], r["Amount"]) for r in _read(june)}
    assert rows == {"R-1": (names.REDACTED, "750.00"), "R-2": (names.REDACTED, "760.00"),
                    "R-3": (names.REDACTED, "770.00"), "R-4": ("Redactive Publishing Ltd", "880.00"),
                    "R-5": ("Victim Support", "990.00")}
    assert _names_in(june.read_bytes().decode("utf-8-sig")) == []
    summary = next(m for m in outcome.months if m.kind == SPEND)
    assert (summary.lines, summary.lines_redacted, summary.total) == (5, 3, "4150.00")


def test_the_narrative_names_no_one_whatever_its_spacing(published: Settings, tmp_path: Path) -> None:
    settings = demo_settings(data_dir=tmp_path / "data", publish_narrative=True)
    settings.data_dir.mkdir()
    shutil.copy(published.warehouse_db, settings.warehouse_db)
    outcome = generate(settings, tmp_path / "run")
    assert outcome.released, outcome.message
    june = _read(publications_dir(settings) / SPEND / "2019-06" / "spend-over-500-2019-06-v1.csv")
    assert {r["TransactionNumber"]: r["Narrative"] for r in june}["R-5"] == f"Sessions with {names.REDACTED}"


@pytest.fixture(scope="module")
def writable(published: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = demo_settings(data_dir=tmp_path_factory.mktemp("variants") / "data", publish_narrative=True)
    settings.data_dir.mkdir()
    shutil.copy(published.warehouse_db, settings.warehouse_db)
    settings.warehouse_db.chmod(0o644)
    return settings


@given(supplier=any_marked_variant, narrative=any_marked_variant)
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_variant_of_a_marked_name_is_published(writable: Settings, supplier: tuple[str, str],
                                                  narrative: tuple[str, str]) -> None:
    """Every generated variant, as the supplier of a line and inside its narrative: redacted in what would be
    written, and the check finds nothing left."""
    check = next(c for c in load_checks(writable.expectations_dir / "publications")
                 if c.check_id == "redaction.no_redacted_name_published")
    with duckdb.connect(str(writable.warehouse_db)) as con:
        con.execute("UPDATE marts.spend_transactions SET supplier = ?, narrative = ? WHERE transaction_number = 'R-4'",
                    [supplier[1], f"Paid to {narrative[1]} in June"])
        prepare(con, writable, dt.date(2026, 12, 1))
        rows = [dict(zip([d[0] for d in cur.description], r, strict=True))
                for cur in [con.execute("SELECT * FROM pub_spend ORDER BY transaction_number")] for r in cur.fetchall()]
        failing = run_comparison(con, check).failing
    assert [(r["beneficiary"], r["amount"]) for r in rows if r["transaction_number"] == "R-4"] == [
        (names.REDACTED, Decimal("880.00"))]
    columns = tuple((key, key) for key in rows[0])
    assert _names_in(csv_bytes(columns, rows).decode("utf-8-sig")) == []
    assert failing == []


def test_the_check_counts_a_cell_it_could_not_key(published: Settings) -> None:
    """A cell whose text the keys do not cover (added after they were made) is counted: unread is not clean."""
    check = next(c for c in load_checks(published.expectations_dir / "publications")
                 if c.check_id == "redaction.no_redacted_name_published")
    with duckdb.connect(str(published.warehouse_db), read_only=True) as con:
        prepare(con, published, dt.date(2026, 12, 1))
        con.execute("UPDATE pub_spend SET service_area = 'Ｗｅｌｌｂｅｉｎｇ' WHERE transaction_number = 'R-4'")
        failing = run_comparison(con, check).failing
    assert [(r["publication"], r["month"], r["names_found"]) for r in failing] == [("spend-over-500", "2019-06", 1)]
