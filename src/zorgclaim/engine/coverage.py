"""Stage 2: coverage. Which benefits of the member's products (on the service date) each line
falls under, and whether the benefit's requirements are met.

Produces one row per (line, candidate benefit): basic products first, then supplementary modules,
each in the order its file lists them. The limits stage walks these candidates in that order.
Requirement checks are vectorized; the one that depends on history (authorization needed after
N days of treatment) is decided in the limits kernel.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.domain.world import World
from zorgclaim.engine.codes import bits
from zorgclaim.engine.frames import attach, key_ids
from zorgclaim.engine.matching import match
from zorgclaim.policy.library import PolicyLibrary

# requirement checks in the order they are reported: (name, code, condition for failing)
REQUIREMENTS: list[tuple[str, str]] = [
    ("excluded", "0613"),
    ("restricted-diagnosis", "0613"),
    ("referral-missing", "0613"),
    ("referrer-kind", "8013"),
    ("indication-missing", "0613"),
    ("indication-excludes", "0613"),
    ("provider-kind", "0562"),
    ("provider-not-recognised", "0562"),
    ("provider-qualification", "0562"),
    ("authorization-missing", "0551"),
    ("authorization-invalid", "0550"),
    ("authorization-expired", "0552"),
    ("authorization-period", "0553"),
    ("authorization-other-care", "0554"),
]


def rank_within(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal keys (the keys sorted): the candidate's rank per line."""
    n = sorted_keys.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)


def _pairs(bt: pl.DataFrame, list_col: str, as_: str, keep: tuple[str, ...] = ("brow",)) -> pl.DataFrame:
    """(benefit row, value) pairs of one of the benefit table's list columns: list membership
    becomes a join on two small key columns instead of a list scan per candidate."""
    return bt.select(*keep, pl.col(list_col).alias(as_)).explode(as_).drop_nulls(as_).unique()


def _flag(c: pl.DataFrame, pairs: pl.DataFrame, name: str) -> pl.DataFrame:
    """Add boolean `name`: the candidate's key columns appear in `pairs`."""
    return attach(c, pairs.with_columns(pl.lit(True).alias(name)), pairs.columns).with_columns(pl.col(name).fill_null(False))


def benefit_rows(library: PolicyLibrary) -> pl.DataFrame:
    """The benefit table of a policy library with a row id and, per list column, whether the
    benefit sets it."""
    bt = library.benefit_table.drop("policy_type").with_row_index("brow").with_columns(pl.col("brow").cast(pl.Int64))
    lists = ["diagnoses", "csi", "referral_kinds", "req_indication", "not_with_indication", "provider_kinds", "req_diagnoses"]
    return bt.with_columns(*(pl.col(c).is_not_null().alias(f"has_{c}") for c in lists))


