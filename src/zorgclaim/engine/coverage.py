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
from zorgclaim.engine import catalogue
from zorgclaim.engine.frames import (FAR_DAY, KeyIndex, attach, day_numbers, distinct_values, filled, given_mask, ids_in,
                                     key_ids, key_index, membership, memo, min_in_period, period_holds, value_ids)
from zorgclaim.engine.matching import match
from zorgclaim.engine.prepare import code_rows
from zorgclaim.policy.library import PolicyLibrary

# requirement checks in the order they are reported (bit k of req_bits = the k-th), with their
# return codes from the catalogue; the condition for failing each is in `_requirements`
REQUIREMENT_ORDER = ("excluded", "restricted-diagnosis", "restricted-indication", "indication-condition", "referral-missing", "referrer-kind", "indication-missing",
                     "indication-setter", "indication-excludes", "provider-kind", "provider-not-recognised", "provider-qualification",
                     "authorization-missing", "authorization-invalid", "authorization-expired", "authorization-period",
                     "authorization-other-care")
REQUIREMENTS: list[tuple[str, str]] = [(name, catalogue.code(name)) for name in REQUIREMENT_ORDER]


def rank_within(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal keys (the keys sorted): the candidate's rank per line."""
    n = sorted_keys.shape[0]
    if n == 0:
        return np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n, dtype=np.int64) - np.repeat(starts, lengths)


def benefit_rows(library: PolicyLibrary) -> pl.DataFrame:
    """The benefit table of a policy library with a row id (`brow`)."""
    return memo("benefit_rows", (library,), lambda: library.benefit_table.drop("policy_type").with_row_index("brow")
                .with_columns(pl.col("brow").cast(pl.Int64)))


def candidates(df: pl.DataFrame, world: World, bt: pl.DataFrame) -> pl.DataFrame:
    """Lines (formal_ok debits) x matching benefits, with requirement failures per candidate.

    Which benefits match is decided by `matching.match` (compiled, on integer codes). A candidate
    row is narrow: its line `i` (a row of `df`: prepare numbers the lines 0..n-1 in processing
    order) and its benefit row `brow` (a row of `bt` = `benefit_rows(world.library)`); a stage
    that needs the line's or the benefit's other columns gathers them by those two.
    Adds per candidate: product, term_days, contracted/contract_tariff, auth_ok, the failed
    requirements as a bit set `req_bits` (bit k = REQUIREMENTS[k]), req_ok, cand_rank and the
    source of an insurer's restriction on its code (`restriction_source`, mostly null)."""
    debits = df.select(pl.col("formal_ok") & ~pl.col("is_credit")).to_series()
    c = match(df.select("i", "member_id", "service_date", "care_kind", "code", "diagnosis", "csi", "age").filter(debits),
              bt, world.coverages, world.reference.bijlage1)
    i, b = c["i"].to_numpy().astype(np.int64), c["brow"].to_numpy()
    c = c.with_columns(
        pl.when(pl.col("diag_bijlage1")).then(pl.col("bij_term")).otherwise(bt["term_days"][b]).alias("term_days"),
    ).drop("bij_term", "diag_bijlage1")
    tariff, contracted = _contracted(df, i, bt, b, world)
    contracted &= ~df["abroad"].to_numpy()[i]          # a contract is with a Dutch provider, by its AGB
    problem, auth_ok = _authorization(df, i, bt, b, contracted, world)
    fails, restriction_source = _requirements(df, i, bt, b, world, problem)
    req_bits = np.zeros(len(i), np.int64)
    for k, (name, _) in enumerate(REQUIREMENTS):
        req_bits |= fails[name].astype(np.int64) << k
    return c.with_columns(pl.Series("contract_tariff", tariff).set(pl.Series(~contracted), None),
                          pl.Series("contracted", contracted), pl.Series("auth_ok", auth_ok), pl.Series("req_bits", req_bits),
                          pl.Series("req_ok", req_bits == 0), pl.Series("cand_rank", rank_within(i)), restriction_source)


