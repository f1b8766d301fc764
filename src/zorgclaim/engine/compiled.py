"""`@compiled`: a numba function called from Python with one machine-code version per argument types.

numba compiles a separate version for every combination of argument types it sees, and a NumPy
array's type includes whether it is writable. A polars column handed over without a copy is
read-only, a copied one (a column with nulls filled, say) is writable, so the same call got a new
version whenever a batch's columns came out differently: loaded from the on-disk cache or, when
not there, compiled while a request waited (seconds, once per combination). `compiled` gives the
function writable arrays always (copying only the read-only ones), so each entry point has one
version. Functions called only from other compiled code keep plain `@njit`.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit


def compiled(fn):
    dispatcher = njit(cache=True)(fn)

    @functools.wraps(fn)
    def call(*args):
        return dispatcher(*(np.require(a, requirements="W") if isinstance(a, np.ndarray) and not a.flags.writeable
                            else a for a in args))
    call.dispatcher = dispatcher
    return call
