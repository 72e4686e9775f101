"""The warehouse on PostgreSQL (issue #16): connecting, the raw schema loaded by COPY, write-audit-publish by
schema rename, the BI role. Used only when `warehouse_url` is set; the DuckDB default never imports it."""