def _has(column: pl.Series) -> np.ndarray:
    """Per benefit row: a flag column set, or a list/value column given."""
    return filled(column, False) if column.dtype == pl.Boolean else given_mask(column)


def _list_table(lists: pl.Series) -> tuple[pl.Series, np.ndarray]:
    values = distinct_values(lists)
    return values, membership(lists, values)


def _in_list(lists: pl.Series, line_values: pl.Series, i: np.ndarray, b: np.ndarray,
             lists_of: pl.DataFrame | None = None, column: str | None = None) -> np.ndarray:
    """For candidates (line i, benefit row b): the line's value is in the benefit's list (false
    for a null value or a benefit without the list). With `lists_of` (the benefit table) and
    `column`, the list's look-up table is built once per table."""
    values, table = memo("in_list", (lists_of,), lambda: _list_table(lists_of[column]), column) \
        if lists_of is not None else _list_table(lists)
    ids = value_ids(line_values, values)[0][i]
    return (ids >= 0) & table[b, np.maximum(ids, 0)]


def _requirements(df: pl.DataFrame, i: np.ndarray, bt: pl.DataFrame, b: np.ndarray, world: World,
                  auth_problem: np.ndarray) -> tuple[dict[str, np.ndarray], pl.Series]:
    """Per requirement (REQUIREMENTS): which candidates fail it. The benefit's conditions are
    read from its row `b`, the line's values from its row `i`. Also, per candidate, the source of
    an insurer's restriction that applies to it (`_restricted`)."""
    def benefit(col: str) -> np.ndarray:
        return _has(bt[col])[b]
    referral_given = given_mask(df["referral_by"])[i]
    provider = world.providers.select(pl.col("agb").alias("provider"), "recognized_by", "qualifications")
    unlisted, unlisted_kind, unmet, restriction_source = _restricted(df, i, bt, b, world)
    # a provider abroad is in no Dutch register: its kind, recognition and qualifications are judged
    # by a person (the review rule of kind care_abroad holds the line), not refused here
    home = ~df["abroad"].to_numpy()[i]
    fails = {
        "excluded": benefit("not_covered"),
        "restricted-diagnosis": (benefit("req_diagnoses") & ~_in_list(bt["req_diagnoses"], df["diagnosis"], i, b, bt, "req_diagnoses"))
                                | unlisted,
        "restricted-indication": unlisted_kind,
        "indication-condition": unmet,
        "referral-missing": benefit("req_referral") & ~referral_given,
        "referrer-kind": benefit("req_referral") & referral_given & benefit("referral_kinds")
                         & ~_in_list(bt["referral_kinds"], df["referrer_kind"], i, b, bt, "referral_kinds"),
        "indication-missing": benefit("req_indication") & ~_in_list(bt["req_indication"], df["indication_kind"], i, b,
                                                                     bt, "req_indication"),
        "indication-setter": _setter_not_allowed(df, i, bt, b, world),
        "indication-excludes": benefit("not_with_indication") & _in_list(bt["not_with_indication"], df["indication_kind"],
                                                                         i, b, bt, "not_with_indication"),
        "provider-kind": home & benefit("provider_kinds") & ~_in_list(bt["provider_kinds"], df["provider_kind"], i, b,
                                                                      bt, "provider_kinds"),
        "provider-not-recognised": home & _lacks(df, i, bt, b, "recognized_by", provider.select("provider", "recognized_by")),
        "provider-qualification": home & _lacks(df, i, bt, b, "qualification", provider.select("provider", "qualifications")),
    }
    for k, name in enumerate(AUTH_PROBLEMS):
        fails[name] = auth_problem == k
    return fails, restriction_source


