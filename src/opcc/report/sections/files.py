"""Every extract that arrived, by feed, and how each file loaded: lines received, loaded and quarantined."""

from __future__ import annotations

from dataclasses import dataclass

from opcc import run_record
from opcc.config import FEEDS
from opcc.freshness.messages import last_file_line
from opcc.report.formatting import count, gbp
from opcc.report.sections.base import Inputs
from opcc.report.tables import Row, Table, num, plain
from opcc.run_record import RunRecord

ANCHOR = "files"
NAV = "Files"


@dataclass(frozen=True)
class FeedFiles:
    feed: str
    title: str
    table: Table | None  # None: the step did not run (no record) or no new file arrived
    ran: bool
    record_file: str  # what the step would have left in the run's folder
    last_file: str | None = None  # no new file: the feed's last one and when it came (opcc.freshness)


def build(inputs: Inputs) -> list[FeedFiles]:
    return [feed_files(inputs.record, feed) for feed in FEEDS]


def feed_files(record: RunRecord, feed: str) -> FeedFiles:
    title = feed.replace("_", " ").capitalize()
    results = record.ingest.get(feed)
    record_file = run_record.ingest_file_name(feed)
    if not results:
        return FeedFiles(feed, title, None, results is not None, record_file, last_file_line(record.checks, feed))
    rows = [
        Row([plain(f.file_name), plain(f.status), num(count(f.rows_received)), num(count(f.rows_loaded)),
             num(count(f.rows_quarantined)), num(gbp(f.control_total), f.control_total),
             num(gbp(f.loaded_amount), f.loaded_amount), plain(f.message)],
            "row-FAIL" if f.status == "rejected" else ("row-WARN" if f.rows_quarantined else ""))
        for f in results
    ]
    headers = ["File", "Status", "Rows received", "Loaded", "Quarantined", "Control total", "Amount loaded", "Message"]
    return FeedFiles(feed, title, Table(headers, rows, frozenset({2, 3, 4, 5, 6})), True, record_file)
