"""The provider-variance list computed from the store (summed per provider, patient and year in the
database) is the one the engine's measure gives on the decided lines themselves."""

import datetime as dt

import polars as pl

from zorgclaim.app.access import SYSTEM
from zorgclaim.app.context import Context
from zorgclaim.app.review import refresh_variance
from zorgclaim.demo.generate import generate
from zorgclaim.engine.review import provider_variance
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference
from zorgclaim.store.authorizations import watch_list
from zorgclaim.store.db import connect
from zorgclaim.store.repository import intake, process


def test_the_variance_list_from_the_store_is_the_measure_on_the_decided_lines(tmp_path):
    lib, ref = load_library(), load_reference()
    book = generate(lib, ref, members=400, lines=6000, seed=7)
    rules = [r for r in book.world.review_rules if r.kind == "provider_variance"]
    assert rules, "the default review rules have a provider-variance rule"
    # one provider far above its peers, so the list is not empty
    lines = book.lines.with_columns(pl.when(pl.col("provider") == pl.col("provider").min()).then(pl.col("declared") * 40)
                                    .otherwise(pl.col("declared")).alias("declared"))
    engine = connect(f"sqlite:///{tmp_path / 'z.db'}")
    intake(engine, lines, "book.parquet", "d1", dt.date(2026, 1, 31))
    process(engine, book.world, explain=False, booked=dt.date(2026, 1, 31))
    refresh_variance(Context(engine, book.world, tmp_path), SYSTEM)
    stored = sorted((e["subject_id"], e["from"], e["to"], e["reason"]) for e in watch_list(engine, rules[0].id))
    decided = lines.unique("line_id", keep="first").filter(pl.col("credits").is_null())
    expected = provider_variance(decided.select("provider", "member_id", "service_date", "declared"),
                                 book.world.providers, rules[0])
    assert expected.height >= 1
    assert stored == sorted(expected.select("id", "from", "to", "reason").iter_rows())
