"""SEPA credit-transfer file (pain.001.001.03) for a payment run, written with `sepaxml`
and validated against the schema it ships."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sepaxml import SepaTransfer


def pain001(payments: pl.DataFrame, debtor: dict, execution_date: dt.date, run_id: int) -> bytes:
    """`payments`: account, name, iban, bic, amount (cents); `debtor`: name, iban, bic."""
    config = {"name": debtor["name"], "IBAN": debtor["iban"], "BIC": debtor.get("bic"), "batch": True,
              "currency": "EUR"}
    sepa = SepaTransfer(config, clean=True)
    for k, p in enumerate(payments.iter_rows(named=True)):
        payment = {"name": p["name"], "IBAN": p["iban"], "amount": int(p["amount"]), "execution_date": execution_date,
                   "description": f"zorgclaim betaling {run_id}-{k + 1} {p['account']}",
                   "endtoend_id": f"ZC{run_id:06d}{k + 1:08d}"}
        if p["bic"]:
            payment["BIC"] = p["bic"]
        sepa.add_payment(payment)
    return sepa.export(validate=True)
