"""Steps 2 and 3 of ingestion: finding the header, wherever it is, and mapping its columns to the feed's
contract. A header may sit under title lines, empty lines or comma-only lines, or come last (a sorted
export); a workbook may carry one per sheet. Its columns are matched on their normalised words against
the contracts in `feed_contracts.toml` and the `[mappings.<feed>]` of opcc.toml; every other column is kept in raw."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from opcc.feeds import FEEDS, Feed, Kind, normalise_header, synonym_index, synonyms
from opcc.ingest.read import (
    HEAD_ROWS,
    TAIL_SEARCH_MAX_BYTES,
    Record,
    Source,
    delimiters,
    has_content,
    head_records,
    sheet_head_and_tail,
    sheet_names,
    tail_records,
)
from opcc.ingest.sniff import RejectedFile

Index = dict[str, tuple[str, int]]


@dataclass(frozen=True)
class Layout:
    """One header: where it is, and which of its columns is which of the feed's."""

    header_line: int  # physical line (CSV) or sheet row (workbook), 1-based
    names: tuple[str, ...]  # the header's cells as received ('' for an unnamed column)
    columns: dict[str, int]  # the feed's column -> cell index
    delimiter: str = ","
    sheet: str | None = None
    # The header came after the data (a sorted export): every other record of the part is data.
    header_last: bool = False

    @property
    def ncols(self) -> int:
        return len(self.names)

    def extras(self) -> dict[str, int]:
        """The file's other columns, kept in raw as they are: under their header, or `column N` where it has
        none (a spacer column that caught stray text); a repeated header gets its column number too."""
        used = set(self.columns.values())
        keys: dict[str, int] = {}
        for i, name in enumerate(self.names):
            if i in used:
                continue
            key = name.strip() or f"column {i + 1}"
            if key in keys:
                key = f"{key} (column {i + 1})"
            keys[key] = i
        return keys

    def where(self) -> str:
        return f"sheet '{self.sheet}' row {self.header_line}" if self.sheet else f"line {self.header_line}"


@dataclass(frozen=True)
class FilePlan:
    """The headers of a file: one for a CSV, one per sheet of a workbook that has one."""

    layouts: list[Layout]
    headerless_sheets: list[str] = field(default_factory=list)


def match_header(cells: list[str | None], feed: Feed, index: Index) -> dict[str, int] | None:
    """The feed's column -> cell index when `cells` is a header for `feed` (every required column found).
    Where two cells could be one column, the spelling earlier in the synonyms list wins."""
    best: dict[str, tuple[int, int]] = {}
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        hit = index.get(normalise_header(str(cell)))
        if hit and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], i)
    found = {name: i for name, (_, i) in best.items()}
    return found if all(r in found for r in feed.required) else None


def _layout_in(records: list[Record], feed: Feed, index: Index, delimiter: str, sheet: str | None,
               header_last: bool = False) -> Layout | None:
    for line, cells in records:
        columns = match_header(cells, feed, index)
        if columns:
            names = ["" if c is None else str(c) for c in cells]
            if sheet is not None:  # a workbook's unlabelled columns after the header's last are not data
                while names and not names[-1].strip():  # (helper formulas, Excel's padding): ignored
                    names.pop()
            return Layout(line, tuple(names), columns, delimiter, sheet, header_last)
    return None


def plan_file(source: Source, feed: Feed, mappings: dict[str, dict[str, str]]) -> FilePlan:
    """Every header for `feed` in the file, or RejectedFile saying what the file looks like instead."""
    index = synonym_index(feed, mappings.get(feed.name))
    if source.is_workbook:
        layouts, headerless = [], []
        for sheet in sheet_names(source):
            head, tail = sheet_head_and_tail(source, sheet)
            layout = _layout_in(head, feed, index, ",", sheet) or _layout_in(tail, feed, index, ",", sheet, True)
            if layout:
                layouts.append(layout)
            elif any(has_content(cells) for _, cells in head):
                headerless.append(sheet)
        if layouts:
            return FilePlan(layouts, headerless)
    else:
        found = (next((lay for d in delimiters(source)
                       if (lay := _layout_in(head_records(source, d), feed, index, d, None))), None)
                 or next((lay for d in delimiters(source)
                          if (lay := _layout_in(tail_records(source, d), feed, index, d, None, True))), None))
        if found:
            return FilePlan([found])
    raise _no_header(source, feed, mappings)


def _candidates(source: Source) -> list[tuple[str, str | None, list[Record]]]:
    """(delimiter, sheet, first records) under each plausible reading of the file."""
    if source.is_workbook:
        return [(",", sheet, sheet_head_and_tail(source, sheet)[0]) for sheet in sheet_names(source)]
    return [(d, None, head_records(source, d)) for d in delimiters(source)]


