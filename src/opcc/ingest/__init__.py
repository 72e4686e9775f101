"""Ingestion: landing files -> the append-only raw database, every line loaded or quarantined."""

from opcc.ingest.loader import FileResult, ingest_feed, ingest_paths

__all__ = ["FileResult", "ingest_feed", "ingest_paths"]
