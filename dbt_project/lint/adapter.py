"""Stand-in for dbt's `adapter.dispatch` (see dbt.py): the dispatched macro renders as a function call."""

from __future__ import annotations

from collections.abc import Callable


def dispatch(macro_name: str, macro_namespace: str | None = None) -> Callable[..., str]:
    return lambda *args: f"{macro_name}({', '.join(str(a) for a in args)})"
