"""Terminal control codes never reach what the project prints or writes (issue 22)."""

from __future__ import annotations

from opcc.plain_text import plain

# In the form dbt 1.11 prints a test's result to a pipe (as a captured `dbt build` shows them).
DBT_LINE = "\x1b[0m05:04:05  324 of 405 FAIL 1 not_null_fund_code ... [\x1b[31mFAIL 1\x1b[0m in 0.04s]"


def test_dbt_s_colours_go_and_the_words_stay() -> None:
    assert plain(DBT_LINE) == "05:04:05  324 of 405 FAIL 1 not_null_fund_code ... [FAIL 1 in 0.04s]"


def test_codes_whose_escape_was_already_lost_go_too() -> None:
    assert plain("Done. PASS=3 [31mERROR=1[0m") == "Done. PASS=3 ERROR=1"


def test_every_string_in_a_record_is_plain_and_nothing_else_changes() -> None:
    record = {"message": "\x1b[33mWARN 2\x1b[0m", "failed_nodes": ["\x1b[1mmodel.opcc.x\x1b[0m"], "ok": False,
              "rows": ({"amount": 1.5, "name": "Café [Ltd]"},), "count": 3}
    assert plain(record) == {"message": "WARN 2", "failed_nodes": ["model.opcc.x"], "ok": False,
                             "rows": ({"amount": 1.5, "name": "Café [Ltd]"},), "count": 3}