def candidates(df: pl.DataFrame, world: World, bt: pl.DataFrame) -> pl.DataFrame:
    """Lines (formal_ok debits) x matching benefits, with requirement failures per candidate.

    Which benefits match is decided by `matching.match` (compiled, on integer codes); the
    matched candidates then get the line's columns and the benefit's attributes, and the
    requirements are checked vectorized (list requirements as joins on (brow, value) pairs).
    `bt` is `benefit_rows(world.library)`; `brow` is a row of it."""
    base = df.select(
        "i", "member_id", "member_no", "provider", "service_date", "code", "care_kind", "diagnosis", "csi", "age",
        "quantity", "declared", "referral_by", "referrer_kind", "indication_kind", "authorization",
        "provider_kind", "basic_product", "policy_type", "formal_ok", "is_credit",
    ).filter(pl.col("formal_ok") & ~pl.col("is_credit")).drop("formal_ok", "is_credit")
    c = match(base.select("i", "member_id", "service_date", "care_kind", "code", "diagnosis", "csi", "age"),
              bt, world.coverages, world.reference.bijlage1)
    # only now the matched candidates get the line's other columns
    c = attach(c, base.drop("product", strict=False), "i").with_row_index("cr")   # cr: the candidate's row id
    scalars = bt.select(
        "brow", "benefit", "label", "insurer", "product_kind", "nc_pct", "rank", "req_referral", "auth", "auth_after_days",
        "recognized_by", "qualification", "price_method", "per_day", "percentage", "from_nth", "max_count", "window",
        "term_days", "per_year_amount", "counter", "deductible", "not_covered", "tops_up", "source", "verified",
        "has_referral_kinds", "has_req_indication", "has_not_with_indication", "has_provider_kinds", "has_req_diagnoses")
    c = attach(c, scalars, "brow")
    c = c.with_columns(
        pl.when(pl.col("diag_bijlage1")).then(pl.col("bij_term")).otherwise(pl.col("term_days")).alias("term_days"),
    ).drop("bij_term", "diag_bijlage1")
    c = _contracted(c, world)
    c = _authorization(c, world)
    c = _restrictions(c, world)
    c = _flag(c, _pairs(bt, "referral_kinds", "referrer_kind"), "_referrer_ok")
    c = _flag(c, _pairs(bt, "req_indication", "indication_kind"), "_indication_ok")
    c = _flag(c, _pairs(bt, "not_with_indication", "indication_kind"), "_indication_excl")
    c = _flag(c, _pairs(bt, "provider_kinds", "provider_kind"), "_kind_ok")
    c = _flag(c, _pairs(bt, "req_diagnoses", "diagnosis"), "_req_diag_ok")
    provs = world.providers.select(pl.col("agb").alias("provider"), "recognized_by", "qualifications")
    c = _flag(c, provs.select("provider", "recognized_by").explode("recognized_by").drop_nulls().unique(), "_recognized")
    c = _flag(c, provs.select("provider", pl.col("qualifications").alias("qualification")).explode("qualification")
              .drop_nulls().unique(), "_qualified")
    fails = {
        "excluded": pl.col("not_covered"),
        "restricted-diagnosis": (pl.col("has_req_diagnoses") & ~pl.col("_req_diag_ok")) | pl.col("_restricted"),
        "referral-missing": pl.col("req_referral") & pl.col("referral_by").is_null(),
        "referrer-kind": pl.col("req_referral") & pl.col("referral_by").is_not_null()
                         & pl.col("has_referral_kinds") & ~pl.col("_referrer_ok"),
        "indication-missing": pl.col("has_req_indication") & ~pl.col("_indication_ok"),
        "indication-excludes": pl.col("has_not_with_indication") & pl.col("_indication_excl"),
        "provider-kind": pl.col("has_provider_kinds") & ~pl.col("_kind_ok"),
        "provider-not-recognised": pl.col("recognized_by").is_not_null() & ~pl.col("_recognized"),
        "provider-qualification": pl.col("qualification").is_not_null() & ~pl.col("_qualified"),
    }
    needs_auth = (pl.col("auth") == "always") | ((pl.col("auth") == "non_contracted") & ~pl.col("contracted"))
    for name in ("authorization-missing", "authorization-invalid", "authorization-expired",
                 "authorization-period", "authorization-other-care"):
        fails[name] = needs_auth & (pl.col("auth_problem") == name)
    c = c.with_columns(*(e.fill_null(False).alias(f"req_{n}") for n, e in fails.items()))
    c = c.drop([x for x in c.columns if x.startswith("_") or x.startswith("has_")])
    c = c.with_columns((~pl.any_horizontal(*(pl.col(f"req_{n}") for n, _ in REQUIREMENTS))).alias("req_ok"))
    # the failed requirements as one bit set, bit k = REQUIREMENTS[k] (codes.py turns it into codes)
    return c.with_columns(pl.Series("cand_rank", rank_within(c["i"].to_numpy())),
                          bits([pl.col(f"req_{n}") for n, _ in REQUIREMENTS]).alias("req_bits")).drop("cr")


def _contracted(c: pl.DataFrame, world: World) -> pl.DataFrame:
    """Contracted tariff for the line's code with the candidate's insurer on the service date."""
    ct = world.contract_tariffs
    keys = ["provider", "insurer", "code"]
    # joined on one integer id of (provider, insurer, code): three string keys made this join 10x slower
    q, r = key_ids([c[k] for k in keys], [ct[k] for k in keys])
    rows = pl.DataFrame({"_k": r, "t_from": ct["from"], "t_to": ct["to"], "tariff": ct["tariff"]}).filter(pl.col("_k") >= 0)
    keyed = (c.select("cr", "service_date").with_columns(pl.Series("_k", q)).filter(pl.col("_k") >= 0)
             .join(rows, on="_k", how="inner")
             .filter((pl.col("t_from") <= pl.col("service_date"))
                     & (pl.col("t_to").is_null() | (pl.col("t_to") >= pl.col("service_date"))))
             .group_by("cr").agg(pl.col("tariff").min().alias("contract_tariff")))
    return attach(c, keyed, "cr").with_columns(pl.col("contract_tariff").is_not_null().alias("contracted"))


