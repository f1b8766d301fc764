import datetime as dt
import xml.etree.ElementTree as ET

import polars as pl

from zorgclaim.ledger.payments import check_iban, owed, plan_payments
from zorgclaim.ledger.sepa import pain001

D = dt.date
T = {"debit": pl.String, "credit": pl.String, "amount": pl.Int64, "due": pl.Date}
PAYEES = pl.DataFrame({"account": ["provider:A", "provider:B", "member:M1"], "name": ["A", "B", "M1"],
                       "iban": ["NL91ABNA0417164300", "NL20INGB0001234567", "NL00BANK0000000000"]})


def test_due_claims_paid_later_ones_wait_credits_offset():
    t = pl.DataFrame([("insurer:claims", "provider:A", 10000, D(2026, 5, 1)),
                      ("insurer:claims", "provider:A", 5000, D(2026, 6, 1)),    # not yet due
                      ("provider:B", "insurer:claims", 8000, D(2026, 4, 2)),    # a credit
                      ("insurer:claims", "provider:B", 3000, D(2026, 5, 1))], schema=T, orient="row")
    pay, held = plan_payments(owed(t, D(2026, 5, 1)), PAYEES)
    assert pay.select("account", "amount").rows() == [("provider:A", 10000)]  # B stays at -5000
    assert held == []


def test_an_invalid_iban_is_held():
    t = pl.DataFrame([("insurer:claims", "member:M1", 2500, D(2026, 5, 1))], schema=T, orient="row")
    pay, held = plan_payments(owed(t, D(2026, 5, 1)), PAYEES)
    assert pay.height == 0 and held[0].account == "member:M1" and "not valid" in held[0].reason
    assert check_iban(None)[2] == "no IBAN on file"
    assert check_iban("nl91 abna 0417 1643 00")[0] == "NL91ABNA0417164300"


def test_pain001_totals():
    pay = pl.DataFrame([("provider:A", "A", "NL91ABNA0417164300", "ABNANL2A", 10000),
                        ("member:M1", "M1", "NL20INGB0001234567", None, 2550)],
                       schema=["account", "name", "iban", "bic", "amount"], orient="row")
    xml = pain001(pay, {"name": "Insurer", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"}, D(2026, 5, 4), 7)
    root = ET.fromstring(xml)
    ns = {"p": root.tag.split("}")[0][1:]}
    assert root.find(".//p:GrpHdr/p:CtrlSum", ns).text == "125.50"
    assert root.find(".//p:GrpHdr/p:NbOfTxs", ns).text == "2"
    assert root.find(".//p:ReqdExctnDt", ns).text == "2026-05-04"


def test_a_file_that_does_not_match_the_schema_is_refused():
    pay = pl.DataFrame([("provider:A", "A", "NL91ABNA0417164300", "ABNANL2A", 10000)],
                       schema=["account", "name", "iban", "bic", "amount"], orient="row")
    try:
        pain001(pay, {"name": "Insurer", "iban": "NL91ABNA0417164300", "bic": "abnanl"}, D(2026, 5, 4), 7)
    except ValueError as e:
        assert "pain.001.001.03" in str(e) and "payment run 7" in str(e)
    else:
        raise AssertionError("a lower-case, short BIC was written into a pain.001 file")
