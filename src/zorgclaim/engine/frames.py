"""Small frame helpers shared by the stages."""

from __future__ import annotations

from collections import OrderedDict
from functools import cache
from typing import NamedTuple

import numpy as np
import polars as pl

from zorgclaim.engine.compiled import compiled

# a day number after any date (an open-ended period's last day); its negative is before any
FAR_DAY = np.int64(2**40)

_MEMO: OrderedDict = OrderedDict()
_MEMO_SIZE = 64


def memo(name: str, sources: tuple, compute, *key):
    """What `compute()` gives for these source objects - the policy library, the reference tables,
    the world's providers and contracts: objects never changed once made - kept for the next call
    with the very same objects (and `key`). A cache, not state: the value depends on the sources
    alone, so every decision is the same with it or without it. It spares a batch of a few lines
    (the service decides claims as they come) rebuilding the same look-up tables each time."""
    k = (name, *map(id, sources), *key)
    hit = _MEMO.get(k)
    if hit is not None and all(a is b for a, b in zip(hit[0], sources)):
        return hit[1]
    value = compute()
    _MEMO[k] = (sources, value)        # the sources are held, so their ids are not reused meanwhile
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)
    return value


@cache
def period_holds(start: str, end: str, day: str, open_start: bool = False) -> pl.Expr:
    """The period start..end (inclusive; no end: open) holds on `day` (a column each); a period
    without a start never holds, unless `open_start` (then it holds from always). (Built once per
    set of names and kept, as the other expression builders that take names only: an expression
    is immutable, and building one costs a batch of a few lines more than using it.)"""
    begun = (pl.col(start).is_null() if open_start else pl.lit(False)) | (pl.col(start) <= pl.col(day)).fill_null(False)
    return begun & (pl.col(end).is_null() | (pl.col(end) >= pl.col(day)).fill_null(False))


def dated_value(values: pl.DataFrame, day: pl.Expr) -> pl.Expr:
    """A dated parameter's value on `day` (a date expression): its `value` of the last `from` on or
    before it; before the first `from`, the first value (a frame from `param_frame`)."""
    rows = values.sort("from").rows()
    out = pl.lit(rows[0][1])
    for start, value in rows[1:]:
        out = pl.when(day >= pl.lit(start)).then(pl.lit(value)).otherwise(out)
    return out


# how `run` plans a query: as polars plans an eager operation (no pushdown; on a few rows planning
# more costs more than it saves)
AS_EAGER = pl.QueryOptFlags._eager()


def run(query: pl.LazyFrame) -> pl.DataFrame:
    """A chain of operations collected as one polars query, planned as an eager operation is (so
    the result is the same as the chain run eagerly): one hand-over to polars' pool thread instead
    of one per operation, each ~50-150 us on a small batch."""
    return query.collect(optimizations=AS_EAGER)


def attach(df: pl.DataFrame, right: pl.DataFrame, on: str | list[str] | None = None, *,
           left_on: str | list[str] | None = None, right_on: str | list[str] | None = None) -> pl.DataFrame:
    """Left-join `right` onto `df` and add right's non-key columns, gathering only the key
    columns of `df` (a plain join re-gathers every column of a wide frame). `right` must be unique
    on its keys, so the row order and count of `df` are kept."""
    lk = [left_on] if isinstance(left_on, str) else (left_on or ([on] if isinstance(on, str) else on))
    rk = [right_on] if isinstance(right_on, str) else (right_on or lk)
    if right.height == 0:       # nothing to find: the new columns are null (a join would cost ~0.3 ms)
        null_columns = {c if c not in lk else f"{c}_right": t for c, t in right.schema.items() if c not in rk}
        if df.height > SMALL or set(null_columns) & set(df.columns):
            return df.with_columns(pl.lit(None, t).alias(c) for c, t in null_columns.items())
        return df.hstack([pl.Series(c, [None] * df.height, dtype=t) for c, t in null_columns.items()])
    if df.height + right.height <= ATTACH_BY_IDS:
        new = _attached_small(df, right, lk, rk)
    else:
        joined = df[lk].join(right, left_on=lk, right_on=rk, how="left", maintain_order="left", coalesce=True)
        if joined.height != df.height:
            raise ValueError(f"attach: right side is not unique on {rk}")
        new = joined[[c for c in joined.columns if c not in lk]]
    # (plain column picks and an hstack run no polars query; `with_columns` only to replace columns)
    return df.with_columns(new) if set(new.columns) & set(df.columns) else df.hstack(new.get_columns())


# up to this many rows on both sides, `attach` finds rows by key ids rather than by a join (measured,
# two threads, one key: 0.40 against 0.52 ms at 16 lines, the same near 500, 2.7 against 1.0 ms at 5,000)
ATTACH_BY_IDS = 512


