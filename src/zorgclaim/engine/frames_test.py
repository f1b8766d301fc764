import numpy as np
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


def test_key_ids_match_like_a_join_and_nulls_never_match():
    from zorgclaim.engine.frames import key_ids
    left = [pl.Series(["a", "a", "b", None, "c"]), pl.Series(["x", "y", "x", "x", "x"])]
    right = [pl.Series(["a", "b", "a", "a"]), pl.Series(["x", "x", "x", None])]
    lid, rid = key_ids(left, right)
    assert rid.tolist()[0] == rid.tolist()[2] and rid[0] != rid[1] and rid[3] == -1
    assert lid.tolist() == [rid[0], -1, rid[1], -1, -1]


def test_asof_lookup_takes_the_latest_row_on_or_before_the_day():
    from zorgclaim.engine.frames import asof_lookup, take
    t_keys, t_days = np.array([0, 0, 1, 0]), np.array([10, 20, 5, 30])
    rows = asof_lookup(np.array([0, 0, 0, 1, 1, 2, -1]), np.array([9, 10, 25, 4, 100, 50, 50]), t_keys, t_days)
    assert rows.tolist() == [-1, 0, 1, -1, 2, -1, -1]
    assert take(pl.Series([100, 200, 300, 400]), rows).to_list() == [None, 100, 200, None, 300, None, None]


@pytest.mark.parametrize("distinct", [5, 300])     # 300**3 key space: the binary-search branch
def test_key_ids_agree_with_a_join(distinct):
    from zorgclaim.engine.frames import key_ids
    rng = np.random.default_rng(distinct)
    right = pl.DataFrame({c: [f"{c}{v}" for v in rng.integers(0, distinct, distinct)] for c in "abc"}).unique(maintain_order=True)
    left = pl.concat([right.sample(200, with_replacement=True, seed=1),
                      pl.DataFrame({c: [f"{c}{v}" for v in rng.integers(0, distinct, 200)] for c in "abc"})])
    lid, rid = key_ids([left[c] for c in "abc"], [right[c] for c in "abc"])
    joined = left.with_row_index("l").join(right.with_columns(pl.Series("r", rid)), on=["a", "b", "c"], how="left").sort("l")
    assert lid.tolist() == joined["r"].fill_null(-1).to_list()
    assert len(set(rid.tolist())) == right.height


def test_packed_key_sorts_like_the_columns():
    from zorgclaim.engine.frames import packed_key
    rng = np.random.default_rng(3)
    df = pl.DataFrame({"a": rng.integers(0, 50, 5000), "b": rng.integers(-3, 1006, 5000), "c": rng.integers(0, 4, 5000)})
    key = packed_key(df, ["a", "b", "c"])
    assert not isinstance(key, list)
    assert df.sort(key, maintain_order=True).equals(df.sort("a", "b", "c", maintain_order=True))
    wide = df.with_columns(pl.col("a") * (1 << 40), pl.col("b") * (1 << 30))        # does not fit: the columns
    assert packed_key(wide, ["a", "b", "c"]) == ["a", "b", "c"]
    assert packed_key(df.head(0), ["a"]) == ["a"]


def test_membership_table_marks_each_rows_values():
    from zorgclaim.engine.frames import membership
    table = membership(pl.Series([["a", "b"], None, ["c", "zz"], []]), pl.Series(["a", "b", "c"]))
    assert table.tolist() == [[True, True, False], [False, False, False], [False, False, True], [False, False, False]]


def test_int_key_ids_agree_with_key_ids_on_the_encoded_columns():
    from zorgclaim.engine.frames import int_key_ids, key_ids, value_ids
    rng = np.random.default_rng(3)
    left = [pl.Series(rng.choice(["a", "b", "c", None], 500).tolist()), pl.Series(rng.choice(["x", "y"], 500).tolist())]
    right = [pl.Series(["a", "b", "a", None, "c"]), pl.Series(["x", "x", "y", "y", "q"])]
    values = [r.drop_nulls().unique(maintain_order=True) for r in right]
    ints = int_key_ids([value_ids(c, v)[0] for c, v in zip(left, values)], [value_ids(c, v)[0] for c, v in zip(right, values)],
                       [v.len() for v in values])
    assert [x.tolist() for x in ints] == [x.tolist() for x in key_ids(left, right)]


