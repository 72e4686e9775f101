"""Turning staged text lines into typed values, in DuckDB SQL so that ten million lines parse at
DuckDB's speed. Each line gets its typed columns, or the reasons it cannot be loaded."""

from __future__ import annotations

import re

import duckdb

from opcc.feeds import Column, Feed, Kind

# Money: '£1,234.50', '1234.5', '(1,234.50)', '1,234.50-', '1,234.50 CR', '-£5', 'GBP 12'. Thousands separators must
# sit in threes, and more than two decimal places is refused rather than rounded.
MONEY_RE = r"^(\()?(-)?(\d{1,3}(?:,\d{3})+|\d*)(\.\d{0,2})?(\))?(-)?$"
PLAIN_MONEY_RE = r"£?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?"
DATE_FORMATS = [
    "%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%d-%m-%Y", "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y/%m/%d",
]
# Two-digit years are tried only when no four-digit reading works ('%Y' happily reads '19' as AD 19).
SHORT_DATE_FORMATS = ["%d/%m/%y", "%d-%b-%y", "%d %b %y", "%d-%m-%y"]
YEAR_RE = r"^(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})$"
TOTAL_RE = r"^\s*(grand\s+|sub\s*-?\s*)?totals?\b"

MACROS = f"""
CREATE OR REPLACE TEMP MACRO opcc_money_parts(v) AS
    regexp_extract(regexp_replace(regexp_replace(regexp_replace(v, '[£\\s]|GBP', '', 'gi'), 'CR$', '-', 'i'), 'DR$', '', 'i'),
                   '{MONEY_RE}', ['o', 's', 'i', 'f', 'c', 't']);
CREATE OR REPLACE TEMP MACRO opcc_money_of(p) AS
    CASE WHEN (p.i <> '' OR length(p.f) > 1)
              AND (p.o = '') = (p.c = '')
              AND (p.o <> '')::INT + (p.s <> '')::INT + (p.t <> '')::INT <= 1
         THEN TRY_CAST(replace(p.i, ',', '') || p.f AS DECIMAL(18,2))
              * CASE WHEN p.o <> '' OR p.s <> '' OR p.t <> '' THEN -1 ELSE 1 END
    END;
-- The usual '£1,234.50' or '600.00' is cast straight away; credits and odd spellings take the long road.
CREATE OR REPLACE TEMP MACRO opcc_money(v) AS
    CASE WHEN regexp_full_match(v, '{PLAIN_MONEY_RE}') THEN CAST(replace(replace(v, '£', ''), ',', '') AS DECIMAL(18,2))
         ELSE opcc_money_of(opcc_money_parts(v)) END;
CREATE OR REPLACE TEMP MACRO opcc_date_any(v) AS
    CASE WHEN year(try_strptime(v, {DATE_FORMATS!r})) >= 1000 THEN try_strptime(v, {DATE_FORMATS!r})
         ELSE try_strptime(v, {SHORT_DATE_FORMATS!r}) END;
-- dd/mm/yyyy, by far the commonest, is read directly; COALESCE only tries the rest where it failed.
CREATE OR REPLACE TEMP MACRO opcc_date_in_range(d) AS CASE WHEN year(d) BETWEEN 1990 AND 2100 THEN CAST(d AS DATE) END;
CREATE OR REPLACE TEMP MACRO opcc_date(v) AS
    coalesce(CASE WHEN length(v) = 10 THEN opcc_date_in_range(try_strptime(v, '%d/%m/%Y')) END,
             opcc_date_in_range(opcc_date_any(v)));
CREATE OR REPLACE TEMP MACRO opcc_year(v) AS
    CASE WHEN regexp_full_match(upper(v), '{YEAR_RE}')
          AND (CAST(regexp_extract(upper(v), '{YEAR_RE}', 2) AS INT)
               IN (CAST(regexp_extract(upper(v), '{YEAR_RE}', 1) AS INT) + 1,
                   (CAST(regexp_extract(upper(v), '{YEAR_RE}', 1) AS INT) + 1) % 100))
         THEN regexp_extract(upper(v), '{YEAR_RE}', 1) || '/'
              || lpad(CAST((CAST(regexp_extract(upper(v), '{YEAR_RE}', 1) AS INT) + 1) % 100 AS VARCHAR), 2, '0')
    END;
"""

TYPE_NAMES = {Kind.MONEY: "an amount in pounds", Kind.DATE: "a date (dd/mm/yyyy, d Mon yyyy or yyyy-mm-dd)",
              Kind.YEAR: "a financial year like 2019/20"}
PARSERS = {Kind.MONEY: "opcc_money", Kind.DATE: "opcc_date", Kind.YEAR: "opcc_year"}