def _setter_tags(world: World) -> pl.DataFrame:
    """(agb, tag): what each listed provider is as an indication's setter - its kind and each of its
    qualifications."""
    from zorgclaim.engine.prepare import provider_table
    t = provider_table(world)
    kinds = t.select("agb", pl.col("kind").alias("tag"))
    quals = t.select("agb", pl.col("qualifications").alias("tag")).explode("tag")
    return pl.concat([kinds, quals]).drop_nulls().unique()


def _setter_not_allowed(df: pl.DataFrame, i: np.ndarray, bt: pl.DataFrame, b: np.ndarray, world: World) -> np.ndarray:
    """The benefit says who may set its indication, the line names who set it (`indication_by`),
    and that provider is none of them: not by its kind nor by a qualification. A provider the world
    does not list is only what its AGB prefix says it is."""
    sub = np.flatnonzero(given_mask(bt["indication_set_by"])[b] & given_mask(df["indication_by"])[i])
    out = np.zeros(len(i), np.bool_)
    if len(sub) == 0:
        return out
    tags = memo("setter_tags", (world.providers, world.reference), lambda: _setter_tags(world))
    prefix = world.reference.provider_kinds.select(pl.col("prefix"), pl.col("kind").alias("tag"))
    cand = pl.DataFrame({"k": np.arange(len(sub)), "agb": df["indication_by"][i[sub]],
                         "tag": bt["indication_set_by"][b[sub]]}).explode("tag")
    listed = cand.join(tags, on=["agb", "tag"], how="semi")
    unlisted = (cand.join(tags.select("agb").unique(), on="agb", how="anti")
                .with_columns(pl.col("agb").str.slice(0, 2).alias("prefix")).join(prefix, on=["prefix", "tag"], how="semi"))
    ok = np.zeros(len(sub), np.bool_)
    ok[pl.concat([listed["k"], unlisted["k"]]).to_numpy()] = True
    out[sub] = ~ok
    return out


def _lacks(df: pl.DataFrame, i: np.ndarray, bt: pl.DataFrame, b: np.ndarray, what: str, has: pl.DataFrame) -> np.ndarray:
    """The benefit asks the provider for `what` (a recognition or qualification) and the line's
    provider does not have it (`has`: provider, list of what it has)."""
    sub = np.flatnonzero(given_mask(bt[what])[b])
    out = np.zeros(len(i), np.bool_)
    if len(sub):
        pairs = has.explode(has.columns[1]).drop_nulls()
        found = key_ids([df["provider"][i[sub]], bt[what][b[sub]]], [pairs[c] for c in pairs.columns])[0]
        out[sub] = found < 0
    return out


def _contracted(df: pl.DataFrame, i: np.ndarray, bt: pl.DataFrame, b: np.ndarray, world: World) -> tuple[np.ndarray, np.ndarray]:
    """Contracted tariff for the line's code with the candidate's insurer on the service date (the
    least, if contracts overlap), and whether there is one. The key (provider, insurer, code) is
    one integer id: the line's provider and code encoded once per line, the insurer per benefit row."""
    ct = world.contract_tariffs
    providers, insurers, index, t_from, t_to, tariff = memo(
        "contract_tariffs", (ct, world.reference), lambda: _tariff_table(ct, world))
    b_insurer = memo("benefit_insurers", (bt, insurers), lambda: value_ids(bt["insurer"], insurers)[0])
    q = ids_in(index, [value_ids(df["provider"], providers)[0][i], b_insurer[b], df["code_no"].to_numpy()[i]])
    return min_in_period(q, day_numbers(df["service_date"])[0][i], index.right_ids, t_from, t_to, tariff)


