"""Step 4 of ingestion: the staged cells (`incoming`, stage.py) as typed values, in DuckDB SQL so that ten
million lines parse at DuckDB's speed. Each line gets its typed columns and the file's other columns
(`extras`), or the reasons it cannot be loaded. A workbook's sheets are parsed one by one, as parts."""

from __future__ import annotations

import re

import duckdb

from opcc.feeds import Column, Feed, Kind
from opcc.ingest.dates import Order, date_formats, hint_sql
from opcc.ingest.header import Layout
from opcc.ingest.stage import sql_str

# Money: '£1,234.50', '1234.5', '(1,234.50)', '1,234.50-', '1,234.50 CR', '-£5', 'GBP 12'. Thousands separators must
# sit in threes, and more than two decimal places is refused rather than rounded. DECIMAL(18,2) holds up to
# 9,999,999,999,999,999.99: a larger amount does not fit, and its line is quarantined (TRY_CAST), never a crash.
MONEY_RE = r"^(\()?(-)?(\d{1,3}(?:,\d{3})+|\d*)(\.\d{0,2})?(\))?(-)?$"
PLAIN_MONEY_RE = r"£?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?"
FLOAT_NOISE_RE = r"-?\d{1,16}\.\d{9,20}"  # binary noise of a float: many more decimals than a penny needs
# Date formats: dates.date_formats, in the file's order (day first unless its dates say otherwise).
YEAR_RE = r"^(?:FY\s*)?(\d{4})\s*[/-]\s*(\d{2}|\d{4})$"
TOTAL_RE = r"^\s*(grand\s+|sub\s*-?\s*)?totals?\b"
# A longer cell is not a ledger value (Python's csv module stops at 128 KiB too): its line is quarantined.
MAX_CELL_BYTES = 131_072

def _date_macros(suffix: str, order: Order) -> str:
    """opcc_date<suffix>(v): a date cell read in `order`. Two-digit years are tried only when no four-digit
    reading works ('%Y' happily reads '19' as AD 19). The commonest form (dd/mm/yyyy, or mm/dd/yyyy) is read
    directly; COALESCE only tries the rest where it failed. Five digits are an Excel serial date (a workbook cell
    in General format, or a CSV saved from one): 45044 is 28/04/2023."""
    full, short = date_formats(order)
    return f"""
CREATE OR REPLACE TEMP MACRO opcc_date_any{suffix}(v) AS
    CASE WHEN year(try_strptime(v, {full!r})) >= 1000 THEN try_strptime(v, {full!r})
         ELSE try_strptime(v, {short!r}) END;
CREATE OR REPLACE TEMP MACRO opcc_date{suffix}(v) AS
    coalesce(CASE WHEN length(v) = 10 THEN opcc_date_in_range(try_strptime(v, '{full[0]}')) END,
             opcc_date_in_range(opcc_date_any{suffix}(v)),
             CASE WHEN regexp_full_match(v, '\\d{{5}}(\\.0+)?')
                  THEN opcc_date_in_range(DATE '1899-12-30' + CAST(CAST(v AS DOUBLE) AS INTEGER)) END);
"""


DATE_MACRO_SUFFIX: dict[Order, str] = {"day_first": "", "month_first": "_month_first"}

MACROS = f"""
CREATE OR REPLACE TEMP MACRO opcc_date_in_range(d) AS CASE WHEN year(d) BETWEEN 1990 AND 2100 THEN CAST(d AS DATE) END;
CREATE OR REPLACE TEMP MACRO opcc_money_parts(v) AS
    regexp_extract(regexp_replace(regexp_replace(regexp_replace(v, '[£\\s]|GBP', '', 'gi'),
                                                 'CR$', '-', 'i'), 'DR$', '', 'i'),
                   '{MONEY_RE}', ['o', 's', 'i', 'f', 'c', 't']);
CREATE OR REPLACE TEMP MACRO opcc_money_of(p) AS
    CASE WHEN (p.i <> '' OR length(p.f) > 1)
              AND (p.o = '') = (p.c = '')
              AND (p.o <> '')::INT + (p.s <> '')::INT + (p.t <> '')::INT <= 1
         THEN TRY_CAST(replace(p.i, ',', '') || p.f AS DECIMAL(18,2))
              * CASE WHEN p.o <> '' OR p.s <> '' OR p.t <> '' THEN -1 ELSE 1 END
    END;
-- A spreadsheet's float written out as text ('115520.68999999997', as pandas writes it) is the penny it
-- stands for, as the same cell read from the workbook is (read.cell_text); a real third decimal is refused.
CREATE OR REPLACE TEMP MACRO opcc_money_float(d) AS
    CASE WHEN abs(d - round(d, 2)) < 0.000001 THEN TRY_CAST(round(d, 2) AS DECIMAL(18,2)) END;
-- The usual '£1,234.50' or '600.00' is cast straight away; credits and odd spellings take the long road.
CREATE OR REPLACE TEMP MACRO opcc_money(v) AS
    CASE WHEN regexp_full_match(v, '{PLAIN_MONEY_RE}')
              THEN TRY_CAST(replace(replace(v, '£', ''), ',', '') AS DECIMAL(18,2))
         WHEN regexp_full_match(v, '{FLOAT_NOISE_RE}') THEN opcc_money_float(TRY_CAST(v AS DECIMAL(38,20)))
         ELSE opcc_money_of(opcc_money_parts(v)) END;
CREATE OR REPLACE TEMP MACRO opcc_year(v) AS
    CASE WHEN regexp_full_match(upper(v), '{YEAR_RE}')
          AND (CAST(regexp_extract(upper(v), '{YEAR_RE}', 2) AS INT)
               IN (CAST(regexp_extract(upper(v), '{YEAR_RE}', 1) AS INT) + 1,
                   (CAST(regexp_extract(upper(v), '{YEAR_RE}', 1) AS INT) + 1) % 100))
         THEN regexp_extract(upper(v), '{YEAR_RE}', 1) || '/'
              || lpad(CAST((CAST(regexp_extract(upper(v), '{YEAR_RE}', 1) AS INT) + 1) % 100 AS VARCHAR), 2, '0')
    END;
""" + "".join(_date_macros(suffix, order) for order, suffix in DATE_MACRO_SUFFIX.items())


