import datetime as dt

import polars as pl

from zorgclaim.dbc.billing import bill
from zorgclaim.dbc.routing import patient_share
from zorgclaim.dbc.tables import DATA_DIR, load_clinic_contracts, load_dbc_tables

T = load_dbc_tables()
CONTRACTS = load_clinic_contracts(DATA_DIR / "clinic_contracts_example.csv")


def activity(k, day, minutes=25, kind="contact", discipline="fysiotherapeut", patient="P1"):
    return {"activity_id": k, "patient": patient, "date": day, "discipline": discipline, "minutes": minutes, "kind": kind,
            "diagnosis": "HAND-01", "care_demand": "Z1", "specialist": "S"}


def patients(*rows):
    return pl.DataFrame([{"patient": p, "insurer": i, "from": f, "to": t} for p, i, f, t in rows],
                        schema={"patient": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date})


def test_25_minutes_show_as_five_units_and_one_visit_gets_the_full_product_price():
    b = bill(pl.DataFrame([activity(1, dt.date(2024, 4, 2))]), T)
    assert b.lines.height == 5 and set(b.lines["unit_minutes"]) == {5}
    (row,) = b.table.iter_rows(named=True)
    assert row["code"] == "msr/990027198" and row["nza_tariff"] == 27877  # the whole product's tariff for one visit
    assert row["invoice_units"] == 5


def test_team_and_dossier_time_are_on_the_invoice_no_shows_are_not():
    acts = pl.DataFrame([activity(1, dt.date(2024, 4, 2)), activity(2, dt.date(2024, 4, 3), 10, "team"),
                         activity(3, dt.date(2024, 4, 4), 7, "dossier"), activity(4, dt.date(2024, 4, 5), 30, "no_show")])
    b = bill(acts, T)
    assert b.lines.group_by("kind").len().sort("kind").rows() == [("contact", 5), ("dossier", 2), ("team", 2)]
    assert b.no_shows["amount"].to_list() == [6017] and b.no_shows["billed_to"].to_list() == ["patient"]


def test_weighted_hours_pick_the_band():
    # 4 x 60 min revalidatiearts (weight 3) = 12 weighted hours -> the 9-58 band
    acts = pl.DataFrame([activity(k, dt.date(2024, 4, 1) + dt.timedelta(days=7 * k), 60, discipline="revalidatiearts")
                         for k in range(1, 5)])
    (row,) = bill(acts, T).table.iter_rows(named=True)
    assert row["weighted_hours"] == 12.0 and row["code"] == "msr/990027142"


def test_seed_example_dbc_over_the_year_end_goes_to_the_start_date_insurer():
    acts = pl.DataFrame([activity(k, d) for k, d in enumerate([dt.date(2022, 9, 11), dt.date(2022, 10, 15),
                                                               dt.date(2022, 11, 20), dt.date(2022, 12, 20)], 1)])
    pats = patients(("P1", "onvz", dt.date(2022, 1, 1), dt.date(2022, 12, 31)), ("P1", "cz", dt.date(2023, 1, 1), None))
    (row,) = bill(acts, T, pats, CONTRACTS).table.iter_rows(named=True)
    assert (row["start"], row["end"]) == (dt.date(2022, 9, 11), dt.date(2023, 1, 8))
    assert row["insurer"] == "onvz" and row["billed_to"] == "insurer"


def test_without_payment_agreement_the_patient_is_billed():
    acts = pl.DataFrame([activity(1, dt.date(2024, 2, 1))])
    (row,) = bill(acts, T, patients(("P1", "cz", dt.date(2024, 1, 1), None)), CONTRACTS).table.iter_rows(named=True)
    assert row["billed_to"] == "patient" and "no payment agreement with cz for 2024" == row["routing_reason"]


def test_contract_applies_from_1_january_for_the_whole_year():
    acts = pl.DataFrame([activity(1, dt.date(2024, 1, 2))])
    (row,) = bill(acts, T, patients(("P1", "menzis", dt.date(2020, 1, 1), None)), CONTRACTS).table.iter_rows(named=True)
    assert row["billed_to"] == "insurer"


def test_patient_share():
    # insurer reimbursed more than 60%: that amount, plus the deductible withheld
    assert patient_share(100000, 70000, 10000)["owed"] == 80000
    # reimbursed less than 60%: at least 60%, plus the deductible, never more than the invoice
    r = patient_share(100000, 20000, 38500)
    assert (r["minimum"], r["owed"], r["basis"]) == (60000, 98500, "minimum 60%")
    assert patient_share(100000, 80000, 38500)["owed"] == 100000


def test_an_insurer_not_on_the_contract_list_is_still_negotiating_and_is_billed():
    """The clinic's page: an insurer not in the table is one it is still negotiating with; a
    contract follows from 1 January, so the invoice goes to the insurer, not to the patient."""
    acts = pl.DataFrame([activity(1, dt.date(2024, 3, 1))])
    (row,) = bill(acts, T, patients(("P1", "Aevitae", dt.date(2024, 1, 1), None)), CONTRACTS).table.iter_rows(named=True)
    assert row["billed_to"] == "insurer" and row["payment_agreement"] is None
    assert row["routing_reason"].startswith("still negotiating with Aevitae for 2024")


