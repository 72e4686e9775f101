"""Variants of the names seeds/reference/payees.csv marks for redaction, as a finance system might hold them: the
hypothesis strategy the redaction's property tests draw from, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import csv
import unicodedata

from hypothesis import strategies as st

from opcc.config import PROJECT_ROOT
from opcc.publications import names

PAYEES = PROJECT_ROOT / "seeds" / "reference" / "payees.csv"
MARKED = [row["payee_name"] for row in csv.DictReader(PAYEES.open(encoding="utf-8"))
          if row["redact"] == "true" and row["payee_name"] != names.REDACTED]

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SPACES = [" ", "  ", "\u00a0", "\u2009", "\u202f", "\u3000", "\t", " \u200b ", "\u200b", "", ". ", "-", " - "]


def _full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@st.composite
def variants(draw: st.DrawFn, name: str) -> str:
    """`name` as a finance system might hold it: any case per letter, any spacing between words, full-width
    or decomposed letters, invisible characters anywhere, spaces around."""
    words = []
    for word in name.split():
        chars = []
        for ch in word:
            ch = ch.upper() if draw(st.booleans()) else ch.lower()
            form = draw(st.sampled_from(["plain", "plain", "full-width", "decomposed"]))
            ch = _full_width(ch) if form == "full-width" else unicodedata.normalize("NFD", ch) if form == "decomposed" \
                else ch
            if draw(st.integers(0, 5)) == 0:
                ch += draw(st.sampled_from(INVISIBLE))
            chars.append(ch)
        words.append("".join(chars))
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(SPACES)) + word
    return draw(st.sampled_from(["", " ", "\u200b", "\u00a0"])) + text + draw(st.sampled_from(["", " ", "\u200b"]))


any_marked_variant = st.sampled_from(MARKED).flatmap(lambda name: st.tuples(st.just(name), variants(name)))
