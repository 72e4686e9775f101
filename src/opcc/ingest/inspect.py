"""`opcc inspect FILE [--feed NAME]`: what ingestion would make of a file, loading nothing.

For a finance officer onboarding a new extract: the encoding, where the header is, how each column
maps to the feed's contract, the first parsed lines, the totals line, and what would be quarantined
and why. Where a required column is missing, the closest candidates and the `[mappings.<feed>]` lines
to add to opcc.toml, checked by reading the file again with them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from opcc.config import Settings, duckdb_config
from opcc.feeds import FEEDS, Feed, Kind
from opcc.ingest.header import FilePlan, detect_feed, plan_file, suggest_mapping
from opcc.ingest.loader import parse_file
from opcc.ingest.parse import settle_totals
from opcc.ingest.read import Source, open_source, sheet_names
from opcc.ingest.sniff import RejectedFile, sniff

SHOWN = 5  # parsed lines shown
QUARANTINE_SHOWN = 20

ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "cp1252": "Windows-1252",
             "utf-16": "UTF-16 (Unicode text)"}
WORKBOOK_KINDS = {".xlsx": "Excel workbook", ".xlsm": "Excel workbook", ".xls": "Excel 97-2003 workbook (.xls)",
                  ".ods": "OpenDocument spreadsheet (.ods)"}


def inspect_file(settings: Settings, path: Path, feed_name: str | None = None) -> tuple[int, str]:
    """(exit code, report): 0 when the file would load, 1 when it would be rejected."""
    out: list[str] = [f"file:      {path}"]
    try:
        sniffed = sniff(path)
        with open_source(path, sniffed, settings.data_dir / "tmp") as source:
            out.append(f"format:    {_describe(source)}" + (f" (inside {path.name})" if source.path != path else ""))
            return _inspect(settings, source, feed_name, out)
    except RejectedFile as exc:
        out.append(f"REJECTED:  {exc}")
        return 1, "\n".join(out)


def _describe(source: Source) -> str:
    if source.is_workbook:
        kind = WORKBOOK_KINDS.get(source.path.suffix.lower(), "workbook")
        return f"{kind}, {len(sheet_names(source))} sheet(s)"
    return f"CSV, {ENCODINGS.get(source.sniffed.encoding or '', source.sniffed.encoding)}"


def _inspect(settings: Settings, source: Source, feed_name: str | None, out: list[str]) -> tuple[int, str]:
    mappings = dict(settings.mappings)
    if feed_name is None:
        try:
            feed_name = detect_feed(source, mappings)
            out.append(f"feed:      {feed_name} (read from its header; say --feed to choose)")
        except RejectedFile as exc:
            out.append(f"feed:      not recognised ({exc}); suggestions below are for transactions (--feed to choose)")
            feed_name = "transactions"
    else:
        out.append(f"feed:      {feed_name}")
    feed = FEEDS[feed_name]
    try:
        plan = plan_file(source, feed, mappings)
    except RejectedFile as exc:
        out.append(f"REJECTED:  {exc}")
        lines = _suggest(source, feed, mappings, out)
        if not lines:
            return 1, "\n".join(out)
        try:  # the suggestion, tried: the file as it would load with those lines in opcc.toml
            mappings[feed.name] = {**mappings.get(feed.name, {}), **_as_mapping(lines)}
            plan = plan_file(source, feed, mappings)
        except RejectedFile:
            out.append("\nEven with those lines the header is not recognised: map the columns by hand.")
            return 1, "\n".join(out)
        out.append("\nWith those lines in opcc.toml, the file would read as follows.")
    _show_plan(plan, feed, out)
    _show_parse(settings, source, feed, plan, out)
    return (1 if feed.name in mappings and mappings is not settings.mappings and
            mappings[feed.name] != settings.mappings.get(feed.name) else 0), "\n".join(out)


def _suggest(source: Source, feed: Feed, mappings: dict[str, dict[str, str]], out: list[str]) -> list[str]:
    suggestion = suggest_mapping(source, feed, mappings)
    if not suggestion.names:
        return []
    where = f"sheet '{suggestion.sheet}' row" if suggestion.sheet else "line"
    out.append(f"\nThe likeliest header is {where} {suggestion.line}: {', '.join(n for n in suggestion.names if n)}")
    for col, index in suggestion.found.items():
        out.append(f"  {col:<20} <- {suggestion.names[index]!r}")
    for col, names in suggestion.missing.items():
        out.append(f"  {col:<20} MISSING; closest: {', '.join(repr(n) for n in names) or '(none)'}")
    lines = suggestion.mapping_lines(feed)
    if len(lines) > 1:
        out.append(f"\nAdd to {Path('$OPCC_DATA_DIR') / 'opcc.toml'} "
                   f"(into its [mappings.{feed.name}] table if it has one):\n")
        out.extend("    " + line for line in lines)
        return lines
    return []


def _as_mapping(lines: list[str]) -> dict[str, str]:
    import tomllib

    return next(iter(tomllib.loads("\n".join(lines))["mappings"].values()))


def _show_plan(plan: FilePlan, feed: Feed, out: list[str]) -> None:
    # Sheets with the same header are shown once (one sheet per month is common).
    alike: dict[tuple[object, ...], list[str | None]] = {}
    for layout in plan.layouts:
        alike.setdefault((layout.header_line, layout.names, tuple(layout.columns.items()), layout.header_last),
                         []).append(layout.sheet)
    for layout in plan.layouts:
        sheets = alike.pop((layout.header_line, layout.names, tuple(layout.columns.items()), layout.header_last), None)
        if sheets is None:
            continue
        delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[layout.delimiter]
        placed = " (after the data: every other line is data)" if layout.header_last else ""
        where = (f"row {layout.header_line} of sheet(s) {', '.join(repr(s) for s in sheets)}" if layout.sheet
                 else f"line {layout.header_line}, {delimiter}-separated")
        out.append(f"\nheader:    {where}{placed}")
        for col in feed.columns:
            if col.name in layout.columns:
                out.append(f"  {col.name:<20} <- {layout.names[layout.columns[col.name]].strip()!r}")
            else:
                out.append(f"  {col.name:<20}    (not in the file{'; REQUIRED' if col.required else ''})")
        extras = layout.extras()
        named = [k for k in extras if not k.startswith("column ")]
        if named:
            out.append(f"  kept in raw (extras): {', '.join(named)}")
    if plan.headerless_sheets:
        out.append("\nsheets without a header (their lines would be quarantined, never lost): "
                   + ", ".join(f"'{s}'" for s in plan.headerless_sheets))


def _show_parse(settings: Settings, source: Source, feed: Feed, plan: FilePlan, out: list[str]) -> None:
    con = duckdb.connect(config=duckdb_config(settings))
    try:
        dates = parse_file(con, source, feed, plan, settings.data_dir / "tmp",
                           settings.date_order.get(feed.name, "day_first"))
        if any(c.kind is Kind.DATE for c in feed.columns):
            out.append(f"\ndates:     {dates.describe()}")
        amount = feed.amount_column
        by_sheet = con.execute(f"""SELECT sheet, max(line_number), sum({amount}) FROM parsed_lines
                                   WHERE NOT bad AND NOT is_total GROUP BY sheet""").fetchall()
        settle_totals(con, amount, {sheet: (last, total) for sheet, last, total in by_sheet}, plan.layouts[-1].sheet)
        cols = ", ".join(c.name for c in feed.columns)
        first = con.execute(f"""SELECT sheet, line_number, {cols} FROM parsed_lines WHERE NOT bad AND NOT is_total
                                ORDER BY sheet NULLS FIRST, line_number LIMIT {SHOWN}""").fetchall()
        out.append(f"\nfirst parsed lines ({', '.join(c.name for c in feed.columns)}):")
        for sheet, line, *values in first:
            where = f"{sheet}!{line}" if sheet else f"line {line}"
            out.append(f"  {where:<12} " + " | ".join("" if v is None else str(v) for v in values))
        totals = con.execute(f"SELECT sheet, line_number, {amount} FROM parsed WHERE is_total").fetchall()
        for sheet, line, total in totals:
            out.append(f"totals line: {f'{sheet}!' if sheet else 'line '}{line}, £{total:,.2f} (the control total)")
        bad = con.execute("""SELECT sheet, line_number, reason FROM parsed WHERE reason IS NOT NULL AND NOT is_total
                             ORDER BY sheet NULLS FIRST, line_number""").fetchall()
        counted = con.execute("SELECT count(*) FROM parsed_lines WHERE NOT bad AND NOT is_total").fetchone()
        assert counted is not None  # an aggregate always returns one row
        loaded = counted[0]
        total = sum((t or Decimal(0) for _, _, t in by_sheet), Decimal("0.00"))
        out.append(f"\nwould load {loaded:,} line(s), {amount} £{total:,.2f}; would quarantine {len(bad):,}")
        for sheet, line, reason in bad[:QUARANTINE_SHOWN]:
            out.append(f"  {f'{sheet}!' if sheet else 'line '}{line}: {reason}")
        if len(bad) > QUARANTINE_SHOWN:
            out.append(f"  … and {len(bad) - QUARANTINE_SHOWN:,} more")
    finally:
        con.close()
