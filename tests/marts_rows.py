"""Every mart of a DuckDB warehouse, row for row, to compare two nights of the same files: without the columns that
record when and how a file arrived (received_at, message), which differ between any two nights."""

from __future__ import annotations

from pathlib import Path

import duckdb

ARRIVAL_COLUMNS = ("received_at", "message")


def marts_rows(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("""SELECT table_name FROM information_schema.tables
                                       WHERE table_schema = 'marts' ORDER BY 1""").fetchall():
            cols = [c for (c,) in con.execute("""SELECT column_name FROM information_schema.columns
                                                 WHERE table_schema = 'marts' AND table_name = ?
                                                 ORDER BY ordinal_position""", [table]).fetchall()
                    if c not in ARRIVAL_COLUMNS]
            select = ", ".join(f'"{c}"' for c in cols)
            out[table] = con.execute(f'SELECT {select} FROM marts."{table}" ORDER BY ALL').fetchall()
        return out
    finally:
        con.close()
