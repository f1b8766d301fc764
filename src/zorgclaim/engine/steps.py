"""The explanation as data: per line, every check it went through, in order, each with its
outcome, return code, source and parameters (JSON). `explain.py` turns them into sentences.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from zorgclaim.domain.schema import STEP_TYPE
from zorgclaim.engine import catalogue, kernel
from zorgclaim.engine.codes import LIMIT_CHECK
from zorgclaim.engine.coverage import REQUIREMENTS
from zorgclaim.engine.formal import formal_steps
from zorgclaim.engine.frames import AS_EAGER, attach, named_value, packed_key
from zorgclaim.engine.pricing import BASES

STAGES = {name: k for k, name in enumerate(catalogue.STAGES)}
# the limit step of each candidate outcome: its check (codes.LIMIT_CHECK) and, from the catalogue,
# its outcome and return code
_LIMIT_STEP = {o: (name, catalogue.BY_NAME[name].outcome) for o, name in LIMIT_CHECK.items()}

# every check a step can name, ranked by name: the last tie-break of the order within a line
ALL_CHECKS = sorted(c.name for c in catalogue.CATALOGUE)
CHECK_RANK = {name: k for k, name in enumerate(ALL_CHECKS)}
_CHECK_NAMES, _CHECK_RANKS = pl.Series(ALL_CHECKS), pl.Series(range(len(ALL_CHECKS)), dtype=pl.Int64)

# the limit steps' checks, outcomes and return codes by candidate outcome
_LIMITS = pl.DataFrame({"outcome": list(_LIMIT_STEP), "check": [v[0] for v in _LIMIT_STEP.values()],
                        "lim_outcome": [v[1] for v in _LIMIT_STEP.values()],
                        "lim_code": [catalogue.code(v[0]) for v in _LIMIT_STEP.values()]},
                       schema={"outcome": pl.Int8, "check": pl.String, "lim_outcome": pl.String, "lim_code": pl.String})


def _sources(names: list[str]) -> dict[str, str]:
    return {n: catalogue.source(n) for n in names}


PRICE_SOURCES = {b: catalogue.BY_NAME[f"price-{b}"].source for b in BASES if catalogue.BY_NAME[f"price-{b}"].source}
DEDUCTIBLE_SOURCES = _sources([c.name for c in catalogue.of("deductible")])
PAYOUT_SOURCES = _sources(["payout", "payout-proposed"])
REVIEW_SOURCES = _sources(["review-accepted", "review-changed", "review-rejected"])


@cache
def _source(check: str) -> pl.Expr:
    """A check's own source from the catalogue."""
    return named_value("source", catalogue.source(check))


@cache
def _st(stage: str) -> pl.Expr:
    return pl.lit(STAGES[stage], pl.Int64).alias("_st")


def _ck_of(check: pl.Expr) -> pl.Expr:
    """The rank of a check that varies within a part (looked up on that part only)."""
    return check.replace_strict(_CHECK_NAMES, _CHECK_RANKS, return_dtype=pl.Int64).alias("_ck")


@cache
def _named(stage: str, check: str) -> tuple[pl.Expr, ...]:
    """A part of one stage and one check: the names and their ranks, as literals."""
    return (named_value("stage", stage), named_value("check", check), _st(stage), pl.lit(CHECK_RANK[check], pl.Int64).alias("_ck"))


@cache
def _json(*cols: str) -> pl.Expr:
    return pl.struct(*cols).struct.json_encode()


def _pick(frame: pl.DataFrame, cond: pl.Expr, *columns) -> pl.LazyFrame | None:
    """The step rows of the lines or candidates of `frame` where `cond` holds (a lazy part), or None
    when there are none: the condition is a cheap select, so a step that no line of a small batch
    takes adds nothing to the query."""
    mask = frame.select(cond.fill_null(False)).to_series()
    # (lazily: only the columns the step shows are filtered, not the whole frame)
    return frame.lazy().filter(mask).select(*columns) if mask.any() else None


