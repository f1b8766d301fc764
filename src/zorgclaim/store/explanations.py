"""The explanation as the store keeps it: per line a JSON list of compact steps,

    [check, outcome, return code or null, source number, {parameters}]

the source's text once in the table `explanation_source` (a source repeats on millions of steps),
the stage from the check catalogue. The sentences are not stored: `engine/explain.py` renders them
on demand, in Dutch or English, from these steps. Rows written before this form (a list of
objects, the source spelled out) are still read.
"""

from __future__ import annotations

import json

import polars as pl
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from zorgclaim.engine import catalogue
from zorgclaim.store.models import ExplanationSource


def source_numbers(conn, decisions: pl.DataFrame) -> dict[str, int]:
    """The number of every source these decisions' steps cite, added to the table when new (a
    concurrent writer adding the same text is no conflict: the insert skips it)."""
    cited = (decisions.select(pl.col("steps").list.eval(pl.element().struct.field("source")).explode()
                              .drop_nulls().unique().cast(pl.String))["steps"].to_list())
    known = _numbers(conn)
    # (in one order everywhere: two writers adding the same new texts wait for each other, never
    # each for the other)
    new = sorted(t for t in cited if t not in known)
    if new:
        ins = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(ins(ExplanationSource).on_conflict_do_nothing(index_elements=["text"]), [{"text": t} for t in new])
        known = _numbers(conn)
    return known


def _numbers(conn) -> dict[str, int]:
    return {t: n for n, t in conn.execute(select(ExplanationSource.id, ExplanationSource.text)).all()}


def source_texts(conn) -> dict[int, str]:
    return {n: t for t, n in _numbers(conn).items()}


def compact(steps: pl.Expr, numbers: dict[str, int]) -> pl.Expr:
    """The steps of each line as the stored JSON text (see the module's docstring)."""
    e = pl.element().struct
    code = pl.when(e.field("code").is_null()).then(pl.lit("null")).otherwise(
        pl.concat_str([pl.lit('"'), e.field("code").cast(pl.String), pl.lit('"')]))
    source = (e.field("source").cast(pl.String).replace_strict(numbers, return_dtype=pl.String, default=None)
              .fill_null(pl.lit("null")))
    step = pl.concat_str([pl.lit('["'), e.field("check").cast(pl.String), pl.lit('","'), e.field("outcome").cast(pl.String),
                          pl.lit('",'), code, pl.lit(","), source, pl.lit(","), e.field("params").fill_null("{}"), pl.lit("]")])
    return pl.concat_str([pl.lit("["), steps.list.eval(step).list.join(","), pl.lit("]")])


def expand(stored: str | None, texts: dict[int, str]) -> list[dict]:
    """The stored steps of one line as the engine gave them: dicts of stage, check, outcome, code,
    source and params (a JSON text)."""
    if not stored:
        return []
    steps = json.loads(stored)
    if steps and isinstance(steps[0], dict):        # written before the compact form
        return steps
    out = []
    for check, outcome, code, source, params in steps:
        known = catalogue.BY_NAME.get(check)
        out.append({"stage": known.stage if known else None, "check": check, "outcome": outcome, "code": code,
                    "source": texts.get(source) if source is not None else None,
                    "params": json.dumps(params, ensure_ascii=False, separators=(",", ":"))})
    return out
