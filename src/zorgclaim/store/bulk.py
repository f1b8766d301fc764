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
        _copy(conn, table.name, quoted, frame)
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


def _copy(conn, table_name: str, quoted_columns: str, frame: pl.DataFrame) -> None:
    """COPY the frame (written as CSV by polars) into a PostgreSQL table."""
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False, null_value="", quote_style="necessary")
    with conn.connection.cursor().copy(f'COPY "{table_name}" ({quoted_columns}) FROM STDIN (FORMAT csv)') as copy:
        copy.write(buf.getvalue())


def bulk_add(conn, table: Table, keys: list[str], value: str, frame: pl.DataFrame) -> None:
    """Add `frame`'s `value` to the rows of `table` with the same `keys`, inserting the rows that
    are not there yet (an upsert that sums), in key order (two writers on PostgreSQL take the rows'
    locks in the same order). On PostgreSQL the frame is COPYed into a temporary table and added in
    one statement (a statement per row cost seconds per batch); on SQLite one prepared upsert runs
    over the rows."""
    if frame.height == 0:
        return
    frame = frame.select(*keys, value).sort(keys)
    cols = ", ".join(f'"{c}"' for c in (*keys, value))
    conflict = f'ON CONFLICT ({", ".join(keys)}) DO UPDATE SET "{value}" = "{table.name}"."{value}" + excluded."{value}"'
    if conn.dialect.name == "postgresql":
        temp = f"_add_{table.name}"
        conn.exec_driver_sql(f'CREATE TEMPORARY TABLE IF NOT EXISTS "{temp}" (LIKE "{table.name}") ON COMMIT DELETE ROWS')
        conn.exec_driver_sql(f'TRUNCATE "{temp}"')
        _copy(conn, temp, cols, frame)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM "{temp}" '
                             f'ORDER BY {", ".join(keys)} {conflict}')
        return
    rows = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).rows()
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" for _ in (*keys, value))}) '
                         f'{conflict}', rows)
