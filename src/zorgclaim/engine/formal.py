"""Stage 1: formal checks (formele controle). Each check's name, Vektis return code, source and
sentences are in the catalogue (catalogue.py); here is the condition under which a line fails it.
Vectorized: one boolean column per check; a line that fails any is rejected with the failing
codes in the catalogue's order.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from zorgclaim.domain.world import World
from zorgclaim.engine import catalogue
from zorgclaim.engine.frames import attach, dated_value, filled, memo, named_value, period_holds, run
from zorgclaim.engine.state import State

PARAMEDIC = ["fysio", "oefen", "bekken"]


# the checks in the order their codes are reported: name, code and source live in the catalogue
CHECKS = catalogue.of("formal", "fail")
CHECK_BY_NAME = {c.name: c for c in CHECKS}


def _bsn_digits(bsn: pl.Expr) -> pl.Expr:
    # literal replacements: a regular expression would be compiled again for every batch
    for sep in (" ", "-", "."):
        bsn = bsn.str.replace_all(sep, "", literal=True)
    return bsn.str.strip_chars().str.zfill(9)


_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], np.int64)
_BSN_PLACES = 10 ** np.arange(8, -1, -1, dtype=np.int64)


def bsn_ok(bsns: pl.Series) -> pl.Series:
    """The BSN 11-proof of each value, vectorized, with python-stdnum's rules (separators ' -.'
    removed, zero-padded to 9 digits, not all zeros, weights 9..2 and -1, sum divisible by 11).
    `formal_test.py` checks it against `stdnum.nl.bsn.is_valid`. Null in, null out.
    The cleaned text once, the weighted sum of its digits in NumPy (as one polars expression, with
    the text in eleven places, it cost about a millisecond whatever the batch)."""
    s = bsns.to_frame("b").select(_bsn_digits(pl.col("b")))["b"]
    shape = filled(s.str.contains(r"^[0-9]{9}$") & (s != "000000000"), False)
    n = filled(s.cast(pl.Int64, strict=False), 0)
    total = ((n[:, None] // _BSN_PLACES) % 10 * _BSN_WEIGHTS).sum(axis=1)
    ok = pl.Series(bsns.name, shape & (total % 11 == 0))
    return ok.set(bsns.is_null(), None) if bsns.null_count() else ok


def _name_key(name: pl.Expr) -> pl.Expr:
    """A name as compared with the register: case and runs of spaces do not count."""
    return name.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def _repeated(ids: pl.Series) -> np.ndarray:
    """True for each id that occurred earlier in `ids` (the lines are in processing order).
    Exact: only the ids whose hash repeats are compared as strings."""
    maybe = ids.hash().is_duplicated().to_numpy()
    out = np.zeros(len(ids), np.bool_)
    if maybe.any():
        out[maybe] = (~ids.filter(maybe).is_first_distinct()).to_numpy()
    return out


def _none_found(df: pl.DataFrame, name: str) -> pl.DataFrame:
    """The result of a look-up skipped because no line has anything to look up: no line found."""
    return pl.DataFrame(schema={"i": df.schema["i"], name: pl.Boolean})


def formal_checks(df: pl.DataFrame, world: World, state: State) -> pl.DataFrame:
    """Adds one `fail_<check>` column per check and `formal_ok`,
    and for credits the debit they reverse (`debit_i` in this batch, or `debit_in_history`)."""
    ref = world.reference
    # a credit reverses a debit of the same provider for the same member, never another's line
    # (the history is searched for debits only when the batch has a credit)
    referred = df["credits"].drop_nulls().unique()
    history = state.history.head(0) if referred.is_empty() else state.history
    hist_debits = run(history.lazy().select(pl.col("line_id").alias("credits"), pl.lit(True).alias("debit_in_history"),
                                            pl.col("provider").alias("_hist_debit_provider"),
                                            pl.col("member_id").alias("_hist_debit_member")).unique("credits"))
    # a line seen before: decided (history) or held for review (a resend either way); a credit's
    # debit must be decided (history): a held line has nothing to reverse yet
    seen_ids = run(pl.concat([state.history.lazy().select("line_id"), state.held.lazy().select("line_id")]).select(
        "line_id", pl.lit(True).alias("_in_hist")).unique("line_id"))
    credited_before = run(history.lazy().filter(pl.col("credits").is_not_null() & (pl.col("status") != "rejected"))
                          .select(pl.col("credits").alias("_ref"), pl.lit(True).alias("_hist_credited")).unique("_ref"))

    df = attach(df, seen_ids, "line_id")
    df = df.with_columns(pl.coalesce("bsn", "member_bsn").alias("_bsn"),
                         pl.Series("_dup_in_batch", _repeated(df["line_id"])))
    distinct = df.select(pl.col("_bsn").drop_nulls().unique())  # the 11-proof once per distinct BSN
    df = attach(df, distinct.with_columns(bsn_ok(distinct["_bsn"]).alias("_bsn_ok")), "_bsn").with_columns(
        pl.col("_bsn_ok").fill_null(True))

    # diagnosis validity on the service date (each look-up only when a line has something to look up:
    # a batch of a few lines, as the service decides them, often has none)
    dcsph = memo("formal_dcsph", (ref,), lambda: ref.dcsph.select(pl.col("code").alias("diagnosis"), "valid_from", "valid_to"))
    diag_ok = _none_found(df, "_diag_ok") if df["diagnosis"].null_count() == df.height else (
        run(df.lazy().select("i", "diagnosis", "service_date").filter(pl.col("diagnosis").is_not_null())
            .join(dcsph.lazy(), on="diagnosis", how="inner")
            .filter(period_holds("valid_from", "valid_to", "service_date"))
            .select("i", pl.lit(True).alias("_diag_ok")).unique("i")))
    csi_dates, combos = memo("formal_csi", (ref,), lambda: (
        ref.csi.select(pl.col("code").alias("csi"), "valid_from", "valid_to").unique("csi"),
        ref.csi.select(pl.col("code").alias("csi"), pl.col("diagnosis").alias("_cd"))))
    # a CSI code is known when the list has it and it is valid on the service date (Vektis COD321
    # gives each code a start and, for a withdrawn one, an expiry date)
    csi_known = _none_found(df, "_csi_known") if df["csi"].null_count() == df.height else (
        run(df.lazy().select("i", "csi", "service_date").filter(pl.col("csi").is_not_null())
            .join(csi_dates.lazy(), on="csi", how="inner")
            .filter(period_holds("valid_from", "valid_to", "service_date", open_start=True))
            .select("i", pl.lit(True).alias("_csi_known"))))
    combo_ok = _none_found(df, "_combo_ok") if df["csi"].null_count() == df.height else (
        run(df.lazy().select("i", "csi", "diagnosis").filter(pl.col("csi").is_not_null())
            .join(combos.lazy(), on="csi", how="inner")
            .filter((pl.col("_cd") == "*") | (pl.col("_cd") == pl.col("diagnosis")))
            .select("i", pl.lit(True).alias("_combo_ok")).unique("i")))
    wlz = _none_found(df, "_wlz") if world.wlz.height == 0 else (
        run(df.lazy().select("i", "member_id", "service_date").join(world.wlz.lazy(), on="member_id", how="inner")
            .filter(period_holds("from", "to", "service_date"))
            .select("i", pl.lit(True).alias("_wlz")).unique("i")))

    # credits: the debit they reverse, in this batch (earlier in order) or in history
    # (only line ids some credit of the batch refers to)
    # (a line sent again - seen before or earlier in the batch - is no debit: it is refused 8021,
    # and the credit reverses the line decided first)
    batch_debits = run((df.head(0) if referred.is_empty() else df).lazy()
                    .select("is_credit", pl.col("line_id").alias("credits"), pl.col("i").alias("debit_i"),
                            pl.col("provider").alias("_batch_debit_provider"),
                            pl.col("member_id").alias("_batch_debit_member"),
                            (pl.col("_in_hist").fill_null(False) | pl.col("_dup_in_batch")).alias("_resent"))
                    .filter(~pl.col("is_credit") & ~pl.col("_resent") & pl.col("credits").is_in(referred.implode()))
                    .drop("is_credit", "_resent")
                    .unique("credits", keep="first"))
    # attach, not join: a join would gather every column of the wide line frame again
    for right, key in ((diag_ok, "i"), (csi_known, "i"), (combo_ok, "i"), (wlz, "i"), (batch_debits, "credits"),
                       (hist_debits, "credits"),
                       (credited_before.rename({"_ref": "credits"}), "credits")):
        df = attach(df, right, key)
    same_batch = ((pl.col("_batch_debit_provider") == pl.col("provider"))
                  & (pl.col("_batch_debit_member") == pl.col("member_id"))).fill_null(False)
    same_hist = ((pl.col("_hist_debit_provider") == pl.col("provider"))
                 & (pl.col("_hist_debit_member") == pl.col("member_id"))).fill_null(False)
    df = df.with_columns(
        pl.when((pl.col("debit_i") < pl.col("i")) & same_batch).then(pl.col("debit_i")).otherwise(None).alias("debit_i"),
        (pl.col("debit_in_history").fill_null(False) & same_hist).alias("debit_in_history"),
        (pl.col("credits").is_not_null()
         & (pl.int_range(pl.len()).over("credits", "provider", "member_id") > 0)).alias("_credited_in_batch"),
    )
    # (the expressions are built once per library and kept: building them cost a batch of a few lines
    # more than computing them; names are compared only when a line gives one)
    names = df["provider_name"].null_count() < df.height
    df = df.with_columns(*memo("formal_fail_columns", (world.library,), lambda: _fail_columns(world.library, names), names))
    return summarize(df.drop([c for c in df.columns if c.startswith("_")]))


def _fail_columns(library, names: bool) -> list[pl.Expr]:
    """One `fail_<check>` expression per check, for a library's declaration window; `names`: some
    line gives a provider name to compare."""
    # the window in force on each line's date of receipt (a dated parameter; no clock here)
    window = memo("declaration_window", (library,), lambda: library.param_frame("declaration_window_years"))
    # one value in force for every date (as now): a fixed offset, not one formatted per line
    span = (pl.lit(f"{window['value'][0]}y") if window["value"].n_unique() == 1
            else pl.format("{}y", dated_value(window, pl.col("received"))))
    paramedic = pl.col("care_kind").is_in(PARAMEDIC)
    # a member's nota is checked against the AGB register; a foreign provider is not in it
    nota = (pl.col("submitted_by") == "member").fill_null(False) & ~pl.col("abroad")
    deceased = pl.col("death_date").is_not_null() & (pl.col("service_date") > pl.col("death_date"))
    fails = {
        "member-unknown": ~pl.col("member_known"),
        "deceased": pl.col("member_known") & deceased,
        "outside-library": pl.col("member_known") & ~deceased & pl.col("outside_library"),
        "not-insured": pl.col("member_known") & ~deceased & pl.col("basic_product").is_null() & ~pl.col("outside_library"),
        # a period of care (a stay) must be insured throughout; a DBC-zorgproduct belongs wholly
        # to the insurer of its start date (Xpert Clinics Revalidatie - Vergoeding (2024)), so products are exempt
        "partly-insured": pl.col("basic_product").is_not_null() & pl.col("end_date").is_not_null()
                          & (pl.col("unit") != "product") & pl.col("cov_to").is_not_null()
                          & (pl.col("end_date") > pl.col("cov_to")),
        "bsn-invalid": pl.col("_bsn").is_not_null() & ~pl.col("_bsn_ok"),
        "bsn-other-member": pl.col("_bsn_ok") & pl.col("bsn").is_not_null() & pl.col("member_bsn").is_not_null()
                            & (_bsn_digits(pl.col("bsn")) != _bsn_digits(pl.col("member_bsn"))),
        "duplicate-line": pl.col("_in_hist").fill_null(False) | pl.col("_dup_in_batch"),
        "date-after-receipt": pl.col("service_date") > pl.col("received"),
        "too-late": pl.col("received") > pl.coalesce("end_date", "service_date").dt.offset_by(span),
        "quantity": ~pl.col("is_credit") & (pl.col("quantity") <= 0),
        "code-unknown": pl.col("care_kind").is_null() | (pl.col("code_from") > pl.col("service_date"))
                        | (pl.col("code_to").is_not_null() & (pl.col("code_to") < pl.col("service_date"))),
        "diagnosis-invalid": paramedic & pl.col("diagnosis").is_not_null() & pl.col("_diag_ok").is_null(),
        "csi-unknown": paramedic & pl.col("csi").is_not_null() & pl.col("_csi_known").is_null(),
        "diagnosis-csi": paramedic & pl.col("csi").is_not_null() & pl.col("_csi_known").is_not_null()
                         & pl.col("diagnosis").is_not_null() & pl.col("_combo_ok").is_null(),
        "wlz": pl.col("_wlz").fill_null(False),
        "nota-provider-unknown": nota & ~pl.col("provider_known"),
        # (names compared only when a line gives one: the comparison costs two regular expressions)
        "nota-provider-name": pl.lit(False) if not names else (
            nota & pl.col("provider_known") & pl.col("provider_name").is_not_null()
            & (_name_key(pl.col("provider_name")) != _name_key(pl.col("register_name")))),
        "credit-without-debit": pl.col("is_credit") & (pl.col("credits").is_null()
                                 | (pl.col("debit_i").is_null() & ~pl.col("debit_in_history"))),
        "already-credited": pl.col("is_credit") & pl.col("credits").is_not_null()
                            & (pl.col("_hist_credited").fill_null(False) | pl.col("_credited_in_batch")),
    }
    fails["assignment-ban"] = pl.lit(False)  # decided in coverage.assignment_ban, once candidates are known
    # a credit follows its debit: it is checked only for being a proper credit, so a paid line can
    # always be reversed (also after the 3-year window, a cover change or a ban)
    for_credits = {"duplicate-line", "credit-without-debit", "already-credited"}
    return [(e if n in for_credits else (e & ~pl.col("is_credit"))).fill_null(False).alias(f"fail_{n}")
            for n, e in fails.items()]


_FORMAL_OK = (~pl.any_horizontal(*(pl.col(f"fail_{c.name}") for c in CHECKS))).alias("formal_ok")


def summarize(df: pl.DataFrame) -> pl.DataFrame:
    """`formal_ok`: no check failed (the codes of the failed ones are listed by codes.py)."""
    return df.with_columns(_FORMAL_OK)


_CHECK_META = pl.DataFrame({"check": [c.name for c in CHECKS], "code": [c.code for c in CHECKS],
                            "source": [c.source for c in CHECKS], "order": list(range(len(CHECKS)))},
                           schema_overrides={"source": pl.Categorical})


def formal_steps(df: pl.DataFrame) -> pl.DataFrame:
    """Explanation steps: each failed check, or one step saying all passed."""
    failed = (df.select("i", "formal_ok", *[pl.col(f"fail_{c.name}") for c in CHECKS]).filter(~pl.col("formal_ok")).drop("formal_ok")
              .unpivot(index="i", variable_name="check", value_name="failed")
              .filter(pl.col("failed"))
              .with_columns(pl.col("check").str.strip_prefix("fail_")))
    failed = failed.join(_CHECK_META, on="check").select(
        "i", named_value("stage", "formal"), "check", named_value("outcome", "fail"), "code", "source",
        pl.lit("{}").alias("params"), pl.col("order").cast(pl.Int64).alias("seq"))
    passed = df.select("i", "formal_ok").filter(pl.col("formal_ok")).select(
        "i", named_value("stage", "formal"), named_value("check", "formal-ok"), named_value("outcome", "pass"),
        named_value("code", None), named_value("source", catalogue.source("formal-ok")),
        pl.lit("{}").alias("params"), pl.lit(0, pl.Int64).alias("seq"))
    return pl.concat([failed, passed], how="vertical_relaxed")