TYPE_NAMES = {Kind.MONEY: "an amount in pounds (at most 16 digits before the point and 2 after it)",
              Kind.DATE: "a date (dd/mm/yyyy, d Mon yyyy or yyyy-mm-dd)",
              Kind.YEAR: "a financial year like 2019/20"}
PARSERS = {Kind.MONEY: "opcc_money", Kind.DATE: "opcc_date", Kind.YEAR: "opcc_year"}


def _typed(col: Column, cell: str, order: Order) -> str:
    if col.kind is Kind.TEXT:
        return cell
    if col.kind is Kind.DATE:
        return f"{PARSERS[col.kind]}{DATE_MACRO_SUFFIX[order]}({cell})"
    return f"{PARSERS[col.kind]}({cell})"


def _cell(i: int) -> str:
    """Cell i as a value: empty, `NA` (R's and many exports' missing value) and spaces alone are none; spaces
    and non-breaking spaces around a value are not part of it. Trimmed only when there is something to trim
    (trim copies every string)."""
    c = f"c{i}"
    edges = " OR ".join(f"{c} LIKE {p}" for p in ("' %'", "'% '", "chr(160) || '%'", "'%' || chr(160)"))
    return (f"CASE WHEN {c} = '' OR {c} = 'NA' THEN NULL WHEN {edges} THEN nullif(trim({c}, ' ' || chr(160)), '') "
            f"ELSE {c} END AS n{i}")


