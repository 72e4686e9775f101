"""The read-side SQL pointed at PostgreSQL: schema references renamed, never text inside literals or comments."""

from __future__ import annotations

from opcc.postgres.dialect import for_postgres


def test_schema_references_renamed_for_the_build_and_raw():
    sql = ("SELECT count(*) FROM raw.main.transactions AS t JOIN staging.stg_raw__transactions AS s USING (file_id)"
           " JOIN marts.spend_transactions AS m ON m.file_id = s.file_id, reference.funds AS f")
    assert for_postgres(sql, "__build") == (
        "SELECT count(*) FROM raw.transactions AS t JOIN staging__build.stg_raw__transactions AS s USING (file_id)"
        " JOIN marts__build.spend_transactions AS m ON m.file_id = s.file_id, reference__build.funds AS f")
    assert for_postgres("SELECT * FROM marts.fund_position") == "SELECT * FROM marts.fund_position"


def test_literals_comments_columns_and_quoted_names_are_left_alone():
    sql = ("-- compares marts.spend_transactions\n"
           "SELECT 'marts.commitments (planned)' AS stage, r.reference, x.marts, \"marts.odd\".y"
           " FROM marts.commitments")
    assert for_postgres(sql, "__build") == (
        "-- compares marts.spend_transactions\n"
        "SELECT 'marts.commitments (planned)' AS stage, r.reference, x.marts, \"marts.odd\".y"
        " FROM marts__build.commitments")


def test_parameters_in_psycopg2_style_only_when_asked():
    sql = "SELECT strftime(d, '%Y-%m'), '?' FROM pub WHERE month = ? AND pct LIKE 'a%'"
    assert for_postgres(sql, with_params=True) == (
        "SELECT strftime(d, '%%Y-%%m'), '?' FROM pub WHERE month = %s AND pct LIKE 'a%%'")
    assert for_postgres(sql) == sql
