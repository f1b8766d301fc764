"""Which counter a candidate's limits count on.

A counter is per member and
- per product and benefit (`member|product|benefit`), or, for a benefit whose limits count per
  condition (`counter: condition`), per benefit and diagnosis (`member|benefit|diagnosis`, '-'
  for none): a treatment counts toward a chronic condition whoever pays for it;
- per calendar year when the benefit's window is the calendar year or it pays an amount per
  year (`...|2025`).

The text key is what the state keeps (`state.COUNTERS_SCHEMA`). Within a batch the counters are
numbered: the parts are encoded as integers and packed into one Int64, and the text is built
once per distinct counter, not once per candidate (about half of them share one).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.engine.frames import key_ids


def _dense(col: pl.Series) -> tuple[np.ndarray, int]:
    """Ids 0..k-1 of the values of a column (nulls are a value too), and k."""
    values = col.unique(maintain_order=True)
    return key_ids([col.fill_null("\x00")], [values.fill_null("\x00")])[0], max(values.len(), 1)


def counter_ids(c: pl.DataFrame) -> tuple[np.ndarray, pl.Series]:
    """For candidates with member_id, product, benefit, diagnosis, service_date and the benefit's
    counter, window and per_year_amount: each candidate's counter number and, per number, the
    counter's text key (in order of first appearance)."""
    if c.height == 0:
        return np.zeros(0, np.int64), pl.Series("counter_key", [], pl.String)
    condition = (c["counter"] == "condition").fill_null(False)
    per_year = ((c["window"] == "calendar_year").fill_null(False) | c["per_year_amount"].is_not_null()).to_numpy()
    diagnosis = c["diagnosis"].fill_null("-")
    # the part after the member: product|benefit, or benefit|diagnosis
    middle = pl.select(pl.when(condition).then(pl.lit("")).otherwise(c["product"]).alias("a"),
                       c["benefit"].alias("b"), pl.when(condition).then(diagnosis).otherwise(pl.lit("")).alias("d"))
    member, n_member = _dense(c["member_id"])
    first, n_first = _dense(middle["a"])
    benefit, n_benefit = _dense(middle["b"])
    diag, n_diag = _dense(middle["d"])
    year = c["service_date"].dt.year().cast(pl.Int64).to_numpy()
    low = int(year.min())
    year_part = np.where(per_year, year - low + 1, 0)
    n_year = int(year.max()) - low + 2
    if float(n_member) * n_first * n_benefit * n_diag * n_year >= 2.0 ** 62:
        raise ValueError("counter keys do not fit in 62 bits")        # ~10^18 combinations: not a real batch
    packed = (((member * n_first + first) * n_benefit + benefit) * n_diag + diag) * n_year + year_part
    numbers = pl.Series(packed)
    distinct = numbers.unique(maintain_order=True)
    ids = numbers.replace_strict(distinct, pl.Series(range(distinct.len()), dtype=pl.Int64), return_dtype=pl.Int64).to_numpy()
    firsts = np.flatnonzero(numbers.is_first_distinct().to_numpy())    # each counter's first candidate, in order
    rows = c.select("member_id", "product", "benefit").with_columns(
        condition.alias("_c"), diagnosis.alias("_d"), pl.Series("_y", np.where(per_year, year, -1))).gather(firsts)
    text = rows.select(pl.concat_str([
        pl.col("member_id"), pl.when(pl.col("_c")).then(pl.col("benefit")).otherwise(pl.col("product")),
        pl.when(pl.col("_c")).then(pl.col("_d")).otherwise(pl.col("benefit")),
        pl.when(pl.col("_y") >= 0).then(pl.col("_y").cast(pl.String))], separator="|", ignore_nulls=True).alias("counter_key"))
    return ids, text.to_series()