def parse_part(con: duckdb.DuckDBPyConnection, feed: Feed, layout: Layout, part: int, ordered: bool,
               order: Order = "day_first") -> int:
    """Parse `incoming`, in one pass, into the temp table `_parsed_<part>`: every record in file order with its
    typed columns, `extras`, `is_total`, `bad`, and for lines that need attention `column_name`, `reason` and
    `raw_text`. Returns the number of records. With `ordered` (DuckDB's reader, whose records carry no line
    numbers), the plan is first checked to keep the file's order: the records' positions become their lines.
    Dates are read in `order`; each line's `date_hint` says which order its dates allow (dates.settle_order)."""
    con.execute(MACROS)
    ncols, columns = layout.ncols, layout.columns
    trimmed = ", ".join(_cell(i) for i in range(ncols))
    cells = {c.name: f"n{columns[c.name]}" if c.name in columns else "NULL" for c in feed.columns}
    first_cell = "coalesce(" + ", ".join(f"n{i}" for i in range(ncols)) + ")"
    filled = " + ".join(f"(n{i} IS NOT NULL)::INT" for i in range(ncols))
    typed = ",\n    ".join(f"{_typed(c, '_t_' + c.name, order)} AS {c.name}" for c in feed.columns)
    other_way = "opcc_date" + DATE_MACRO_SUFFIX["month_first" if order == "day_first" else "day_first"]
    extras = layout.extras()
    extras_sql = ("CAST(NULL AS VARCHAR)" if not extras else
                  "nullif(CAST(json_merge_patch('{}', json_object("
                  + ", ".join(f"{sql_str(key)}, n{i}" for key, i in extras.items()) + ")) AS VARCHAR), '{}')")
    # Each problem: (condition, column, reason SQL).
    problems: list[tuple[str, str, str]] = []
    for c in feed.columns:
        t = f"_t_{c.name}"
        if c.required:
            problems.append((f"{t} IS NULL", c.name, sql_str(f"{c.name} is required but empty")))
        if c.kind is not Kind.TEXT:
            quoted = (f"{sql_str(c.name + ' ')} || chr(39) || {t} || chr(39) || "
                      f"{sql_str(' is not ' + TYPE_NAMES[c.kind])}")
            problems.append((f"{t} IS NOT NULL AND {c.name} IS NULL", c.name, quoted))
    problems.append((f"nfields > {ncols}", "(line)",
                     f"'the line has ' || nfields || ' cells but the header has {ncols}'"))
    long_cell = (" OR ".join(f"strlen(c{i}) > {MAX_CELL_BYTES}" for i in range(ncols))
                 + f" OR strlen(extra) > {MAX_CELL_BYTES}")
    problems.append((long_cell, "(line)", f"'a cell is longer than {MAX_CELL_BYTES:,} bytes: not a ledger value'"))
    # The feed's rules across columns (feed_contracts.toml): a NULL the check needs leaves the line to the others.
    problems += [(f"NOT ({rule.check})", rule.column, rule.reason_sql()) for rule in feed.rules]
    bad_sql = " OR ".join(f"coalesce({cond}, false)" for cond, _, _ in problems)
    column_sql = "concat_ws(', ', " + ", ".join(f"CASE WHEN {cond} THEN {sql_str(col)} END"
                                               for cond, col, _ in problems) + ")"
    reason_sql = "concat_ws('; ', " + ", ".join(f"CASE WHEN {cond} THEN {why} END" for cond, _, why in problems) + ")"
    # The line as received, for the quarantine record; a cell too long to be a value is cut short there.
    raw_cells = ", ".join(
        f"""CASE WHEN c{i} LIKE '%,%' OR c{i} LIKE '%"%' OR c{i} LIKE '%' || chr(10) || '%'
                 THEN '"' || replace(left(c{i}, 1000), '"', '""') || '"'
                 ELSE left(coalesce(c{i}, ''), 1000) END""" for i in range(ncols))
    t_cols = ", ".join(f"{expr} AS _t_{name}" for name, expr in cells.items())
    feed_cols = ", ".join(c.name for c in feed.columns)
    # A line whose only value is an amount, in the amount column, may be an unlabelled totals line (checked
    # against the lines above it when the file is loaded). Other required cells empty first: cheap to test.
    others_empty = " AND ".join(f"_t_{c} IS NULL" for c in feed.required if c != feed.amount_column) or "true"
    amount_alone = (f"CASE WHEN {others_empty} THEN {feed.amount_column} IS NOT NULL AND ({filled}) = 1 "
                    "AND nullif(trim(extra, ', '), '') IS NULL ELSE false END")
    con.execute(f"DROP TABLE IF EXISTS _parsed_{part}")
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
                             AND {feed.amount_column} IS NOT NULL  -- a total without one is just a bad line
                        ELSE false END AS labelled_total
            FROM cells
        ), checked AS (
            -- Blank: nothing in any cell, the header's or beyond it (`extra`, kept by the exact reader).
            SELECT *, first_cell IS NULL AND nullif(trim(extra, ', '), '') IS NULL AS blank,
                   (first_cell IS NOT NULL OR nullif(trim(extra, ', '), '') IS NOT NULL) AND ({bad_sql}) AS bad,
                   NOT labelled_total AND {amount_alone} AS amount_alone
            FROM typed
        )
        -- Reasons and the line as received are spelled out only for the few lines that need them.
        SELECT line_number, blank, bad, labelled_total OR amount_alone AS is_total, amount_alone, {feed_cols},
               {extras_sql} AS extras, {hint_sql(feed, order, other_way)} AS date_hint,
               CASE WHEN bad THEN {column_sql} END AS column_name,
               CASE WHEN bad THEN {reason_sql} END AS reason,
               CASE WHEN bad OR labelled_total OR amount_alone THEN concat_ws(',', {raw_cells}, left(extra, 1000)) END
                   AS raw_text
        FROM checked
    """
    if ordered:
        keeps_file_order(con, select)
    con.execute(f"CREATE TEMP TABLE _parsed_{part} AS {select}")
    counted = con.execute(f"SELECT count(*) FROM _parsed_{part}").fetchone()
    assert counted is not None  # an aggregate always returns one row
    return counted[0]


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


def number_lines(con: duckdb.DuckDBPyConnection, part: int, sheet: str | None, first_line: int | None,
                 skipped: list[int] | None = None) -> None:
    """Make the view `parsed_lines_<part>` over `_parsed_<part>`: its data lines (blank lines left out) with
    their sheet and line numbers. With `first_line`, record i (its row id) is line first_line + i, plus one
    for each line in `skipped` (empty lines DuckDB's reader passed over, in order) that comes before it."""
    helpers = ""  # columns of the numbering, not of the line
    parsed = f"_parsed_{part}"
    if first_line is None:
        source, numbered = parsed, "line_number"
    elif not skipped:
        source, numbered = parsed, f"coalesce(line_number, CAST(rowid AS INTEGER) + {first_line})"
    else:
        # The k-th skipped line (from 0) comes before every record from row id `line - first_line - k` on, which
        # all sit k + 1 lines further down: an ASOF join finds each record's last skip.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _skips_{part} AS
                        SELECT line - {first_line} - (ordinality - 1) AS from_row, max(ordinality) AS shift
                        FROM unnest(?::INTEGER[]) WITH ORDINALITY AS s(line, ordinality) GROUP BY 1""", [skipped])
        source = (f"(SELECT rowid AS _row, * FROM {parsed}) AS p "
                  f"ASOF LEFT JOIN _skips_{part} AS k ON p._row >= k.from_row")
        numbered = f"coalesce(line_number, CAST(_row + coalesce(shift, 0) AS INTEGER) + {first_line})"
        helpers = ", _row, from_row, shift"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW parsed_lines_{part} AS
                    SELECT {sql_str(sheet) if sheet is not None else 'CAST(NULL AS VARCHAR)'} AS sheet,
                           {numbered} AS line_number, * EXCLUDE (line_number, blank{helpers})
                    FROM {source}
                    WHERE NOT blank  -- blank lines are not data""")


