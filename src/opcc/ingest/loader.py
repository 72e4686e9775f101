"""Step 5 of ingestion, and its conductor: each received file read (read.py), its header found and
mapped (header.py), its records staged (stage.py) and parsed (parse.py), then loaded and accounted for
here: each file once, every line loaded or quarantined.

A file is identified by its content (sha256): content already loaded is a duplicate and is skipped.
A file with a name loaded before but new content supersedes the earlier version (the marts use the
latest; raw keeps both). Each file loads in one transaction, so a crash leaves it wholly loaded or
not at all; only then is it moved out of the landing area, so a rerun never counts it twice. A file that
fails in a way nobody foresaw is set aside (rejected, with the error) and the rest of the feed goes on; but
a fault of the machine (a full disk, an I/O error, memory exhausted) is not the file's: it stays in landing/,
nothing of it is recorded, and the feed stops with one line (opcc.faults.MachineFault) for the next run to retry.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from opcc.config import FEEDS as FEED_NAMES
from opcc.config import Settings
from opcc.faults import MachineFault, as_machine_fault
from opcc.feeds import FEEDS, Feed
from opcc.filing import file_away
from opcc.ingest import stage
from opcc.ingest.dates import DateOrder, Order, settle_order
from opcc.ingest.header import FilePlan, Layout, detect_feed, plan_file
from opcc.ingest.parse import OrderNotKept, combine_parts, drop_parsed, number_lines, parse_part, settle_totals
from opcc.ingest.read import Source, open_source, sheet_rows
from opcc.ingest.sniff import WORKBOOK_SUFFIXES, RejectedFile, sniff

log = logging.getLogger(__name__)

ACCEPTED_SUFFIXES = {".csv", ".txt", ".tsv", ".zip", *WORKBOOK_SUFFIXES}
MAX_AMOUNT = Decimal("9999999999999999.99")  # DECIMAL(18,2), the money type from raw to marts

# Gives the next file id inside a file's load transaction (default: one more than raw's highest).
FileIds = Callable[[], int]


@dataclass
class FileResult:
    feed: str
    file_name: str
    sha256: str
    status: str  # loaded | duplicate | rejected
    rows_received: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    control_total: Decimal | None = None
    loaded_amount: Decimal | None = None
    message: str = ""
    file_id: int | None = None

    def line(self) -> str:
        """One clear line for a person reading the log."""
        head = f"{self.feed}/{self.file_name}: {self.status.upper()}"
        if self.status == "loaded":
            amount = f"£{self.loaded_amount:,.2f}" if self.loaded_amount is not None else "-"
            head += (f" — {self.rows_received} lines: {self.rows_loaded} loaded ({amount}),"
                     f" {self.rows_quarantined} quarantined")
        return f"{head}; {self.message}" if self.message else head

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        for key in ("control_total", "loaded_amount"):
            out[key] = None if out[key] is None else str(out[key])
        return out


def landing_files(settings: Settings, feed: str) -> list[Path]:
    folder = settings.landing_dir / feed
    if not folder.is_dir():
        return []
    # Hidden files and Excel's lock files (~$name.xlsx) are not extracts.
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


def ingest_feed(settings: Settings, feed: str, paths: list[Path] | None = None) -> list[FileResult]:
    """Load every file waiting in landing/<feed>/ (or the given paths) into the engine's raw store for the feed
    (opcc.engine.base.Engine.raw_sink)."""
    from opcc.engine import engine_for

    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r}; feeds are {', '.join(FEED_NAMES)}")
    from_landing = paths is None
    files = landing_files(settings, feed) if paths is None else paths
    engine = engine_for(settings)
    if not files:
        engine.catch_up_raw(feed)
        return []
    with engine.raw_sink(feed) as sink:
        return load_files(sink.con, settings, feed, files, move=from_landing, file_ids=sink.file_ids)


def load_files(con: duckdb.DuckDBPyConnection, settings: Settings, feed: str, files: list[Path], move: bool,
               file_ids: FileIds | None = None) -> list[FileResult]:
    """Load the files one by one into the raw database `con` writes, each in its own transaction. A fault of
    the machine stops the feed: the MachineFault carries the results of the files done before it (`done`)."""
    results: list[FileResult] = []
    for path in files:
        try:
            results.append(_ingest_file(con, settings, feed, path, move, file_ids or (lambda: _next_file_id(con))))
        except MachineFault as fault:
            fault.done = list(results)
            raise
    return results


def ingest_paths(settings: Settings, paths: list[Path], feed: str | None = None) -> list[FileResult]:
    """`opcc ingest PATH...`: the feed is --feed, else the file's folder name, else read from its header."""
    results: list[FileResult] = []
    by_feed: dict[str, list[Path]] = {}
    for path in paths:
        name = feed or (path.parent.name if path.parent.name in FEEDS else None)
        if name is None:
            try:
                with open_source(path, sniff(path), settings.data_dir / "tmp") as source:
                    name = detect_feed(source, settings.mappings)
            except (RejectedFile, OSError) as exc:
                results.append(FileResult("(unknown)", path.name, "", "rejected", message=str(exc)))
                continue
        by_feed.setdefault(name, []).append(path)
    for name, group in by_feed.items():
        results.extend(ingest_feed(settings, name, group))
    return results


