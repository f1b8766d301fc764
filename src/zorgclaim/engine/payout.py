"""Stage 5, the money of each line: its shares, what they add up to, and who pays.

A line's shares are the candidates that paid for it (product, benefit, amount, deductible), in
candidate order: basic products first, then modules. A credit's shares are its debit's, negated,
so a credit reverses its debit exactly, whether the debit is in this batch or in history. The
line's `allowed` and `deductible` are the sums; its `payer` is the product of the share paying
the most (the first such share on a tie).

The lines are rows 0..n-1 of the line frame (`i`), so the columns are built in line order
directly, the list column from its offsets, with no group-by and no join onto the lines.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from zorgclaim.domain.schema import SHARE_TYPE
from zorgclaim.engine.compiled import compiled
from zorgclaim.engine.frames import take
from zorgclaim.engine.state import State

SHARE_COLUMNS = ["product", "benefit", "amount", "deductible"]


def share_rows(df: pl.DataFrame, cands: pl.DataFrame, state: State, benefits: pl.DataFrame) -> pl.DataFrame:
    """One row per share (i, product, benefit, amount, deductible), sorted by line, each line's
    in candidate order. `cands` carry i, brow, product, amount and c_ded (the kernel's results)."""
    paid = cands.select("i", "brow", "product", "amount", "c_ded").filter(pl.col("amount") != 0)
    paid = paid.select("i", "product", benefits["benefit"].gather(paid["brow"]), "amount",
                       pl.col("c_ded").alias("deductible"))
    credits = df.select("i", "debit_i", "credits", (pl.col("formal_ok") & pl.col("is_credit")).alias("_c")).filter("_c")
    if credits.is_empty():      # no credit to reverse (as in most small batches)
        return paid.sort("i", maintain_order=True)
    in_batch = (credits.filter(pl.col("debit_i").is_not_null()).select("i", pl.col("debit_i").cast(paid["i"].dtype).alias("j"))
                .join(paid.rename({"i": "j"}), on="j", how="inner", maintain_order="left_right").drop("j"))
    from_hist = (credits.filter(pl.col("debit_i").is_null()).select("i", pl.col("credits").alias("line_id"))
                 .join(state.shares, on="line_id", how="inner", maintain_order="left_right").select("i", *SHARE_COLUMNS))
    reversed_ = pl.concat([in_batch, from_hist.cast(in_batch.schema)]).with_columns(-pl.col("amount"), -pl.col("deductible"))
    # a line is a debit or a credit, never both: a stable sort by line only merges the two parts
    return pl.concat([paid, reversed_]).sort("i", maintain_order=True)


def line_money(rows: pl.DataFrame, n: int) -> pl.DataFrame:
    """From share rows (sorted by line `i` < n): per line 0..n-1 its shares, allowed, deductible
    and payer (null when it has no shares)."""
    i = rows["i"].cast(pl.Int64).to_numpy()
    counts = np.bincount(i, minlength=n).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    amount, ded = rows["amount"].to_numpy(), rows["deductible"].to_numpy()
    struct = pa.StructArray.from_arrays([rows[c].to_arrow() for c in SHARE_COLUMNS], names=SHARE_COLUMNS)
    shares = pl.Series("shares", pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), struct)).cast(pl.List(SHARE_TYPE))
    first = _first_largest(offsets, np.abs(amount))
    return pl.DataFrame([
        pl.Series("allowed", _sums(offsets, amount)), pl.Series("deductible", _sums(offsets, ded)), shares,
        take(rows["product"], first).alias("payer"),
    ])


def _sums(offsets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The sum of each run values[offsets[k]:offsets[k+1]], in integers."""
    total = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    return total[offsets[1:]] - total[offsets[:-1]]


@compiled
def _first_largest(offsets, values):
    """Per run values[offsets[k]:offsets[k+1]]: the position of its first largest value, -1 for
    an empty run."""
    out = np.full(offsets.shape[0] - 1, -1, np.int64)
    for k in range(offsets.shape[0] - 1):
        for r in range(offsets[k], offsets[k + 1]):
            if out[k] < 0 or values[r] > values[out[k]]:
                out[k] = r
    return out
