import datetime as dt
import random

import polars as pl

from zorgclaim.engine.counters import counter_ids


def plain_key(r: dict) -> str:
    """The counter key as the state keeps it, spelled out."""
    if r["counter"] == "condition":
        key = f"{r['member_id']}|{r['benefit']}|{r['diagnosis'] or '-'}"
    else:
        key = f"{r['member_id']}|{r['product']}|{r['benefit']}"
    if r["window"] == "calendar_year" or r["per_year_amount"] is not None:
        key += f"|{r['service_date'].year}"
    return key


def test_counter_numbers_and_keys_agree_with_the_spelled_out_key():
    rnd = random.Random(5)
    rows = [{"member_id": f"M{rnd.randint(0, 30)}", "product": rnd.choice(["p/basis", "p/extra"]),
             "benefit": rnd.choice(["fysio", "chronic", "tand"]), "diagnosis": rnd.choice([None, "4501", "1340"]),
             "service_date": dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randint(0, 800)),
             "counter": rnd.choice([None, "condition"]), "window": rnd.choice([None, "calendar_year", "12_months"]),
             "per_year_amount": rnd.choice([None, None, 50000])} for _ in range(4000)]
    c = pl.DataFrame(rows)
    ids, keys = counter_ids(c)
    want = [plain_key(r) for r in rows]
    assert keys.gather(ids).to_list() == want
    assert keys.to_list() == list(dict.fromkeys(want))      # one number per counter, in order of first use
    assert keys.len() < len(rows) / 2                        # the random rows do share counters


def test_no_candidates():
    ids, keys = counter_ids(pl.DataFrame(schema={"member_id": pl.String, "counter": pl.String}))
    assert len(ids) == 0 and keys.len() == 0
