"""The kept deductible per member-year equals the sum over the engine's history rows, after
batches and after a reconsideration (a credit gives deductible back, its new line takes some)."""

import datetime as dt

import polars as pl
from sqlalchemy import func, select

from zorgclaim.demo.generate import generate
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference
from zorgclaim.store.db import connect
from zorgclaim.store.models import Decision, MemberDeductible, StateHistory
from zorgclaim.store.reconsider import reconsider
from zorgclaim.store.repository import intake, process


def _frames(engine) -> tuple[pl.DataFrame, pl.DataFrame]:
    h = StateHistory
    with engine.connect() as conn:
        kept = conn.execute(select(MemberDeductible.member_id, MemberDeductible.year, MemberDeductible.used)
                            .where(MemberDeductible.used != 0)).all()
        summed = conn.execute(select(h.member_id, h.ded_year, func.sum(h.deductible)).group_by(h.member_id, h.ded_year)
                              .having(func.sum(h.deductible) != 0)).all()
    schema = {"member_id": pl.String, "year": pl.Int64, "used": pl.Int64}
    as_frame = lambda rows: pl.DataFrame([tuple(r) for r in rows], orient="row", schema=schema).sort("member_id", "year")
    return as_frame(kept), as_frame(summed)


def test_kept_deductible_equals_the_history_sum(tmp_path):
    check_kept_deductible(f"sqlite:///{tmp_path / 'd.db'}")     # on PostgreSQL: tests/test_store.py


def check_kept_deductible(url: str) -> None:
    lib, ref = load_library(), load_reference()
    book = generate(lib, ref, members=120, lines=1500, seed=4)
    engine = connect(url)
    intake(engine, book.lines, "book.parquet", "d1", dt.date(2026, 1, 31))
    process(engine, book.world, batch_size=400, max_batches=2, explain=False, booked=dt.date(2026, 1, 31))
    kept, summed = _frames(engine)
    assert kept.height > 0 and kept.equals(summed)
    process(engine, book.world, explain=False, booked=dt.date(2026, 1, 31))
    with engine.connect() as conn:
        line_id = conn.execute(select(Decision.line_id).where(Decision.deductible > 0).limit(1)).scalar_one()
    before, _ = _frames(engine)
    reconsider(engine, book.world, line_id, by="handler", reason="test", changes={"declared": 1},
               booked=dt.date(2026, 2, 1))
    kept, summed = _frames(engine)
    assert kept.equals(summed)
    assert not kept.equals(before)          # the reconsideration moved a deductible
    engine.dispose()
