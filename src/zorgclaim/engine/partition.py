"""Split work by member: a member's lines, world and state go to exactly one partition, and the
engine's decisions do not depend on other members, so partitions can run anywhere, in any order.
"""

from __future__ import annotations

import polars as pl


def partition_of(member_id: pl.Expr, partitions: int) -> pl.Expr:
    """A stable partition number per member (xxhash of the id, as polars computes it with a fixed seed)."""
    return (member_id.hash(seed=20251121) % partitions).cast(pl.Int64)
