import datetime as dt
import random

import numpy as np
import polars as pl
import pytest

from zorgclaim.engine.counters import CounterKey, counter_ids, parse_key

BENEFITS = pl.DataFrame({
    "product": ["p/basis", "p/basis", "p/extra", "p/extra", "p/extra", "p/basis", "p/basis"],
    "benefit": ["fysio", "chronic", "fysio", "chronic", "tand", "gvs-max", "prothese"],
    "counter": [None, "condition", None, "condition", None, None, "code"],
    "window": ["12_months", None, "calendar_year", None, None, None, "60_months"],
    "per_year_amount": [None, None, None, None, 50000, None, None],
    "from_year_amount": [None, None, None, None, None, 25000, None],
})


def plain_key(r: dict) -> str:
    """The counter key as the state keeps it, spelled out."""
    b = BENEFITS.row(r["brow"], named=True)
    if b["counter"] == "condition":
        key = f"{r['member_id']}|{b['benefit']}|{r['diagnosis'] or '-'}"
    elif b["counter"] == "code":
        key = f"{r['member_id']}|{b['product']}|{b['benefit']}|{r['code']}"
    else:
        key = f"{r['member_id']}|{b['product']}|{b['benefit']}"
    if b["window"] == "calendar_year" or b["per_year_amount"] is not None or b["from_year_amount"] is not None:
        key += f"|{r['service_date'].year}"
    return key


def _candidates(seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    rows = [{"member_id": f"M{rnd.randint(0, 30):02d}", "brow": rnd.randint(0, 6), "diagnosis": rnd.choice([None, "4501", "1340"]),
             "code": rnd.choice(["mondzorg/P020", "mondzorg/P021", "fysio/1000"]),
             "service_date": dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randint(0, 800))} for _ in range(4000)]
    return pl.DataFrame(rows).sort("member_id", maintain_order=True).with_columns(
        pl.col("member_id").rank("dense").cast(pl.Int64).alias("member_no"))


def _counter_ids(c: pl.DataFrame):
    """One candidate per line: line i is row i of c."""
    return counter_ids(c, np.arange(c.height), c["brow"].to_numpy(), BENEFITS)


def test_counter_numbers_and_keys_agree_with_the_spelled_out_key():
    c = _candidates(5)
    ids, keys = _counter_ids(c)
    want = [plain_key(r) for r in c.iter_rows(named=True)]
    assert keys.gather(ids).to_list() == want
    assert keys.to_list() == list(dict.fromkeys(want))      # one number per counter, in order of first use
    assert keys.len() < c.height / 2                         # the random rows do share counters


def test_candidates_not_grouped_by_member_are_refused():
    c = _candidates(6).reverse()
    with pytest.raises(ValueError, match="not grouped by member"):
        _counter_ids(c)


def test_no_candidates():
    ids, keys = _counter_ids(_candidates(1).head(0))
    assert len(ids) == 0 and keys.len() == 0


def test_no_diagnosis_and_a_dash_are_one_counter_as_their_keys_are():
    c = pl.DataFrame({"member_id": ["M1", "M1"], "member_no": [0, 0], "brow": [1, 1], "diagnosis": [None, "-"],
                      "code": ["fysio/1000"] * 2, "service_date": [dt.date(2025, 1, 1)] * 2})
    ids, keys = _counter_ids(c)
    assert keys.to_list() == ["M1|chronic|-"] and ids.tolist() == [0, 0]


def test_several_candidates_of_one_line_take_the_line_from_its_row():
    lines = _candidates(7)
    rnd = random.Random(7)
    i = np.repeat(np.arange(lines.height), 2)
    brow = np.array([rnd.randint(0, 6) for _ in i])
    ids, keys = counter_ids(lines, i, brow, BENEFITS)
    want = [plain_key({**lines.row(int(r), named=True), "brow": int(b)}) for r, b in zip(i, brow)]
    assert keys.gather(ids).to_list() == want


def test_a_counter_per_code_counts_each_code_apart():
    """A benefit counting per code (a denture per jaw): each code its own counter, the key ending
    in the code; a benefit counting per benefit on the same lines shares one."""
    c = pl.DataFrame({"member_id": ["M1"] * 4, "member_no": [0] * 4, "brow": [6, 6, 6, 0], "diagnosis": [None] * 4,
                      "code": ["mondzorg/P020", "mondzorg/P021", "mondzorg/P020", "mondzorg/P021"],
                      "service_date": [dt.date(2025, 1, 1)] * 4})
    ids, keys = _counter_ids(c)
    assert ids.tolist() == [0, 1, 0, 2]
    assert keys.to_list() == ["M1|p/basis|prothese|mondzorg/P020", "M1|p/basis|prothese|mondzorg/P021", "M1|p/basis|fysio"]


def test_every_key_reads_back_into_its_parts():
    """`parse_key` reads what `counter_ids` spells: each kind of key, with and without a year."""
    c = _candidates(7)
    ids, keys = _counter_ids(c)
    for k, r in zip(keys.gather(ids).to_list(), c.iter_rows(named=True)):
        b = BENEFITS.row(r["brow"], named=True)
        yearly = b["window"] == "calendar_year" or b["per_year_amount"] is not None or b["from_year_amount"] is not None
        year = r["service_date"].year if yearly else None
        if b["counter"] == "condition":
            want = CounterKey(r["member_id"], None, b["benefit"], r["diagnosis"] or "-", None, year)
        else:
            want = CounterKey(r["member_id"], b["product"], b["benefit"], None,
                              r["code"] if b["counter"] == "code" else None, year)
        assert parse_key(k) == want, k
    assert parse_key("M1|p/basis|prothese|mondzorg/P020|2025") == CounterKey(
        "M1", "p/basis", "prothese", None, "mondzorg/P020", 2025)


def test_key_member_reads_the_member_of_every_key_as_parse_key_does():
    from zorgclaim.engine.counters import key_member
    c = _candidates(7)
    ids, keys = _counter_ids(c)
    spelled = keys.gather(ids)
    members = pl.select(key_member(pl.lit(spelled))).to_series().to_list()
    assert members == [parse_key(k).member_id for k in spelled.to_list()] == c["member_id"].to_list()
