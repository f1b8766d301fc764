import datetime as dt

import polars as pl

from zorgclaim.dbc.materials import refused_to_patient, route_materials
from zorgclaim.dbc.tables import load_dbc_tables

T = load_dbc_tables()


def test_materials_go_to_the_patient_splints_of_vgz_patients_to_vgz():
    mats = pl.DataFrame({"material_id": [1, 2, 3, 4], "patient": ["P1", "P1", "P2", "P3"],
                         "date": [dt.date(2024, 5, 1)] * 4, "kind": ["spalk", "brace", "spalk", "spalk"],
                         "item": ["duimspalk", "polsbrace", "duimspalk", "duimspalk"], "amount": [9500, 6400, 9500, 9500]})
    pats = pl.DataFrame({"patient": ["P1", "P2", "P3"], "insurer": ["VGZbewuzt", "onvz", "IZA"],
                         "from": [dt.date(2024, 1, 1)] * 3, "to": [None, None, None]},
                        schema={"patient": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date})
    routed = route_materials(mats, pats, T.labels)
    assert routed["billed_to"].to_list() == ["insurer", "patient", "patient", "insurer"]
    after = refused_to_patient(routed, [4])
    assert after["billed_to"].to_list() == ["insurer", "patient", "patient", "patient"]
    assert after["routing_reason"][3] == "the insurer did not cover it: billed to the patient"
