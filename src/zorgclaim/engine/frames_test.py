import polars as pl
import pytest

from zorgclaim.engine.frames import attach


def test_attach_keeps_order_and_adds_columns():
    df = pl.DataFrame({"k": ["b", "a", "c", "b"], "x": [1, 2, 3, 4]})
    right = pl.DataFrame({"key": ["a", "b"], "v": [10, 20]})
    out = attach(df, right, left_on="k", right_on="key")
    assert out.to_dict(as_series=False) == {"k": ["b", "a", "c", "b"], "x": [1, 2, 3, 4], "v": [20, 10, None, 20]}


def test_attach_refuses_a_right_side_with_duplicate_keys():
    with pytest.raises(ValueError, match="not unique"):
        attach(pl.DataFrame({"k": [1]}), pl.DataFrame({"k": [1, 1], "v": [1, 2]}), "k")
