"""Which benefits a line falls under: the matching half of the coverage stage.

A benefit row (one product's benefit in one dated segment, `policy.library` benefit table)
matches a line when
- the member has the row's product on the service date (a coverage from..to holds that day);
- the line's care kind is one of the row's care kinds, or its code one of the row's codes;
- if the row lists diagnoses, the line's diagnosis is one of them (an empty list matches none);
  if it names Bijlage 1 (chronic conditions, Bzv), the diagnosis is on that list;
- if the row lists CSI codes, the line's CSI code is one of them;
- the service date lies in the row's segment, and the member's age within its min/max age.

The candidates of a line are listed basic products first, then modules, by product id, each
product's benefits in the order its file lists them (`rank`): the order in which the limits
kernel tries them (docs/engine.md, "Candidates, fall-through and split lines").

Strings are encoded to small integers once per batch and the match runs compiled (numba) over
each line's few products: a join of every line with every benefit of its care kind and a string
filter after it cost half a second per million lines.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.engine.compiled import compiled
from zorgclaim.engine.frames import (FAR_DAY, day_numbers, distinct_values, filled, given_mask, membership, memo, null_mask,
                                     take, value_ids)



def _ids(col: pl.Series, values: pl.Series) -> np.ndarray:
    return value_ids(col, values)[0]


def match(lines: pl.DataFrame, benefits: pl.DataFrame, coverages: pl.DataFrame,
          bijlage1: pl.DataFrame) -> pl.DataFrame:
    """`lines` (i, member_id, service_date, care_kind, code, diagnosis, csi, age) x the benefit
    rows (`brow` = row number in `benefits`) they match, in candidate order.
    Returns i, brow, product, diag_bijlage1 and bij_term (Bijlage 1's maximum term for the
    diagnosis, where the row names Bijlage 1)."""
    bt = benefits
    t = memo("match_benefits", (bt, bijlage1), lambda: _benefit_side(bt, bijlage1))
    products, kinds, codes, diags, csis = t["products"], t["kinds"], t["codes"], t["diags"], t["csis"]

    cov = coverages.select("member_id", "product", "from", "to")
    members = cov["member_id"].drop_nulls().unique(maintain_order=True)
    c_mid = _ids(cov["member_id"], members)
    c_order = np.argsort(c_mid, kind="stable")
    c_mid_sorted = c_mid[c_order]
    m_start = np.searchsorted(c_mid_sorted, np.arange(members.len()), "left")
    m_end = np.searchsorted(c_mid_sorted, np.arange(members.len()), "right")
    c_pid = _ids(cov["product"], products)[c_order]
    c_from, no_from = day_numbers(cov["from"])
    c_from = np.where(no_from, FAR_DAY, c_from)[c_order]        # no start: never holds
    c_to, no_to = day_numbers(cov["to"])
    c_to = np.where(no_to, FAR_DAY, c_to)[c_order]              # no end: holds on

    day, no_day = day_numbers(lines["service_date"])
    age = lines["age"]
    args = (
        _ids(lines["member_id"], members), np.where(no_day, -FAR_DAY, day), filled(age, 0),
        null_mask(age), _ids(lines["care_kind"], kinds), _ids(lines["code"], codes),
        _ids(lines["diagnosis"], diags), _ids(lines["csi"], csis),
        m_start, m_end, c_pid, c_from, c_to, *t["args"])
    count = _match(*args, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), False)
    out_i, out_b, out_term = np.zeros(count, np.int64), np.zeros(count, np.int64), np.zeros(count, np.int64)
    _match(*args, out_i, out_b, out_term, True)
    i = lines["i"].to_numpy()[out_i]
    term = pl.Series("bij_term", out_term)
    return pl.DataFrame({"i": pl.Series(i).cast(lines["i"].dtype), "brow": out_b,
                         "product": take(bt["product"], out_b),
                         "diag_bijlage1": take(bt["diag_bijlage1"], out_b), "bij_term": term.set(term < 0, None)})


def _benefit_side(bt: pl.DataFrame, bijlage1: pl.DataFrame) -> dict:
    """Everything the match needs of the benefit table alone, encoded once per table: products in
    candidate order (basic first, then by id), the value lists (care kinds, codes, diagnoses with
    Bijlage 1's, CSI), and per (product, care kind) and (product, code) the product's rows listing
    it in rank order, so a line looks only at rows that can match it."""
    products = (bt.select("product", (pl.col("product_kind") != "basic").alias("module")).unique("product")
                .sort("module", "product"))["product"]
    b_pid = _ids(bt["product"], products)
    # each product's rows by rank (a benefit's dated segments are disjoint, so one matches a day)
    by_product = np.lexsort((bt["rank"].to_numpy(), b_pid))
    kinds = distinct_values(bt["care_kinds"])
    codes = distinct_values(bt["codes"])
    bij = bijlage1.select("diagnosis", "max_term_days").unique("diagnosis", keep="first", maintain_order=True)
    diags = distinct_values(bt["diagnoses"], bij["diagnosis"])
    csis = distinct_values(bt["csi"])
    d_bij = np.zeros(max(diags.len(), 1), np.bool_)
    d_term = np.full(max(diags.len(), 1), -1, np.int64)
    bij_ids = _ids(bij["diagnosis"], diags)
    d_bij[bij_ids[bij_ids >= 0]] = True
    d_term[bij_ids[bij_ids >= 0]] = filled(bij["max_term_days"], -1)[bij_ids >= 0]
    k_start, k_pos = _rows_by_value(by_product, b_pid, membership(bt["care_kinds"], kinds), products.len())
    x_start, x_pos = _rows_by_value(by_product, b_pid, membership(bt["codes"], codes), products.len())
    seg_from, seg_to = day_numbers(bt["seg_from"])[0], day_numbers(bt["seg_to"])[0]
    args = (by_product, k_start, k_pos, x_start, x_pos, max(kinds.len(), 1), max(codes.len(), 1),
            given_mask(bt["diagnoses"]), membership(bt["diagnoses"], diags),
            filled(bt["diag_bijlage1"], False), given_mask(bt["csi"]),
            membership(bt["csi"], csis), seg_from, seg_to,
            filled(bt["min_age"], -1), filled(bt["max_age"], -1),
            null_mask(bt["min_age"]), null_mask(bt["max_age"]), d_bij, d_term)
    return {"products": products, "kinds": kinds, "codes": codes, "diags": diags, "csis": csis, "args": args}


def _rows_by_value(by_product: np.ndarray, b_pid: np.ndarray, has: np.ndarray, n_products: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists: for key p * width + v, the positions t (into by_product) of product p's rows
    whose list holds value v, ascending (= rank order)."""
    width = has.shape[1]
    t, v = np.nonzero(has[by_product])               # t ascending, so each list comes out sorted
    key = b_pid[by_product][t] * width + v
    order = np.argsort(key, kind="stable")
    start = np.searchsorted(key[order], np.arange(n_products * width + 1), "left")
    return start.astype(np.int64), t[order].astype(np.int64)


@compiled
def _match(member, day, age, age_null, kind, code, diag, csi,
           m_start, m_end, c_pid, c_from, c_to, by_product, k_start, k_pos, x_start, x_pos, n_kinds, n_codes,
           has_diag, diag_in, bij_row, has_csi, csi_in, seg_from, seg_to,
           min_age, max_age, no_min, no_max, d_bij, d_term,
           out_i, out_b, out_term, fill):
    n = member.shape[0]
    k = 0
    pids = np.empty(64, np.int64)
    for r in range(n):
        m = member[r]
        if m < 0:
            continue
        d = day[r]
        # the member's products on the day, distinct, in candidate order
        np_ = 0
        for c in range(m_start[m], m_end[m]):
            p = c_pid[c]
            if p < 0 or c_from[c] > d or c_to[c] < d:
                continue
            # insert p in order unless already there (a member has a handful of products)
            x = np_
            while x > 0 and pids[x - 1] > p:
                x -= 1
            if x > 0 and pids[x - 1] == p:
                continue
            if np_ == pids.shape[0]:
                raise ValueError("a member has more than 64 products on one day")
            for y in range(np_, x, -1):
                pids[y] = pids[y - 1]
            pids[x] = p
            np_ += 1
        on_bij = diag[r] >= 0 and d_bij[diag[r]]
        for x in range(np_):
            p = pids[x]
            # merge the rows listing the line's care kind and those listing its code, in rank order
            a, a_end, z, z_end = 0, 0, 0, 0
            if kind[r] >= 0:
                a, a_end = k_start[p * n_kinds + kind[r]], k_start[p * n_kinds + kind[r] + 1]
            if code[r] >= 0:
                z, z_end = x_start[p * n_codes + code[r]], x_start[p * n_codes + code[r] + 1]
            while a < a_end or z < z_end:
                if z >= z_end or (a < a_end and k_pos[a] <= x_pos[z]):
                    t = k_pos[a]
                    if z < z_end and x_pos[z] == t:
                        z += 1
                    a += 1
                else:
                    t = x_pos[z]
                    z += 1
                b = by_product[t]
                if has_diag[b] and not (diag[r] >= 0 and diag_in[b, diag[r]]):
                    continue
                if d < seg_from[b] or d > seg_to[b]:
                    continue
                if not no_min[b] and (age_null[r] or age[r] < min_age[b]):
                    continue
                if not no_max[b] and (age_null[r] or age[r] > max_age[b]):
                    continue
                if has_csi[b] and not (csi[r] >= 0 and csi_in[b, csi[r]]):
                    continue
                if bij_row[b] and not on_bij:
                    continue
                if fill:
                    out_i[k] = r
                    out_b[k] = b
                    out_term[k] = d_term[diag[r]] if on_bij else -1
                k += 1
    return k