def _next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM main.files").fetchone()
    assert row is not None  # an aggregate always returns one row
    return row[0]


def _record(con: duckdb.DuckDBPyConnection, r: FileResult) -> None:
    con.execute(
        "INSERT INTO main.files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r.file_id, r.feed, r.file_name, r.sha256, dt.datetime.now(dt.UTC).replace(tzinfo=None),
         r.rows_received, r.rows_loaded, r.rows_quarantined, r.control_total, r.loaded_amount,
         r.status, r.message],
    )


def _ingest_file(con: duckdb.DuckDBPyConnection, settings: Settings, feed: str, path: Path,
                 move: bool, file_ids: FileIds) -> FileResult:
    result = FileResult(feed, path.name, "", "loaded")
    headerless: list[tuple[str, list[tuple[int, list[str | None]]]]] = []
    last_sheet: str | None = None
    try:
        if path.suffix.lower() not in ACCEPTED_SUFFIXES:
            raise RejectedFile(f"'{path.suffix}' files are not extracts: send CSV or a workbook (.xlsx, .xls, .ods)")
        sniffed = sniff(path)
        result.sha256 = sniffed.sha256
        earlier = con.execute(
            """SELECT file_id, file_name, received_at FROM main.files
               WHERE feed = ? AND sha256 = ? AND status = 'loaded' ORDER BY file_id LIMIT 1""",
            [feed, sniffed.sha256],
        ).fetchone()
        if earlier:
            result.status = "duplicate"
            result.message = (f"same content as {earlier[1]} (file {earlier[0]}, received "
                              f"{earlier[2]:%d/%m/%Y %H:%M} UTC): skipped, nothing counted twice")
        else:
            # Read and parse into temp tables first: the write transaction stays short.
            with open_source(path, sniffed, settings.data_dir / "tmp") as source:
                plan = plan_file(source, FEEDS[feed], settings.mappings)
                dates = parse_file(con, source, FEEDS[feed], plan, settings.data_dir / "tmp",
                                   settings.date_order.get(feed, "day_first"))
                result.message = dates.note or ""  # the load's other notes follow it (_load)
                headerless = [(sheet, list(sheet_rows(source, sheet))) for sheet in plan.headerless_sheets]
                last_sheet = plan.layouts[-1].sheet
    except RejectedFile as exc:
        result.status, result.message = "rejected", str(exc)
    except Exception as exc:  # noqa: BLE001 - one file's unforeseen failure must not stop the feed or the night
        _raise_if_machine_fault(con, path, feed, exc)
        _set_aside(result, exc)
    try:
        try:
            _commit(con, FEEDS[feed], path, result, headerless, last_sheet, file_ids)
        except RejectedFile as exc:  # found only once its lines were added up: nothing of it stays
            result.status, result.message = "rejected", str(exc)
            result.rows_received = result.rows_loaded = result.rows_quarantined = 0
            result.control_total = result.loaded_amount = None
            _commit(con, FEEDS[feed], path, result, headerless, last_sheet, file_ids)
        except duckdb.Error as exc:  # the load itself failed: nothing of it stays; the file is set aside
            _rollback(con)
            _raise_if_machine_fault(con, path, feed, exc)
            _set_aside(result, exc)
            _commit(con, FEEDS[feed], path, result, headerless, last_sheet, file_ids)
    finally:
        _drop_work_tables(con)
    try:
        file_away(settings, feed, path, result.sha256,
                  result.message if result.status == "rejected" else None, move)
    except OSError as exc:  # recorded in raw already: a rerun finds it a duplicate and files it away then
        _raise_if_machine_fault(con, path, feed, exc, moving=True)
        raise
    return result


