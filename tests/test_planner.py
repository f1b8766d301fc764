"""The planner process (app/planner.py) decides a batch as the server's own process would: the
same decisions, the same state after, from its own reading of the world folder and the store."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from zorgclaim.app.planner import Planner
from zorgclaim.domain.schema import conform_lines
from zorgclaim.store.repository import compute


def _lines(book) -> pl.DataFrame:
    w = book.ctx.world
    adults = w.members.filter(pl.col("death_date").is_null())["member_id"].head(6).to_list()
    physio = w.providers.filter(pl.col("kind") == "fysiotherapie")["agb"][0]
    return conform_lines(pl.DataFrame({
        "line_id": [f"PLAN-{k}" for k in range(12)], "member_id": [adults[k % 6] for k in range(12)],
        "provider": [physio] * 12, "received": [book.ctx.today()] * 12,
        "service_date": [book.ctx.today()] * 12, "code": ["fysio/1000"] * 12, "declared": [3850] * 12}))


def test_the_planner_process_decides_as_the_server_would(service_book):
    lines = _lines(service_book)
    planner = Planner(service_book.folder / "world", service_book.url)
    try:
        there = planner.compute(lines, service_book.ctx.world)
    finally:
        planner.close()
    with service_book.ctx.engine.connect() as conn:
        here = compute(conn, lines, service_book.ctx.world)
    assert there.decisions.height == 12
    assert_frame_equal(there.decisions, here.decisions)
    assert_frame_equal(there.after.history, here.after.history)
    assert_frame_equal(there.after.counters, here.after.counters)
    assert there.members == here.members


def test_a_planner_runs_polars_on_one_thread_and_leaves_the_servers_setting_alone(service_book):
    import os
    before = os.environ.get("POLARS_MAX_THREADS")
    planner = Planner(service_book.folder / "world", service_book.url, processes=2)
    try:
        assert planner.threads == [1, 1]
    finally:
        planner.close()
    assert os.environ.get("POLARS_MAX_THREADS") == before
    planner = Planner(service_book.folder / "world", service_book.url, threads=2)
    try:
        assert planner.threads == [2]
    finally:
        planner.close()


def test_a_planner_that_died_is_started_again(service_book):
    import os
    import signal
    lines = _lines(service_book)
    planner = Planner(service_book.folder / "world", service_book.url)
    try:
        first = planner.pids[0]
        os.kill(first, signal.SIGKILL)
        again = planner.compute(lines, service_book.ctx.world)
        assert again.decisions.height == 12
        assert planner.pids[0] != first
    finally:
        planner.close()

