"""The engine's state as a folder of Parquet files, so that `zorgclaim adjudicate --state DIR`
can carry deductibles, counters and history from one batch to the next. (A database store is
the books issue; this is the file form.)"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from zorgclaim.engine.state import COUNTERS_SCHEMA, EFFECTS_SCHEMA, HELD_SCHEMA, HISTORY_SCHEMA, SHARES_SCHEMA, State
from zorgclaim.formats.tabular import InputError

PARTS = {"history": HISTORY_SCHEMA, "shares": SHARES_SCHEMA, "counters": COUNTERS_SCHEMA, "effects": EFFECTS_SCHEMA,
         "held": HELD_SCHEMA}


def load_state(folder: Path) -> State:
    folder = Path(folder)
    if not folder.exists():
        return State()
    frames = {}
    for name, schema in PARTS.items():
        path = folder / f"{name}.parquet"
        if not path.exists():
            frames[name] = pl.DataFrame(schema=schema)
            continue
        df = _added_columns(pl.read_parquet(path), schema)
        if dict(df.schema) != schema:
            raise InputError(f"{path}: not a zorgclaim state file (columns {list(df.columns)})")
        frames[name] = df
    return State(**frames)


# columns added to a part after state files were first written, with the value an older file means
ADDED = {"prev_period": pl.lit(None, pl.Date), "prev_pcount": pl.lit(0, pl.Int64)}


def _added_columns(df: pl.DataFrame, schema: dict) -> pl.DataFrame:
    """A part written before a column of ADDED existed, with that column as an older file means it."""
    missing = [c for c in schema if c not in df.columns and c in ADDED]
    if not missing or set(df.columns) | set(missing) != set(schema):
        return df
    return df.with_columns(ADDED[c].alias(c) for c in missing).select(list(schema))


def save_state(state: State, folder: Path) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in PARTS:
        tmp = folder / f".{name}.parquet.tmp"
        getattr(state, name).write_parquet(tmp)
        tmp.replace(folder / f"{name}.parquet")