# how the steps' one query is planned: on a large batch, with projection pushdown (each part filters
# only the columns it shows: 0.2 s of 2 s at 1M lines); on a small one, as an eager operation is
# (planning the pushdown through some twenty parts costs a batch of a few lines ~9 ms, more than
# it saves). Measured in one process, alternating (docs/performance.md).
PUSHDOWN_FROM_LINES = 20_000
_LARGE_QUERY = pl.QueryOptFlags.none(projection_pushdown=True, simplify_expression=True)


def _query_flags(lines: int) -> pl.QueryOptFlags:
    return _LARGE_QUERY if lines >= PUSHDOWN_FROM_LINES else AS_EAGER


# each requirement's pass/fail flag, out of the candidate's bit set
_REQUIREMENT_FLAGS = [((pl.col("req_bits") & (1 << k)) != 0).alias(f"req_{n}") for k, (n, _) in enumerate(REQUIREMENTS)]


def build_steps(df: pl.DataFrame, cands: pl.DataFrame, d: pl.DataFrame, benefits: pl.DataFrame,
                rules: tuple = ()) -> pl.DataFrame:
    formal = formal_steps(df)
    # the parts are lazy and collected together once: one query (polars' fixed cost per operation is
    # what a batch of a few lines pays most), its parts run side by side on a large batch
    parts = [formal.lazy().with_columns(pl.lit(0, pl.Int64).alias("cand"), _st("formal"), _ck_of(pl.col("check")))]
    # the candidates with what their steps show of the line (by i) and of the benefit (by brow)
    ci, cb = cands["i"].to_numpy(), cands["brow"].to_numpy()
    c = pl.concat([
        cands.select("i", pl.col("cand_rank").cast(pl.Int64).alias("cand"), "product", "outcome", "req_ok",
                     "restriction_source",
                     *_REQUIREMENT_FLAGS,
                     pl.lit(pl.Series(BASES)).gather(pl.col("price_basis")).alias("price_basis"),
                     "price", "amount", "unit_rate", "co_pay", "co_pay_unit", "co_pay_limit", "co_pay_pct", "under_declared",
                     "nth", "term_days", "units"),
        df.select("indication_kind", "indication_by", "provider_kind", "referrer_kind", "declared", "quantity")[ci],
        benefits.select(pl.col("source").cast(pl.Categorical), "benefit", "label", "recognized_by", "qualification", "nc_pct", "per_day", "percentage",
                        "from_nth", "max_count", "window", "per_year_amount", "stay_days", "stay_break_days",
                        "start_by", "indication_set_by", "from_year_amount")[cb],
    ], how="horizontal")
    d = d.select("i", "formal_ok", "line_code", "allowed", "deductible", "is_credit", "age", "min_age", "ded_from", "service_date", "ded_after", "ded_total",
                 "ded_year", "svc_key", "credits", "code", "care_kind", "basic_product", "paid", "payee", "payer",
                 "status", "review_no", "reviewed_action", "reviewed_by", "reviewed_role", "review_note", "cap")
    parts.append(c.lazy().select("i", *_named("coverage", "benefit"),
                          named_value("outcome", "info"), named_value("code", None), "source",
                          _json("product", "benefit", "label").alias("params"), pl.lit(0).alias("seq"), "cand"))
    tried = pl.col("outcome") != kernel.NOT_TRIED
    parts.append(_pick(c, pl.col("outcome") == kernel.NOT_TRIED,
        "i", *_named("coverage", "not-needed"), named_value("outcome", "info"),
        named_value("code", None), "source", _json("product", "benefit").alias("params"),
        pl.lit(1).alias("seq"), "cand"))
    failed = c.filter(tried & ~pl.col("req_ok")).with_row_index("_t")
    if not failed.is_empty():
        parts.append(_failed_requirements(failed).lazy())
    reached = c.filter(tried & (pl.col("outcome") != kernel.REQUIREMENTS))
    parts.append(_pick(c, tried & pl.col("req_ok"),
        "i", *_named("coverage", "requirements-met"), named_value("outcome", "pass"),
        named_value("code", None), "source", _json("product", "benefit").alias("params"),
        pl.lit(20).alias("seq"), "cand"))
    price_check = pl.concat_str([pl.lit("price-"), pl.col("price_basis")])
    # the price step shows the tariff before a statutory co-payment (its own step follows)
    parts.append(reached.lazy().with_columns(pl.when(pl.col("price") >= 0).then(pl.col("price") + pl.col("co_pay"))
                                      .otherwise(pl.col("price")).alias("price")).select(
        "i", named_value("stage", "pricing"), price_check.cast(pl.Categorical).alias("check"),
        pl.when(pl.col("price") < 0).then(pl.lit("fail"))
          .when(pl.col("under_declared")).then(pl.lit("partial")).otherwise(pl.lit("pass")).cast(pl.Categorical).alias("outcome"),
        pl.when((pl.col("price") < 0) | (pl.col("under_declared") & (pl.col("amount") > 0)))
          .then(pl.lit("0611")).otherwise(None).cast(pl.Categorical).alias("code"),
        # the basis's own source where it has one (contract, in-kind, market), else the benefit's
        pl.col("price_basis").replace_strict(PRICE_SOURCES, default=None, return_dtype=pl.Categorical)
          .fill_null(pl.col("source")).alias("source"),
        _json("product", "benefit", "unit_rate", "quantity", "price", "declared", "nc_pct", "per_day", "percentage").alias("params"),
        pl.lit(0).alias("seq"), "cand", _st("pricing"), _ck_of(price_check)))
    # a co-payment per unit, or a share of the price, or the part above a reimbursement limit: the
    # benefit's source names the regulation and the amounts (kraamzorg per hour, shoes per pair, ...)
    co_check = (pl.when(pl.col("co_pay_limit").is_not_null()).then(pl.lit("co-payment-limit"))
                .when(pl.col("co_pay_pct").is_not_null()).then(pl.lit("co-payment-percentage"))
                .otherwise(pl.lit("co-payment")))
    parts.append(_pick(reached, pl.col("co_pay") > 0,
        "i", named_value("stage", "pricing"), co_check.alias("check"), _st("pricing"), _ck_of(co_check),
        named_value("outcome", "partial"),
        named_value("code", catalogue.code("co-payment")),
        "source",
        _json("product", "benefit", "co_pay_unit", "co_pay_limit", "co_pay_pct", "quantity", "co_pay").alias("params"),
        pl.lit(1).alias("seq"), "cand"))
    # a candidate within its limits (most of them) says what it counted; one that met a limit also
    # what the limit is
    parts.append(_pick(reached, pl.col("outcome") == kernel.PAID,
        "i", *_named("limits", "limit-ok"), named_value("outcome", _LIMIT_STEP[kernel.PAID][1]),
        named_value("code", catalogue.code("limit-ok")), "source",
        _json("product", "benefit", "nth", "units", "quantity", "amount").alias("params"), pl.lit(0).alias("seq"), "cand"))
    met = reached.filter(pl.col("outcome").is_in(_LIMITS["outcome"].implode()) & (pl.col("outcome") != kernel.PAID))
    parts.append(attach(met, _LIMITS, "outcome").lazy().select(
        "i", named_value("stage", "limits"), "check", pl.col("lim_outcome").alias("outcome"), pl.col("lim_code").alias("code"),
        "source", _json("product", "benefit", "nth", "from_nth", "max_count", "window", "term_days", "per_year_amount",
                        "from_year_amount",
                        "stay_days", "stay_break_days", "start_by", "units", "quantity", "amount").alias("params"), pl.lit(0).alias("seq"), "cand", _st("limits"),
        _ck_of(pl.col("check"))))
    decided = pl.col("formal_ok") & (pl.col("line_code") == 0)
    ded_check = (pl.when(pl.col("deductible") != 0).then(pl.lit("deductible-charged"))
                 .when(pl.col("is_credit")).then(pl.lit("deductible-none"))
                 .when(pl.col("age") < pl.col("min_age")).then(pl.lit("deductible-under-18"))
                 .when(pl.col("service_date") < pl.col("ded_from")).then(pl.lit("deductible-month-of-18"))
                 .when(pl.col("ded_after") >= pl.col("ded_total")).then(pl.lit("deductible-used-up"))
                 .otherwise(pl.lit("deductible-exempt")))
    parts.append(_pick(d, decided & (pl.col("allowed") != 0),
        "i", named_value("stage", "deductible"), ded_check.cast(pl.Categorical).alias("check"), _st("deductible"), _ck_of(ded_check),
        named_value("outcome", "info"), named_value("code", None),
        ded_check.replace_strict(DEDUCTIBLE_SOURCES, return_dtype=pl.Categorical).alias("source"),
        _json("deductible", "ded_after", "ded_total", "ded_year", "min_age").alias("params"), pl.lit(0).alias("seq"),
        pl.lit(99, pl.Int64).alias("cand")))
    parts.append(_pick(d, pl.col("line_code") == 587,
        "i", *_named("limits", "already-paid"), named_value("outcome", "fail"),
        named_value("code", "0587"), _source("already-paid"),
        _json("svc_key").alias("params"), pl.lit(0).alias("seq"), pl.lit(0, pl.Int64).alias("cand")))
    parts.append(_pick(d, pl.col("formal_ok") & pl.col("is_credit"),
        "i", *_named("payout", "credit-reverses"), named_value("outcome", "info"),
        named_value("code", None), _source("credit-reverses"),
        _json("credits", "allowed").alias("params"), pl.lit(0).alias("seq"), pl.lit(0, pl.Int64).alias("cand")))
    parts.append(_pick(d, pl.col("formal_ok") & (pl.col("line_code") == 0) & ~pl.col("is_credit")
                       & (pl.col("allowed") == 0) & (pl.col("i").is_in(cands["i"].implode()).not_()),
        "i", *_named("coverage", "no-benefit"), named_value("outcome", "fail"),
        named_value("code", "0613"), _source("no-benefit"),
        _json("code", "care_kind", "basic_product").alias("params"), pl.lit(0).alias("seq"), pl.lit(0, pl.Int64).alias("cand")))
    parts += [p.lazy() for p in _review_steps(d, rules)]
    payout_check = pl.when(pl.col("status") == "pended").then(pl.lit("payout-proposed")).otherwise(pl.lit("payout"))
    parts.append(d.lazy().select(
        "i", named_value("stage", "payout"), payout_check.cast(pl.Categorical).alias("check"), _st("payout"), _ck_of(payout_check),
        named_value("outcome", "info"),
        named_value("code", None), payout_check.replace_strict(PAYOUT_SOURCES, return_dtype=pl.Categorical).alias("source"),
        _json("allowed", "deductible", "paid", "payee", "payer").alias("params"), pl.lit(0).alias("seq"),
        pl.lit(100, pl.Int64).alias("cand")))
    cols = ["i", "stage", "check", "outcome", "code", "source", "params", "seq", "cand", "_st", "_ck"]
    # (one concat by column name, its types widened, and one cast: not a select and a cast per part)
    allsteps = pl.concat([p for p in parts if p is not None], how="diagonal_relaxed")
    allsteps = allsteps.select(cols).cast({"seq": pl.Int64, "cand": pl.Int64, "i": pl.UInt32, "_st": pl.Int64, "_ck": pl.Int64,
                                           **{k: pl.Categorical for k in ("stage", "check", "outcome", "code", "source")}}
                                          ).collect(optimizations=_query_flags(d.height))
    # order within a line: formal checks first, then per candidate its coverage, pricing and limit
    # steps, then deductible and payout; ties by stage, candidate, sequence and check name (each
    # part carries its stage's and checks' ranks as integers, so no string is compared here)
    st = pl.col("_st")
    allsteps = allsteps.with_columns(
        pl.when(st == 0).then(-1).when(st >= 4).then(1000 + st).otherwise(pl.col("cand")).alias("_o"))
    allsteps = allsteps.sort(packed_key(allsteps, ["i", "_o", "_st", "cand", "seq", "_ck"]), maintain_order=True)
    # sorted by line: the group-by takes the sorted fast path (slices instead of hashing)
    return allsteps.with_columns(pl.col("i").set_sorted()).group_by("i", maintain_order=True).agg(
        pl.struct("stage", "check", "outcome", "code", "source", "params").alias("steps")).with_columns(
        pl.col("steps").cast(pl.List(STEP_TYPE)))


