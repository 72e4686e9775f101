"""The one form in which the publications compare names, for the redaction and for the check that guards it.

A name's key is its text in Unicode NFKC, case folded, with every invisible character (zero-width spaces, soft
hyphens, byte-order marks, ...) removed and every run of anything that is not a letter or a digit (any kind of
space, tab, punctuation) made one space: `Dr  Helen\u00a0Marsh`, `DR. HELEN-MARSH` and `dr helen marsh` all
have the key `dr helen marsh`. Letters and digits stay as they are (no accent is dropped), so two names that
differ in a letter never meet. Spacing does not count at all, since an invisible character can stand for a
space: `Al Green` and `Algreen` meet, and the error, if any, is on the safe side (a name redacted, or a
publication held back for a person to look at).

- A name field (supplier, recipient, provider) is redacted when its key, spaces removed, equals a marked name's:
  `HelenMarsh`, `Helen\u200bMarsh` and `H e l e n Marsh` are the same letters, so the same person.
- A longer text holds a marked name when its key has the name's letters, in order, as whole words, with
  spaces anywhere or nowhere between them (`key_pattern`): the publication check `no_redacted_name_published`
  finds a name that way in every published cell, and the narrative's redaction (`redact_free_text`) too.

This module alone computes keys. The SQL reads them from the temp table `pub_text_keys` (original, name_key):
`key_texts` keys every distinct text a query selects, pure-ASCII ones in SQL with `ASCII_KEY_SQL` (the same
function for ASCII, tested against `name_key`; it spares a night's million transaction numbers a trip
through Python) and the others in Python. Both engines therefore compare the very same keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opcc.engine.base import SqlSession

REDACTED = "REDACTED PERSONAL DATA"

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties) beyond the format characters (category Cf):
# fillers and variation selectors that show nothing but would otherwise count as letters or separators.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
_NOT_ALNUM = re.compile(r"[\W_]+")

# name_key for pure-ASCII text (NFKC and Cf change nothing there; casefold is lower): engine-neutral SQL.
ASCII_KEY_SQL = ("trim(regexp_replace(translate({x}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), "
                 "'[^a-z0-9]+', ' ', 'g'))")
IS_ASCII_SQL = r"NOT regexp_matches({x}, '[^\x01-\x7f]')"


def name_key(text: str) -> str:
    """`text` in the canonical form names are compared in (see the module's docstring)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    visible = "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")
    return _NOT_ALNUM.sub(" ", _IGNORABLE.sub("", visible)).strip()


def compact(key: str) -> str:
    """A key without its spaces: what a name field is compared by."""
    return key.replace(" ", "")


def key_pattern(keys: Iterable[str]) -> str | None:
    """A regular expression finding any of the names (keys) as whole words in a key, spaced anyhow; the same
    in Python, DuckDB (RE2) and PostgreSQL: literal letters and digits, ' ?', '|', '^', '$' only."""
    letters = sorted({compact(k) for k in keys if compact(k)}, key=lambda c: (-len(c), c))
    if not letters:
        return None
    return "(^| )(" + "|".join(" ?".join(name) for name in letters) + ")( |$)"


def redact_free_text(text: str, keys: Iterable[str]) -> str:
    """`text` with every marked name in it replaced by REDACTED PERSONAL DATA, the rest as written (in NFKC);
    the whole text is replaced when a name would otherwise remain in some form the replacement misses."""
    names = sorted({compact(k) for k in keys if compact(k)}, key=lambda c: (-len(c), c))
    out = unicodedata.normalize("NFKC", text)
    for name in names:
        # The name's letters with anything but letters and digits between them, as whole words.
        spread = r"[\W_]*".join(re.escape(ch) for ch in name)
        out = re.sub(rf"(?<![^\W_]){spread}(?![^\W_])", REDACTED, out, flags=re.IGNORECASE)
    pattern = key_pattern(names)
    if pattern is not None and re.search(pattern, name_key(out).replace(name_key(REDACTED), " ")):
        return REDACTED
    return out


# -- the keys in SQL ---------------------------------------------------------------------------------------------

def _insert(con: SqlSession, table: str, rows: list[tuple[Any, ...]]) -> None:
    for start in range(0, len(rows), 500):
        batch = rows[start:start + 500]
        marks = ", ".join("(" + ", ".join("?" * len(batch[0])) + ")" for _ in batch)
        con.execute(f"INSERT INTO {table} VALUES {marks}", [v for row in batch for v in row])


def key_texts(con: SqlSession, texts_sql: str) -> None:
    """Give every distinct text that `texts_sql` selects (one column, `original`) its key in pub_text_keys."""
    con.execute(
        f"INSERT INTO pub_text_keys SELECT original, CASE WHEN {IS_ASCII_SQL.format(x='original')} "
        f"THEN {ASCII_KEY_SQL.format(x='original')} END FROM (SELECT DISTINCT t.original FROM ({texts_sql}) AS t "
        "WHERE t.original IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM pub_text_keys AS k WHERE k.original = t.original)) AS fresh")
    # The rest (not ASCII, a few names at most) are keyed here.
    others = [text for (text,) in con.execute("SELECT original FROM pub_text_keys WHERE name_key IS NULL").fetchall()]
    if others:
        con.execute("DELETE FROM pub_text_keys WHERE name_key IS NULL")
        _insert(con, "pub_text_keys", [(text, name_key(text)) for text in others])


def prepare_redaction(con: SqlSession, publish_narrative: bool) -> None:
    """The temp tables candidates.sql redacts with: pub_redact (the marked names, one row per name), the
    names' `key_pattern` (pub_redact_pattern), every name field's key (pub_text_keys) and, when the narrative
    is published, each narrative naming someone with its redacted text (pub_narrative_redacted)."""
    marked = [name for (name,) in con.execute(
        "SELECT payee_name FROM reference.payees WHERE redact AND payee_name IS NOT NULL").fetchall()]
    by_letters: dict[str, tuple[str, str]] = {}
    for name in sorted(marked):
        key = name_key(name)
        if compact(key):  # a name of punctuation only would match every empty cell
            by_letters.setdefault(compact(key), (name, key))
    con.execute("CREATE TEMP TABLE pub_redact (payee_name VARCHAR, name_key VARCHAR, compact_key VARCHAR)")
    _insert(con, "pub_redact", [(name, key, letters) for letters, (name, key) in by_letters.items()])
    # Names already redacted in the finance system pass through; the check does not look for them.
    searched = [key for key in (k for _, k in by_letters.values()) if compact(key) != compact(name_key(REDACTED))]
    con.execute("CREATE TEMP TABLE pub_redact_pattern AS SELECT CAST(? AS VARCHAR) AS key_pattern",
                [key_pattern(searched)])  # for naming_keys: the session's one record of what is searched for
    con.execute("CREATE TEMP TABLE pub_text_keys (original VARCHAR, name_key VARCHAR)")
    names = ["SELECT supplier AS original FROM marts.spend_transactions",
             "SELECT recipient FROM marts.community_grant_awards",
             "SELECT provider FROM marts.contracts_register"]
    key_texts(con, " UNION ".join(names))
    con.execute("CREATE TEMP TABLE pub_narrative_redacted (original VARCHAR, redacted VARCHAR)")
    if publish_narrative:
        key_texts(con, "SELECT narrative AS original FROM marts.spend_transactions")
        naming = con.execute(
            "SELECT k.original FROM pub_text_keys AS k "
            "JOIN (SELECT DISTINCT narrative FROM marts.spend_transactions) AS n ON n.narrative = k.original "
            f"WHERE {naming_keys(con, 'k.name_key')}").fetchall()
        _insert(con, "pub_narrative_redacted", [(text, redact_free_text(text, searched)) for (text,) in naming])


def naming_keys(con: SqlSession, key: str) -> str:
    """SQL true where the key `key` holds a marked name (pub_redact_pattern's key_pattern), the pattern written in
    as a literal: DuckDB compiles a pattern that comes from a table once per row (minutes over the nine million
    keys of a ten-million-line ledger), a literal once."""
    row = con.execute("SELECT key_pattern FROM pub_redact_pattern").fetchone()
    pattern = row[0] if row else None
    return "false" if pattern is None else f"regexp_matches({key}, '{pattern.replace(chr(39), chr(39) * 2)}')"


def key_published_cells(con: SqlSession) -> None:
    """Key every cell of the candidate publications (pub_cells), and list the texts whose key names someone
    (pub_naming_texts), for the check no_redacted_name_published."""
    key_texts(con, "SELECT text AS original FROM pub_cells")
    con.execute("DROP TABLE IF EXISTS pub_naming_texts")  # keyed again after the cells changed
    con.execute(f"CREATE TEMP TABLE pub_naming_texts AS SELECT original FROM pub_text_keys "
                f"WHERE {naming_keys(con, 'name_key')}")