def _raise_if_machine_fault(con: duckdb.DuckDBPyConnection, path: Path, feed: str, exc: BaseException,
                            moving: bool = False) -> None:
    """Fail the feed, leaving the file where it is and nothing of it in raw, if `exc` is the machine's fault."""
    fault = as_machine_fault(exc, f"{'filing away' if moving else 'loading'} {feed}/{path.name}")
    if fault is None:
        return
    _rollback(con)
    log.error("%s", fault, exc_info=exc)
    raise fault from exc


def _drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    try:
        drop_parsed(con)
        stage.drop_staging(con)
    except duckdb.Error as exc:  # temporary tables go with the connection anyway; never hide the first error
        log.warning("could not drop the load's work tables: %s", exc)


def _set_aside(result: FileResult, exc: Exception) -> None:
    log.error("%s/%s could not be loaded", result.feed, result.file_name, exc_info=exc)
    result.status = "rejected"
    result.rows_received = result.rows_loaded = result.rows_quarantined = 0
    result.control_total = result.loaded_amount = None
    result.message = (f"the file could not be loaded ({type(exc).__name__}: {str(exc)[:300]}); it is set aside in "
                      "quarantine/ and the rest of the feed went on: please report this file")


def _commit(con: duckdb.DuckDBPyConnection, feed: Feed, path: Path, result: FileResult,
            headerless: list[tuple[str, list[tuple[int, list[str | None]]]]], last_sheet: str | None,
            file_ids: FileIds) -> None:
    """Record the file, and load its lines if it is to be loaded, in one transaction."""
    try:
        con.execute("BEGIN TRANSACTION")
        result.file_id = file_ids()
        if result.status == "loaded":
            _load(con, feed, path, result, headerless, last_sheet)
            if result.rows_received == 0 and not result.message:  # a header and nothing else (issue 22)
                result.message = "header only: no data lines"
        _record(con, result)
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def parse_file(con: duckdb.DuckDBPyConnection, source: Source, feed: Feed, plan: FilePlan, tmp_dir: Path,
               configured: Order = "day_first") -> DateOrder:
    """Stage and parse each part of the file (a CSV, or each sheet with a header) into `parsed_lines` and
    `parsed` (parse.combine_parts), its dates in the order all of them settle (else `configured`, the feed's;
    RejectedFile when they are in both orders). Read in `configured` order first, and again only when the
    file's dates say otherwise."""
    _parse_parts(con, source, feed, plan, tmp_dir, configured)
    dates = settle_order(con, feed, configured)
    if dates.order != configured:
        drop_parsed(con)
        _parse_parts(con, source, feed, plan, tmp_dir, dates.order)
    return dates


def _parse_parts(con: duckdb.DuckDBPyConnection, source: Source, feed: Feed, plan: FilePlan, tmp_dir: Path,
                 order: Order) -> None:
    """DuckDB's reader is tried first where it may keep line numbers; where they are not provably kept, the
    part is read again exactly."""
    for part, layout in enumerate(plan.layouts):
        if not _parse_fast(con, source, feed, layout, part, tmp_dir, order):
            stage.exact(con, source, layout)
            parse_part(con, feed, layout, part, ordered=False, order=order)
            number_lines(con, part, layout.sheet, None)
    combine_parts(con, len(plan.layouts))


def _parse_fast(con: duckdb.DuckDBPyConnection, source: Source, feed: Feed, layout: Layout, part: int,
                tmp_dir: Path, order: Order) -> bool:
    with stage.fast(con, source, layout, tmp_dir) as read:
        if read is None:
            return False
        try:
            records = parse_part(con, feed, layout, part, ordered=True, order=order)
        except OrderNotKept as exc:
            log.warning("%s: read line by line instead of by DuckDB's reader: %s", source.path.name, exc)
            return False
        except duckdb.Error:
            return False  # lines DuckDB's reader cannot take: the exact reader will say which
        skipped = stage.numbering(read, records)
        if skipped is None:
            return False
        number_lines(con, part, layout.sheet, read.first_line, skipped)
        return True


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # no transaction was open


