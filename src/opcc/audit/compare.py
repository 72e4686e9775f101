"""A check's compared rows: its SQL run once into a relation, read back as `Compared`, on any engine.

Each check's SQL (expectations/<suite>/<name>.sql) runs once, into a relation of its compared rows (kept by the
engine's checks source, opcc.engine.base.ChecksSource); GX validates that relation's failing rows and the report's
expected, actual and difference are totalled from the same rows, so the verdict and the figures cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opcc.audit.gx import FAILING_ROWS_INLINE, GxOutcome, run_checkpoint
from opcc.audit.suites import Check

if TYPE_CHECKING:
    from opcc.engine.base import ChecksSource

ROWS_KEPT = 10_000  # a check's compared rows read whole up to this many; beyond, only what the report needs
FAILING_ROWS_KEPT = 10_000  # failing rows kept for failures/*.csv when there are more; their count stays exact


@dataclass
class Compared:
    columns: list[str] = field(default_factory=list)
    # The compared rows (incl. `ok`) as read: every one, or for a check of many (one row per ledger line), the first
    # FAILING_ROWS_INLINE, so that memory does not follow the data.
    rows: list[dict[str, Any]] = field(default_factory=list)
    failing: list[dict[str, Any]] = field(default_factory=list)  # the rows not ok (up to FAILING_ROWS_KEPT)
    row_count: int = 0
    failing_count: int = 0
    # Of a check of many: the sums of expected, actual and difference over its failing rows, or all when none fail.
    totals: tuple[Any, Any, Any] | None = None
    error: str | None = None


def result_table(check: Check) -> str:
    """The temp table holding the check's compared rows: the one result GX and the report both read."""
    return "check__" + check.check_id.replace(".", "__")


def read_compared(execute: Callable[[str], Any], relation: str, hidden: str | None = None) -> Compared:
    """A check's result table `relation` as Compared, on either engine (`execute` runs SQL, returning a cursor):
    few rows are read whole, in order (`hidden`: a column of row numbers giving it, left out); of many, the counts,
    the first rows, the failing rows and the sums are read in SQL."""
    cur = execute(f"SELECT * FROM {relation} LIMIT 0")
    columns = [d[0] for d in cur.description if d[0] != hidden]
    cur.fetchall()
    select = ", ".join(f'"{c}"' for c in columns)
    order = f' ORDER BY "{hidden}"' if hidden else ""

    def fetch(where: str, limit: int) -> list[dict[str, Any]]:
        rows = execute(f"SELECT {select} FROM {relation}{where}{order} LIMIT {limit}").fetchall()
        return [dict(zip(columns, values, strict=True)) for values in rows]

    count, failing_count = execute(
        f"SELECT count(*), count(*) FILTER (WHERE ok IS NOT TRUE) FROM {relation}").fetchone()
    if count <= ROWS_KEPT:
        rows = fetch("", max(count, 1))
        return Compared(columns, rows, [r for r in rows if not r.get("ok")], count, failing_count)
    failing = fetch(" WHERE ok IS NOT TRUE", FAILING_ROWS_KEPT)
    sums = ", ".join(f'sum("{c}")' if c in columns else "NULL" for c in ("expected", "actual", "difference"))
    totals = execute(f"SELECT {sums} FROM {relation}" + (" WHERE ok IS NOT TRUE" if failing_count else "")).fetchone()
    return Compared(columns, fetch("", FAILING_ROWS_INLINE), failing, count, failing_count, tuple(totals))


class Checks:
    """The checks' session on one engine's ChecksSource: `compare` runs a check, `validate` has GX judge them all.
    The audit runs it on a build, the publications on the published warehouse."""

    def __init__(self, source: ChecksSource) -> None:
        self.source = source
        self._relations: dict[str, str] = {}

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        return self.source.execute(sql, params)

    def content_digest(self, relation: str) -> str:
        return self.source.content_digest(relation)

    def compare(self, check: Check) -> Compared:
        """Run the check's SQL, once, into its result relation; return what it compared."""
        try:
            relation, order = self.source.materialise(result_table(check), check.sql)
            self._relations[check.check_id] = relation
            return read_compared(self.source.execute, relation, hidden=order)
        except self.source.errors as exc:
            return Compared(error=f"{type(exc).__name__}: {str(exc).strip()}")

    def validate(self, checks: list[Check], suites: dict[str, str], data_docs_dir: Path,
                 compared: dict[str, Compared]) -> dict[str, GxOutcome]:
        """GX's verdict on every check whose SQL ran (the others have no relation for GX to read)."""
        broken = frozenset(cid for cid, comp in compared.items() if comp.error is not None)

        def unexpected_rows(check: Check) -> str:
            columns = ", ".join(f'"{c}"' for c in compared[check.check_id].columns if c != "ok")
            return f"SELECT {columns} FROM {self._relations[check.check_id]} WHERE NOT ok"

        return run_checkpoint(checks, suites, data_docs_dir, broken, self.source.add_gx_datasource, unexpected_rows)

    def close(self) -> None:
        self.source.close()
