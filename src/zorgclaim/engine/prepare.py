"""Stage 0: put what each line needs next to it (member, provider, service code, basic cover).

Also fixes the processing order: per member, service date, then receipt, then line id (the
deductible is charged in the order claims are processed: SKGZ bindend advies 202201218).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.domain.schema import abroad, conform_lines
from zorgclaim.domain.world import World
from zorgclaim.engine.frames import memo, period_holds, run, value_ids

# per member, service date, then receipt, then line id (SKGZ 202201218). On a tie of date and
# receipt a credit comes after the debits, so a debit and its credit in one batch always work.
ORDER = ["member_id", "service_date", "received", "_credit", "line_id"]


def age_on(birth: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Whole years between birth and day (exact: birthday not yet reached counts one less)."""
    # (month and day are Int8 in polars: widened first, or month * 100 wraps around)
    def month_day(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)
    before_birthday = month_day(day) < month_day(birth)
    return (day.dt.year() - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int64)


def code_rows(codes: pl.Series, world: World) -> np.ndarray:
    """Each code's row in the reference's service codes (the numbering of `code_no`; the keys are
    unique), -1 for a null or unknown code. For encoding a table's codes as the lines' are."""
    return value_ids(codes, world.reference.service_codes["key"])[0]


def provider_table(world: World) -> pl.DataFrame:
    """Providers with their kind; a provider not listed gets the kind its AGB prefix says."""
    kinds = world.reference.provider_kinds.select("prefix", pl.col("kind").alias("prefix_kind"))
    return (world.providers
            .with_columns(pl.col("agb").str.slice(0, 2).alias("prefix"))
            .join(kinds, on="prefix", how="left")
            .with_columns(pl.coalesce("kind", "prefix_kind").alias("kind"))
            .drop("prefix", "prefix_kind"))


_DAYS = 1 << 17        # day numbers packed in 17 bits: 1791..2149 (offset by 2**16)


