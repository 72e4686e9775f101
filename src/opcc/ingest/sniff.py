"""What a received file is, read in one streaming pass: its sha256, text encoding and line count,
or why it is not an extract at all."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 8 << 20
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .ods and .zip
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and .doc)
# Workbooks by name, each checked against its magic: .xlsx, .xlsm and .ods are zip packages, .xls an OLE file.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<table|<!--)", re.IGNORECASE)


class RejectedFile(Exception):
    """The whole file is not a usable extract; the message says why, in plain words."""


@dataclass(frozen=True)
class Sniffed:
    sha256: str
    size: int
    kind: str  # "csv" | "workbook" | "zip" (an archive holding one extract: read.open_source)
    encoding: str | None  # for csv: "utf-8", "utf-8-sig", "utf-16", "cp1252"
    physical_lines: int  # newline-terminated lines (the last line counts even without one)
    trailing_empty_lines: int = 0  # empty lines at the very end (finance exports often add one)
    # Carriage returns not followed by a line feed: old Mac line ends, which `physical_lines` does not count.
    bare_crs: int = 0


def sniff(path: Path) -> Sniffed:
    """Hash the file and classify it; raise RejectedFile for empty, binary, HTML or legacy files."""
    digest = hashlib.sha256()
    size = 0
    newlines = crs = crlfs = 0
    previous_last = b""
    last_byte = b""
    head = tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if not head:
                head = chunk[:65536]
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            crs += chunk.count(b"\r")
            crlfs += chunk.count(b"\r\n") + (previous_last == b"\r" and chunk[:1] == b"\n")
            previous_last = chunk[-1:]
            size += len(chunk)
            last_byte = chunk[-1:]
            tail = (tail + chunk[-65536:])[-65536:]
    sha = digest.hexdigest()
    physical_lines = newlines + (1 if size and last_byte != b"\n" else 0)

    if size == 0 or not head.strip():
        raise RejectedFile("the file is empty")
    suffix = path.suffix.lower()
    if head.startswith(ZIP_MAGIC):
        if suffix in (".xlsx", ".xlsm", ".ods"):
            return Sniffed(sha, size, "workbook", None, 0)
        if suffix == ".zip":
            return Sniffed(sha, size, "zip", None, 0)
        raise RejectedFile("the file is a zip archive, not a CSV or a workbook (.xlsx, .xls, .ods)")
    if head.startswith(OLE_MAGIC):
        if suffix == ".xls":
            return Sniffed(sha, size, "workbook", None, 0)
        raise RejectedFile(f"the file is a legacy Office (OLE) document named '{suffix}': an Excel 97-2003 "
                           "workbook must be named .xls")
    if head.startswith(b"%PDF"):
        raise RejectedFile("the file is a PDF, not a CSV extract")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Sniffed(sha, size, "csv", "utf-16", physical_lines)  # its newlines are two bytes: no tail count
    text_head = head.lstrip(b"\xef\xbb\xbf")
    if HTML_START.match(text_head):
        raise RejectedFile("the file is an HTML or XML page saved with a .csv name, not a CSV extract")
    if b"\x00" in head:
        raise RejectedFile("the file is binary (it contains NUL bytes), not a CSV extract")
    # The encoding is judged from the head here; a file whose later bytes are not UTF-8 fails DuckDB's
    # reader, and rows.py then checks the whole file with `is_utf8` and reads it as Windows-1252.
    encoding = "utf-8" if _utf8_prefix(head, size) else "cp1252"  # cp1252: £ is byte 0xA3
    if encoding == "utf-8" and head.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    return Sniffed(sha, size, "csv", encoding, physical_lines, _trailing_empty_lines(tail), crs - crlfs)


def _trailing_empty_lines(tail: bytes) -> int:
    """Empty lines ('\\n' or '\\r\\n' alone) after the last line with anything on it."""
    body = tail.rstrip(b"\r\n")
    if not body:
        return 0  # nothing but line breaks in the last 64 KiB: not worth guessing
    # The first line break after the body ends its last line; each further one ends an empty line.
    return max(tail[len(body):].count(b"\n") - 1, 0)


def empty_lines(path: Path, after: int, upto: int, limit: int = 1_000_000) -> list[int] | None:
    """Physical numbers of the empty lines ('\\n' or '\\r\\n' alone) after line `after` up to line `upto`;
    None when there are more than `limit` of them."""
    found: list[int] = []
    newlines = 0  # line breaks in the file before `data`
    carry = b""  # the end of the previous chunk: a pair of line breaks may straddle two chunks
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            data = carry + chunk
            hits = sorted(at for pattern in (b"\n\n", b"\n\r\n") for at in _find_all(data, pattern)
                          if at + len(pattern) > len(carry))  # a pair wholly in `carry` was seen last time
            counted, before = 0, 0
            for at in hits:
                before += data.count(b"\n", counted, at)
                counted = at
                line = newlines + before + 2  # the line that starts after the break at `at`
                if line > upto:
                    return found
                if line > after:
                    if len(found) == limit:
                        return None
                    found.append(line)
            carry = data[-2:]
            newlines += data.count(b"\n") - carry.count(b"\n")
    return found


def _find_all(data: bytes, pattern: bytes) -> Iterator[int]:
    at = data.find(pattern)
    while at >= 0:
        yield at
        at = data.find(pattern, at + 1)


def _utf8_prefix(head: bytes, size: int) -> bool:
    """Whether `head` (the start of a file of `size` bytes) is UTF-8, allowing a character cut at its end."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == size)
        return True
    except UnicodeDecodeError:
        return False


def is_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8 (streamed)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False


def decode_cp1252(data: bytes) -> str:
    """Windows-1252, falling back to Latin-1 for the five bytes cp1252 leaves undefined."""
    return data.decode("cp1252", errors="strict") if _cp1252_clean(data) else data.decode("latin-1")


def _cp1252_clean(data: bytes) -> bool:
    return not any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))
