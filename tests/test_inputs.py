"""Bad input gets a clear error naming file, line and field, and good rows are not lost."""

import textwrap
from pathlib import Path

import polars as pl
import pytest
import yaml

from zorgclaim.formats.tabular import InputError, read_lines, read_world
from zorgclaim.policy.library import PolicyError, load_library
from zorgclaim.reference.tables import ReferenceError, load_reference
from zorgclaim.scenarios.runner import ScenarioError, load_scenario

HEADER = "line_id,member_id,provider,received,service_date,code,quantity,amount\n"


def test_csv_lines_bad_rows_are_reported_and_good_rows_kept(tmp_path):
    f = tmp_path / "lines.csv"
    f.write_text(HEADER
                 + "L1,M1,01100001,2025-03-10,2025-03-03,huisarts/13001,1,11.50\n"
                 + "L2,M1,01100001,2025-03-10,03-03-2025,huisarts/13001,1,11.50\n"
                 + "L3,M1,01100001,2025-03-10,2025-03-03,huisarts/13001,1,11.505\n"
                 + "L4,,01100001,2025-03-10,2025-03-03,huisarts/13001,1,11.50\n"
                 + "L5,M1,01100001,2025-03-10,2025-03-04,huisarts/13001,twee,11.50\n"
                 + "L6,M1,01100001,2025-03-10,2025-03-05,huisarts/13001,1,\"12,25\"\n")
    df, errors = read_lines(f)
    assert df["line_id"].to_list() == ["L1", "L6"]
    assert df["declared"].to_list() == [1150, 1225]
    where = {(e.line, e.field) for e in errors}
    assert where == {(3, "service_date"), (4, "amount"), (5, "member_id"), (6, "quantity")}
    assert "lines.csv:3: field 'service_date'" in str(next(e for e in errors if e.line == 3))


def test_missing_column_is_named(tmp_path):
    f = tmp_path / "lines.csv"
    f.write_text("line_id,member_id,amount\nL1,M1,1.00\n")
    with pytest.raises(InputError, match="missing column"):
        read_lines(f)


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_lines(tmp_path / "nope.csv")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(InputError, match="unsupported file type"):
        read_lines(tmp_path / "x.xlsx")


def test_world_folder(tmp_path, library, reference):
    (tmp_path / "members.csv").write_text("member_id,bsn,birth_date,voluntary_deductible\nM1,111222333,1970-01-01,500\nM2,,19700101,0\n")
    (tmp_path / "coverages.csv").write_text("member_id,product,from,to\nM1,onvz/vrije-keuze-basis,2025-01-01,2025-12-31\n")
    (tmp_path / "providers.csv").write_text("agb,name,kind,qualifications,recognized_by\n04100001,Fysio,fysiotherapie,bekkenfysiotherapie;manueel,\n")
    world, errors = read_world(tmp_path, library, reference)
    assert world.members["member_id"].to_list() == ["M1"]
    assert world.members["voluntary_deductible"].to_list() == [50000]
    assert [(e.line, e.field) for e in errors] == [(3, "birth_date")]
    assert world.providers["qualifications"].to_list() == [["bekkenfysiotherapie", "manueel"]]


def test_world_member_or_provider_given_twice_is_reported_and_kept_once(tmp_path, library, reference):
    (tmp_path / "members.csv").write_text("member_id,birth_date\nM1,1970-01-01\nM2,1980-01-01\nM1,1990-01-01\n")
    (tmp_path / "providers.csv").write_text("agb,name,kind\n01000001,A,huisarts\n01000001,B,huisarts\n")
    world, errors = read_world(tmp_path, library, reference)
    assert world.members["member_id"].to_list() == ["M1", "M2"]
    assert world.members["birth_date"].to_list()[0].year == 1970          # the first row is kept
    assert world.providers["name"].to_list() == ["A"]
    assert [(Path(e.file).name, e.line, e.field) for e in errors] == [("members.csv", 4, "member_id"), ("providers.csv", 3, "agb")]
    assert "first on line 2" in errors[0].message


def test_world_unknown_product(tmp_path, library, reference):
    (tmp_path / "members.csv").write_text("member_id,birth_date\nM1,1970-01-01\n")
    (tmp_path / "coverages.csv").write_text("member_id,product,from,to\nM1,acme/gold,2025-01-01,2025-12-31\n")
    with pytest.raises(InputError, match="unknown product"):
        read_world(tmp_path, library, reference)


def _copy_policy(tmp_path: Path) -> Path:
    import shutil

    from zorgclaim.policy import library as libmod
    dst = tmp_path / "policy"
    shutil.copytree(libmod.DATA_DIR, dst)
    return dst


def test_broken_product_names_file_and_field(tmp_path):
    data = _copy_policy(tmp_path)
    f = data / "products" / "onvz" / "topfit.yaml"
    doc = yaml.safe_load(f.read_text())
    doc["benefits"][0]["limits"]["per_year_amount"] = "lots"
    f.write_text(yaml.safe_dump(doc))
    with pytest.raises(PolicyError) as e:
        load_library(data)
    assert "topfit.yaml" in str(e.value) and "per_year_amount" in str(e.value)


def test_broken_yaml_names_line(tmp_path):
    data = _copy_policy(tmp_path)
    f = data / "products" / "vgz" / "natura.yaml"
    f.write_text(f.read_text() + "\n  bad: [unclosed\n")
    with pytest.raises(PolicyError, match=r"natura.yaml:\d+:\d+: not valid YAML"):
        load_library(data)


def test_unverified_needs_no_silence(library):
    """Everything marked unverified is findable: the benefit table keeps the flag."""
    unverified = library.benefit_table.filter(~pl.col("verified"))
    assert unverified.height > 0
    assert set(unverified["benefit"]) >= {"fysio-aanvullend", "fysio-copd-a-1"}


def test_broken_reference_row(tmp_path):
    import shutil

    from zorgclaim.reference import tables
    dst = tmp_path / "ref"
    shutil.copytree(tables.DATA_DIR, dst)
    f = dst / "dcsph.csv"
    f.write_text(f.read_text() + "7777,Iets,not-a-date,,bron,false\n")
    with pytest.raises(ReferenceError, match=r"dcsph.csv:\d+: field 'valid_from'"):
        load_reference(dst)


def test_every_reference_row_has_a_source(reference):
    for name in ("service_codes", "tariffs", "dcsph", "csi", "bijlage1", "provider_kinds"):
        frame = getattr(reference, name)
        assert frame["source"].str.len_chars().min() > 3, name


def test_bad_scenario(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(textwrap.dedent("""
        scenario: x
        today: 2025-01-01
        members: [{id: M1, birth_date: nope}]
    """))
    with pytest.raises(ScenarioError, match=r"members.0.birth_date"):
        load_scenario(f)


def test_world_file_with_only_a_header(tmp_path, library, reference):
    (tmp_path / "members.csv").write_text("member_id,birth_date\nM1,1970-01-01\n")
    (tmp_path / "wlz.csv").write_text("member_id,from,to\n")
    world, errors = read_world(tmp_path, library, reference)
    assert errors == [] and world.wlz.height == 0 and world.members.height == 1
