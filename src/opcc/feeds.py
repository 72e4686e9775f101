"""The contract of each feed: its columns in order, their types, which are required, and the header
spellings finance systems use for each. The contract is data, `feed_contracts.toml` beside this file;
this module reads it. `docs/contracts.md` explains it in prose."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

CONTRACTS_FILE = Path(__file__).with_name("feed_contracts.toml")


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    YEAR = "year"  # a UK financial year, stored as '2019/20'


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    headers: tuple[str, ...] = ()  # header spellings besides the name, in priority order


@dataclass(frozen=True)
class Rule:
    """A rule across a line's columns: where `check` (SQL over the typed columns) is false, the line is
    quarantined with `reason` (its `{expression}`s replaced by their values), naming `column`."""

    check: str
    column: str
    reason: str

    def reason_sql(self) -> str:
        """The reason as a SQL expression."""
        parts = re.split(r"\{([^{}]+)\}", self.reason)
        pieces = [("'" + part.replace("'", "''") + "'") if i % 2 == 0 else f"({part})"
                  for i, part in enumerate(parts) if part]
        return " || ".join(pieces) or "''"


# What a rule's SQL may name besides the feed's columns.
_RULE_WORDS = frozenset({"and", "or", "not", "is", "null", "between", "abs", "coalesce"})


@dataclass(frozen=True)
class Feed:
    name: str
    columns: tuple[Column, ...]
    # The money column whose sum is the file's loaded amount and is compared with a totals row.
    amount_column: str
    rules: tuple[Rule, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _load_contracts(path: Path) -> dict[str, Feed]:
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    feeds = {}
    for name, spec in doc.items():
        columns = tuple(Column(col, Kind(c["type"]), bool(c.get("required", False)), tuple(c.get("headers", ())))
                        for col, c in spec["columns"].items())
        rules = tuple(Rule(r["check"], r["column"], r["reason"]) for r in spec.get("rules", ()))
        feeds[name] = Feed(name, columns, spec["amount_column"], rules)
        if feeds[name].column(spec["amount_column"]).kind is not Kind.MONEY:
            raise ValueError(f"{path}: {name}'s amount_column {spec['amount_column']!r} is not a money column")
        for rule in rules:
            _check_rule(path, feeds[name], rule)
    return feeds


def _check_rule(path: Path, feed: Feed, rule: Rule) -> None:
    """A rule names only the feed's columns (and a few SQL words): a typo fails at import, not in a night."""
    names = {c.name for c in feed.columns}
    text = " ".join([rule.check, *re.findall(r"\{([^{}]+)\}", rule.reason)])
    unknown = {w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)
               if w not in names and w.lower() not in _RULE_WORDS}
    if rule.column not in names or unknown:
        raise ValueError(f"{path}: a rule of {feed.name} names {sorted(unknown) or [rule.column]}, "
                         f"not columns of {feed.name}")


FEEDS: dict[str, Feed] = _load_contracts(CONTRACTS_FILE)


def normalise_header(text: str) -> str:
    """The words of a header, lower case, one space apart: 'Net Amount(£)', '* NET AMOUNT:' and
    'NetAmount' are all 'net amount'. CamelCase is split; `£`, `*`, punctuation and spacing are not words."""
    text = text.replace("\ufeff", "").replace("£", " ")
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def synonyms(feed: Feed, column: str) -> list[str]:
    """The column's header spellings, in priority order, its own name first."""
    return [column, *feed.column(column).headers]


def synonym_index(feed: Feed, mapping: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    """Normalised header -> (canonical column, priority: lower wins) for `feed`, from its contract's
    header spellings and a configured mapping. A configured mapping wins over every synonym, so an ambiguous header
    ('Reference') can be pointed at the right column."""
    index: dict[str, tuple[str, int]] = {}
    for col in feed.columns:
        for priority, spelling in enumerate(synonyms(feed, col.name), start=1):
            index.setdefault(normalise_header(spelling), (col.name, priority))
    for canonical, header in (mapping or {}).items():
        if canonical not in {c.name for c in feed.columns}:
            raise ValueError(f"mapping for feed {feed.name!r} names unknown column {canonical!r}; "
                             f"its columns are {', '.join(c.name for c in feed.columns)}")
        index[normalise_header(header)] = (canonical, 0)
    return index
