"""The world as the insurer knows it: read-only input to the engine.

Members and their coverage, providers and contracts, authorizations, plus the policy library
and the reference tables. All frames; money in cents; see `WORLD_SCHEMAS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from zorgclaim.policy.library import PolicyLibrary
from zorgclaim.policy.review import ReviewRule
from zorgclaim.reference.tables import ReferenceData

S, D, I, B = pl.String, pl.Date, pl.Int64, pl.Boolean
L = pl.List(pl.String)

WORLD_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "members": {"member_id": S, "bsn": S, "birth_date": D, "death_date": D, "voluntary_deductible": I,
                "name": S, "iban": S},
    "coverages": {"member_id": S, "product": S, "from": D, "to": D},
    "wlz": {"member_id": S, "from": D, "to": D},
    "providers": {"agb": S, "name": S, "kind": S, "qualifications": L, "recognized_by": L, "iban": S},
    "contracts": {"provider": S, "insurer": S, "from": D, "to": D, "payment_agreement": B, "payment_term_days": I},
    "contract_tariffs": {"provider": S, "insurer": S, "from": D, "to": D, "code": S, "tariff": I},
    "authorizations": {"id": S, "member_id": S, "benefit": S, "from": D, "to": D, "status": S},
    # the watch list: a member or provider whose lines a review rule (`rule`) holds for a person
    "watch": {"kind": S, "id": S, "rule": S, "from": D, "to": D, "reason": S},
    # a person's decision on a held line: accept, change (allowed at most allowed_max) or reject
    "reviews": {"line_id": S, "action": S, "allowed_max": I, "by": S, "role": S, "reason": S},
}


def empty_world_frame(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=WORLD_SCHEMAS[name])


def conform(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Cast a world frame to its schema, adding missing optional columns as nulls. A frame that
    has the schema already is returned as it is (the same object, so what was derived from it once
    - the engine's look-up tables - holds for every world that shares it)."""
    schema = WORLD_SCHEMAS[name]
    if dict(df.schema) == schema and list(df.columns) == list(schema):
        return df
    cols = []
    for col, dtype in schema.items():
        if col in df.columns:
            cols.append(pl.col(col).cast(dtype))
        else:
            cols.append(pl.lit(None, dtype).alias(col))
    return df.select(cols)


@dataclass(frozen=True)
class World:
    library: PolicyLibrary
    reference: ReferenceData
    members: pl.DataFrame = field(default_factory=lambda: empty_world_frame("members"))
    coverages: pl.DataFrame = field(default_factory=lambda: empty_world_frame("coverages"))
    wlz: pl.DataFrame = field(default_factory=lambda: empty_world_frame("wlz"))
    providers: pl.DataFrame = field(default_factory=lambda: empty_world_frame("providers"))
    contracts: pl.DataFrame = field(default_factory=lambda: empty_world_frame("contracts"))
    contract_tariffs: pl.DataFrame = field(default_factory=lambda: empty_world_frame("contract_tariffs"))
    authorizations: pl.DataFrame = field(default_factory=lambda: empty_world_frame("authorizations"))
    watch: pl.DataFrame = field(default_factory=lambda: empty_world_frame("watch"))
    reviews: pl.DataFrame = field(default_factory=lambda: empty_world_frame("reviews"))
    # the review selection rules in force; None: the policy library's (an empty tuple: none)
    review_rules: tuple[ReviewRule, ...] | None = None
    # members whose row in the world files could not be read: they exist, so their lines are held
    # (not decided, not refused as unknown) until the row is fixed
    unreadable_members: frozenset = frozenset()

    def __post_init__(self):
        for name in WORLD_SCHEMAS:
            object.__setattr__(self, name, conform(name, getattr(self, name)))
        if self.review_rules is None:
            object.__setattr__(self, "review_rules", tuple(self.library.review_rules))

    def restrict_to_members(self, member_ids: pl.Series) -> "World":
        """The part of the world one partition of members needs (providers, contracts stay whole)."""
        keep = pl.col("member_id").is_in(member_ids.implode())
        return World(self.library, self.reference,
                     members=self.members.filter(keep), coverages=self.coverages.filter(keep),
                     wlz=self.wlz.filter(keep), providers=self.providers, contracts=self.contracts,
                     contract_tariffs=self.contract_tariffs, authorizations=self.authorizations.filter(keep),
                     watch=self.watch, reviews=self.reviews, review_rules=self.review_rules)