def _no_header(source: Source, feed: Feed, mappings: dict[str, dict[str, str]]) -> RejectedFile:
    candidates = _candidates(source)
    for other in FEEDS.values():
        if other.name == feed.name:
            continue
        other_index = synonym_index(other, mappings.get(other.name))
        for _, _, records in candidates:
            for line, cells in records:
                if match_header(cells, other, other_index):
                    kind = " (a 360Giving grants file)" if is_360giving(cells) else ""
                    return RejectedFile(
                        f"this looks like a {other.name} extract{kind} (header on line {line}), not {feed.name}: "
                        f"put it in landing/{other.name}/")
    first = next((cells for _, _, records in candidates for _, cells in records if has_content(cells)), None)
    shown = ", ".join(str(x) for x in first if x)[:200] if first else "(nothing readable)"
    return RejectedFile(
        f"no recognisable {feed.name} header in the first {HEAD_ROWS} lines"
        + (f" or the last {HEAD_ROWS}" if source.sniffed.size <= TAIL_SEARCH_MAX_BYTES else "")
        + f": need columns for "
        f"{', '.join(feed.required)} (see docs/contracts.md, or map your headers in opcc.toml: "
        f"`opcc inspect FILE --feed {feed.name}` prints the lines to add); first line reads: {shown}")


def is_360giving(cells: list[str | None]) -> bool:
    words = {normalise_header(str(c)) for c in cells if c}
    return {"identifier", "amount awarded", "recipient org name"} <= words


def detect_feed(source: Source, mappings: dict[str, dict[str, str]]) -> str:
    """The one feed whose header the file carries (for `opcc ingest PATH` without --feed)."""
    indexes = {f.name: synonym_index(f, mappings.get(f.name)) for f in FEEDS.values()}
    for _, _, records in _candidates(source):
        for _, cells in records:
            matches = [f.name for f in FEEDS.values() if match_header(cells, f, indexes[f.name])]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise RejectedFile(f"the header fits several feeds ({', '.join(matches)}): say which with --feed")
    raise RejectedFile(f"no recognisable header for any feed in the first {HEAD_ROWS} lines")


# -- suggesting a mapping for an unknown layout ------------------------------------------------------

_MONEY = re.compile(r"^\(?[-+]?£?\s*\d[\d,]*(\.\d+)?\)?-?(\s*(CR|DR))?$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{1,4}[/.\- ]([A-Za-z]{3,9}|\d{1,2})[/.\- ]\d{2,4}|\d{5})([ T]\d.*)?$")


@dataclass(frozen=True)
class Suggestion:
    """For a file whose header is not recognised: the likeliest header row and, per missing required
    column, its likeliest header cells (best first)."""

    line: int
    sheet: str | None
    names: tuple[str, ...]
    found: dict[str, int]
    missing: dict[str, list[str]]

    def mapping_lines(self, feed: Feed) -> list[str]:
        chosen = {col: names[0] for col, names in self.missing.items() if names}
        return [f"[mappings.{feed.name}]"] + [f'{col} = "{header}"' for col, header in chosen.items()]


def suggest_mapping(source: Source, feed: Feed, mappings: dict[str, dict[str, str]]) -> Suggestion:
    """The row that most looks like a header (most cells that read as labels, the earliest of those), and
    for each required column it lacks, the unmapped header cells ranked by how well their values fit the
    column's type and how close their words are to the column's spellings."""
    index = synonym_index(feed, mappings.get(feed.name))
    best: tuple[int, str | None, int, list[str | None], list[Record]] | None = None
    for _, sheet, records in _candidates(source):
        for n, (line, cells) in enumerate(records):
            labels = sum(1 for c in cells if c and re.search(r"[A-Za-z]", str(c)) and not _DATE.match(str(c).strip())
                         and not _MONEY.match(str(c).strip()))
            if best is None or labels > best[0]:
                best = (labels, sheet, line, cells, records[n + 1:])
    if best is None:
        return Suggestion(0, None, (), {}, {c: [] for c in feed.required})
    _, sheet, line, cells, below = best
    names = tuple("" if c is None else str(c).strip() for c in cells)
    found: dict[str, int] = {}
    for i, name in enumerate(names):
        hit = index.get(normalise_header(name))
        if hit and hit[0] not in found:
            found[hit[0]] = i
    taken = set(found.values())
    missing: dict[str, list[str]] = {}
    for col in (c for c in feed.columns if c.required and c.name not in found):
        scored = []
        for i, name in enumerate(names):
            if i in taken or not name:
                continue
            values = [str(r[1][i]).strip() for r in below if i < len(r[1]) and r[1][i] and str(r[1][i]).strip()]
            fit = _type_fit(col.kind, values)
            close = max(difflib.SequenceMatcher(None, normalise_header(name), normalise_header(s)).ratio()
                        for s in synonyms(feed, col.name))
            scored.append((fit * 2 + close, i, name))
        scored.sort(key=lambda t: (-t[0], t[1]))
        missing[col.name] = [name for _, _, name in scored[:3]]
        if scored:
            taken.add(scored[0][1])
    return Suggestion(line, sheet, names, found, missing)


def _type_fit(kind: Kind, values: list[str]) -> float:
    if not values:
        return 0.0
    if kind is Kind.DATE:
        return sum(bool(_DATE.match(v)) for v in values) / len(values)
    if kind is Kind.MONEY:
        return sum(bool(_MONEY.match(v)) and not _DATE.match(v) for v in values) / len(values)
    if kind is Kind.YEAR:
        return sum(bool(re.match(r"^(FY\s*)?\d{4}\s*[/-]\s*\d{2,4}$", v, re.I)) for v in values) / len(values)
    # Text: names, not numbers or dates.
    return sum(bool(re.search(r"[A-Za-z]{2}", v)) and not _DATE.match(v) for v in values) / len(values)
