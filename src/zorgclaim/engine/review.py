"""Stage 3b: review. Which lines are held (pended) for a person before money moves, and what a
person decided about a line held before.

The selection rules are data (`policy/review.py`, `World.review_rules`), tried in order; the
first that selects a line holds it. A held line is decided all the same - its proposal is what
the rules give - but the limits kernel gives back everything it took (deductible, counters), so
no state is consumed and no money moves until a person decides.

A person's decision is a fact of the world (`World.reviews`, one row per line): the line is not
selected again; `accept` decides it as the rules do, `change` allows at most `allowed_max`, and
`reject` allows nothing (the kernel is given that cap). The explanation records who and why.

`provider_variance` (below) is the one rule whose selection needs the whole book (a provider's
peers): it is computed outside the engine from decided lines and put on the watch list.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from zorgclaim.domain.money import cents_text
from zorgclaim.domain.world import WORLD_SCHEMAS, World
from zorgclaim.engine.compiled import compiled
from zorgclaim.engine.coverage import REQUIREMENTS
from zorgclaim.engine.frames import attach, filled, period_holds, run, take
from zorgclaim.policy.review import ReviewRule

# the requirement bits that an authorization would mend (coverage.REQUIREMENTS)
AUTH_MASK = sum(1 << k for k, (name, _) in enumerate(REQUIREMENTS) if name.startswith("authorization-"))
ACTIONS = ("accept", "change", "reject")
NO_RULE = -1


def person_review(df: pl.DataFrame, world: World) -> pl.DataFrame:
    """A person's decision on a line held before (`World.reviews`), added to the lines `df`:
    `reviewed_action`, `reviewed_by`, `reviewed_role`, `review_note`, and `cap`: the most the line
    may be allowed (the person's cap, nothing for a rejection, else the declared amount). Before
    pricing: where no tariff is known, the person's cap is the price."""
    person = world.reviews.select(
        "line_id", pl.col("action").alias("reviewed_action"), pl.col("allowed_max").alias("_max"),
        pl.col("by").alias("reviewed_by"), pl.col("role").alias("reviewed_role"), pl.col("reason").alias("review_note"),
    ).unique("line_id", keep="last")
    df = attach(df, person, "line_id")
    cap = (pl.when(pl.col("reviewed_action") == "reject").then(0)
           .when(pl.col("reviewed_action") == "change").then(pl.min_horizontal("_max", "declared"))
           .otherwise(pl.col("declared")))
    return df.with_columns(cap.fill_null(pl.col("declared")).alias("cap")).drop("_max")


def review(df: pl.DataFrame, cands: pl.DataFrame, world: World) -> pl.DataFrame:
    """Adds to the lines `df` (prepared, formal checks done, a person's decision attached;
    `cands` priced) `review_no`: the index in world.review_rules of the rule holding the line
    (-1: none), and `review`: that rule's id (null: not held)."""
    n = df.height
    chosen = np.full(n, NO_RULE, np.int64)
    rules = world.review_rules or ()
    if n and rules:
        eligible = df.select(pl.col("formal_ok") & ~pl.col("is_credit") & pl.col("reviewed_action").is_null()
                             ).to_series().to_numpy()
        payable = np.bincount(cands.filter(pl.col("req_ok"))["i"].cast(pl.Int64).to_numpy(), minlength=n)[:n] > 0
        received = df["received"]
        for k, rule in enumerate(rules):
            todo = eligible & (chosen == NO_RULE)
            if not todo.any():
                break
            holds = ((received >= rule.valid_from) & (received <= rule.valid_to if rule.valid_to else True)).to_numpy()
            hit = _selects(rule, df, cands, world, todo & holds)
            if rule.kind not in ("authorization_requested", "no_reference_tariff"):
                hit &= payable
            chosen[todo & holds & hit] = k
    ids = pl.Series([r.id for r in rules] or [None], dtype=pl.String)
    df = df.with_columns(pl.Series("review_no", chosen),
                         take(ids, chosen).alias("review"))
    return _credits_of_held(df, chosen)


def _credits_of_held(df: pl.DataFrame, chosen: np.ndarray) -> pl.DataFrame:
    """A held line has not been decided, so a credit of it has no debit to reverse (8017) - as it
    has none in a later batch, where the held line is not in the history: the same either way."""
    held = chosen >= 0
    if not held.any():
        return df
    debit = filled(df["debit_i"].cast(pl.Int64), -1)
    hit = (debit >= 0) & held[np.maximum(debit, 0)] & df["is_credit"].to_numpy()
    if not hit.any():
        return df
    from zorgclaim.engine.formal import summarize
    mark = pl.Series(hit)
    return summarize(df.with_columns(
        (pl.col("fail_credit-without-debit") | mark).alias("fail_credit-without-debit"),
        pl.when(mark).then(None).otherwise(pl.col("debit_i")).alias("debit_i")))


def _selects(rule: ReviewRule, df: pl.DataFrame, cands: pl.DataFrame, world: World, todo: np.ndarray) -> np.ndarray:
    if rule.kind == "authorization_requested":
        return _authorization_requested(df, cands, world)
    if rule.kind == "no_reference_tariff":
        return _unknown_tariff(df, cands)
    if rule.kind == "care_abroad":
        return df["abroad"].to_numpy()
    if rule.kind in ("watch_list", "provider_variance"):
        return _listed(df, world.watch.filter(pl.col("rule") == rule.id))
    if rule.kind == "amount":
        default = rule.thresholds.get("default")
        threshold = df["care_kind"].replace_strict(rule.thresholds, default=default, return_dtype=pl.Int64)
        return filled(df["declared"] >= threshold, False)
    if rule.kind == "sample":
        basis = stable_hash(df["line_id"], rule.seed) % np.uint64(10_000)
        return basis < np.uint64(int(rule.percent * 100))
    raise ValueError(f"review rule {rule.id!r}: unknown kind {rule.kind!r}")


def _unknown_tariff(df: pl.DataFrame, cands: pl.DataFrame) -> np.ndarray:
    """Some benefit whose requirements the line meets would pay it at a tariff nobody knows (the
    average contracted tariff an in-kind policy pays a percentage of)."""
    from zorgclaim.engine.pricing import BASES
    unknown = cands.filter(pl.col("req_ok") & (pl.col("price_basis") == BASES.index("in_kind_unknown")))
    out = np.zeros(df.height, np.bool_)
    out[unknown["i"].cast(pl.Int64).to_numpy()] = True
    return out


def _listed(df: pl.DataFrame, watch: pl.DataFrame) -> np.ndarray:
    """The line's member or provider is on the list on the service date."""
    if watch.height == 0:
        return np.zeros(df.height, np.bool_)
    hits = []
    for kind, column in (("member", "member_id"), ("provider", "provider")):
        entries = watch.lazy().filter(pl.col("kind") == kind).select(pl.col("id").alias(column), "from", "to")
        hits.append(run(df.lazy().select("i", column, "service_date").join(entries, on=column, how="inner")
                        .filter(period_holds("from", "to", "service_date", open_start=True)).select("i")))
    out = np.zeros(df.height, np.bool_)
    out[pl.concat(hits)["i"].cast(pl.Int64).to_numpy()] = True
    return out


def _authorization_requested(df: pl.DataFrame, cands: pl.DataFrame, world: World) -> np.ndarray:
    """The line would be refused only for want of an authorization (some candidate fails on
    authorization bits alone and none can pay) and one was requested for it and not yet decided:
    the one the line names, or one for this member and the candidate's benefit covering the date."""
    out = np.zeros(df.height, np.bool_)
    requested = world.authorizations.filter(pl.col("status") == "requested")
    if requested.height == 0 or cands.height == 0:
        return out
    bits = cands["req_bits"]
    only_auth = cands.filter((bits != 0) & ((bits & ~AUTH_MASK) == 0))
    if only_auth.height == 0:
        return out
    from zorgclaim.engine.coverage import benefit_rows
    names = benefit_rows(world.library)["benefit"]
    c = (only_auth.select(pl.col("i").cast(pl.Int64), names.gather(only_auth["brow"]).alias("benefit"))
         .join(df.select(pl.col("i").cast(pl.Int64), "member_id", "service_date", "authorization"), on="i"))
    covers = period_holds("from", "to", "service_date", open_start=True)
    named = (c.join(requested.select(pl.col("id").alias("authorization"), pl.col("member_id").alias("_m")),
                    on="authorization", how="inner").filter(pl.col("_m") == pl.col("member_id")).select("i"))
    on_file = (c.filter(pl.col("authorization").is_null())
               .join(requested.select("member_id", "benefit", "from", "to"), on=["member_id", "benefit"], how="inner")
               .filter(covers).select("i"))
    out[pl.concat([named, on_file])["i"].to_numpy()] = True
    return out


def stable_hash(values: pl.Series, seed: int) -> np.ndarray:
    """A 64-bit FNV-1a hash of each string's UTF-8 bytes, mixed with `seed`: the same for the same
    text on every machine and polars version (polars' own hash is not promised to be)."""
    arr = pa.array(values.cast(pl.String).fill_null("").to_arrow()).cast(pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return _fnv1a(offsets, data, np.uint64(seed))


@compiled
def _fnv1a(offsets, data, seed):
    n = offsets.shape[0] - 1
    out = np.empty(n, np.uint64)
    prime = np.uint64(1099511628211)
    for r in range(n):
        h = np.uint64(14695981039346656037) ^ seed
        for p in range(offsets[r], offsets[r + 1]):
            h = (h ^ np.uint64(data[p])) * prime
        out[r] = h
    return out


def provider_variance(lines: pl.DataFrame, providers: pl.DataFrame, rule: ReviewRule) -> pl.DataFrame:
    """Watch-list entries (`World.watch` rows) for providers whose declared amount per patient in a
    calendar year is at least `rule.factor` times the median of their peers (providers of the same
    kind with at least `rule.min_patients` patients that year, at least three of them). `lines`:
    decided lines with provider, member_id, service_date, declared; `providers`: agb, kind. An
    entry holds from the start of the year measured to the end of the next: the provider's lines
    not yet decided are held.""" 
    return variance_of_totals(provider_year_totals(lines), providers, rule)


def provider_year_totals(lines: pl.DataFrame) -> pl.DataFrame:
    """provider, year, patients (distinct members), declared (sum) of lines with a declared amount."""
    return (lines.filter(pl.col("declared") > 0)
            .group_by("provider", pl.col("service_date").dt.year().cast(pl.Int32).alias("year"))
            .agg(pl.col("member_id").n_unique().cast(pl.Int64).alias("patients"), pl.col("declared").sum().alias("declared")))


def variance_of_totals(totals: pl.DataFrame, providers: pl.DataFrame, rule: ReviewRule) -> pl.DataFrame:
    """`provider_variance` from the totals per provider and year (`provider_year_totals`, or the
    same summed by the database)."""
    if totals.height == 0:
        return pl.DataFrame(schema=WORLD_SCHEMAS["watch"])
    per = (totals.filter(pl.col("patients") >= rule.min_patients)
           .with_columns((pl.col("declared") // pl.col("patients")).alias("per_patient"))
           .join(providers.select(pl.col("agb").alias("provider"), "kind"), on="provider", how="left")
           .with_columns(pl.col("kind").fill_null(pl.col("provider").str.slice(0, 2))))
    peers = per.group_by("kind", "year").agg(pl.col("per_patient").median().alias("median"), pl.len().alias("peers"))
    factor = float(rule.factor)
    flagged = (per.join(peers, on=["kind", "year"]).filter((pl.col("peers") >= 3)
                                                           & (pl.col("per_patient") >= pl.col("median") * factor))
               .sort("provider", "year"))
    return flagged.select(
        pl.lit("provider").alias("kind"), pl.col("provider").alias("id"), pl.lit(rule.id).alias("rule"),
        pl.date(pl.col("year"), 1, 1).alias("from"), pl.date(pl.col("year") + 1, 12, 31).alias("to"),
        pl.format("EUR {} per patiënt in {}, {}x de mediaan van {} vergelijkbare zorgaanbieders",
                  cents_text(pl.col("per_patient")), pl.col("year"),
                  (pl.col("per_patient") / pl.col("median")).round(1), pl.col("peers")).alias("reason"))