def sql_str(text: str) -> str:
    """A SQL string literal (for text that cannot be a bound parameter, e.g. inside a view)."""
    return "'" + text.replace("'", "''") + "'"


def _typed(col: Column, cell: str) -> str:
    if col.kind is Kind.TEXT:
        return cell
    return f"{PARSERS[col.kind]}({cell})"


def parse_incoming(con: duckdb.DuckDBPyConnection, feed: Feed, columns: dict[str, int], ncols: int,
                   first_line: int | None = None) -> None:
    """Parse `incoming`, in one pass, into the temp table `_parsed`: every record in file order with its
    typed columns, `is_total`, `bad`, and for lines that need attention `column_name`, `reason` and
    `raw_text`. When `incoming` has no line numbers (DuckDB's reader), record i is line first_line + i.

    Over it: the view `parsed_lines` (data lines, blank lines left out) and the small table `parsed` of
    the lines that need attention: bad ones and totals lines."""
    con.execute(MACROS)
    # Each cell trimmed once (n0..nN), and only when it has spaces to lose (trim copies every
    # string); a feed column is its cell, or NULL when the file lacks it.
    trimmed = ", ".join(f"CASE WHEN c{i} LIKE ' %' OR c{i} LIKE '% ' THEN nullif(trim(c{i}), '') "
                        f"ELSE nullif(c{i}, '') END AS n{i}" for i in range(ncols))
    cells = {c.name: f"n{columns[c.name]}" if c.name in columns else "NULL" for c in feed.columns}
    first_cell = "coalesce(" + ", ".join(f"n{i}" for i in range(ncols)) + ")"
    filled = " + ".join(f"(n{i} IS NOT NULL)::INT" for i in range(ncols))
    typed = ",\n    ".join(f"{_typed(c, '_t_' + c.name)} AS {c.name}" for c in feed.columns)
    # Each problem: (condition, column, reason SQL).
    problems: list[tuple[str, str, str]] = []
    for c in feed.columns:
        t = f"_t_{c.name}"
        if c.required:
            problems.append((f"{t} IS NULL", c.name, sql_str(f"{c.name} is required but empty")))
        if c.kind is not Kind.TEXT:
            quoted = f"{sql_str(c.name + ' ')} || chr(39) || {t} || chr(39) || {sql_str(' is not ' + TYPE_NAMES[c.kind])}"
            problems.append((f"{t} IS NOT NULL AND {c.name} IS NULL", c.name, quoted))
    problems.append((f"nfields > {ncols}", "(line)",
                     f"'the line has ' || nfields || ' cells but the header has {ncols}'"))
    if feed.name == "ppa_receipts":
        problems.append((
            "net_amount <> gross_amount - sale_costs", "net_amount",
            "'net_amount ' || net_amount || ' is not gross_amount ' || gross_amount || ' minus sale_costs '"
            " || sale_costs || ' (= ' || (gross_amount - sale_costs) || ')'",
        ))
    if feed.name == "commitments":
        problems.append(("end_date < start_date", "end_date",
                         "'end_date ' || end_date || ' is before start_date ' || start_date"))
    bad_sql = " OR ".join(f"coalesce({cond}, false)" for cond, _, _ in problems)
    column_sql = "concat_ws(', ', " + ", ".join(f"CASE WHEN {cond} THEN {sql_str(col)} END"
                                               for cond, col, _ in problems) + ")"
    reason_sql = "concat_ws('; ', " + ", ".join(f"CASE WHEN {cond} THEN {why} END" for cond, _, why in problems) + ")"
    raw_cells = ", ".join(
        f"""CASE WHEN c{i} LIKE '%,%' OR c{i} LIKE '%"%' THEN '"' || replace(c{i}, '"', '""') || '"'
                 ELSE coalesce(c{i}, '') END""" for i in range(ncols))
    t_cols = ", ".join(f"{expr} AS _t_{name}" for name, expr in cells.items())
    feed_cols = ", ".join(c.name for c in feed.columns)
    drop_parsed(con)
    # Blank lines stay in _parsed (flagged) so that its row ids are the records' positions in the file.
    select = f"""
        WITH trimmed AS (
            SELECT *, {trimmed} FROM incoming
        ), cells AS (
            SELECT *, {first_cell} AS first_cell, {t_cols} FROM trimmed
        ), typed AS (
            SELECT *, {typed},
                   -- 'Total' and an amount or two, not a supplier called 'Total Gas & Power'. The
                   -- first letter (t, g or s by its code, | 32 for either case: no string built) spares
                   -- the regex most lines. Three values at most: DuckDB plans a longer IN list as a join,
                   -- and a join loses the rows' file order (see keeps_file_order).
                   CASE WHEN (ascii(first_cell) | 32) IN (116, 103, 115)
                        THEN regexp_matches(first_cell, '{TOTAL_RE}', 'i') AND ({filled}) <= 3
                        ELSE false END AS is_total
            FROM cells
        ), checked AS (
            SELECT *, first_cell IS NULL AS blank, first_cell IS NOT NULL AND ({bad_sql}) AS bad FROM typed
        )
        -- Reasons and the line as received are spelled out only for the few lines that need them.
        SELECT line_number, blank, bad, is_total, {feed_cols},
               CASE WHEN bad THEN {column_sql} END AS column_name,
               CASE WHEN bad THEN {reason_sql} END AS reason,
               CASE WHEN bad OR is_total THEN concat_ws(',', {raw_cells}, extra) END AS raw_text
        FROM checked
    """
    if first_line is not None:
        keeps_file_order(con, select)
    con.execute(f"CREATE TEMP TABLE _parsed AS {select}")
    number_lines(con, first_line)


