"""Return codes per line (docs/engine.md, "Return codes"): at most three, most important first.

- a line that fails formal checks: the failed checks' codes in the order of `formal.CHECKS`;
- the same service paid before: 0587;
- accepted: 8001;
- a credit: 0611 when it reverses part of a line, 0613 when nothing;
- partial: the limit codes (0584/0589) and 0611 (tariff below the declared amount) of its
  candidates in candidate order, or 0611;
- rejected: the requirement and limit codes of its candidates in candidate order, or 0613
  (no benefit covers the care).

Vektis return codes are four digits, so they are carried as integers (613 for "0613") and a
line's list as one packed int64 (three 14-bit slots). Only the few distinct packed values are
turned back into lists of strings. The loop over candidates is compiled (numba), as the limits
kernel is: it replaces a per-candidate list column, which cost more than the kernel itself.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numba import njit

from zorgclaim.engine import catalogue, kernel
from zorgclaim.engine.compiled import compiled

# line status as the payout stage derives it from allowed vs declared; PENDED: held for review
REJECTED, PARTIAL, ACCEPTED, PENDED = 0, 1, 2, 3

# the check (catalogue) of each candidate outcome the kernel gives (kernel.*), past its requirements
LIMIT_CHECK = {
    kernel.PAID: "limit-ok", kernel.BELOW_NTH: "below-nth", kernel.TERM: "term-exceeded",
    kernel.COUNT_LIMIT: "count-limit", kernel.COUNT_AUTH: "count-limit-authorization", kernel.COUNT_PARTIAL: "count-partial", kernel.AMOUNT_LIMIT: "amount-limit",
    kernel.AMOUNT_PARTIAL: "amount-partial", kernel.AUTH_AFTER: "authorization-after",
    kernel.BELOW_AMOUNT: "below-year-amount",
    kernel.NOTHING_LEFT: "nothing-left", kernel.ZERO_PRICE: "zero-price",
    kernel.STAY_LIMIT: "stay-limit", kernel.STAY_PARTIAL: "stay-partial", kernel.START_TOO_LATE: "start-too-late",
}
# the code each candidate outcome reports (the catalogue's code of its check); 0 = none
OUTCOME_CODE = np.zeros(kernel.OUTCOMES, np.int64)
for _outcome, _check in {**LIMIT_CHECK, kernel.NO_TARIFF: "price-in_kind_unknown"}.items():
    _code = catalogue.code(_check)
    OUTCOME_CODE[_outcome] = int(_code) if _code else 0
# the candidate outcomes that cover part of a line (the catalogue's outcome of their check)
PARTIAL_OUTCOME = np.zeros(kernel.OUTCOMES, np.bool_)
for _outcome, _check in LIMIT_CHECK.items():
    PARTIAL_OUTCOME[_outcome] = catalogue.BY_NAME[_check].outcome == "partial"

# a partial award because a statutory co-payment was withheld
CO_PAYMENT_CODE = int(catalogue.code("co-payment"))

_SLOT = 14
_MASK = (1 << _SLOT) - 1


def as_int(code: str) -> int:
    """'0613' -> 613 (Vektis return codes are four digits)."""
    if len(code) != 4 or not code.isdigit():
        raise ValueError(f"not a four-digit return code: {code!r}")
    return int(code)


@njit(cache=True)
def _add(packed, count, code):
    """Append `code` to a packed list of at most three distinct codes."""
    if code == 0 or count >= 3:
        return packed, count
    for s in range(count):
        if (packed >> (_SLOT * (2 - s))) & _MASK == code:
            return packed, count
    return packed | (code << (_SLOT * (2 - count))), count + 1


@njit(cache=True)
def _bits_codes(packed, count, flags, codes):
    for k in range(codes.shape[0]):
        if (flags >> k) & 1:
            packed, count = _add(packed, count, codes[k])
    return packed, count


@compiled
def line_codes(formal_ok, formal_bits, formal_codes, line_code, status, is_credit, cs, ce,
               outcome, req_bits, req_codes, pricing_cut, outcome_code, partial_outcome, co_payment_code):
    """The return codes of each line, packed (at most three). `pricing_cut` per candidate: bit 1
    the tariff is below the declared amount, bit 2 a statutory co-payment was withheld."""
    n = formal_ok.shape[0]
    out = np.zeros(n, np.int64)
    for i in range(n):
        p, k = np.int64(0), 0
        if not formal_ok[i]:
            p, k = _bits_codes(p, k, formal_bits[i], formal_codes)
        elif line_code[i] == 587:
            p, k = _add(p, k, 587)
        elif status[i] == ACCEPTED:
            p, k = _add(p, k, 8001)
        elif is_credit[i]:
            p, k = _add(p, k, 611 if status[i] == PARTIAL else 613)
        elif status[i] == PARTIAL:
            for c in range(cs[i], ce[i]):
                o = outcome[c]
                if partial_outcome[o]:
                    p, k = _add(p, k, outcome_code[o])
                if pricing_cut[c] & 1:
                    p, k = _add(p, k, 611)
                if pricing_cut[c] & 2:
                    p, k = _add(p, k, co_payment_code)
            if k == 0:
                p, k = _add(p, k, 611)
        else:
            for c in range(cs[i], ce[i]):
                o = outcome[c]
                if o == kernel.REQUIREMENTS:
                    p, k = _bits_codes(p, k, req_bits[c], req_codes)
                elif o != kernel.PAID:
                    p, k = _add(p, k, outcome_code[o])
            if k == 0:
                p, k = _add(p, k, 613)
        out[i] = p
    return out


def unpack(packed: np.ndarray) -> pl.Series:
    """Packed code lists -> a List(String) column; only the distinct values are decoded."""
    values = pl.Series(packed, dtype=pl.Int64)
    distinct = values.unique()
    where = values.replace_strict(distinct, pl.Series(range(distinct.len()), dtype=pl.Int64), return_dtype=pl.Int64)
    lists = [[f"{(p >> (_SLOT * (2 - s))) & _MASK:04d}" for s in range(3) if (p >> (_SLOT * (2 - s))) & _MASK]
             for p in distinct.to_list()]
    return pl.Series("codes", lists, dtype=pl.List(pl.String)).gather(where)
