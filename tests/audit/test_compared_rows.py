"""A check that compares one row per ledger line (ten million a night) is read in SQL, not into Python: exact
counts, its first rows, its failing rows and its sums, the same figures as reading every row would give."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from compare_on_duckdb import run_comparison

from opcc.audit.compare import FAILING_ROWS_INLINE, ROWS_KEPT
from opcc.audit.results import build_result, summarise
from opcc.audit.suites import Check

LINES = ROWS_KEPT + 5_000


def item_check(summary: str) -> Check:
    return Check("spend.items_over_threshold", "spend", "every item over £500", "FAIL", "rows", summary,
                 "SELECT line, 500.00 AS expected, amount AS actual, amount - 500.00 AS difference, amount > 500 AS ok "
                 "FROM lines ORDER BY line", Path("items_over_threshold.sql"))


@pytest.fixture
def con():
    con = duckdb.connect()
    # Every line £600 but three: lines 7, 9000 and 14000 at £100, £200 and £300.
    con.execute(f"""CREATE TABLE lines AS SELECT range AS line,
                    CASE range WHEN 7 THEN 100 WHEN 9000 THEN 200 WHEN 14000 THEN 300 ELSE 600 END::DECIMAL(18,2)
                    AS amount FROM range({LINES})""")
    yield con
    con.close()


@pytest.mark.parametrize("summary", ["count", "sum", "first"])
def test_a_check_of_many_rows_keeps_its_counts_failing_rows_and_sums_exact(con, summary: str) -> None:
    check = item_check(summary)
    compared = run_comparison(con, check)
    assert compared.error is None
    assert (compared.row_count, compared.failing_count) == (LINES, 3)
    assert len(compared.rows) == FAILING_ROWS_INLINE and [r["line"] for r in compared.rows[:3]] == [0, 1, 2]
    assert [(r["line"], r["actual"]) for r in compared.failing] == [
        (7, Decimal("100.00")), (9000, Decimal("200.00")), (14000, Decimal("300.00"))]
    expected = {"count": (0, 3, 3),
                "sum": (Decimal("1500.00"), Decimal("600.00"), Decimal("-900.00")),  # over the failing rows
                "first": (Decimal("500.00"), Decimal("100.00"), Decimal("-400.00"))}[summary]
    assert summarise(check, compared) == expected
    result = build_result(check, compared, None)
    assert result["compared_rows"] == LINES


def test_with_none_failing_the_sums_are_over_every_row(con) -> None:
    con.execute("UPDATE lines SET amount = 600")
    compared = run_comparison(con, item_check("sum"))
    assert (compared.row_count, compared.failing_count, compared.failing) == (LINES, 0, [])
    assert summarise(item_check("sum"), compared) == (
        Decimal(500 * LINES), Decimal(600 * LINES), Decimal(100 * LINES))


def test_a_check_of_few_rows_is_read_whole(con) -> None:
    con.execute("DELETE FROM lines WHERE line >= 50")
    compared = run_comparison(con, item_check("sum"))
    assert (compared.row_count, len(compared.rows), compared.failing_count) == (50, 50, 1)
    assert compared.totals is None
    assert summarise(item_check("sum"), compared) == (Decimal("500.00"), Decimal("100.00"), Decimal("-400.00"))