class OrderNotKept(RuntimeError):
    """The parse's plan may reorder records, so their positions would not be their line numbers."""


# DuckDB keeps insertion order through scans and projections (preserve_insertion_order); a join (which is
# what it makes of an IN list of five or more values), an aggregate, a window or a sort may not.
_REORDERING = re.compile(r"\bJoin\b|Aggregate|Group By|Window|Order By|Union|Top N|Sample", re.IGNORECASE)


def keeps_file_order(con: duckdb.DuckDBPyConnection, select: str) -> None:
    """Raise OrderNotKept unless `select` reads `incoming` in order, projections only (checked on its plan,
    once per parse: planning it takes about 0.15 s, and a feed's files mostly share one)."""
    if select in _KEEPS_ORDER:
        return
    plan = "\n".join(str(row[-1]) for row in con.execute(f"EXPLAIN {select}").fetchall())
    if found := _REORDERING.search(plan):
        raise OrderNotKept(f"the parse's plan has a {found.group(0)}, which may reorder lines")
    _KEEPS_ORDER.add(select)


_KEEPS_ORDER: set[str] = set()


def number_lines(con: duckdb.DuckDBPyConnection, first_line: int | None, skipped: list[int] | None = None) -> None:
    """(Re)make the view `parsed_lines` and the table `parsed` over `_parsed`. With `first_line`, record i
    (its row id) is line first_line + i, plus one for each line in `skipped` (empty lines DuckDB's reader
    passed over, in order) that comes before it."""
    con.execute("DROP TABLE IF EXISTS parsed; DROP VIEW IF EXISTS parsed_lines; DROP TABLE IF EXISTS _skips")
    helpers = ""  # columns of the numbering, not of the line
    if first_line is None:
        source, numbered = "_parsed", "line_number"
    elif not skipped:
        source, numbered = "_parsed", f"coalesce(line_number, CAST(rowid AS INTEGER) + {first_line})"
    else:
        # The k-th skipped line (from 0) comes before every record from row id `line - first_line - k` on, which
        # all sit k + 1 lines further down: an ASOF join finds each record's last skip.
        con.execute(f"""CREATE TEMP TABLE _skips AS
                        SELECT line - {first_line} - (ordinality - 1) AS from_row, max(ordinality) AS shift
                        FROM unnest(?::INTEGER[]) WITH ORDINALITY AS s(line, ordinality) GROUP BY 1""", [skipped])
        source = "(SELECT rowid AS _row, * FROM _parsed) AS p ASOF LEFT JOIN _skips ON p._row >= _skips.from_row"
        numbered = f"coalesce(line_number, CAST(_row + coalesce(shift, 0) AS INTEGER) + {first_line})"
        helpers = ", _row, from_row, shift"
    con.execute(f"""CREATE TEMP VIEW parsed_lines AS
                    SELECT {numbered} AS line_number, * EXCLUDE (line_number, blank{helpers})
                    FROM {source}
                    WHERE NOT blank  -- blank lines are not data""")
    con.execute("CREATE TEMP TABLE parsed AS SELECT * EXCLUDE (bad) FROM parsed_lines WHERE bad OR is_total")


def drop_parsed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS parsed; DROP VIEW IF EXISTS parsed_lines; DROP TABLE IF EXISTS _parsed; "
                "DROP TABLE IF EXISTS _skips")


def settle_totals(con: duckdb.DuckDBPyConnection, last_good_line: int | None) -> None:
    """Only a totals line after every other line is the file's control total; any other is quarantined."""
    con.execute(
        """UPDATE parsed SET column_name = '(line)', is_total = false,
                  reason = 'a totals or subtotal line that is not the last line of the file'
           WHERE is_total AND line_number < greatest((SELECT max(line_number) FROM parsed), ?)""",
        [last_good_line or 0])
