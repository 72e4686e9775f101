"""Write the morning report: run status, files received, checks, fund headroom, the commissioning
intentions tables (3.1, 3.3), the pillar chart and contracts due for re-commissioning.

What the page shows is built once (report/view.py, its sections in report/sections/) from the run record and the
build's marts; the templates lay it out (autoescaped): the page's frame in src/opcc/templates/, each section's beside
its module. Each run keeps its page in its own folder
under reports/; reports/index.html is the latest run's, reports/history.html lists every run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from opcc import run_record
from opcc.report import monitoring, view
from opcc.report.marts import MartData, read_marts
from opcc.run_record import RunRecord
from opcc.warehouse_read import WarehouseSource, exists

if TYPE_CHECKING:
    from opcc.config import Settings


@cache
def templates() -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([
        jinja2.PackageLoader("opcc", "templates"),
        jinja2.PrefixLoader({"sections": jinja2.PackageLoader("opcc", "report/sections")}),
    ])
    return jinja2.Environment(loader=loader, autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_page(page: view.Page, prefix: str, history: str) -> str:
    """The page as read from one place: `prefix` leads from there to the run's folder, `history` to
    history.html."""
    return templates().get_template("report.html").render(page=page, prefix=prefix, history=history)


def write_monitoring_pages(folder: Path, build_db: WarehouseSource | None) -> monitoring.MonitoringSection | None:
    """Write `budget-monitoring-<year>-Q<n>.html` into the run folder for every quarter of every monitored year."""
    if build_db is None or not exists(build_db):
        return None
    data = monitoring.read_monitoring(build_db)
    pages = monitoring.panels(data)
    generated = dt.datetime.now().strftime("%d %B %Y %H:%M")
    for p in pages:
        html = templates().get_template("budget_monitoring.html").render(
            p=p, quarter_label=monitoring.QUARTER_LABEL[p.quarter], generated=generated)
        (folder / p.file_name).write_text(html, encoding="utf-8")
    return monitoring.MonitoringSection(current=monitoring.current(data), pages=pages)


def financial_year_of(iso_date: str) -> str | None:
    """`2019-06-04` -> `2019/20` (UK financial years run 1 April - 31 March)."""
    try:
        d = dt.date.fromisoformat(iso_date)
    except ValueError:
        return None
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _marts(build_db: WarehouseSource | None, run_date: str) -> tuple[MartData | None, str | None]:
    """The build's marts, or why they cannot be shown."""
    if build_db is None:
        return None, "No build was given to this report, so fund positions and commissioning tables are not shown."
    try:
        if not exists(build_db):
            return None, f"The build ({build_db}) does not exist \u2014 the build step did not produce one this run."
        return read_marts(build_db, prefer_year=financial_year_of(run_date)), None
    except Exception as exc:  # noqa: BLE001 - a report must still be written
        return None, f"The build could not be read: {exc}"


def _folder_in_reports(reports_dir: Path, record: RunRecord) -> Path:
    """The run's folder under reports/: its own when the pipeline opened it there; else (a run kept
    elsewhere) a copy of it in a new run folder, so that the latest page and the history can link to it."""
    if record.folder.resolve().parent == reports_dir.resolve():
        return record.folder
    started = record.run
    try:
        run_date = dt.date.fromisoformat(started.run_date) if started else dt.date.today()
    except ValueError:
        run_date = dt.date.today()
    folder = run_record.open_run(reports_dir, started.run_id if started else str(record.folder), run_date)
    shutil.copytree(record.folder, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("index.html"))
    return folder


def write_history(reports_dir: Path) -> Path:
    """`reports/history.html`: every run kept, newest first, with its outcome and a link to its page."""
    runs = [view.history_row(run_record.read(folder)) for folder in reversed(run_record.run_folders(reports_dir))]
    path = reports_dir / "history.html"
    path.write_text(templates().get_template("history.html").render(runs=runs), encoding="utf-8")
    return path


def write_report(settings: Settings, run_dir: Path, build_db: WarehouseSource | None) -> Path:
    """Write the run's page into its folder under reports/ and, for the newest run, as `reports/index.html`
    (links pointing into that folder); refresh `reports/history.html`; return the page for the latest run
    (`reports/index.html`), else the run's own."""
    reports_dir = Path(settings.reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    folder = _folder_in_reports(reports_dir, run_record.read(Path(run_dir)))
    record = run_record.read(folder)
    data, marts_note = _marts(build_db, record.run.run_date if record.run else "")
    try:
        section = write_monitoring_pages(folder, build_db)
    except Exception as exc:  # noqa: BLE001 - the morning report must still be written
        print(f"budget monitoring pages not written: {exc}")
        section = None
    page = view.page(record, data, marts_note, section, folder,
                     has_docs=(folder / "data_docs" / "contents.html").exists(),
                     has_dbt_docs=(folder / "dbt_docs" / "index.html").exists(),
                     generated=dt.datetime.now())

    history = os.path.relpath(reports_dir / "history.html", folder).replace(os.sep, "/")
    written = folder / "index.html"
    written.write_text(render_page(page, prefix="", history=history), encoding="utf-8")
    newest = run_record.latest_run(reports_dir)
    if newest is None or newest == folder:  # a report written again for an earlier run leaves the latest be
        written = reports_dir / "index.html"
        prefix = f"{os.path.relpath(folder, reports_dir).replace(os.sep, '/')}/"
        written.write_text(render_page(page, prefix=prefix, history="history.html"), encoding="utf-8")
    write_history(reports_dir)
    return written
