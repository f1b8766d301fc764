import datetime as dt
import random

import polars as pl
import pytest

from zorgclaim.engine.coverage import benefit_rows
from zorgclaim.engine.matching import match
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference


def reference_match(lines: list[dict], bt: list[dict], coverages: list[dict], bijlage1: dict) -> list[tuple]:
    """The matching rules of matching.py, written out plainly (the oracle for the compiled one)."""
    order = sorted({b["product"] for b in bt}, key=lambda p: (next(b["product_kind"] for b in bt if b["product"] == p) != "basic", p))
    out = []
    for line in lines:
        day = line["service_date"]
        held = {c["product"] for c in coverages if c["member_id"] == line["member_id"] and c["from"] is not None
                and c["from"] <= day and (c["to"] is None or c["to"] >= day)}
        for product in [p for p in order if p in held]:
            rows = sorted((r for r, b in enumerate(bt) if b["product"] == product), key=lambda r: bt[r]["rank"])
            for r in rows:
                b = bt[r]
                if not (line["care_kind"] in (b["care_kinds"] or []) or line["code"] in (b["codes"] or [])):
                    continue
                if b["diagnoses"] is not None and line["diagnosis"] not in b["diagnoses"]:
                    continue
                if not (b["seg_from"] <= day <= b["seg_to"]):
                    continue
                age = line["age"]
                if b["min_age"] is not None and (age is None or age < b["min_age"]):
                    continue
                if b["max_age"] is not None and (age is None or age > b["max_age"]):
                    continue
                if b["csi"] is not None and line["csi"] not in b["csi"]:
                    continue
                if b["diag_bijlage1"] and line["diagnosis"] not in bijlage1:
                    continue
                out.append((line["i"], r, product, b["diag_bijlage1"],
                            bijlage1.get(line["diagnosis"]) if line["diagnosis"] in bijlage1 else None))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_match_equals_the_plain_rules_on_random_lines(seed):
    rnd = random.Random(seed)
    lib, ref = load_library(), load_reference()
    world_bt = benefit_rows(lib)
    codes = ref.service_codes.select("key", "care_kind").rows()
    products = sorted(lib.products)
    diagnoses = [None, None, "9999"] + ref.dcsph["code"].to_list()
    csis = [None, None, "999"] + ref.csi["code"].unique().to_list()
    members = [f"M{k}" for k in range(40)]
    coverages = []
    for m in members[:-3]:                                     # the last three have no cover at all
        for product in rnd.sample(products, rnd.randint(0, 4)):
            start = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randint(0, 900))
            end = None if rnd.random() < 0.5 else start + dt.timedelta(days=rnd.randint(0, 700))
            coverages.append({"member_id": m, "product": product, "from": None if rnd.random() < 0.03 else start, "to": end})
    lines = []
    for i in range(3000):
        code, kind = rnd.choice(codes)
        lines.append({"i": i, "member_id": rnd.choice(members + [None]), "code": code, "care_kind": kind,
                      "service_date": dt.date(2022, 6, 1) + dt.timedelta(days=rnd.randint(0, 1800)),
                      "diagnosis": rnd.choice(diagnoses), "csi": rnd.choice(csis),
                      "age": None if rnd.random() < 0.05 else rnd.randint(0, 90)})
    lines_df = pl.DataFrame(lines, schema={"i": pl.UInt32, "member_id": pl.String, "code": pl.String, "care_kind": pl.String,
                                           "service_date": pl.Date, "diagnosis": pl.String, "csi": pl.String, "age": pl.Int64})
    cov_df = pl.DataFrame(coverages, schema={"member_id": pl.String, "product": pl.String, "from": pl.Date, "to": pl.Date})
    bij = dict(ref.bijlage1.select("diagnosis", "max_term_days").unique("diagnosis", keep="first", maintain_order=True).rows())

    got = match(lines_df, world_bt, cov_df, ref.bijlage1)
    want = reference_match(lines, world_bt.to_dicts(), coverages, bij)
    assert got.rows() == want
    assert len(want) > 500          # the random world does produce matches of every kind
    assert {w[3] for w in want} == {True, False}


def test_match_on_no_lines_and_no_coverages():
    lib, ref = load_library(), load_reference()
    bt = benefit_rows(lib)
    empty = pl.DataFrame(schema={"i": pl.UInt32, "member_id": pl.String, "service_date": pl.Date, "care_kind": pl.String,
                                 "code": pl.String, "diagnosis": pl.String, "csi": pl.String, "age": pl.Int64})
    cov = pl.DataFrame(schema={"member_id": pl.String, "product": pl.String, "from": pl.Date, "to": pl.Date})
    assert match(empty, bt, cov, ref.bijlage1).height == 0
    one = pl.DataFrame({"i": [0], "member_id": ["M1"], "service_date": [dt.date(2025, 1, 1)], "care_kind": ["fysio"],
                        "code": ["fysio/1000"], "diagnosis": [None], "csi": [None], "age": [40]}, schema=empty.schema)
    assert match(one, bt, cov, ref.bijlage1).height == 0