@pytest.mark.parametrize("sizes", [[5, 3], [1 << 13, 1 << 13]])     # a look-up table; a key space past it
def test_a_kept_key_index_finds_what_a_search_of_the_rows_finds(sizes):
    from zorgclaim.engine.frames import ids_in, key_index
    rng = np.random.default_rng(5)
    right = [rng.integers(-1, sizes[0], 40), rng.integers(-1, sizes[1], 40)]
    index = key_index(right, sizes)
    assert (index.table is None) == (sizes[0] > 5)
    for _ in range(3):              # one index, several batches looked up in it
        left = [rng.integers(-1, sizes[0], 300), rng.integers(-1, sizes[1], 300)]
        left[0][:40], left[1][:40] = right[0], right[1]          # some rows certainly found
        got = ids_in(index, left)
        for a, b, g in zip(*left, got):
            rows = [r for r in range(40) if a >= 0 and b >= 0 and right[0][r] == a and right[1][r] == b]
            assert (g == -1) if not rows else all(index.right_ids[r] == g for r in rows)
        assert (got >= 0).any()


def test_a_key_index_of_no_keys_finds_nothing():
    from zorgclaim.engine.frames import ids_in, key_index
    index = key_index([np.array([-1, -1])], [4])
    assert ids_in(index, [np.array([0, 3, -1])]).tolist() == [-1, -1, -1]
    assert index.right_ids.tolist() == [-1, -1]


def test_min_in_period_takes_the_least_value_whose_period_holds_the_day():
    from zorgclaim.engine.frames import min_in_period
    rng = np.random.default_rng(4)
    t_keys, t_from = rng.integers(-1, 5, 60), rng.integers(0, 100, 60)
    t_to, values = t_from + rng.integers(0, 40, 60), rng.integers(0, 1000, 60)
    keys, days = rng.integers(-1, 7, 2000), rng.integers(-5, 150, 2000)
    got, found = min_in_period(keys, days, t_keys, t_from, t_to, values)
    for k, d, g, f in zip(keys, days, got, found):
        hold = [v for tk, a, z, v in zip(t_keys, t_from, t_to, values) if k >= 0 and tk == k and a <= d <= z]
        assert f == bool(hold) and (not hold or g == min(hold))
    assert found.any() and not found.all()


@pytest.mark.parametrize("values", [["a", "b", None, "c", "a"], [3, None, 1, 3, 7]])
def test_small_and_large_key_ids_give_the_same_ids(values, monkeypatch):
    """The dict path (small inputs) and the polars path number the same way."""
    import zorgclaim.engine.frames as frames
    rng = np.random.default_rng(5)
    right = pl.Series([values[k] for k in rng.integers(0, len(values), 300)])
    left = pl.Series([values[k] for k in rng.integers(0, len(values), 500)] + [None, "zz" if isinstance(values[0], str) else 99])
    small = frames.key_ids([left], [right])
    monkeypatch.setattr(frames, "SMALL", 0)
    large = frames.key_ids([left], [right])
    assert small[0].tolist() == large[0].tolist() and small[1].tolist() == large[1].tolist()
    assert small[0][-1] == -1 and small[0][-2] == -1


def test_dated_value_takes_the_value_in_force_on_the_day():
    import datetime as dt

    import polars as pl

    from zorgclaim.engine.frames import dated_value
    values = pl.DataFrame({"from": [dt.date(2020, 1, 1), dt.date(2024, 1, 1)], "value": [3, 5]})
    days = pl.DataFrame({"d": [dt.date(2019, 6, 1), dt.date(2023, 12, 31), dt.date(2024, 1, 1), dt.date(2030, 1, 1)]})
    assert days.select(dated_value(values, pl.col("d")).alias("v"))["v"].to_list() == [3, 3, 5, 5]


def test_period_holds_with_and_without_an_open_start():
    import datetime as dt

    from zorgclaim.engine.frames import period_holds
    d = dt.date
    f = pl.DataFrame({"a": [d(2025, 1, 1), None, d(2025, 3, 1), None], "b": [None, d(2025, 2, 1), d(2025, 3, 31), None],
                      "day": [d(2025, 6, 1), d(2025, 1, 15), d(2025, 4, 1), d(2025, 1, 1)]})
    assert f.select(period_holds("a", "b", "day")).to_series().to_list() == [True, False, False, False]
    assert f.select(period_holds("a", "b", "day", open_start=True)).to_series().to_list() == [True, True, False, True]


def test_attach_to_an_empty_right_side_adds_the_same_null_columns_as_the_join():
    df = pl.DataFrame({"k": ["a", "b"], "v": [1, 2], "w": [5, 6]})
    right = pl.DataFrame({"key": ["z"], "w": [9], "k": ["q"], "x": [1.5]})   # "z" matches no line: all null
    by_join = attach(df, right, left_on="k", right_on="key")
    shortcut = attach(df, right.clear(), left_on="k", right_on="key")
    assert shortcut.equals(by_join) and shortcut.schema == by_join.schema
    assert shortcut.columns == ["k", "v", "w", "k_right", "x"] and shortcut["w"].null_count() == 2


