import numpy as np
import polars as pl

from zorgclaim.engine.compiled import compiled


@compiled
def _total(values, out):
    for k in range(values.shape[0]):
        out[0] += values[k]
    return out[0]


def test_one_version_for_read_only_and_writable_arrays():
    read_only = pl.Series([1, 2, 3], dtype=pl.Int64).to_numpy()      # a view of the column: read-only
    assert not read_only.flags.writeable
    assert _total(read_only, np.zeros(1, np.int64)) == 6
    assert _total(np.array([4, 5], np.int64), np.zeros(1, np.int64)) == 9
    assert len(_total.dispatcher.signatures) == 1
    assert not read_only.flags.writeable              # the caller's array is left as it was