def _tariff_table(ct: pl.DataFrame, world: World) -> tuple:
    """The contracted tariffs encoded once: their distinct providers and insurers, the index of
    each row's provider, insurer and code (a row without a start gets provider -1: it never
    holds), its period as day numbers (open-ended: far off) and its tariff."""
    providers = ct["provider"].drop_nulls().unique(maintain_order=True)
    insurers = ct["insurer"].drop_nulls().unique(maintain_order=True)
    t_from, no_from = day_numbers(ct["from"])
    t_to, no_to = day_numbers(ct["to"])
    sides = [np.where(no_from, -1, value_ids(ct["provider"], providers)[0]), value_ids(ct["insurer"], insurers)[0],
             code_rows(ct["code"], world)]
    index = key_index(sides, [providers.len(), insurers.len(), world.reference.service_codes.height])
    return providers, insurers, index, t_from, np.where(no_to, FAR_DAY, t_to), filled(ct["tariff"], 0)


# an authorization asked for and not (yet) granted is no authorization: the line lacks one (0551)
NOT_GIVEN = ["requested", "denied"]
# what can be wrong with an authorization (the number is its index)
AUTH_PROBLEMS = ["authorization-missing", "authorization-invalid", "authorization-expired",
                 "authorization-period", "authorization-other-care"]