def test_day_numbers_are_days_since_1970_with_nulls_masked():
    import datetime as dt

    from zorgclaim.engine.frames import day_numbers
    days, null = day_numbers(pl.Series([dt.date(2024, 1, 1), None, dt.date(1960, 5, 5)]))
    assert days.dtype == np.int64 and days.tolist() == [19723, 0, -3528] and null.tolist() == [False, True, False]
    days, null = day_numbers(pl.Series([], dtype=pl.Date))
    assert days.dtype == np.int64 and len(days) == 0 and len(null) == 0


@pytest.mark.parametrize("dtype,value", [(pl.Int64, 0), (pl.Int64, -1), (pl.Int32, -1), (pl.UInt32, 0),
                                         (pl.UInt32, -1), (pl.Boolean, False), (pl.Boolean, True),
                                         (pl.Int64, 2.5), (pl.Float64, 0.0)])
@pytest.mark.parametrize("nulls", [False, True])
def test_filled_is_fill_null_then_to_numpy_value_and_type(dtype, value, nulls):
    from zorgclaim.engine.frames import filled
    data = {pl.Boolean: [True, False, True, False]}.get(dtype, [3, 0, 7, 1])
    s = pl.Series("x", [None if nulls and k % 2 else v for k, v in enumerate(data)], dtype=dtype)
    want = s.fill_null(value).to_numpy()
    got = filled(s, value)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want)


@pytest.mark.parametrize("values", [[1, 2, 3], [None, None, None], [1, None, 3], [], [[1], None, []], ["a", None, "b"]])
def test_null_and_given_masks_are_is_null_and_is_not_null(values):
    from zorgclaim.engine.frames import given_mask, null_mask
    s = pl.Series("x", values, dtype=pl.Int64 if not values or not isinstance(next((v for v in values if v is not None), 0), (list, str))
                  else None)
    assert np.array_equal(null_mask(s), s.is_null().to_numpy())
    assert np.array_equal(given_mask(s), s.is_not_null().to_numpy())
    assert null_mask(s).dtype == np.bool_


@pytest.mark.parametrize("values", [["b", None, "a", "b"], [None, None], [], [3, 1, None, 3, 2]])
@pytest.mark.parametrize("small", [True, False])
def test_value_ids_number_distinct_values_in_order_of_first_appearance(values, small, monkeypatch):
    from zorgclaim.engine import frames
    if not small:
        monkeypatch.setattr(frames, "SMALL", 0)
    col = pl.Series("x", values, dtype=None if values and any(v is not None for v in values) else pl.String)
    ids, n = frames.value_ids(col)
    seen = list(dict.fromkeys(v for v in values if v is not None))
    want = [-1 if v is None else seen.index(v) for v in values]
    assert ids.tolist() == want and n == max(len(seen), 1)


@pytest.mark.parametrize("seed", range(6))
def test_attach_on_a_small_batch_gives_what_the_join_gives(seed, monkeypatch):
    """The small-batch path (key ids, no join) against the join path, on random keys with nulls,
    two key columns, a right column named like a left key, and empty sides."""
    import random

    from zorgclaim.engine import frames
    rng = random.Random(seed)
    n, m = rng.choice([0, 1, 7, 30]), rng.choice([0, 1, 5, 12])
    keys = [(a, b) for a in ["p", "q", "r", None] for b in [1, 2, 3]]
    right_keys = rng.sample([k for k in keys if k[0] is not None], min(m, 9))
    df = pl.DataFrame({"a": [rng.choice(keys)[0] for _ in range(n)], "b": [rng.choice([1, 2, 3, None]) for _ in range(n)],
                       "x": list(range(n))}, schema={"a": pl.String, "b": pl.Int64, "x": pl.Int64})
    right = pl.DataFrame({"ka": [k[0] for k in right_keys], "kb": [k[1] for k in right_keys],
                          "v": [rng.randint(0, 9) for _ in right_keys], "a": ["s"] * len(right_keys),
                          "d": [rng.choice([None, 1.5]) for _ in right_keys]},
                         schema={"ka": pl.String, "kb": pl.Int64, "v": pl.Int64, "a": pl.String, "d": pl.Float64})
    small = attach(df, right, left_on=["a", "b"], right_on=["ka", "kb"])
    monkeypatch.setattr(frames, "ATTACH_BY_IDS", -1)
    by_join = attach(df, right, left_on=["a", "b"], right_on=["ka", "kb"])
    assert small.schema == by_join.schema and small.equals(by_join)


def test_attach_on_a_small_batch_refuses_duplicate_keys_only_when_a_line_meets_them():
    right = pl.DataFrame({"k": [1, 1, 2], "v": [1, 2, 3]})
    assert attach(pl.DataFrame({"k": [2, 3]}), right, "k")["v"].to_list() == [3, None]
    with pytest.raises(ValueError, match="not unique"):
        attach(pl.DataFrame({"k": [2, 1]}), right, "k")

