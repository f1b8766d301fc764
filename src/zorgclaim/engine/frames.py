"""Small frame helpers shared by the stages."""

from __future__ import annotations

import polars as pl


def attach(df: pl.DataFrame, right: pl.DataFrame, on: str | list[str] | None = None, *,
           left_on: str | list[str] | None = None, right_on: str | list[str] | None = None) -> pl.DataFrame:
    """Left-join `right` onto `df` and add right's non-key columns, gathering only the key
    columns of `df` (a plain join re-gathers every column of a wide frame). `right` must be unique
    on its keys, so the row order and count of `df` are kept."""
    lk = [left_on] if isinstance(left_on, str) else (left_on or ([on] if isinstance(on, str) else on))
    rk = [right_on] if isinstance(right_on, str) else (right_on or lk)
    joined = df.select(lk).join(right, left_on=lk, right_on=rk, how="left", maintain_order="left", coalesce=True)
    if joined.height != df.height:
        raise ValueError(f"attach: right side is not unique on {rk}")
    new = [c for c in joined.columns if c not in lk]
    return df.with_columns(joined.select(new))
