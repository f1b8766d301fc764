import random

import numpy as np
import polars as pl

from zorgclaim.engine.payout import line_money, share_rows
from zorgclaim.engine.state import SHARES_SCHEMA, State

BENEFITS = pl.DataFrame({"benefit": ["fysio", "tand", "bril"]})


def _batch(seed: int):
    """Random lines: debits with a few paid candidates each (ties in amount included), credits
    of a debit in the batch and of one in history, some rejected credits."""
    rnd = random.Random(seed)
    n = 400
    kind = [rnd.choice(["debit", "debit", "batch-credit", "hist-credit", "rejected"]) for _ in range(n)]
    cand = [(i, rnd.randint(0, 2), rnd.choice(["basis", "extra", "top"]), rnd.choice([0, 500, 500, 1200]), rnd.choice([0, 100]))
            for i in range(n) if kind[i] == "debit" for _ in range(rnd.randint(0, 3))]
    cands = pl.DataFrame(cand, schema={"i": pl.UInt32, "brow": pl.Int64, "product": pl.String, "amount": pl.Int64,
                                       "c_ded": pl.Int64}, orient="row")
    debits = [i for i in range(n) if kind[i] == "debit"]
    debit_i = [rnd.choice([j for j in debits if j < i] or [None]) if kind[i] == "batch-credit" else None for i in range(n)]
    df = pl.DataFrame({"i": pl.Series(range(n), dtype=pl.UInt32), "debit_i": pl.Series(debit_i, dtype=pl.UInt32),
                       "credits": [f"H{i}" if kind[i] == "hist-credit" else None for i in range(n)],
                       "formal_ok": [k != "rejected" for k in kind], "is_credit": [k.endswith("credit") or k == "rejected" for k in kind]})
    hist = pl.DataFrame([(f"H{i}", rnd.choice(["basis", "extra"]), "fysio", rnd.choice([300, 700]), 50)
                         for i in range(n) if kind[i] == "hist-credit" for _ in range(rnd.randint(0, 2))],
                        schema=SHARES_SCHEMA, orient="row")
    return df, cands, State(shares=hist)


def _plain(df: pl.DataFrame, cands: pl.DataFrame, state: State) -> list[dict]:
    """The same, spelled out line by line."""
    benefit = BENEFITS["benefit"].to_list()
    own = {}
    for r in cands.iter_rows(named=True):
        if r["amount"] != 0:
            own.setdefault(r["i"], []).append({"product": r["product"], "benefit": benefit[r["brow"]],
                                               "amount": r["amount"], "deductible": r["c_ded"]})
    hist = {}
    for r in state.shares.iter_rows(named=True):
        hist.setdefault(r["line_id"], []).append({k: r[k] for k in ("product", "benefit", "amount", "deductible")})
    out = []
    for r in df.iter_rows(named=True):
        if not r["is_credit"]:
            shares = own.get(r["i"], [])
        elif not r["formal_ok"]:
            shares = []
        else:
            debit = own.get(r["debit_i"], []) if r["debit_i"] is not None else hist.get(r["credits"], [])
            shares = [{**s, "amount": -s["amount"], "deductible": -s["deductible"]} for s in debit]
        payer = None
        for s in shares:
            if payer is None or abs(s["amount"]) > abs(payer["amount"]):
                payer = s
        out.append({"allowed": sum(s["amount"] for s in shares), "deductible": sum(s["deductible"] for s in shares),
                    "shares": shares, "payer": payer and payer["product"]})
    return out


def test_line_money_agrees_with_the_rules_spelled_out():
    for seed in range(3):
        df, cands, state = _batch(seed)
        got = line_money(share_rows(df, cands, state, BENEFITS), df.height)
        assert got.to_dicts() == _plain(df, cands, state)
        assert got["shares"].list.len().max() >= 2 and (got["allowed"] < 0).any()   # the data has what it tests


def test_no_shares_at_all():
    df, cands, state = _batch(1)
    got = line_money(share_rows(df, cands.head(0), State(), BENEFITS), df.height)
    assert got["shares"].list.len().sum() == 0 and got["payer"].null_count() == df.height
    assert np.all(got["allowed"].to_numpy() == 0)
