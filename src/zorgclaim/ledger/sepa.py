"""SEPA credit-transfer file (pain.001.001.03) for a payment run, written with `sepaxml`
and validated against the schema it ships."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import polars as pl
import sepaxml
from lxml import etree
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
    xml = sepa.export(validate=False)
    # validated against the schema sepaxml ships, with libxml2 (lxml) and the schema read once per
    # process (sepaxml's own validation reads the schema for every file and validates in Python:
    # most of a payment run's time)
    schema = _schema(sepa.schema)
    if not schema.validate(etree.fromstring(xml)):
        raise ValueError(f"the SEPA file of payment run {run_id} does not match {sepa.schema}: "
                         f"{schema.error_log.last_error.message}")
    return xml


@cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / f"{name}.xsd")))
