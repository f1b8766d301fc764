"""Bulk writes with the database's own loader: COPY on PostgreSQL (the frame written as CSV by
polars), one prepared statement run over all rows on SQLite (executemany) - never a statement per row
built by the ORM."""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import Table


def bulk_insert(conn, table: Table, frame: pl.DataFrame) -> int:
    """Insert the frame's columns (a subset of the table's, in any order) into `table` inside the
    connection's current transaction. Returns the rows written."""
    if frame.height == 0:
        return 0
    cols = frame.columns
    unknown = [c for c in cols if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    quoted = ", ".join(f'"{c}"' for c in cols)
    if conn.dialect.name == "postgresql":
        buf = io.BytesIO()
        frame.write_csv(buf, include_header=False, null_value="", quote_style="necessary")
        cursor = conn.connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT csv)') as copy:
            copy.write(buf.getvalue())
        return frame.height
    # SQLite: dates as the ISO text SQLAlchemy stores them as
    rows = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).rows()
    marks = ", ".join("?" for _ in cols)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})', rows)
    return frame.height


def take_pending(conn, queue: Table, line_ids: list[str]) -> int:
    """Delete these lines from the work queue; returns how many were still there (fewer: another
    process took some first)."""
    if not line_ids:
        return 0
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.cursor()
        cursor.execute(f'DELETE FROM "{queue.name}" WHERE line_id = ANY(%s)', (line_ids,))
        return cursor.rowcount
    return conn.exec_driver_sql(f'DELETE FROM "{queue.name}" WHERE line_id = ?', [(i,) for i in line_ids]).rowcount