# each requirement's return code and its place among a candidate's requirement steps
_REQUIREMENT_CODES = pl.DataFrame({"check": [n for n, _ in REQUIREMENTS], "code": [k for _, k in REQUIREMENTS],
                                   "seq": list(range(1, len(REQUIREMENTS) + 1))})


_RESTRICTION_CHECKS = ["restricted-diagnosis", "restricted-indication", "indication-condition"]


def _failed_requirements(failed: pl.DataFrame) -> pl.DataFrame:
    """One step per requirement a candidate failed: unpivot only the candidates that failed one, on
    a row id (`_t`), and attach their other columns afterwards (unpivoting wide string columns
    copies them 14 times)."""
    req = (failed.select("_t", *[f"req_{n}" for n, _ in REQUIREMENTS])
           .unpivot(index="_t", variable_name="check", value_name="failed")
           .filter(pl.col("failed")).with_columns(pl.col("check").str.strip_prefix("req_")))
    req = attach(req, failed.select("_t", "i", "cand", "source", "restriction_source", "product", "benefit", "label", "indication_kind", "indication_by",
                                    "indication_set_by", "provider_kind",
                                    "recognized_by", "qualification", "referrer_kind"), "_t")
    # a refusal by an insurer's restriction on the code cites that restriction, else the benefit
    by_restriction = pl.col("check").is_in(_RESTRICTION_CHECKS) & pl.col("restriction_source").is_not_null()
    return req.join(_REQUIREMENT_CODES, on="check").select(
        "i", named_value("stage", "coverage"), "check", named_value("outcome", "fail"), "code",
        pl.when(by_restriction).then(pl.col("restriction_source").cast(pl.Categorical)).otherwise(pl.col("source"))
          .alias("source"),
        _json("product", "benefit", "label", "indication_kind", "indication_by", "indication_set_by", "provider_kind",
              "recognized_by", "qualification",
              "referrer_kind").alias("params"), "seq", "cand", _st("coverage"), _ck_of(pl.col("check")))