def _authorization(df: pl.DataFrame, i: np.ndarray, bt: pl.DataFrame, b: np.ndarray, contracted: np.ndarray,
                   world: World) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate whose benefit asks about an authorization: the one the line names, or
    else one on file for this member and benefit. Returns what is wrong with it where one is
    needed (always, or when not contracted; an index into AUTH_PROBLEMS, -1 when fine or not
    needed) and `auth_ok`: whether a valid one covers the line (false where the benefit never
    asks; the kernel uses it for the 'after N days' rule and for a count limit an authorization
    lifts, `beyond_count_with_authorization`)."""
    auth = bt["auth"].fill_null("never")
    asks = ((auth != "never") | bt["count_auth"].is_not_null()).to_numpy()[b]
    needs = (auth == "always").to_numpy()[b] | ((auth == "non_contracted").to_numpy()[b] & ~contracted)
    # a benefit may ask it for some of its codes only (MSR: without admission, not a consult)
    for_codes = given_mask(bt["auth_codes"])[b]
    if for_codes.any():
        needs &= ~for_codes | _in_list(bt["auth_codes"], df["code"], i, b, bt, "auth_codes")
    problem = np.full(len(i), -1, np.int64)
    ok = np.zeros(len(i), np.bool_)
    sub = np.flatnonzero(asks)
    if len(sub):
        auths = world.authorizations.select(
            pl.col("id").alias("authorization"), pl.col("member_id").alias("a_member"), pl.col("benefit").alias("a_benefit"),
            pl.col("from").alias("a_from"), pl.col("to").alias("a_to"), pl.col("status").fill_null("active").alias("a_status"),
        ).unique("authorization", keep="first")
        named = (df.select("member_id", "service_date", "authorization")[i[sub]]
                 .with_columns(pl.Series("cr", sub), bt["benefit"][b[sub]])
                 .join(auths, on="authorization", how="left", maintain_order="left"))
        in_period = period_holds("a_from", "a_to", "service_date")
        named = named.with_columns(
            pl.when(pl.col("authorization").is_null()).then(pl.lit("authorization-missing"))
            .when(pl.col("a_member").is_null() | (pl.col("a_member") != pl.col("member_id"))).then(pl.lit("authorization-invalid"))
            .when(pl.col("a_status").is_in(NOT_GIVEN)).then(pl.lit("authorization-missing"))
            .when(pl.col("a_status") != "active").then(pl.lit("authorization-expired"))
            .when(pl.col("a_benefit") != pl.col("benefit")).then(pl.lit("authorization-other-care"))
            .when(~in_period).then(pl.lit("authorization-period"))
            .otherwise(None).alias("auth_problem"))
        # a line without a number: look for one on file for this member and benefit
        given = auths.filter(~pl.col("a_status").is_in(NOT_GIVEN)).drop("authorization")
        on_file = (named.filter(pl.col("authorization").is_null()).select("cr", "benefit", "member_id", "service_date")
                   .join(given.rename({"a_member": "member_id", "a_benefit": "benefit"}),
                         on=["member_id", "benefit"], how="inner")
                   .with_columns(in_period.alias("_in"), (pl.col("a_status") == "active").alias("_active"))
                   .group_by("cr")
                   .agg((pl.col("_in") & pl.col("_active")).any().alias("_any_ok"), pl.col("_active").any().alias("_any_active")))
        found = (attach(named, on_file, "cr").select(
            pl.when(pl.col("authorization").is_not_null()).then(pl.col("auth_problem"))
            .when(pl.col("_any_ok").fill_null(False)).then(None)
            .when(pl.col("_any_active").fill_null(False)).then(pl.lit("authorization-period"))
            .when(pl.col("_any_ok").is_not_null()).then(pl.lit("authorization-expired"))
            .otherwise(pl.lit("authorization-missing")))
            .to_series().replace_strict(AUTH_PROBLEMS, list(range(len(AUTH_PROBLEMS))), default=-1, return_dtype=pl.Int64)
            .fill_null(-1).to_numpy())
        problem[sub] = np.where(needs[sub], found, -1)
        ok[sub] = found < 0
    return problem, ok


def _restricted(df: pl.DataFrame, i: np.ndarray, bt: pl.DataFrame, b: np.ndarray,
                world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, pl.Series]:
    """Package-wide code restrictions (e.g. long sessions only for listed indications; a medicine the
    insurer did not designate only with medical necessity): per candidate whose product restricts
    the line's code on its service date (the restriction's period), whether the line is on none of
    the listed indications - by its diagnosis, or, where the restriction lists indication kinds only,
    by the line's indication kind (the second array) - and whether it is on one but that
    indication's condition does not hold (the member's age; the years since the onset, which the
    line must then give). The fourth: per candidate, the source of the restriction that applies to
    it (null where none does), which a refusal by it cites."""
    r, products, r_index = memo("restrictions", (world.library, world.reference), lambda: _restriction_keys(world))
    unlisted, unlisted_kind, unmet = (np.zeros(len(i), np.bool_) for _ in range(3))
    source = pl.repeat(None, len(i), dtype=pl.String, eager=True).alias("restriction_source")
    if r.height == 0 or len(i) == 0:
        return unlisted, unlisted_kind, unmet, source
    q = ids_in(r_index, [value_ids(bt["product"], products)[0][b], df["code_no"].to_numpy()[i]])
    rk = r_index.right_ids
    sub = np.flatnonzero(q >= 0)
    if len(sub) == 0:
        return unlisted, unlisted_kind, unmet, source
    line = (df.select("diagnosis", "indication_kind", "age", "service_date", "onset_date")[i[sub]]
            .rename({"diagnosis": "_diagnosis", "indication_kind": "_kind"}))
    onset, day = pl.col("onset_date"), pl.col("service_date")
    holds = ((pl.col("min_age").is_null() | (pl.col("age") >= pl.col("min_age")))
             & (pl.col("within_years").is_null()
                | (onset.is_not_null() & (day < onset.dt.offset_by(pl.format("{}y", "within_years")))))
             & (pl.col("from_years").is_null()
                | (onset.is_not_null() & (day >= onset.dt.offset_by(pl.format("{}y", "from_years"))))))
    in_force = ((pl.col("valid_from").is_null() | (day >= pl.col("valid_from")))
                & (pl.col("valid_to").is_null() | (day <= pl.col("valid_to"))))
    hit = ((pl.col("diagnosis") == pl.col("_diagnosis")).fill_null(False)
           | (pl.col("indication_kind") == pl.col("_kind")).fill_null(False))
    found = (line.with_columns(pl.Series("cr", sub), pl.Series("_k", q[sub]))
             .join(r.select(pl.Series("_k", rk), "diagnosis", "indication_kind", "min_age", "within_years", "from_years",
                            "valid_from", "valid_to", "source"), on="_k", how="inner")
             .filter(in_force)
             .group_by("cr").agg(hit.any().alias("_listed"), (hit & holds.fill_null(False)).any().alias("_holds"),
                                 pl.col("diagnosis").is_not_null().any().alias("_by_diagnosis"),
                                 pl.col("source").first()))
    # a restriction not in force on the line's date gives no row: neither unlisted nor unmet
    unlisted[found.filter(~pl.col("_listed") & pl.col("_by_diagnosis"))["cr"].to_numpy()] = True
    unlisted_kind[found.filter(~pl.col("_listed") & ~pl.col("_by_diagnosis"))["cr"].to_numpy()] = True
    unmet[found.filter(pl.col("_listed") & ~pl.col("_holds"))["cr"].to_numpy()] = True
    if found.height:
        source = source.scatter(found["cr"].to_numpy(), found["source"])
    return unlisted, unlisted_kind, unmet, source


def _restriction_keys(world: World) -> tuple[pl.DataFrame, pl.Series, KeyIndex]:
    """The restriction table one row per code, its products, and the index of its keys (product,
    the code's row in the reference): what every batch looks the lines up in."""
    r = world.library.restriction_table.explode("codes").rename({"codes": "code"})
    products = r["product"].drop_nulls().unique(maintain_order=True)
    return r, products, key_index([value_ids(r["product"], products)[0], code_rows(r["code"], world)],
                                  [products.len(), world.reference.service_codes.height])


def assignment_ban(df: pl.DataFrame, cands: pl.DataFrame, world: World, bt: pl.DataFrame) -> pl.DataFrame:
    """VGZ cessieverbod (VGZ, "Cessieverbod en strikter betaalbeleid", vragen en antwoorden voor zorgverleners (2023)): a provider without a contract with the member's insurer bills
    basic-insurance aids directly, delivered on or after the ban date -> 8022, unless a
    supplementary module of the member covers the aid. Adds `fail_assignment-ban` to df."""
    bans = memo("assignment_bans", (world.library,), lambda: world.library.assignment_ban_table.explode("care_kinds").rename(
        {"care_kinds": "care_kind", "product": "basic_product", "source": "ban_source"}))
    # the few lines the ban applies to at all, before looking for a contract or a module
    banned = (df.select("i", "basic_product", "care_kind", "service_date", "submitted_by", "is_credit", "provider", "insurer")
              .filter(~pl.col("is_credit") & (pl.col("submitted_by") == "provider"))
              .join(bans, on=["basic_product", "care_kind"], how="inner")
              .filter(pl.col("service_date") >= pl.col("ban_from")))
    if banned.is_empty():
        return df
    contracts = world.contracts.rename({"from": "k_from", "to": "k_to"})
    with_contract = (banned.select("i", "provider", "insurer", "service_date")
                     .join(contracts, on=["provider", "insurer"], how="inner")
                     .filter(period_holds("k_from", "k_to", "service_date"))
                     .select("i", pl.lit(True).alias("_contract")).unique("i"))
    module_covers = (cands.select("i", "brow", "req_ok").filter(pl.col("i").is_in(banned["i"].implode()) & pl.col("req_ok"))
                     .join(bt.select("brow", "product_kind", "not_covered"), on="brow", how="left")
                     .filter((pl.col("product_kind") == "supplementary") & ~pl.col("not_covered"))
                     .select("i", pl.lit(True).alias("_module")).unique("i"))
    hit = (banned.join(with_contract, on="i", how="left").join(module_covers, on="i", how="left")
           .filter(pl.col("_contract").is_null() & pl.col("_module").is_null())
           .select("i", pl.lit(True).alias("_ban")).unique("i"))
    return (attach(df, hit, "i")
            .with_columns((pl.col("fail_assignment-ban") | pl.col("_ban").fill_null(False)).alias("fail_assignment-ban"))
            .drop("_ban"))