def _in_processing_order(df: pl.DataFrame) -> pl.DataFrame:
    """`df` sorted by ORDER, with `member_no`: the member's rank in id order (null for no member),
    so that later stages can key on an integer. Member rank, service date and receipt are packed
    into one Int64, which sorts faster than the string columns; outside the packable range (null
    or far-off dates, over 2**29 members) the columns are sorted as they are."""
    credit = (pl.col("credits").is_not_null() | (pl.col("declared") < 0)).alias("_credit")
    members = df["member_id"].drop_nulls().unique().sort()
    rank = df["member_id"].replace_strict(members, pl.Series(range(members.len()), dtype=pl.Int64),
                                          default=None, return_dtype=pl.Int64).alias("member_no")
    days = df.select(pl.col("service_date").cast(pl.Int64).alias("s"), pl.col("received").cast(pl.Int64).alias("r"))
    low, high = min(days["s"].min() or 0, days["r"].min() or 0), max(days["s"].max() or 0, days["r"].max() or 0)
    packable = (df.height > 0 and rank.null_count() == 0 and days["s"].null_count() == 0 and days["r"].null_count() == 0
                and members.len() < (1 << 29) and -(_DAYS // 2) <= low and high < _DAYS // 2)
    if not packable:
        return run(df.lazy().with_columns(credit, rank).sort(ORDER).drop("_credit"))
    key = (rank * _DAYS + (days["s"] + _DAYS // 2)) * _DAYS + (days["r"] + _DAYS // 2)
    return run(df.lazy().with_columns(key.alias("_order"), credit, rank).sort("_order", "_credit", "line_id")
               .drop("_order", "_credit"))


def _tables(world: World) -> tuple:
    """The look-up tables of the reference, the providers and the library that every batch joins:
    service codes (code_no: the code's row in the reference's service codes, unique keys), the
    providers with their kind (as provider and as referrer), AGB prefixes, products."""
    codes = world.reference.service_codes.select(
        pl.col("key").alias("code"), "care_kind", "unit", pl.col("valid_from").alias("code_from"),
        pl.col("valid_to").alias("code_to")).with_row_index("code_no")
    table = provider_table(world)
    provs = table.select(
        pl.col("agb").alias("provider"), pl.col("kind").alias("provider_kind"),
        pl.col("qualifications").fill_null([]), pl.col("recognized_by").fill_null([]),
        pl.col("name").alias("register_name"), pl.lit(True).alias("provider_known"))
    kinds = world.reference.provider_kinds.select(pl.col("prefix"), pl.col("kind").alias("prefix_kind"))
    ref_kinds = table.select(pl.col("agb").alias("referral_by"), pl.col("kind").alias("referrer_kind"))
    products = pl.DataFrame([{"product": p.id, "insurer": p.insurer, "product_kind": p.kind, "policy_type": p.policy_type,
                              "p_from": p.valid_from, "p_to": p.valid_to} for p in world.library.products.values()])
    return codes, provs, kinds, ref_kinds, products


def prepare(lines: pl.DataFrame, world: World) -> pl.DataFrame:
    df = _in_processing_order(conform_lines(lines)).with_row_index("i")
    members = world.members.select(
        "member_id", pl.lit(True).alias("member_known"), "birth_date", "death_date",
        pl.col("bsn").alias("member_bsn"), pl.col("voluntary_deductible").fill_null(0))
    codes, provs, kinds, ref_kinds, products = memo("prepare_tables", (world.reference, world.providers, world.library),
                                                    lambda: _tables(world))
    df = (df.lazy().join(members.lazy(), on="member_id", how="left")
            .join(codes.lazy(), on="code", how="left")
            .join(provs.lazy(), on="provider", how="left")
            .with_columns(pl.col("provider").str.slice(0, 2).alias("prefix"))
            .join(kinds.lazy(), on="prefix", how="left")
            .with_columns(pl.coalesce("provider_kind", "prefix_kind").alias("provider_kind"),
                          pl.col("qualifications").fill_null([]), pl.col("recognized_by").fill_null([]))
            .drop("prefix", "prefix_kind")
          # referrer kind, from the world's providers or else the AGB prefix
            .join(ref_kinds.lazy(), on="referral_by", how="left")
            .with_columns(pl.col("referral_by").str.slice(0, 2).alias("prefix"))
            .join(kinds.lazy(), on="prefix", how="left")
            .with_columns(pl.coalesce("referrer_kind", "prefix_kind").alias("referrer_kind"))
            .drop("prefix", "prefix_kind"))
    df = run(df)
    # the basic product on the service date (and whether it still holds on the end date); a
    # coverage counts only within its product's validity (the years the library holds its
    # conditions for). A member insured on the date by a product whose conditions for that date
    # the library does not hold is not "not insured": the line cannot be assessed (`outside_library`)
    basic = (world.coverages.join(products, on="product", how="inner")
             .filter(pl.col("product_kind") == "basic")
             .select("member_id", pl.col("product").alias("basic_product"), pl.col("insurer"), "policy_type",
                     pl.col("from").alias("c_from"), pl.col("to").alias("c_to"),
                     pl.max_horizontal("from", "p_from").alias("cov_from"),
                     pl.min_horizontal(pl.col("to").fill_null(pl.col("p_to")), "p_to").alias("cov_to")))
    held = df.select("i", "member_id", "service_date").join(basic, on="member_id", how="inner")
    hit = run(held.lazy().filter(period_holds("cov_from", "cov_to", "service_date"))
              .sort("i", "cov_from").unique("i", keep="first")
              .select("i", "basic_product", "insurer", "policy_type", "cov_to"))
    insured = run(held.lazy().filter(period_holds("c_from", "c_to", "service_date")).select("i").unique())
    return run(df.lazy().join(hit.lazy(), on="i", how="left").with_columns(
        (pl.col("i").is_in(insured["i"].implode()) & pl.col("basic_product").is_null()).alias("outside_library")
    ).with_columns(
        age_on(pl.col("birth_date"), pl.col("service_date")).alias("age"),
        pl.col("service_date").dt.year().cast(pl.Int64).alias("year"),
        (pl.col("credits").is_not_null() | (pl.col("declared") < 0)).alias("is_credit"),
        # care given abroad: priced at the Dutch tariff, its provider judged by a person (no AGB register)
        abroad().alias("abroad"),
        pl.col("member_known").fill_null(False), pl.col("provider_known").fill_null(False),
        pl.col("code_no").cast(pl.Int64).fill_null(-1),
    ).sort("i"))
