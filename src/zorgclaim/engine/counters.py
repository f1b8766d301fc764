"""Which counter a candidate's limits count on.

A counter is per member and
- per product and benefit (`member|product|benefit`), or, for a benefit whose limits count per
  condition (`counter: condition`), per benefit and diagnosis (`member|benefit|diagnosis`, '-'
  for none): a treatment counts toward a chronic condition whoever pays for it; or, for a benefit
  that counts per service code (`counter: code`), per product, benefit and code
  (`member|product|benefit|code`, e.g. a denture per jaw);
- per calendar year when the benefit's window is the calendar year, it pays an amount per year or
  from an amount per year (`...|2025`).

The text key is what the state keeps (`state.COUNTERS_SCHEMA`). Within a batch the counters are
numbered: the parts are encoded as integers and packed into one Int64, and the text is built
once per distinct counter, not once per candidate (about half of them share one).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

from zorgclaim.engine.compiled import compiled
from zorgclaim.engine.frames import filled, value_ids


class CounterKey(NamedTuple):
    """A counter's text key read back into its parts (None where the key has no such part)."""
    member_id: str
    product: str | None
    benefit: str
    diagnosis: str | None
    code: str | None
    year: int | None


def parse_key(key: str) -> CounterKey:
    """The parts of a text key as `counter_ids` spells it: a product id and a service code hold a
    '/' (`vgz/natura`, `mondzorg/J081`), a year is all digits and comes last."""
    parts = key.split("|")
    year = int(parts.pop()) if len(parts) > 3 and parts[-1].isdigit() else None
    if "/" in parts[1]:                 # member|product|benefit[|code]
        return CounterKey(parts[0], parts[1], parts[2], None, parts[3] if len(parts) > 3 else None, year)
    return CounterKey(parts[0], None, parts[1], parts[2], None, year)   # member|benefit|diagnosis


def key_member(key: pl.Expr) -> pl.Expr:
    """The member of a text key (its first part), as a column expression (see `parse_key`)."""
    return key.str.split("|").list.first()


def successors(dcsph: pl.DataFrame) -> dict[str, str]:
    """A closed diagnosis code -> the code that replaced it, followed to the last one."""
    step = {c: s for c, s in dcsph.select("code", "successor").drop_nulls().iter_rows()}
    out = {}
    for code in step:
        seen, nxt = {code}, step[code]
        while nxt in step and step[nxt] not in seen:
            seen.add(nxt)
            nxt = step[nxt]
        out[code] = nxt
    return out


def counter_ids(lines: pl.DataFrame, i: np.ndarray, brow: np.ndarray, benefits: pl.DataFrame,
                successor: dict[str, str] | None = None) -> tuple[np.ndarray, pl.Series]:
    """For candidates (line row `i` of `lines`, benefit row `brow` of `benefits`, the benefit
    table) in line order, the lines (member_id, member_no, diagnosis, service_date, and code where a
    benefit counts per code) grouped by member: each candidate's counter number and, per number, the counter's text key (numbers in
    order of first use). A counter per condition counts under the diagnosis code that replaced a
    closed one (`successor`), so a treatment count carries over to the new code."""
    if len(i) == 0:
        return np.zeros(0, np.int64), pl.Series("counter_key", [], pl.String)
    if successor:
        lines = lines.with_columns(pl.col("diagnosis").replace(successor))
    # what the benefit decides: product or not, which benefit, per diagnosis, per year
    condition_b = filled(benefits["counter"] == "condition", False)
    code_b = filled(benefits["counter"] == "code", False)
    per_year_b = ((benefits["window"] == "calendar_year").fill_null(False) | benefits["per_year_amount"].is_not_null()
                  | benefits["from_year_amount"].is_not_null()).to_numpy()
    product_b, n_product = value_ids(benefits["product"])
    benefit_b, n_benefit = value_ids(benefits["benefit"])
    condition, per_code, per_year = condition_b[brow], code_b[brow], per_year_b[brow]
    first = np.where(condition, 0, product_b[brow] + 1)            # 0: the key has no product
    diag, n_diag = value_ids(lines["diagnosis"].fill_null("-"))    # as the text key spells no diagnosis
    code, n_code = value_ids(lines["code"]) if per_code.any() else (np.zeros(lines.height, np.int64), 0)
    # the key's fourth part: 0 none, 1..n_diag a diagnosis, after them a service code
    diag = np.where(condition, diag[i] + 1, np.where(per_code, n_diag + 1 + code[i], 0))
    n_diag += n_code
    year = lines["service_date"].dt.year().cast(pl.Int64).to_numpy()[i]
    low = int(year.min())
    year_part = np.where(per_year, year - low + 1, 0)
    rest = ((first * n_benefit + benefit_b[brow]) * (n_diag + 1) + diag) * (int(year.max()) - low + 2) + year_part
    ids, firsts, grouped = _number(lines["member_no"].to_numpy().astype(np.int64)[i], rest.astype(np.int64))
    if not grouped:
        raise ValueError("counter_ids: candidates are not grouped by member")
    code_col = pl.col("code") if per_code.any() else pl.lit(None, pl.String).alias("code")
    rows = lines.select("member_id", pl.col("diagnosis").fill_null("-"), code_col)[i[firsts]].with_columns(
        pl.Series("_p", benefits["product"][brow[firsts]]), pl.Series("_b", benefits["benefit"][brow[firsts]]),
        pl.Series("_c", condition[firsts]), pl.Series("_k", per_code[firsts]),
        pl.Series("_y", np.where(per_year[firsts], year[firsts], -1)))
    text = rows.select(pl.concat_str([
        pl.col("member_id"), pl.when(pl.col("_c")).then(pl.col("_b")).otherwise(pl.col("_p")),
        pl.when(pl.col("_c")).then(pl.col("diagnosis")).otherwise(pl.col("_b")),
        pl.when(pl.col("_k")).then(pl.col("code")),
        pl.when(pl.col("_y") >= 0).then(pl.col("_y").cast(pl.String))], separator="|", ignore_nulls=True).alias("counter_key"))
    return ids, text.to_series()


@compiled
def _number(member, rest):
    """Number the distinct (member, rest) pairs of rows grouped by ascending member, in order of
    first appearance; also each number's first row, and whether the rows were so grouped."""
    n = member.shape[0]
    ids = np.empty(n, np.int64)
    firsts = np.empty(n, np.int64)
    rest_of = np.empty(n, np.int64)
    k = 0
    start = 0                       # the first number of the current member
    for r in range(n):
        if r > 0 and member[r] != member[r - 1]:
            if member[r] < member[r - 1]:
                return ids[:0], firsts[:0], False
            start = k
        found = -1
        for x in range(start, k):   # a member has a handful of counters
            if rest_of[x] == rest[r]:
                found = x
                break
        if found < 0:
            found = k
            rest_of[k] = rest[r]
            firsts[k] = r
            k += 1
        ids[r] = found
    return ids, firsts[:k].copy(), True

