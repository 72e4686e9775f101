"""The corpus of bad and odd extracts in tests/ingest/corpus/: each file named for what it exercises,
each loaded for real into a fresh raw database, with exact counts, amounts, lines and reasons."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from opcc.config import Settings
from opcc.ingest import ingest_feed

CORPUS = Path(__file__).parent / "corpus"


@dataclass
class Expect:
    file: str
    feed: str = "transactions"
    status: str = "loaded"
    loaded: int = 0
    quarantined: int = 0
    amount: str | None = None
    control: str | None = None
    # line number -> words the quarantine reason must contain
    reasons: dict[int, str] = field(default_factory=dict)
    loaded_lines: list[int] | None = None
    message: str = ""


CASES = [
    Expect("transactions_utf8_bom.csv", loaded=2, amount="1500.50", loaded_lines=[2, 3]),
    Expect("transactions_windows1252_pound_and_totals.csv", loaded=3, quarantined=3, amount="1784.50",
           control="1984.50",
           reasons={5: "transaction_date '31/02/2020' is not a date", 6: "supplier is required but empty",
                    7: "amount '£1O0.00' is not an amount in pounds"}),
    Expect("transactions_parentheses_and_trailing_minus_credits.csv", loaded=4, amount="7760.25"),
    Expect("transactions_totals_row_recorded.csv", loaded=2, amount="1300.25", control="1300.25"),
    Expect("transactions_blank_lines_keep_line_numbers.csv", loaded=2, quarantined=1, amount="1300.00",
           reasons={7: "supplier is required"}, loaded_lines=[2, 4]),
    Expect("transactions_quoted_commas.csv", loaded=1, amount="1500.00"),
    Expect("transactions_multiline_quoted_cell.csv", loaded=1, quarantined=1, amount="600.00",
           reasons={4: "amount 'abc'"}, loaded_lines=[2]),
    Expect("transactions_title_rows_above_header.csv", loaded=1, quarantined=1, amount="600.00",
           reasons={6: "amount 'bad'"}, loaded_lines=[5]),
    Expect("transactions_header_variants_payment_date_net_amount.csv", loaded=2, amount="1000.00"),
    Expect("transactions_header_case_and_spaces.csv", loaded=1, amount="600.00"),
    Expect("transactions_shared_transaction_number.csv", loaded=2, amount="5000.00"),
    Expect("transactions_date_formats.csv", loaded=5, amount="3000.00"),
    Expect("transactions_bad_amounts.csv", loaded=1, quarantined=4, amount="600.00",
           reasons={2: "amount '12,5'", 3: "amount 'abc'", 4: "amount '1.234'", 5: "amount '(5'"}),
    Expect("transactions_bad_dates.csv", loaded=1, quarantined=4, amount="600.00",
           reasons={2: "'31/02/2020' is not a date", 3: "'13/13/2019' is not a date",
                    4: "transaction_date is required but empty", 5: "'01/01/1900' is not a date"}),
    Expect("transactions_too_many_cells.csv", loaded=1, quarantined=1, amount="700.00",
           reasons={2: "the line has 8 cells but the header has 7"}, loaded_lines=[3]),
    Expect("transactions_semicolon_delimited.csv", loaded=2, amount="1800.00"),
    Expect("transactions_crlf_line_endings.csv", loaded=2, amount="1300.00", loaded_lines=[2, 3]),
    Expect("transactions_supplier_named_total_is_not_a_totals_row.csv", loaded=2, amount="1300.00",
           control="1300.00"),
    Expect("transactions_subtotal_in_middle.csv", loaded=2, quarantined=1, amount="1300.00", control="1300.00",
           reasons={3: "a totals or subtotal line that is not the last line"}),
    Expect("transactions_utf16_tab_delimited.txt", loaded=1, amount="600.00"),
    Expect("transactions_cr_dr_suffixes_and_iso_datetime.csv", loaded=3, amount="865.50"),
    Expect("transactions_workbook.xlsx", loaded=3, quarantined=1, amount="2234.80", control="2284.80",
           reasons={7: "transaction_date is required"}, loaded_lines=[4, 5, 6]),
    Expect("transactions_unlabelled_total_that_does_not_add_up.csv", loaded=2, quarantined=1, amount="1600.00",
           reasons={4: "a line with only an amount (1650.00) that does not equal the sum of the lines above it "
                       "(1600.00)"}),
    Expect("transactions_unlabelled_total_in_the_middle.csv", loaded=2, quarantined=1, amount="1600.00",
           control="1600.00", reasons={3: "a line with only an amount (1600.00) that is not the last line"}),
    Expect("transactions_amount_beyond_decimal_18_2.csv", loaded=0, quarantined=1, amount="0.00",
           reasons={2: "amount '99999999999999999999.99' is not an amount in pounds (at most 16 digits"}),
    Expect("rejected_html_page_saved_as_csv.csv", status="rejected", message="HTML"),
    Expect("rejected_empty.csv", status="rejected", message="the file is empty"),
    Expect("rejected_binary.csv", status="rejected", message="binary"),
    Expect("rejected_no_recognisable_header.csv", status="rejected",
           message="no recognisable transactions header"),
    Expect("rejected_budget_sent_as_transactions.csv", status="rejected",
           message="looks like a budgets extract"),
    Expect("custom_layout_needs_mapping.csv", status="rejected", message="map your headers in opcc.toml"),
    Expect("budgets_financial_year_spellings.csv", feed="budgets", loaded=4, quarantined=2, amount="1000.00",
           reasons={6: "'2019/21' is not a financial year", 7: "'19/20' is not a financial year"}),
    Expect("ppa_receipts_net_must_equal_gross_minus_costs.csv", feed="ppa_receipts", loaded=1, quarantined=1,
           amount="90.00", reasons={3: "net_amount 95.00 is not gross_amount 100.00 minus sale_costs 10.00"}),
    Expect("commitments_end_before_start.csv", feed="commitments", loaded=2, quarantined=1, amount="1100.00",
           reasons={3: "end_date 2019-03-31 is before start_date 2020-04-01"}),
]


def load(tmp_path: Path, name: str, feed: str, **settings: object):
    data = tmp_path / "data"
    landing = data / "landing" / feed
    landing.mkdir(parents=True)
    shutil.copy(CORPUS / name, landing / name)
    s = Settings(data_dir=data, **settings)
    [result] = ingest_feed(s, feed)
    return s, result


@pytest.mark.parametrize("case", CASES, ids=[c.file.rsplit(".", 1)[0] for c in CASES])
def test_corpus_file(tmp_path: Path, case: Expect) -> None:
    s, result = load(tmp_path, case.file, case.feed)
    assert result.status == case.status, result.message
    assert case.message in result.message
    assert result.rows_received == result.rows_loaded + result.rows_quarantined
    con = duckdb.connect(str(s.raw_db), read_only=True)
    if case.status == "rejected":
        assert (result.rows_loaded, result.rows_quarantined) == (0, 0)
        [kept] = (s.quarantine_dir / case.feed).glob(f"*-{case.file}")
        assert case.message in kept.with_name(kept.name + ".reason.txt").read_text()
        assert not (s.landing_dir / case.feed / case.file).exists()
        [(status, message)] = con.execute("SELECT status, message FROM files").fetchall()
        assert status == "rejected" and case.message in message
        return
    assert (result.rows_loaded, result.rows_quarantined) == (case.loaded, case.quarantined)
    assert result.loaded_amount == Decimal(case.amount)
    assert result.control_total == (Decimal(case.control) if case.control else None)
    # raw agrees with the file's audit record
    amount_col = {"transactions": "amount", "budgets": "amount", "ppa_receipts": "net_amount",
                  "commitments": "annual_value"}[case.feed]
    n, total = con.execute(f"SELECT count(*), coalesce(sum({amount_col}), 0) FROM {case.feed}").fetchone()
    assert (n, total) == (case.loaded, Decimal(case.amount))
    quarantined = dict(con.execute("SELECT line_number, reason FROM quarantine").fetchall())
    assert set(quarantined) == set(case.reasons)
    for line, words in case.reasons.items():
        assert words in quarantined[line]
    if case.loaded_lines is not None:
        lines = [r[0] for r in con.execute(f"SELECT line_number FROM {case.feed} ORDER BY 1").fetchall()]
        assert lines == case.loaded_lines
    assert (s.archive_dir / case.feed / result.sha256[:12] / case.file).exists()


def test_windows1252_text_is_decoded(tmp_path: Path) -> None:
    s, _ = load(tmp_path, "transactions_windows1252_pound_and_totals.csv", "transactions")
    con = duckdb.connect(str(s.raw_db), read_only=True)
    suppliers = sorted(r[0] for r in con.execute("SELECT supplier FROM transactions").fetchall())
    assert suppliers == ["Café Society", "Café Society, Ltd", "REDACTED PERSONAL DATA"]
    raw_text = con.execute("SELECT raw_text FROM quarantine WHERE line_number = 7").fetchone()[0]
    assert raw_text == "Dorset OPCC,05/03/2020,T5,Grants,Victims,Typo Ltd,£1O0.00"


def test_credits_and_dates_parse_exactly(tmp_path: Path) -> None:
    s, _ = load(tmp_path, "transactions_parentheses_and_trailing_minus_credits.csv", "transactions")
    con = duckdb.connect(str(s.raw_db), read_only=True)
    amounts = [r[0] for r in con.execute("SELECT amount FROM transactions ORDER BY line_number").fetchall()]
    assert amounts == [Decimal("-1234.50"), Decimal("-1000.00"), Decimal("-5.25"), Decimal("10000.00")]
    s2, _ = load(tmp_path / "d", "transactions_date_formats.csv", "transactions")
    con = duckdb.connect(str(s2.raw_db), read_only=True)
    days = [r[0].day for r in con.execute("SELECT transaction_date FROM transactions ORDER BY 1").fetchall()]
    assert days == [1, 2, 3, 4, 5]


def test_multiline_cell_and_formula_text_kept_verbatim(tmp_path: Path) -> None:
    s, _ = load(tmp_path, "transactions_multiline_quoted_cell.csv", "transactions")
    con = duckdb.connect(str(s.raw_db), read_only=True)
    assert con.execute("SELECT supplier FROM transactions").fetchone()[0] == "Acme\nTrading"
    s2, _ = load(tmp_path / "f", "transactions_formula_supplier.csv", "transactions")
    con = duckdb.connect(str(s2.raw_db), read_only=True)
    assert con.execute("SELECT supplier FROM transactions").fetchone()[0] == '=HYPERLINK("http://x","y")'


def test_budget_years_normalised(tmp_path: Path) -> None:
    s, _ = load(tmp_path, "budgets_financial_year_spellings.csv", "budgets")
    con = duckdb.connect(str(s.raw_db), read_only=True)
    assert con.execute("SELECT list(DISTINCT financial_year) FROM budgets").fetchone()[0] == ["2019/20"]


def test_mapping_config_loads_a_custom_layout(tmp_path: Path) -> None:
    mapping = {"transactions": {"transaction_date": "Posting Dt", "supplier": "Vendor Nm",
                                "expense_area": "Cost Ctr", "amount": "Value GBP"}}
    s, result = load(tmp_path, "custom_layout_needs_mapping.csv", "transactions", mappings=mapping)
    assert (result.status, result.rows_loaded, result.loaded_amount) == ("loaded", 2, Decimal("1000.00"))
    con = duckdb.connect(str(s.raw_db), read_only=True)
    assert con.execute("SELECT expense_area FROM transactions LIMIT 1").fetchone()[0] == "Victims"


def test_cli_ingest_prints_one_line_per_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from opcc.cli import main

    files = [CORPUS / "transactions_totals_row_recorded.csv", CORPUS / "rejected_empty.csv"]
    code = main(["--data-dir", str(tmp_path), "ingest", "--feed", "transactions", *map(str, files)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1  # a rejected file makes the command say so
    assert lines == [
        "transactions/transactions_totals_row_recorded.csv: LOADED — 2 lines: 2 loaded (£1,300.25), "
        "0 quarantined; dates read day first (dd/mm/yyyy), the feed's configured order: 2 line(s) read either way "
        "and none settles it; totals line £1,300.25",
        "transactions/rejected_empty.csv: REJECTED; the file is empty",
    ]
    # Paths given on the command line are copied, never moved: the sender's files stay put.
    assert all(f.exists() for f in files)


def test_feed_read_from_the_header_when_not_given(tmp_path: Path) -> None:
    from opcc.ingest import ingest_paths

    [result] = ingest_paths(Settings(data_dir=tmp_path), [CORPUS / "budgets_financial_year_spellings.csv"])
    assert (result.feed, result.status, result.rows_loaded) == ("budgets", "loaded", 4)


def test_a_file_that_fails_unexpectedly_is_set_aside_and_the_feed_goes_on(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from opcc.ingest import loader

    data = tmp_path / "data"
    landing = data / "landing" / "transactions"
    landing.mkdir(parents=True)
    for name in ("transactions_utf8_bom.csv", "transactions_quoted_commas.csv"):
        shutil.copy(CORPUS / name, landing / name)
    real_parse = loader.parse_file

    def parse_or_fail(con, source, feed, plan, tmp_dir, *order):
        if source.path.name == "transactions_quoted_commas.csv":
            raise RuntimeError("a failure nobody foresaw")  # not MemoryError: the machine's fault, never the file's
        return real_parse(con, source, feed, plan, tmp_dir, *order)

    monkeypatch.setattr(loader, "parse_file", parse_or_fail)
    results = {r.file_name: r for r in ingest_feed(Settings(data_dir=data), "transactions")}
    failed, loaded = results["transactions_quoted_commas.csv"], results["transactions_utf8_bom.csv"]
    assert failed.status == "rejected" and "RuntimeError: a failure nobody foresaw" in failed.message
    assert (loaded.status, loaded.rows_loaded) == ("loaded", 2)
    [kept] = (data / "quarantine" / "transactions").glob("*-transactions_quoted_commas.csv")
    assert "set aside" in kept.with_name(kept.name + ".reason.txt").read_text()


def test_a_cell_longer_than_128_kib_quarantines_its_line(tmp_path: Path) -> None:
    landing = tmp_path / "data" / "landing" / "transactions"
    landing.mkdir(parents=True)
    long = "x" * 131_073
    (landing / "long.csv").write_text(f"Date,Supplier,Amount\n01/05/2020,\"{long}\",600.00\n02/05/2020,Acme,700.00\n")
    [result] = ingest_feed(Settings(data_dir=tmp_path / "data"), "transactions")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    con = duckdb.connect(str(tmp_path / "data" / "raw.duckdb"), read_only=True)
    [(line, reason, raw)] = con.execute("SELECT line_number, reason, raw_text FROM quarantine").fetchall()
    assert line == 2 and "longer than 131,072 bytes" in reason and len(raw) < 2000


def test_a_load_that_fails_sets_the_file_aside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opcc.ingest import loader

    data = tmp_path / "data"
    (data / "landing" / "transactions").mkdir(parents=True)
    shutil.copy(CORPUS / "transactions_utf8_bom.csv", data / "landing" / "transactions" / "a.csv")
    shutil.copy(CORPUS / "transactions_quoted_commas.csv", data / "landing" / "transactions" / "b.csv")
    real_load = loader._load

    def load_or_fail(con, feed, path, result, headerless, last_sheet):
        if path.name == "a.csv":
            con.execute("SELECT error('disk trouble')")
        return real_load(con, feed, path, result, headerless, last_sheet)

    monkeypatch.setattr(loader, "_load", load_or_fail)
    results = {r.file_name: r for r in ingest_feed(Settings(data_dir=data), "transactions")}
    assert results["a.csv"].status == "rejected" and "disk trouble" in results["a.csv"].message
    assert (results["b.csv"].status, results["b.csv"].rows_loaded) == ("loaded", 1)
    con = duckdb.connect(str(data / "raw.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM transactions").fetchone()[0] == 1  # nothing of a.csv stayed
