"""The kept provider-variance sums equal the sums over the stored lines that left the work queue,
after batches that leave lines waiting and after a reconsideration (a credit and a new line)."""

import datetime as dt

import polars as pl
from sqlalchemy import func, select

from zorgclaim.demo.generate import generate
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference
from zorgclaim.store.db import connect
from zorgclaim.store.models import ClaimLine, Decision, PendingLine
from zorgclaim.store.reconsider import reconsider
from zorgclaim.store.repository import intake, process
from zorgclaim.store.variance import provider_year_totals


def _by_scan(conn) -> pl.DataFrame:
    """The sums as a scan of every stored line gives them (how the refresh computed them before)."""
    year = func.extract("year", ClaimLine.service_date)
    rows = conn.execute(select(ClaimLine.provider, year, func.count(ClaimLine.member_id.distinct()),
                               func.sum(ClaimLine.declared))
                        .where(ClaimLine.credits.is_(None) & (ClaimLine.declared > 0)
                               & ClaimLine.line_id.not_in(select(PendingLine.line_id)))
                        .group_by(ClaimLine.provider, year)).all()
    return pl.DataFrame([(p, int(y), int(n), int(d)) for p, y, n, d in rows], orient="row",
                        schema={"provider": pl.String, "year": pl.Int32, "patients": pl.Int64, "declared": pl.Int64})


def _same(engine) -> int:
    with engine.connect() as conn:
        kept, scanned = provider_year_totals(conn).sort("provider", "year"), _by_scan(conn).sort("provider", "year")
    assert kept.equals(scanned)
    return kept.height


def test_kept_sums_equal_the_scan_of_the_stored_lines(tmp_path):
    check_kept_sums(f"sqlite:///{tmp_path / 'v.db'}")     # on PostgreSQL: tests/test_store.py


def check_kept_sums(url: str) -> None:
    lib, ref = load_library(), load_reference()
    book = generate(lib, ref, members=120, lines=1500, seed=3)
    engine = connect(url)
    intake(engine, book.lines, "book.parquet", "d1", dt.date(2026, 1, 31))
    process(engine, book.world, batch_size=400, max_batches=2, explain=False, booked=dt.date(2026, 1, 31))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PendingLine)).scalar_one() > 0   # some still wait
    assert _same(engine) > 0
    process(engine, book.world, explain=False, booked=dt.date(2026, 1, 31))
    _same(engine)
    with engine.connect() as conn:
        line_id = conn.execute(select(Decision.line_id).where(Decision.status == "accepted").limit(1)).scalar_one()
    reconsider(engine, book.world, line_id, by="handler", reason="test", changes={"quantity": 1},
               booked=dt.date(2026, 2, 1))
    _same(engine)
    engine.dispose()
