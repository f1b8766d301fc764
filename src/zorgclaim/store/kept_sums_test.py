"""The sums the store keeps as it writes equal the sums over the rows they stand for, after batches
that leave lines waiting, after the rest, and after a reconsideration (a credit and a new line):
- the deductible per member-year (member_deductible) against the engine's history rows;
- the provider-variance sums per provider, year and patient, and their per provider-year totals
  (provider_year, kept by database triggers), against a scan of the stored lines that left the
  work queue (how the refresh computed them before)."""

import datetime as dt

import polars as pl
from sqlalchemy import func, select

from zorgclaim.demo.generate import generate
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference
from zorgclaim.store.db import connect
from zorgclaim.store.models import ClaimLine, Decision, MemberDeductible, PendingLine, StateHistory
from zorgclaim.store.reconsider import reconsider
from zorgclaim.store.repository import intake, process
from zorgclaim.store.variance import provider_year_totals


def _variance_by_scan(conn) -> pl.DataFrame:
    year = func.extract("year", ClaimLine.service_date)
    rows = conn.execute(select(ClaimLine.provider, year, func.count(ClaimLine.member_id.distinct()),
                               func.sum(ClaimLine.declared))
                        .where(ClaimLine.credits.is_(None) & (ClaimLine.declared > 0)
                               & ClaimLine.line_id.not_in(select(PendingLine.line_id)))
                        .group_by(ClaimLine.provider, year)).all()
    return pl.DataFrame([(p, int(y), int(n), int(d)) for p, y, n, d in rows], orient="row",
                        schema={"provider": pl.String, "year": pl.Int32, "patients": pl.Int64, "declared": pl.Int64})


def _deductibles(conn) -> tuple[pl.DataFrame, pl.DataFrame]:
    h, k = StateHistory, MemberDeductible
    kept = conn.execute(select(k.member_id, k.year, k.used).where(k.used != 0)).all()
    summed = conn.execute(select(h.member_id, h.ded_year, func.sum(h.deductible)).group_by(h.member_id, h.ded_year)
                          .having(func.sum(h.deductible) != 0)).all()
    schema = {"member_id": pl.String, "year": pl.Int64, "used": pl.Int64}
    return tuple(pl.DataFrame([tuple(r) for r in rows], orient="row", schema=schema).sort("member_id", "year")
                 for rows in (kept, summed))


def _same(engine) -> pl.DataFrame:
    """Asserts every kept sum equals its scan; returns the kept deductibles."""
    with engine.connect() as conn:
        kept, scanned = provider_year_totals(conn).sort("provider", "year"), _variance_by_scan(conn).sort("provider", "year")
        deductibles, summed = _deductibles(conn)
    assert kept.height > 0 and kept.equals(scanned)
    assert deductibles.height > 0 and deductibles.equals(summed)
    return deductibles


def test_kept_sums_equal_their_scans(tmp_path):
    check_kept_sums(f"sqlite:///{tmp_path / 'k.db'}")     # on PostgreSQL: tests/test_store.py


def check_kept_sums(url: str) -> None:
    book = generate(load_library(), load_reference(), members=120, lines=1500, seed=3)
    engine = connect(url)
    intake(engine, book.lines, "book.parquet", "d1", dt.date(2026, 1, 31))
    process(engine, book.world, batch_size=400, max_batches=2, explain=False, booked=dt.date(2026, 1, 31))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PendingLine)).scalar_one() > 0   # some still wait
    _same(engine)
    process(engine, book.world, explain=False, booked=dt.date(2026, 1, 31))
    before = _same(engine)
    with engine.connect() as conn:
        line_id = conn.execute(select(Decision.line_id).where((Decision.status == "accepted") & (Decision.deductible > 0))
                               .limit(1)).scalar_one()
    reconsider(engine, book.world, line_id, by="handler", reason="test", changes={"declared": 1},
               booked=dt.date(2026, 2, 1))
    assert not _same(engine).equals(before)          # the reconsideration moved a deductible
    engine.dispose()
