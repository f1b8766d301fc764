import datetime as dt

import polars as pl

from zorgclaim.dbc.billing import bill
from zorgclaim.dbc.precheck import claim_lines, precheck
from zorgclaim.dbc.tables import DATA_DIR, load_clinic_contracts, load_dbc_tables
from zorgclaim.policy import load_library
from zorgclaim.reference import load_reference


def test_precheck_shows_what_the_insurer_would_refuse():
    acts = pl.DataFrame([{"activity_id": k, "patient": p, "date": dt.date(2024, 3, 4) + dt.timedelta(days=7 * k),
                          "discipline": "revalidatiearts", "minutes": 60, "kind": "contact", "diagnosis": "HAND-01",
                          "care_demand": "Z1", "specialist": "S"} for k in range(1, 4) for p in ("P1", "P2")])
    acts = acts.with_row_index("i").with_columns((pl.col("i").cast(pl.Int64) + 1).alias("activity_id")).drop("i")
    pats = pl.DataFrame([
        {"patient": "P1", "insurer": "onvz", "from": dt.date(2024, 1, 1), "to": None, "member_id": "M1",
         "birth_date": dt.date(1970, 1, 1), "product": "onvz/vrije-keuze-basis", "referral_by": "01100001"},
        {"patient": "P2", "insurer": "onvz", "from": dt.date(2024, 1, 1), "to": None, "member_id": "M2",
         "birth_date": dt.date(1970, 1, 1), "product": "onvz/vrije-keuze-basis", "referral_by": None}])
    b = bill(acts, load_dbc_tables(), pats, load_clinic_contracts(DATA_DIR / "clinic_contracts_example.csv"))
    lines = claim_lines(b.table, pats, "23999999")
    assert lines["service_date"].to_list() == [dt.date(2024, 3, 11)] * 2
    assert lines["submitted_by"].to_list() == ["provider", "provider"]
    d = precheck(b.table, pats, "23999999", load_library(), load_reference()).sort("member_id")
    assert d["status"].to_list() == ["accepted", "rejected"]
    assert d["codes"].to_list()[1] == ["0613"]  # no referral
    assert d["deductible"].to_list()[0] == 38500
