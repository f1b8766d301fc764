"""Accumulated state carried from batch to batch: what earlier batches decided and consumed.

- `history`: one row per decided line (the fields later checks need: duplicates, credits, 0587).
- `shares`: the money per product/benefit of each decided line (credits reverse them exactly).
- `counters`: per member and benefit (and diagnosis for condition counters): first treatment date,
  total treatments, the current limit period and its count, the amount paid. Counters of
  calendar-year limits carry the year in their key.
- `effects`: what each line added to which counter, so that a credit can take it back (and, for
  a line that started a new window on an authorization, the window before it, which its credit
  brings back).
- `held`: the lines held for review and not decided by a person yet: they took nothing, but a
  line sent again is a resend of them all the same (8021), in any later batch as in the same one.

The deductible used per member-year is derived from `history` (one source of truth), plus
`deductible_rest`: a store may load only the history rows a batch can touch (its own line ids,
the debits its credits reverse, its service keys) and give the deductible of the member-years'
other rows as a sum there.
Immutable: `adjudicate` returns a new State.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

S, D, I, B = pl.String, pl.Date, pl.Int64, pl.Boolean

HISTORY_SCHEMA = {
    "line_id": S, "member_id": S, "provider": S, "code": S, "service_date": D, "ded_year": I,
    "declared": I, "allowed": I, "deductible": I, "status": S, "credits": S, "svc_key": S,
}
SHARES_SCHEMA = {"line_id": S, "product": S, "benefit": S, "amount": I, "deductible": I}
COUNTERS_SCHEMA = {"counter_key": S, "first": D, "total": I, "pstart": D, "pcount": I, "yamount": I}
EFFECTS_SCHEMA = {"line_id": S, "counter_key": S, "count": I, "pcount": I, "amount": I, "period": D, "prev_period": D,
                  "prev_pcount": I}
HELD_SCHEMA = {"line_id": S, "member_id": S}
DEDUCTIBLE_SCHEMA = {"member_id": S, "year": I, "used": I}


def service_key() -> pl.Expr:
    """A line's service key (the same service paid before: 0587): member, provider, code, date."""
    return pl.concat_str([pl.col("member_id"), pl.col("provider"), pl.col("code"),
                          pl.col("service_date").cast(pl.String)], separator="|")


def _empty(schema):
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class State:
    history: pl.DataFrame = field(default_factory=lambda: _empty(HISTORY_SCHEMA))
    shares: pl.DataFrame = field(default_factory=lambda: _empty(SHARES_SCHEMA))
    counters: pl.DataFrame = field(default_factory=lambda: _empty(COUNTERS_SCHEMA))
    effects: pl.DataFrame = field(default_factory=lambda: _empty(EFFECTS_SCHEMA))
    held: pl.DataFrame = field(default_factory=lambda: _empty(HELD_SCHEMA))
    # the deductible of decided lines not in `history` (member_id, year, used): see above
    deductible_rest: pl.DataFrame = field(default_factory=lambda: _empty(DEDUCTIBLE_SCHEMA))

    def deductible_used(self) -> pl.DataFrame:
        """Deductible consumed per member and year (credits included, as negatives)."""
        own = (self.history.group_by("member_id", "ded_year")
               .agg(pl.col("deductible").sum().alias("used"))
               .rename({"ded_year": "year"}))
        if self.deductible_rest.height == 0:
            return own
        return (pl.concat([own, self.deductible_rest.select(own.columns).cast(own.schema)])
                .group_by("member_id", "year").agg(pl.col("used").sum()))

    def for_members(self, member_ids: pl.Series) -> "State":
        keep = pl.col("member_id").is_in(member_ids.implode())
        hist = self.history.filter(keep)
        ids = hist["line_id"].implode()
        prefix = pl.col("counter_key").str.split_exact("|", 1).struct.field("field_0")
        return State(hist, self.shares.filter(pl.col("line_id").is_in(ids)),
                     self.counters.filter(prefix.is_in(member_ids.implode())),
                     self.effects.filter(pl.col("line_id").is_in(ids)), self.held.filter(keep),
                     self.deductible_rest.filter(keep))

    @staticmethod
    def merge(parts: list["State"]) -> "State":
        """Union of states of disjoint member partitions."""
        if not parts:
            return State()
        return State(*(pl.concat([getattr(p, f) for p in parts], how="vertical")
                       for f in ("history", "shares", "counters", "effects", "held", "deductible_rest")))

    def canonical(self) -> "State":
        """Sorted copy, for comparing states produced by different splits of the same work."""
        return State(self.history.sort("line_id"), self.shares.sort("line_id", "product", "benefit"),
                     self.counters.sort("counter_key"), self.effects.sort("line_id", "counter_key"),
                     self.held.sort("line_id"), self.deductible_rest.sort("member_id", "year"))