def _review_steps(d: pl.DataFrame, rules: tuple) -> list[pl.DataFrame]:
    """A held line: which rule holds it, for whom and why. A line a person decided: who, as what,
    what and why (the reason is the person's own)."""
    out = []
    if rules and (d["review_no"] >= 0).any():
        held = d.filter(pl.col("review_no") >= 0)
        meta = pl.DataFrame({"review_no": list(range(len(rules))), "rule": [r.id for r in rules],
                             "queue": [r.queue for r in rules], "reason_nl": [r.reason_nl for r in rules],
                             "reason_en": [r.reason_en for r in rules], "source": [r.source.ref for r in rules]},
                            schema={"review_no": pl.Int64, "rule": pl.String, "queue": pl.String, "reason_nl": pl.String,
                                    "reason_en": pl.String, "source": pl.Categorical})
        out.append(held.join(meta, on="review_no").select(
            "i", *_named("review", "review-held"), named_value("outcome", "pending"), named_value("code", None),
            "source", _json("rule", "queue", "reason_nl", "reason_en").alias("params"), pl.lit(0).alias("seq"),
            pl.lit(0, pl.Int64).alias("cand")))
    if d["reviewed_action"].null_count() < d.height:
        person = d.filter(pl.col("reviewed_action").is_not_null())
        check = pl.concat_str([pl.lit("review-"), pl.col("reviewed_action").replace(
            {"accept": "accepted", "change": "changed", "reject": "rejected"})])
        out.append(person.with_columns(pl.col("cap").alias("allowed_max")).select(
            "i", named_value("stage", "review"), check.alias("check"), _st("review"), _ck_of(check),
            named_value("outcome", "info"), named_value("code", None),
            check.replace_strict(REVIEW_SOURCES, return_dtype=pl.Categorical).alias("source"),
            _json("reviewed_by", "reviewed_role", "review_note", "allowed_max", "reviewed_action").alias("params"),
            pl.lit(0).alias("seq"), pl.lit(0, pl.Int64).alias("cand")))
    return out