def _load(con: duckdb.DuckDBPyConnection, feed: Feed, path: Path, result: FileResult,
          headerless: list[tuple[str, list[tuple[int, list[str | None]]]]], last_sheet: str | None = None) -> None:
    """Insert the parsed lines and their quarantine records (inside the caller's transaction)."""
    cols = ", ".join(c.name for c in feed.columns)
    # Good lines go straight from the parse into raw (DuckDB keeps insertion order).
    con.execute(f"""INSERT INTO main.{feed.name} (file_id, line_number, {cols}, sheet, extras)
                    SELECT ?, line_number, {cols}, sheet, extras FROM parsed_lines WHERE NOT bad AND NOT is_total""",
                [result.file_id])
    by_sheet = con.execute(
        f"""SELECT sheet, count(*), sum({feed.amount_column}), max(line_number) FROM main.{feed.name}
            WHERE file_id = ? GROUP BY sheet""", [result.file_id]).fetchall()
    settle_totals(con, feed.amount_column, {sheet: (last, amount) for sheet, _, amount, last in by_sheet}, last_sheet)
    con.execute("""INSERT INTO main.quarantine (file_id, line_number, column_name, reason, raw_text, sheet)
                   SELECT ?, line_number, column_name, reason, raw_text, sheet FROM parsed
                   WHERE reason IS NOT NULL AND NOT is_total ORDER BY sheet, line_number""", [result.file_id])
    # A sheet without the header: its lines cannot be read, but they are counted and kept, never lost.
    unread = [[result.file_id, line, "(sheet)", f"sheet '{sheet}' has no recognisable {feed.name} header",
               ",".join("" if c is None else str(c) for c in cells)[:2000], sheet]
              for sheet, rows in headerless for line, cells in rows
              if any(c is not None and str(c).strip() for c in cells)]
    if unread:
        con.executemany("INSERT INTO main.quarantine (file_id, line_number, column_name, reason, raw_text, sheet) "
                        "VALUES (?, ?, ?, ?, ?, ?)", unread)
    counted = con.execute(f"""
        SELECT count(*) FILTER (WHERE reason IS NOT NULL AND NOT is_total),
               sum({feed.amount_column}) FILTER (WHERE is_total)
        FROM parsed""").fetchone()
    assert counted is not None  # an aggregate always returns one row
    quarantined, control = counted
    quarantined += len(unread)
    loaded = sum(n for _, n, _, _ in by_sheet)
    amount = sum((a for _, _, a, _ in by_sheet if a is not None), Decimal("0.00"))
    for what, total in (("lines", amount), ("totals lines", control)):
        if total is not None and abs(total) > MAX_AMOUNT:
            raise RejectedFile(f"the file's {what} add up to £{total:,.2f}, more than an amount can hold "
                               f"(£{MAX_AMOUNT:,.2f}): is a column of something other than pounds "
                               "mapped as the amount?")
    result.rows_loaded, result.rows_quarantined = loaded, quarantined
    result.rows_received = loaded + quarantined
    result.loaded_amount = amount
    result.control_total = control
    notes = [result.message] if result.message else []  # the file's date order, when it needs saying
    if len(by_sheet) > 1 or headerless:
        notes.append(f"{len(by_sheet)} sheet(s) loaded")
    if headerless:
        notes.append("no header, lines quarantined, in sheet(s) " + ", ".join(f"'{s}'" for s, _ in headerless))
    if result.control_total is not None:
        diff = result.control_total - result.loaded_amount
        notes.append(f"totals line £{result.control_total:,.2f}"
                     + ("" if diff == 0 else f", £{diff:,.2f} not loaded"))
    if quarantined:
        notes.append(f"{quarantined} line(s) quarantined: see marts.quarantined_rows")
    prior = con.execute(
        """SELECT file_id, received_at FROM main.files WHERE feed = ? AND file_name = ? AND status = 'loaded'
           ORDER BY file_id DESC LIMIT 1""", [feed.name, path.name]).fetchone()
    if prior:
        notes.append(f"replaces the earlier {path.name} (file {prior[0]}, received {prior[1]:%d/%m/%Y %H:%M} UTC)")
    result.message = "; ".join(notes)
