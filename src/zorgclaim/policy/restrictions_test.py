"""An insurer's restriction may allow a code by the line's indication kind (e.g. medical necessity
for a medicine the insurer did not designate) instead of by diagnosis, and may hold for a period."""

import datetime as dt

import pytest
from pydantic import ValidationError

from zorgclaim.policy import load_library
from zorgclaim.policy.library import _restriction_rows
from zorgclaim.policy.schema import Indication, Restriction


def test_an_indication_is_given_by_diagnoses_or_by_indication_kinds():
    assert Indication(label="x", indication_kinds=["medische-noodzaak"]).diagnoses is None
    assert Indication(label="x", diagnoses=["4501"]).indication_kinds is None
    with pytest.raises(ValidationError):
        Indication(label="x")
    with pytest.raises(ValidationError):
        Indication(label="x", diagnoses=["4501"], indication_kinds=["medische-noodzaak"])


def test_a_restriction_gives_one_row_per_diagnosis_or_kind_with_its_period():
    lib = load_library()
    r = Restriction(id="r", codes=["farmacie/MERK-C"], valid_from=dt.date(2024, 1, 1),
                    indications=[Indication(label="a", indication_kinds=["medische-noodzaak", "other"]),
                                 Indication(label="b", diagnoses=["4501"], min_age=18)],
                    source={"ref": "a public source"})
    rows = _restriction_rows(lib.products["onvz/vrije-keuze-basis"], [r])
    assert [(x["diagnosis"], x["indication_kind"]) for x in rows] == [
        (None, "medische-noodzaak"), (None, "other"), ("4501", None)]
    assert {x["valid_from"] for x in rows} == {dt.date(2024, 1, 1)} and {x["valid_to"] for x in rows} == {None}


def test_the_preference_policies_are_in_the_library():
    import polars as pl
    t = load_library().restriction_table.filter(pl.col("indication_kind").is_not_null())
    onvz = t.filter(pl.col("product") == "onvz/vrije-keuze-basis")
    vgz = t.filter(pl.col("product") == "vgz/natura")
    assert onvz["valid_from"].to_list() == [dt.date(2024, 1, 1)] and onvz["codes"].to_list() == [["farmacie/MERK-C"]]
    assert vgz["valid_from"].to_list() == [None] and vgz["indication_kind"].to_list() == ["medische-noodzaak"]
