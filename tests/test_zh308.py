"""ZH308 (DBC declarations): the clinic's export read back by the insurer's reader gives the same
claim lines and the same decisions; file checks; 10,000 fuzzed inputs."""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings, strategies as st

from zorgclaim.dbc.billing import bill
from zorgclaim.dbc.demo import generate_clinic
from zorgclaim.dbc.precheck import claim_lines, clinic_world
from zorgclaim.dbc.tables import DATA_DIR, load_clinic_contracts, load_dbc_tables
from zorgclaim.engine import adjudicate
from zorgclaim.formats.vektis.zh308 import is_zh308, read_zh308, write_zh308

COMPARE = ["line_id", "member_id", "bsn", "provider", "service_date", "end_date", "code", "quantity", "declared",
           "diagnosis", "referral_by", "indication_kind", "authorization"]


def _clinic(library):
    acts, pats = generate_clinic(60, seed=5)
    b = bill(acts, load_dbc_tables(), pats, load_clinic_contracts(DATA_DIR / "clinic_contracts_example.csv"))
    table = b.table.join(pats.filter(pl.col("product").is_in(list(library.products))).select("patient").unique(),
                         on="patient", how="semi")
    return table, pats


def test_clinic_export_round_trip(library, reference):
    table, pats = _clinic(library)
    lines = claim_lines(table, pats, "23999999").filter(pl.col("submitted_by") == "provider")
    members = pats.select("member_id", pl.lit("111222333").alias("bsn"), "birth_date").unique("member_id")
    lines = lines.with_columns(pl.lit("111222333").alias("bsn"))
    text = write_zh308(lines, members, "INV-1", dt.date(2025, 7, 1), "23999999")
    assert is_zh308(text)
    f = read_zh308(text, "clinic.zh308", received=None)
    assert f.file_codes == [] and f.messages == [], f.messages[:3]
    back = f.lines.select(COMPARE).sort("line_id")
    assert back.equals(lines.select(COMPARE).sort("line_id"))
    world = clinic_world(pats, table, "23999999", library, reference)
    a, _ = adjudicate(lines, world)
    b, _ = adjudicate(f.lines.sort("line_id").with_columns(pl.Series("received", lines.sort("line_id")["received"])), world)
    key = ["line_id", "status", "allowed", "deductible", "paid"]
    assert a.select(key).sort("line_id").equals(b.select(key).sort("line_id"))


def _small() -> str:
    lines = pl.DataFrame({"line_id": ["D1"], "member_id": ["M1"], "service_date": [dt.date(2024, 3, 1)],
                          "end_date": [dt.date(2024, 4, 12)], "code": ["msr/990027199"], "quantity": [1],
                          "declared": [185000], "diagnosis": ["HAND-01"], "referral_by": ["01100001"],
                          "referral_date": [None], "authorization": [None], "credits": [None]},
                         schema_overrides={"referral_date": pl.Date, "authorization": pl.String, "credits": pl.String})
    members = pl.DataFrame({"member_id": ["M1"], "bsn": ["111222333"], "birth_date": [dt.date(1970, 1, 1)]})
    return write_zh308(lines, members, "INV-9", dt.date(2024, 5, 1), "23999999")


def test_zh308_file_checks():
    good = _small()
    assert read_zh308(good).file_codes == []
    rows = good.split("\r\n")
    assert read_zh308("\r\n".join([rows[0], rows[2], rows[1], rows[3], rows[4]]) + "\r\n").file_codes[:2] == ["0001", "8026"]
    assert read_zh308(good.replace(good[5:9], "0800", 1)).file_codes[:2] == ["0001", "0011"]
    bad_total = rows[4][:45] + "00000000001" + rows[4][56:]
    assert read_zh308("\r\n".join(rows[:4] + [bad_total]) + "\r\n").file_codes[:2] == ["0001", "0150"]
    short = read_zh308("\r\n".join([rows[0], rows[1], rows[2][:600], rows[3], rows[4]]) + "\r\n", "z")
    assert short.records[2].codes == ["0804"] and short.lines.height == 0


@st.composite
def mangled(draw):
    text = _small()
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, max(0, len(text) - 1)))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip":
            text = text[:pos] + draw(st.characters(codec="latin-1")) + text[pos + 1:]
        elif op == "cut":
            text = text[:pos] + text[pos + draw(st.integers(1, 60)):]
        else:
            text = text[:pos] + draw(st.text(max_size=20)) + text[pos:]
    return text


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(mangled(), st.text(max_size=700)))
def test_fuzz_zh308_reader_never_crashes(text):
    f = read_zh308(text, "fuzz")
    if f.file_codes:
        assert f.file_codes[0] == "0001" and f.lines.height == 0