def _authorization(c: pl.DataFrame, world: World) -> pl.DataFrame:
    """Resolve the authorization for each candidate: the one the line names, or else one on file
    for this member and benefit. `auth_problem` names what is wrong (null when fine);
    `auth_ok` says whether a valid one covers the line (used by the 'after N days' rule)."""
    auths = world.authorizations.select(pl.col("id").alias("authorization"), pl.col("member_id").alias("a_member"),
                                        pl.col("benefit").alias("a_benefit"), pl.col("from").alias("a_from"),
                                        pl.col("to").alias("a_to"), pl.col("status").fill_null("active").alias("a_status")
                                        ).unique("authorization", keep="first")
    # only benefits that ask for one (most say 'never'; their candidates keep auth_problem null)
    named = (c.select("cr", "benefit", "member_id", "service_date", "authorization", "auth")
             .filter(pl.col("auth").fill_null("never") != "never").drop("auth")
             .join(auths, on="authorization", how="left"))
    in_period = (pl.col("a_from") <= pl.col("service_date")) & (pl.col("a_to").is_null() | (pl.col("a_to") >= pl.col("service_date")))
    named = named.with_columns(
        pl.when(pl.col("authorization").is_null()).then(pl.lit("authorization-missing"))
        .when(pl.col("a_member").is_null() | (pl.col("a_member") != pl.col("member_id"))).then(pl.lit("authorization-invalid"))
        .when(pl.col("a_status") != "active").then(pl.lit("authorization-expired"))
        .when(pl.col("a_benefit") != pl.col("benefit")).then(pl.lit("authorization-other-care"))
        .when(~in_period).then(pl.lit("authorization-period"))
        .otherwise(None).alias("auth_problem"))
    # a line without a number: look for one on file for this member and benefit
    on_file = (named.filter(pl.col("authorization").is_null()).select("cr", "benefit", "member_id", "service_date")
               .join(auths.drop("authorization").rename({"a_member": "member_id", "a_benefit": "benefit"}),
                     on=["member_id", "benefit"], how="inner")
               .with_columns(in_period.alias("_in"), (pl.col("a_status") == "active").alias("_active"))
               .group_by("cr")
               .agg((pl.col("_in") & pl.col("_active")).any().alias("_any_ok"), pl.col("_active").any().alias("_any_active")))
    named = (attach(named, on_file, "cr")
             .with_columns(
                 pl.when(pl.col("authorization").is_not_null()).then(pl.col("auth_problem"))
                 .when(pl.col("_any_ok").fill_null(False)).then(None)
                 .when(pl.col("_any_active").fill_null(False)).then(pl.lit("authorization-period"))
                 .when(pl.col("_any_ok").is_not_null()).then(pl.lit("authorization-expired"))
                 .otherwise(pl.lit("authorization-missing")).alias("auth_problem")))
    named = named.select("cr", "auth_problem", pl.col("auth_problem").is_null().alias("auth_ok"))
    return attach(c, named, "cr")


def _restrictions(c: pl.DataFrame, world: World) -> pl.DataFrame:
    """Package-wide code restrictions (e.g. long sessions only for listed indications)."""
    r = world.library.restriction_table.explode("codes").rename({"codes": "code"})
    hit = (c.select("cr", "product", "code", "diagnosis").join(r, on=["product", "code"], how="inner")
           .filter(~pl.col("allowed_diagnoses").list.contains(pl.col("diagnosis")).fill_null(False))
           .select("cr", pl.lit(True).alias("_restricted"), pl.col("source").alias("restriction_source"))
           .unique("cr"))
    return attach(c, hit, "cr").with_columns(pl.col("_restricted").fill_null(False))


def assignment_ban(df: pl.DataFrame, cands: pl.DataFrame, world: World) -> pl.DataFrame:
    """VGZ cessieverbod (seed 002): a provider without a contract with the member's insurer bills
    basic-insurance aids directly, delivered on or after the ban date -> 8022, unless a
    supplementary module of the member covers the aid. Adds `fail_assignment-ban` to df."""
    bans = world.library.assignment_ban_table.explode("care_kinds").rename(
        {"care_kinds": "care_kind", "product": "basic_product", "source": "ban_source"})
    contracts = world.contracts.rename({"from": "k_from", "to": "k_to"})
    # the few lines the ban applies to at all, before looking for a contract or a module
    banned = (df.select("i", "basic_product", "care_kind", "service_date", "submitted_by", "is_credit", "provider", "insurer")
              .filter(~pl.col("is_credit") & (pl.col("submitted_by") == "provider"))
              .join(bans, on=["basic_product", "care_kind"], how="inner")
              .filter(pl.col("service_date") >= pl.col("ban_from")))
    with_contract = (banned.select("i", "provider", "insurer", "service_date")
                     .join(contracts, on=["provider", "insurer"], how="inner")
                     .filter((pl.col("k_from") <= pl.col("service_date"))
                             & (pl.col("k_to").is_null() | (pl.col("k_to") >= pl.col("service_date"))))
                     .select("i", pl.lit(True).alias("_contract")).unique("i"))
    module_covers = (cands.select("i", "product_kind", "req_ok", "not_covered")
                     .filter(pl.col("i").is_in(banned["i"].implode()) & (pl.col("product_kind") == "supplementary")
                             & pl.col("req_ok") & ~pl.col("not_covered"))
                     .select("i", pl.lit(True).alias("_module")).unique("i"))
    hit = (banned.join(with_contract, on="i", how="left").join(module_covers, on="i", how="left")
           .filter(pl.col("_contract").is_null() & pl.col("_module").is_null())
           .select("i", pl.lit(True).alias("_ban")).unique("i"))
    return (attach(df, hit, "i")
            .with_columns((pl.col("fail_assignment-ban") | pl.col("_ban").fill_null(False)).alias("fail_assignment-ban"))
            .drop("_ban"))
