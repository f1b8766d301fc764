"""Partitioned runs (in this process and on a Dask LocalCluster with 2 workers) give exactly the
decisions and state of one run over everything."""

import polars as pl
import pytest

from zorgclaim.demo.generate import generate, write_book
from zorgclaim.engine import adjudicate
from zorgclaim.scale.partitioned import adjudicate_file


@pytest.fixture(scope="module")
def book(tmp_path_factory, library, reference):
    folder = tmp_path_factory.mktemp("book")
    b = generate(library, reference, members=400, lines=4000, seed=11)
    write_book(b, folder)
    whole, state = adjudicate(b.lines, b.world, explain=False)
    return folder, b, whole, state


def _canon(d):
    return d.sort("line_id", "status", pl.col("codes").list.join(","))


def _same_state(a, b):
    a, b = a.canonical(), b.canonical()
    for f in ("history", "shares", "counters", "effects"):
        assert getattr(a, f).equals(getattr(b, f)), f


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_local_partitions_equal_one_run(book, tmp_path, partitions):
    folder, b, whole, state = book
    results, merged = adjudicate_file(folder / "lines.parquet", b.world, tmp_path, partitions)
    got = pl.concat([pl.read_parquet(r.path) for r in results])
    assert got.height == whole.height
    assert _canon(got).equals(_canon(whole))
    _same_state(merged, state)
    assert len({r.part for r in results}) == partitions


def test_dask_local_cluster_equals_one_run(book, tmp_path):
    pytest.importorskip("dask.distributed")
    folder, b, whole, state = book
    results, merged = adjudicate_file(folder / "lines.parquet", b.world, tmp_path, 4, engine="dask")
    got = pl.concat([pl.read_parquet(r.path) for r in results])
    assert _canon(got).equals(_canon(whole))
    _same_state(merged, state)


def test_a_run_that_keeps_no_state_decides_the_same(book, tmp_path):
    folder, b, whole, state = book
    results, merged = adjudicate_file(folder / "lines.parquet", b.world, tmp_path, 3, keep_state=False)
    got = pl.concat([pl.read_parquet(r.path) for r in results])
    assert _canon(got).equals(_canon(whole))
    assert merged.history.height == 0 and state.history.height > 0