def test_a_brand_is_billed_as_its_contracting_insurer():
    acts = pl.DataFrame([activity(1, dt.date(2024, 3, 1), patient="P1"), activity(2, dt.date(2024, 3, 1), patient="P2"),
                         activity(3, dt.date(2024, 3, 1), patient="P3")])
    pats = patients(("P1", "FBTO", dt.date(2024, 1, 1), None), ("P2", "VGZbewuzt", dt.date(2024, 1, 1), None),
                    ("P3", "ZEKUR .nl", dt.date(2024, 1, 1), None))
    rows = {r["patient"]: r for r in bill(acts, T, pats, CONTRACTS).table.iter_rows(named=True)}
    assert rows["P1"]["insurer"] == "zilveren-kruis" and rows["P1"]["billed_to"] == "insurer"
    assert rows["P1"]["routing_reason"] == "payment agreement with zilveren-kruis for 2024"
    assert rows["P2"]["insurer"] == "vgz" and rows["P3"]["insurer"] == "vgz"


def test_the_product_depends_on_the_diagnosis_and_the_weighted_hours():
    """Xpert Clinics Revalidatie - Vergoeding (2024): the weighted hours, together with the
    diagnosis, decide the product. 12 weighted hours of a hand complaint and of another diagnosis
    are two different products."""
    def dbc(diagnosis):
        rows = [dict(activity(k, dt.date(2024, 4, 1) + dt.timedelta(days=7 * k), 60, discipline="revalidatiearts"),
                     diagnosis=diagnosis) for k in range(1, 5)]
        (row,) = bill(pl.DataFrame(rows), T).table.iter_rows(named=True)
        return row["weighted_hours"], row["diagnosis_group"], row["code"]
    assert dbc("HAND-02") == (12.0, "hand", "msr/990027142")
    assert dbc("POLS-01") == (12.0, "hand", "msr/990027142")
    assert dbc("CVA-01") == (12.0, "*", "msr/199399020")


def test_the_invoice_asks_the_agreed_price_under_a_payment_agreement_else_the_nza_tariff():
    from zorgclaim.dbc.tables import load_clinic_prices
    prices = load_clinic_prices(DATA_DIR / "clinic_prices_example.csv")
    acts = pl.DataFrame([dict(activity(k, dt.date(2024, 4, 1) + dt.timedelta(days=7 * k), 60, discipline="revalidatiearts",
                                       patient=p), activity_id=10 * n + k)
                         for n, p in enumerate(("P1", "P2", "P3")) for k in range(1, 5)])
    pats = patients(("P1", "onvz", dt.date(2024, 1, 1), None), ("P2", "cz", dt.date(2024, 1, 1), None),
                    ("P3", "menzis", dt.date(2024, 1, 1), None))
    rows = {r["patient"]: r for r in bill(acts, T, pats, CONTRACTS, prices=prices).table.iter_rows(named=True)}
    assert (rows["P1"]["code"], rows["P1"]["invoice_amount"], rows["P1"]["price_basis"]) == ("msr/990027142", 295000, "contract")
    assert (rows["P2"]["invoice_amount"], rows["P2"]["price_basis"]) == (rows["P2"]["nza_tariff"], "nza")  # billed to the patient
    assert (rows["P3"]["invoice_amount"], rows["P3"]["price_basis"]) == (rows["P3"]["nza_tariff"], "nza")  # no agreed price known


def test_a_no_show_costs_a_fee_unless_called_off_24_hours_before():
    acts = pl.DataFrame([activity(1, dt.date(2024, 4, 2)), activity(2, dt.date(2024, 4, 9), 30, "no_show"),
                         activity(3, dt.date(2024, 4, 16), 30, "no_show"), activity(4, dt.date(2024, 4, 23), 30, "no_show")]
                        ).with_columns(pl.Series("notice_hours", [None, None, 30, 5], dtype=pl.Int64))
    ns = bill(acts, T).no_shows
    assert ns["activity_id"].to_list() == [2, 4] and ns["amount"].to_list() == [6017, 6017]
    assert ns["reason"].to_list() == ["did not come", "called off 5 hours before (less than 24)"]


def test_the_patient_pays_after_the_insurer_within_the_payment_term():
    waiting = patient_share(100000, 70000, 0)
    assert waiting["due"] is None and waiting["waiting_for_insurer"]
    paid = patient_share(100000, 70000, 0, insurer_paid_on=dt.date(2024, 6, 3), term_days=T.param("payment_term_days",
                                                                                                   dt.date(2024, 6, 3)))
    assert paid["due"] == dt.date(2024, 7, 3) and not paid["waiting_for_insurer"]


def test_an_activity_before_its_disciplines_first_weight_is_an_error_not_zero_hours():
    import pytest
    from zorgclaim.dbc.grouping import GroupingError
    first = T.weights.filter(pl.col("discipline") == "fysiotherapeut")["from_"].min()
    with pytest.raises(GroupingError, match="before the first weight of its discipline"):
        bill(pl.DataFrame([activity(1, first - dt.timedelta(days=1))]), T)
