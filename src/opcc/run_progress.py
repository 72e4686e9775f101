"""One line per task of a DagRun as it finishes, read from Airflow's metadata database.

`opcc run` sends Airflow's own log (about 1,500 lines a night) to a file and prints these instead:
the task, its state, how long it took and what it did, e.g.

    ingest_transactions      success     1.7 s  14 files: 14 loaded, 0 rejected
    audit                    success     2.9 s  22 checks: 21 PASS, 1 WARN

States and durations are Airflow's (table task_instance); what a task did comes from the value it
returned (its XCom), which works the same whether the tasks share one process or not.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opcc.config import Settings

# Airflow's states in which a task has finished (for now: up_for_retry runs again later).
FINISHED = ("success", "failed", "skipped", "upstream_failed", "removed", "up_for_retry")
INGEST_STATUSES = ("loaded", "superseded", "duplicate", "rejected")  # opcc.ingest's file statuses
CHECK_STATUSES = ("PASS", "WARN", "FAIL")


@dataclass(frozen=True)
class TaskLine:
    task_id: str
    state: str
    duration: float | None  # seconds; None when it never ran (upstream_failed)
    what: str

    def __str__(self) -> str:
        took = f"{self.duration:5.1f} s" if self.duration is not None else "      -"
        return f"{self.task_id:<24} {self.state:<15} {took}  {self.what}".rstrip()


class TaskFollower:
    """Reports each task of the first DagRun recorded after `after_dag_run_id` once, as it finishes."""

    def __init__(self, settings: Settings, dag_id: str, after_dag_run_id: int,
                 report: Callable[[TaskLine], None]) -> None:
        self.settings = settings
        self.dag_id = dag_id
        self.after = after_dag_run_id
        self.report = report
        self.run_id: str | None = None
        self.returned: dict[str, Any] = {}  # task id -> the value it returned
        self.lines: list[TaskLine] = []
        self._seen: set[tuple[str, int, str]] = set()

    def poll(self) -> None:
        if self.run_id is None:
            rows = metadata_rows(self.settings,
                                 "SELECT run_id FROM dag_run WHERE dag_id = ? AND id > ? ORDER BY id LIMIT 1",
                                 (self.dag_id, self.after))
            if not rows:
                return
            self.run_id = rows[0][0]
        finished = metadata_rows(
            self.settings,
            f"""SELECT ti.task_id, ti.state, ti.duration, ti.try_number, x.value
                FROM task_instance ti
                LEFT JOIN xcom x ON x.dag_id = ti.dag_id AND x.run_id = ti.run_id AND x.task_id = ti.task_id
                                AND x.map_index = ti.map_index AND x.key = 'return_value'
                WHERE ti.dag_id = ? AND ti.run_id = ?
                  AND ti.state IN ({', '.join('?' * len(FINISHED))})
                ORDER BY ti.end_date IS NULL, ti.end_date, ti.task_id""",
            (self.dag_id, self.run_id, *FINISHED))
        if finished is None:
            return  # busy, or Airflow is still creating its tables: the next poll sees it
        for task_id, state, duration, try_number, value in finished:
            if (task_id, try_number, state) in self._seen:
                continue
            self._seen.add((task_id, try_number, state))
            returned = json.loads(value) if value is not None else None
            if state == "success":
                self.returned[task_id] = returned
            line = TaskLine(task_id, state, duration, describe(self.settings, task_id, state, returned, self.returned))
            self.lines.append(line)
            self.report(line)


def last_dag_run_id(settings: Settings, dag_id: str) -> int:
    rows = metadata_rows(settings, "SELECT coalesce(max(id), 0) FROM dag_run WHERE dag_id = ?", (dag_id,))
    return int(rows[0][0]) if rows else 0


def metadata_rows(settings: Settings, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]] | None:
    """The rows of a query (`?` placeholders) on Airflow's metadata database: a running Airflow's PostgreSQL
    when `airflow_database_url` is set, else the SQLite file `opcc run` keeps. None while it is not there yet,
    busy, or without its tables."""
    if settings.airflow_database_url is not None:
        import psycopg2
        import psycopg2.extras

        try:
            con = psycopg2.connect(libpq_url(settings.airflow_database_url), connect_timeout=5)
        except psycopg2.OperationalError:
            return None
        # JSON columns (XCom values) as text, as SQLite gives them
        psycopg2.extras.register_default_json(con, loads=lambda text: text)
        psycopg2.extras.register_default_jsonb(con, loads=lambda text: text)
        try:
            with con.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params)
                return list(cur.fetchall())
        except psycopg2.Error:
            return None
        finally:
            con.close()
    db = settings.airflow_home / "airflow.db"
    if not db.exists():
        return None
    lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return lite.execute(sql, params).fetchall()
    except sqlite3.OperationalError:
        return None
    finally:
        lite.close()


def libpq_url(sqlalchemy_url: str) -> str:
    """`postgresql+psycopg2://...` (SQLAlchemy's, Airflow's) as libpq takes it."""
    return sqlalchemy_url.replace("postgresql+psycopg2://", "postgresql://", 1)


def describe(settings: Settings, task_id: str, state: str, returned: Any, earlier: dict[str, Any]) -> str:
    """What a finished task did, in a few words, from what it returned (the steps in opcc.pipeline)."""
    if state == "upstream_failed":
        return "not run: a task it needs failed"
    if state == "up_for_retry":
        return "failed; Airflow will retry it"
    if state != "success":
        return ""
    if task_id.startswith("ingest_"):
        counts = returned or {}
        files = sum(counts.values())
        if not files:
            return "no new files"
        shown = [s for s in INGEST_STATUSES if counts.get(s) or s in ("loaded", "rejected")]
        return f"{files} file{'s' * (files != 1)}: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in shown)
    if task_id == "audit":
        counts = returned or {}
        return f"{sum(counts.values())} checks: " + ", ".join(
            f"{counts[s]} {s}" for s in CHECK_STATUSES if counts.get(s))
    if task_id == "build":
        return _dbt_nodes(settings, returned)
    if task_id == "docs" and earlier.get("start"):
        return f"dbt docs in {_short(settings, Path(earlier['start']) / 'dbt_docs')}"
    if task_id == "start":
        return f"run folder {_short(settings, returned)}"
    if task_id == "publish":
        return f"published {_short(settings, returned)}"
    if task_id == "report":
        return _short(settings, returned)
    if task_id in ("publications", "check_reference"):
        return str(returned or "")
    return ""


def _dbt_nodes(settings: Settings, build_db: str | None) -> str:
    """The models and tests the build ran, counted in the manifest dbt wrote for it."""
    from opcc.dbt_runner import dbt_target_dir

    manifest = dbt_target_dir(settings) / "manifest.json"
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    except (OSError, ValueError, KeyError):
        return f"built {_short(settings, build_db)}"
    kinds = [n.get("resource_type") for n in nodes]
    return f"{kinds.count('model')} models, {kinds.count('test')} tests into {_short(settings, build_db)}"


def _short(settings: Settings, path: str | Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(Path(path).relative_to(settings.data_dir))
    except ValueError:
        return str(path)