def _attached_small(df: pl.DataFrame, right: pl.DataFrame, lk: list[str], rk: list[str]) -> pl.DataFrame:
    """`attach`'s new columns for a small batch, as the left join gives them, by key ids and NumPy
    picks: no polars query (a join is ~0.2 ms each on a few rows)."""
    left_ids, right_ids = key_ids([df[c] for c in lk], [right[c] for c in rk])
    found = right_ids >= 0
    counts = np.bincount(right_ids[found], minlength=1)
    if (counts[left_ids[left_ids >= 0]] > 1).any():
        raise ValueError(f"attach: right side is not unique on {rk}")
    row_of = np.full(len(counts), -1, np.int64)
    row_of[right_ids[found]] = np.flatnonzero(found)
    rows = np.where(left_ids >= 0, row_of[np.maximum(left_ids, 0)], -1)
    return pl.DataFrame([take(right[c], rows).alias(c if c not in lk else f"{c}_right")
                         for c in right.columns if c not in rk])


def key_ids(left: list[pl.Series], right: list[pl.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Integer ids for multi-column keys, for joins and look-ups on one Int64 column instead of
    several strings: the right side's distinct key rows are numbered 0..k-1; a left row gets the
    number of the equal right row, or -1 when there is none. A null never matches (as in a join).
    Meant for a small right side (a reference table): ids are mixed-radix over its distinct values."""
    lefts, rights, sizes = [], [], []
    for lc, rc in zip(left, right):
        if len(lc) + len(rc) <= SMALL:
            li, ri, size = _small_ids(lc, rc)
        else:
            values = rc.drop_nulls().unique(maintain_order=True)
            ids = pl.Series(range(values.len()), dtype=pl.Int64)
            li = lc.replace_strict(values, ids, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()
            ri = rc.replace_strict(values, ids, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy()
            size = values.len()
        lefts.append(li)
        rights.append(ri)
        sizes.append(size)
    return int_key_ids(lefts, rights, sizes)


# up to this many values on both sides together, ids come from a Python dict: a small batch (the
# service decides claims as they come) would otherwise pay polars' fixed cost per call (measured:
# 0.6-0.8 ms for 128 x 250 values, against 0.02-0.04 ms; the two meet near 20,000)
SMALL = 20_000


def _small_ids(lc: pl.Series, rc: pl.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """`key_ids` for one column by a dict: the same ids (right's distinct values numbered in order
    of first appearance; null and absent -1)."""
    rv = rc.to_list()
    index = _first_seen(rv)
    return _ids_of(lc.to_list(), index), _ids_of(rv, index), len(index)


def _first_seen(values: list) -> dict:
    """The distinct values that are not null, numbered in order of first appearance."""
    index: dict = {}
    for v in values:
        if v is not None and v not in index:
            index[v] = len(index)
    return index


def _ids_of(values: list, index: dict) -> np.ndarray:
    """Each value's number in `index`; -1 for a null or a value not there."""
    return np.fromiter((index.get(v, -1) if v is not None else -1 for v in values), np.int64, len(values))


class KeyIndex(NamedTuple):
    """The right side of `int_key_ids` numbered once: each right row's id (-1 for a null part),
    the distinct packed keys, and for a small key space a look-up table from packed key to id.
    A reference table's index can be kept (`memo`) and looked up by each batch (`ids_in`)."""
    sizes: tuple
    right_ids: np.ndarray
    distinct: np.ndarray
    table: np.ndarray | None


def _packed(columns: list[np.ndarray], sizes) -> tuple[np.ndarray, np.ndarray]:
    """Integer id columns packed into one key per row (mixed radix by `sizes`), and which rows
    have a null part (-1)."""
    key, bad = np.zeros(len(columns[0]), np.int64), np.zeros(len(columns[0]), bool)
    for ids, size in zip(columns, sizes):
        bad |= ids < 0
        key = key * max(size, 1) + np.maximum(ids, 0)
    return key, bad


def key_index(right: list[np.ndarray], sizes: list[int]) -> KeyIndex:
    """The right side of a look-up by integer-encoded key columns, numbered (see `KeyIndex`)."""
    rk, r_bad = _packed(right, sizes)
    distinct, r_ids = np.unique(rk[~r_bad], return_inverse=True)
    right_ids = np.full(len(rk), -1, np.int64)
    right_ids[~r_bad] = r_ids
    space = int(distinct[-1]) + 1 if len(distinct) else 0
    table = None
    if space <= 1 << 24:             # a small key space: a look-up table instead of a binary search
        table = np.full(max(space, 1), -1, np.int64)
        table[distinct] = np.arange(len(distinct))
    return KeyIndex(tuple(sizes), right_ids, distinct, table)


def ids_in(index: KeyIndex, left: list[np.ndarray]) -> np.ndarray:
    """Each left row's id in `index` (-1: a null part, or no equal right row)."""
    lk, l_bad = _packed(left, index.sizes)
    if index.table is not None:      # (a table of one -1 when the right side has no key)
        space = len(index.table)
        left_ids = index.table[np.minimum(lk, space - 1)]
        left_ids[l_bad | (lk >= space)] = -1
        return left_ids
    pos = np.minimum(np.searchsorted(index.distinct, lk), len(index.distinct) - 1)
    return np.where(~l_bad & (index.distinct[pos] == lk), pos, -1)


def int_key_ids(left: list[np.ndarray], right: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """`key_ids` for columns already encoded as integers: column k holds ids 0..sizes[k]-1, or
    -1 for a null or a value the other side does not have (it never matches)."""
    index = key_index(right, sizes)
    return ids_in(index, left), index.right_ids


def value_ids(col: pl.Series, values: pl.Series | None = None) -> tuple[np.ndarray, int]:
    """Each value's position in `values` (by default the column's own distinct values, in order
    of first appearance), -1 for a null or a value not there; and how many ids there are (at
    least 1, so it can size a table)."""
    if values is None and len(col) <= SMALL:      # by a dict: no polars query (see `_small_ids`)
        listed = col.to_list()
        index = _first_seen(listed)
        return _ids_of(listed, index), max(len(index), 1)
    if values is None:
        values = col.drop_nulls().unique(maintain_order=True)
    if values.len() == 0:
        return np.full(len(col), -1, np.int64), 1
    return key_ids([col], [values])[0], values.len()


def asof_lookup(keys: np.ndarray, days: np.ndarray, t_keys: np.ndarray, t_days: np.ndarray) -> np.ndarray:
    """For each query (key, day): the row of the table (t_keys, t_days) with the same key and the
    latest day on or before `day` (the last such row on ties), -1 when none. Keys are integers
    >= 0 (-1: no key); days are integers (e.g. days since 1970)."""
    if len(t_keys) == 0:
        return np.full(len(keys), -1, np.int64)
    shift = np.int64(1) << 32
    t_comb = t_keys.astype(np.int64) * shift + (t_days.astype(np.int64) + (shift >> 1))
    order = np.argsort(t_comb, kind="stable")
    pos = np.searchsorted(t_comb[order], keys.astype(np.int64) * shift + (days.astype(np.int64) + (shift >> 1)),
                          side="right") - 1
    row = order[np.maximum(pos, 0)]
    ok = (pos >= 0) & (keys >= 0) & (t_keys[row] == keys)
    return np.where(ok, row, -1)


def distinct_values(*columns: pl.Series) -> pl.Series:
    """The distinct values (as strings, in order of first appearance) of some list columns and
    plain columns: the value list a membership table or value_ids numbers against."""
    parts = [c.explode() if c.dtype.base_type() == pl.List else c for c in columns]
    return pl.concat([p.cast(pl.String) for p in parts]).drop_nulls().unique(maintain_order=True)


def membership(lists: pl.Series, values: pl.Series) -> np.ndarray:
    """A (rows x values) boolean table: row r's list holds value v (`values` distinct; a list
    value not among them is left out). At least one column, so a table of no values can be indexed."""
    table = np.zeros((len(lists), max(values.len(), 1)), np.bool_)
    exploded = lists.to_frame("v").with_row_index("r").explode("v").drop_nulls("v")
    ids = value_ids(exploded["v"], values)[0]
    table[exploded["r"].to_numpy()[ids >= 0], ids[ids >= 0]] = True
    return table


def min_in_period(keys: np.ndarray, days: np.ndarray, t_keys: np.ndarray, t_from: np.ndarray,
                  t_to: np.ndarray, t_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query (key, day): the least value among the table rows with that key whose
    period t_from..t_to (day numbers, inclusive) holds the day, and whether there is one. Keys
    are ids >= 0 (-1: no key, never found). Give an open-ended period a far-off t_to."""
    if len(t_keys) == 0:
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), np.bool_)
    order = np.argsort(t_keys, kind="stable")
    start = np.searchsorted(t_keys[order], np.arange(int(t_keys.max()) + 2), "left")
    return _min_in_period(keys.astype(np.int64), days.astype(np.int64), start.astype(np.int64), order,
                          t_from.astype(np.int64), t_to.astype(np.int64), t_values.astype(np.int64))


@compiled
def _min_in_period(keys, days, start, order, t_from, t_to, t_values):
    out = np.zeros(keys.shape[0], np.int64)
    found = np.zeros(keys.shape[0], np.bool_)
    top = start.shape[0] - 1
    for q in range(keys.shape[0]):
        k = keys[q]
        if k < 0 or k >= top:
            continue
        d = days[q]
        for x in range(start[k], start[k + 1]):
            r = order[x]
            if t_from[r] <= d <= t_to[r] and (not found[q] or t_values[r] < out[q]):
                out[q] = t_values[r]
                found[q] = True
    return out, found


# the columns `filled` fills in NumPy: their NumPy type and the values that fit it
_NUMPY_FILLABLE = {pl.Int64: (np.int64, -(1 << 63), (1 << 63) - 1), pl.Int32: (np.int32, -(1 << 31), (1 << 31) - 1),
                   pl.UInt32: (np.uint32, 0, (1 << 32) - 1), pl.Boolean: (np.bool_, None, None)}


def filled(column: pl.Series, value) -> np.ndarray:
    """`column.fill_null(value).to_numpy()`. On a small batch, for integer and boolean columns and
    a value of their own type, it is done in NumPy: `fill_null` on a Series runs as a polars query
    (~50 us each, ~30 times in an engine call), reading a column out is direct."""
    kind, low, high = _NUMPY_FILLABLE.get(column.dtype, (None, None, None))
    fits = kind is not None and (isinstance(value, bool) if kind is np.bool_ else
                                 type(value) is int and low <= value <= high)
    if not fits:
        return column.fill_null(value).to_numpy()
    if not column.null_count():
        return column.to_numpy()
    if len(column) > SMALL:
        return column.fill_null(value).to_numpy()
    a = column.to_numpy()           # with nulls: floats with NaN (integers), objects with None (booleans)
    null = np.isnan(a) if a.dtype.kind == "f" else np.equal(a, None)
    return np.where(null, value, a).astype(kind)


def null_mask(column: pl.Series) -> np.ndarray:
    """`column.is_null().to_numpy()`, without a polars query when the column has no null or only
    nulls (most optional columns of a small batch)."""
    n = column.null_count()
    if n == 0 or n == len(column):
        return np.full(len(column), n > 0)
    if len(column) <= 256:                  # a few rows: reading them out beats a query
        return np.fromiter((v is None for v in column.to_list()), bool, len(column))
    return column.is_null().to_numpy()


def given_mask(column: pl.Series) -> np.ndarray:
    """`column.is_not_null().to_numpy()` (see `null_mask`)."""
    return ~null_mask(column)


def take(values: pl.Series, rows: np.ndarray) -> pl.Series:
    """values[rows], null where a row is -1 (the 'not found' of key_ids and asof_lookup)."""
    if len(values) == 0:
        return pl.repeat(None, len(rows), dtype=values.dtype, eager=True).alias(values.name)
    if rows.min(initial=0) >= 0:
        return values[rows]
    # -1 points at a null appended at the end. (Indexing by a NumPy array is a direct gather: a
    # fraction of `gather` with nulls in the index, which runs as a polars query - ~70 against
    # ~160 us on a small batch, a cost that repeats in every engine call)
    with_null = values.clone()
    with_null.append(pl.Series(values.name, [None], dtype=values.dtype))
    return with_null[np.where(rows < 0, len(values), rows)]


def day_numbers(dates: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates as days since 1970 (int64) and a mask of the nulls."""
    days = dates.cast(pl.Int32).to_numpy()        # with nulls: floats with NaN (no polars query: cheap at any size)
    if not dates.null_count():
        return days.astype(np.int64), np.zeros(len(days), bool)
    null = np.isnan(days)
    return np.where(null, 0, days).astype(np.int64), null


def packed_key(df: pl.DataFrame, columns: list[str]) -> pl.Expr | list[str]:
    """A sort key for `columns` (integers, in that order of precedence): one Int64 that packs
    them, when their ranges fit in 63 bits (one integer sorts much faster than six columns);
    else the columns themselves. Sorting on either gives the same order."""
    if df.height == 0:
        return columns
    lows = df.select(pl.col(c).min() for c in columns).row(0)
    highs = df.select(pl.col(c).max() for c in columns).row(0)
    if any(v is None for v in lows + highs) or any(df[c].null_count() for c in columns):
        return columns
    widths = [max(int(h - lo).bit_length(), 1) for lo, h in zip(lows, highs)]
    if sum(widths) > 63:
        return columns
    key, shift = pl.lit(0, pl.Int64), 0
    for c, lo, w in reversed(list(zip(columns, lows, widths))):
        key = key + ((pl.col(c).cast(pl.Int64) - lo) * (1 << shift))
        shift += w
    return key



@cache
def named_value(name: str, value: str | None) -> pl.Expr:
    """A column `name` with `value` on every row, categorical: a name that repeats on many rows (an
    explanation step's stage, check, outcome, code or source) is kept as a number into one
    dictionary of texts, not copied per row."""
    return pl.lit(value, pl.Categorical).alias(name)
