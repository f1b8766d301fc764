import numpy as np
import pytest

from zorgclaim.engine import codes, kernel

REQ = np.array([613, 8013, 562], np.int64)
FORMAL = np.array([300, 328, 320, 506], np.int64)


def _run(**kw):
    """One line with the given candidates; defaults: a formally correct, rejected debit."""
    outcome = np.array(kw.get("outcome", []), np.int8)
    m = outcome.shape[0]
    packed = codes.line_codes(
        np.array([kw.get("formal_ok", True)]), np.array([kw.get("formal_bits", 0)], np.int64), FORMAL,
        np.array([kw.get("line_code", 0)], np.int32), np.array([kw.get("status", codes.REJECTED)], np.int8),
        np.array([kw.get("is_credit", False)]), np.array([0]), np.array([m]), outcome,
        np.array(kw.get("req_bits", [0] * m), np.int64), REQ, np.array(kw.get("cut", [0] * m), np.int64), codes.OUTCOME_CODE,
        codes.PARTIAL_OUTCOME, codes.CO_PAYMENT_CODE)
    return codes.unpack(packed).to_list()[0]


def test_formal_codes_in_check_order_at_most_three():
    assert _run(formal_ok=False, formal_bits=0b1101) == ["0300", "0320", "0506"]
    assert _run(formal_ok=False, formal_bits=0b0010) == ["0328"]


def test_rejected_lists_requirement_and_limit_codes_once_in_candidate_order():
    got = _run(outcome=[kernel.REQUIREMENTS, kernel.COUNT_LIMIT, kernel.REQUIREMENTS, kernel.AUTH_AFTER],
               req_bits=[0b110, 0, 0b011, 0])
    assert got == ["8013", "0562", "0584"]     # 0613 of the third candidate would be the fourth: cut at three
    assert _run(outcome=[kernel.NOT_TRIED]) == ["0613"]   # nothing to report: no benefit covers it
    assert _run(outcome=[]) == ["0613"]


def test_partial_lists_limit_and_tariff_codes():
    assert _run(status=codes.PARTIAL, outcome=[kernel.AMOUNT_PARTIAL, kernel.PAID], cut=[0, 1]) == ["0589", "0611"]
    assert _run(status=codes.PARTIAL, outcome=[kernel.PAID]) == ["0611"]
    assert _run(status=codes.PARTIAL, outcome=[kernel.STAY_PARTIAL]) == ["0584"]
    # a statutory co-payment withheld (bit 2), alone and beside a tariff cut
    assert _run(status=codes.PARTIAL, outcome=[kernel.PAID], cut=[2]) == ["0613"]
    assert _run(status=codes.PARTIAL, outcome=[kernel.PAID], cut=[3]) == ["0611", "0613"]


def test_accepted_credit_and_paid_before():
    assert _run(status=codes.ACCEPTED, outcome=[kernel.PAID]) == ["8001"]
    assert _run(line_code=587) == ["0587"]
    assert _run(is_credit=True, status=codes.PARTIAL) == ["0611"]
    assert _run(is_credit=True) == ["0613"]


def test_as_int():
    assert codes.as_int("0613") == 613
    with pytest.raises(ValueError):
        codes.as_int("613")
