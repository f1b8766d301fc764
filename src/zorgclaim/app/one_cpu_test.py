import os
import threading

import polars as pl
import pytest

from zorgclaim.app import one_cpu

pytestmark = pytest.mark.skipif(not one_cpu.CAN_KEEP or len(os.sched_getaffinity(0)) < 2,
                                reason="needs sched_getcpu/sched_setaffinity (Linux) and two CPUs")


def _affinities() -> dict[int, set[int]]:
    out = {}
    for t in os.listdir("/proc/self/task"):
        try:
            out[int(t)] = os.sched_getaffinity(int(t))
        except OSError:
            pass
    return out


@pytest.fixture
def other_thread():
    pl.DataFrame({"a": [1, 2]}).filter(pl.col("a") > 1)        # polars' pool thread exists
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    yield t
    stop.set()
    t.join()


def test_every_thread_is_kept_on_the_callers_cpu_for_the_block_and_then_let_go(other_thread):
    before = _affinities()
    assert len(before) >= 3 and all(len(c) >= 2 for c in before.values())
    with one_cpu.on_one_cpu(True):
        inside = _affinities()
        here = one_cpu.current_cpu()
    assert set(inside) == set(before)
    assert all(c == {here} for c in inside.values())
    assert _affinities() == before
    with one_cpu.on_one_cpu(False):
        assert _affinities() == before

