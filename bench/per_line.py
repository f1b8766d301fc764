"""A per-line claims engine, written the way a typical hand-written engine is: a Python loop over
claim lines with dictionaries for the state. It implements the core rules only — eligibility
(basic cover on the date), contracted pricing (else the market rate), one treatment-count limit
(12 physiotherapy treatments per member per calendar year), and the deductible in processing
order — so that it is a fair, smaller baseline for the benchmark, not a second engine."""

from __future__ import annotations

import datetime as dt

import polars as pl


def run(lines: pl.DataFrame, members: pl.DataFrame, coverages: pl.DataFrame, tariffs: pl.DataFrame,
        market: dict[str, int], basic_products: set[str], deductible_total: int = 38500) -> list[tuple]:
    cover: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for r in coverages.iter_rows(named=True):
        if r["product"] in basic_products:
            cover.setdefault(r["member_id"], []).append((r["from"], r["to"] or dt.date(9999, 12, 31)))
    birth = dict(zip(members["member_id"].to_list(), members["birth_date"].to_list()))
    contract: dict[tuple, list[tuple[dt.date, dt.date, int]]] = {}
    for r in tariffs.iter_rows(named=True):
        contract.setdefault((r["provider"], r["code"]), []).append((r["from"], r["to"], r["tariff"]))
    used: dict[tuple[str, int], int] = {}
    counts: dict[tuple[str, int], int] = {}
    out = []
    ordered = lines.sort("member_id", "service_date", "received", "line_id")
    for r in ordered.iter_rows(named=True):
        m, day, code, declared = r["member_id"], r["service_date"], r["code"], r["declared"]
        if m not in birth or not any(f <= day <= t for f, t in cover.get(m, ())):
            out.append((r["line_id"], "rejected", 0, 0))
            continue
        price = None
        for f, t, tariff in contract.get((r["provider"], code), ()):
            if f <= day <= (t or dt.date(9999, 12, 31)):
                price = tariff * r["quantity"]
                break
        if price is None:
            price = market.get(code, declared) * r["quantity"]
        allowed = min(price, declared)
        if code.startswith("fysio/") or code.startswith("oefen/"):
            key = (m, day.year)
            if counts.get(key, 0) >= 12:
                out.append((r["line_id"], "rejected", 0, 0))
                continue
            counts[key] = counts.get(key, 0) + 1
        age = day.year - birth[m].year - ((day.month, day.day) < (birth[m].month, birth[m].day))
        ded = 0
        if age >= 18 and not code.startswith("huisarts/"):
            key = (m, day.year)
            ded = min(allowed, max(0, deductible_total - used.get(key, 0)))
            used[key] = used.get(key, 0) + ded
        out.append((r["line_id"], "accepted" if allowed == declared else "partial", allowed, ded))
    return out
