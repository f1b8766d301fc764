"""The sums the provider-variance review rule measures, kept as lines are decided: per provider,
year of service and patient, the amount declared on the stored lines that left the work queue
(credits and zero amounts not counted). The database adds them up per provider and year
(provider_year, by triggers), so a refresh of the variance list reads one row per provider-year
instead of scanning every stored line each time.

Lines leave the work queue, or are stored already decided, in three places: a batch of `process`,
a submission through the service, a reconsideration's new line; each calls `count_decided`.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import select

from zorgclaim.store.bulk import bulk_add
from zorgclaim.store.models import ProviderYear, ProviderYearPatient


def count_decided(conn, lines: pl.DataFrame) -> None:
    """Add lines (of the claim-line schema) that are now decided to the sums."""
    rows = (lines.filter(pl.col("credits").is_null() & (pl.col("declared") > 0))
            .group_by("provider", pl.col("service_date").dt.year().cast(pl.Int64).alias("year"), "member_id")
            .agg(pl.col("declared").sum()))
    bulk_add(conn, ProviderYearPatient.__table__, ["provider", "year", "member_id"], "declared", rows)


def provider_year_totals(conn) -> pl.DataFrame:
    """provider, year, patients (distinct members), declared: per provider and year of service
    (provider_year, which the database keeps from the per-patient rows)."""
    t = ProviderYear
    rows = conn.execute(select(t.provider, t.year, t.patients, t.declared)).all()
    return pl.DataFrame([(p, int(y), int(n), int(d)) for p, y, n, d in rows], orient="row", schema={
        "provider": pl.String, "year": pl.Int32, "patients": pl.Int64, "declared": pl.Int64})