def combine_parts(con: duckdb.DuckDBPyConnection, parts: int) -> None:
    """The view `parsed_lines` over every part's lines, and the small table `parsed` of the lines that need
    attention: bad ones and totals lines."""
    con.execute("CREATE OR REPLACE TEMP VIEW parsed_lines AS "
                + " UNION ALL ".join(f"SELECT * FROM parsed_lines_{k}" for k in range(parts)))
    con.execute("CREATE OR REPLACE TEMP TABLE parsed AS SELECT * EXCLUDE (bad) FROM parsed_lines WHERE bad OR is_total")


def drop_parsed(con: duckdb.DuckDBPyConnection) -> None:
    for (name, kind) in con.execute(
            """SELECT table_name, table_type FROM information_schema.tables
               WHERE table_catalog = 'temp' AND regexp_matches(table_name, '^(_?parsed|_skips)')""").fetchall():
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS {name}")


def settle_totals(con: duckdb.DuckDBPyConnection, amount_column: str,
                  loaded: dict[str | None, tuple[int, object]], last_sheet: str | None = None) -> None:
    """Decide the totals lines, sheet by sheet. `loaded` is, per sheet, its last loaded line and the sum of
    its loaded amounts. A labelled totals line after every other line of its sheet is that sheet's control
    total; one anywhere else is quarantined. A line with only an amount is a control total only where it is
    last and equals the sum of the lines above it (in the last sheet, of its sheet or of the whole file);
    otherwise it is quarantined, saying which."""
    con.execute("CREATE OR REPLACE TEMP TABLE _loaded (sheet VARCHAR, last_line INTEGER, amount DECIMAL(38,2))")
    if loaded:
        con.executemany("INSERT INTO _loaded VALUES (?, ?, ?)", [[k, v[0], v[1]] for k, v in loaded.items()])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _totals AS
        WITH pos AS (
            SELECT sheet, line_number, is_total, amount_alone, {amount_column} AS total,
                   max(line_number) OVER (PARTITION BY sheet) AS last_listed
            FROM parsed
        )
        SELECT pos.sheet, line_number, amount_alone, total, coalesce(l.amount, 0) AS above,
               line_number >= greatest(last_listed, coalesce(l.last_line, 0)) AS last,
               total = coalesce(l.amount, 0)
                   OR (pos.sheet IS NOT DISTINCT FROM ? AND total = (SELECT sum(amount) FROM _loaded)) AS adds_up
        FROM pos LEFT JOIN _loaded l ON l.sheet IS NOT DISTINCT FROM pos.sheet
        WHERE is_total""", [last_sheet])
    con.execute("""
        UPDATE parsed SET column_name = '(line)', is_total = false,
               reason = CASE
                   WHEN NOT t.amount_alone THEN 'a totals or subtotal line that is not the last line of the file'
                   WHEN NOT t.last THEN 'a line with only an amount (' || t.total || ') that is not the last line, '
                                        || 'so it is not a control total'
                   ELSE 'a line with only an amount (' || t.total || ') that does not equal the sum of the lines '
                        || 'above it (' || t.above || '): not a control total'
               END
        FROM _totals AS t
        WHERE parsed.sheet IS NOT DISTINCT FROM t.sheet AND parsed.line_number = t.line_number
          AND (NOT t.last OR (t.amount_alone AND NOT t.adds_up))""")
    con.execute("DROP TABLE _totals; DROP TABLE _loaded")
