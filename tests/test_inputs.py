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
                 + "L1,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.50\n"
                 + "L2,M1,01100001,2025-03-10,03-03-2025,huisarts/12011,1,11.50\n"
                 + "L3,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.505\n"
                 + "L4,,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.50\n"
                 + "L5,M1,01100001,2025-03-10,2025-03-04,huisarts/12011,twee,11.50\n"
                 + "L6,M1,01100001,2025-03-10,2025-03-05,huisarts/12011,1,\"12,25\"\n")
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
    assert set(unverified["benefit"]) >= {"fysio-aanvullend", "fysio-copd-b1-1"}


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


def test_an_amount_out_of_range_is_a_row_error_and_the_other_rows_stay(tmp_path):
    f = tmp_path / "big.csv"
    f.write_text(HEADER
                 + "B1,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,99999999999999999\n"
                 + "B2,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,12000000.00\n"
                 + "B3,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.50\n")
    df, errors = read_lines(f)
    assert df["line_id"].to_list() == ["B3"]
    assert [(e.line, e.field) for e in errors] == [(2, "amount"), (3, "amount")]
    assert "10,000,000" in str(errors[1]) and "InvalidOperation" not in str(errors)
    g = tmp_path / "cents.csv"
    g.write_text("line_id,member_id,provider,received,service_date,code,declared\n"
                 "C1,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,5000000000\n"
                 "C2,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1150\n")
    df, errors = read_lines(g)
    assert df["line_id"].to_list() == ["C2"] and [(e.line, e.field) for e in errors] == [(2, "declared")]


def test_a_dutch_excel_export_semicolons_decimal_commas_and_windows_1252_is_read(tmp_path):
    f = tmp_path / "excel.csv"
    f.write_bytes("line_id;member_id;provider;received;service_date;code;amount;diagnosis\r\n"
                  "E1;M1;01100001;2025-03-10;2025-03-03;huisarts/12011;11,50;caf\u00e9\r\n".encode("cp1252"))
    df, errors = read_lines(f)
    assert not errors
    assert df["declared"].to_list() == [1150] and df["diagnosis"].to_list() == ["caf\u00e9"]


def test_a_folder_named_like_a_file_is_said_to_be_a_folder(tmp_path):
    d = tmp_path / "d.csv"
    d.mkdir()
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_lines(d)


def test_a_member_whose_world_row_is_bad_has_its_lines_held_not_refused(tmp_path, library, reference):
    from zorgclaim.app.context import Context
    from zorgclaim.app.files import adjudicate_file
    from zorgclaim.store.db import connect
    world_dir = tmp_path / "world"
    world_dir.mkdir()
    (world_dir / "members.csv").write_text("member_id,birth_date\nM1,1970-01-01\nM2,01-01-1970\n")
    (world_dir / "coverages.csv").write_text("member_id,product,from,to\nM1,onvz/vrije-keuze-basis,2025-01-01,2025-12-31\n"
                                             "M2,onvz/vrije-keuze-basis,2025-01-01,2025-12-31\n")
    world, errors = read_world(world_dir, library, reference)
    assert world.unreadable_members == frozenset({"M2"})
    assert "YYYY-MM-DD" in str(errors[0])
    lines = tmp_path / "lines.csv"
    lines.write_text(HEADER + "H1,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.50\n"
                     + "H2,M2,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.50\n")
    import datetime as dt
    ctx = Context(connect(f"sqlite:///{tmp_path}/z.db"), world, tmp_path / "data", lambda: dt.date(2025, 12, 31))
    run = adjudicate_file(ctx, lines, tmp_path / "out")
    assert run.decisions["line_id"].to_list() == ["H1"]
    assert run.held["line_id"].to_list() == ["H2"] and (tmp_path / "out" / "held_lines.csv").exists()


def test_a_row_with_too_many_fields_is_reported_and_the_others_kept_with_their_own_lines(tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text(HEADER
                 + "R1,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11.50\n"
                 + "R2,M1,01100001,2025-03-10,2025-03-03,huisarts/12011,1,11,50\n"          # an unquoted decimal comma
                 + "R3,M1,01100001,2025-03-10,2025-03-04,huisarts/12011,1,abc\n"
                 + "R4,M1,01100001,2025-03-10,2025-03-05,huisarts/12011,1,12.00\n")
    df, errors = read_lines(f)
    assert df["line_id"].to_list() == ["R1", "R4"]
    assert [(e.line, e.field) for e in errors] == [(3, "-"), (4, "amount")]
    assert "9 fields where the header names 8" in str(errors[0])


def test_an_upload_without_a_received_column_is_received_today(tmp_path):
    import datetime as dt
    f = tmp_path / "noreceived.csv"
    f.write_text("line_id,member_id,provider,service_date,code,amount\nN1,M1,01100001,2025-03-03,huisarts/12011,11.50\n")
    with pytest.raises(InputError, match="received"):
        read_lines(f)                                     # a batch on the command line must say when it came
    df, errors = read_lines(f, default_received=dt.date(2025, 3, 10))
    assert not errors and df["received"].to_list() == [dt.date(2025, 3, 10)]
