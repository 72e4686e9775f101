"""Text for people: what the project prints or writes carries no terminal control codes.

dbt colours its console output (`\\x1b[31mFAIL 1\\x1b[0m`); a line taken from it into the run's `why:`, the run
record, the report or an alert would show the codes as `[31mFAIL 1[0m`. `plain` removes them, ESC included or
already lost.
"""

from __future__ import annotations

import re
from typing import Any

# ANSI escape sequences (CSI ... final byte, OSC ... BEL/ST, two-byte escapes), and a colour code whose ESC
# was already stripped on its way here.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\[[0-9;]{1,12}m")


def plain(value: Any) -> Any:
    """`value` without terminal control codes: a string, or every string in a list, tuple or dict."""
    if isinstance(value, str):
        return _ANSI.sub("", value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(plain(v) for v in value)
    return value
