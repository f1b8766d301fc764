"""The command line as a user runs it: exit codes, output, no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCEN = Path(__file__).parent / "scenarios"


def design_world(tmp_path) -> Path:
    """The worked example's world: member M1 on ONVZ Vrije Keuze, contract tariff EUR 36.50."""
    world = tmp_path / "world"
    world.mkdir()
    (world / "members.csv").write_text("member_id,bsn,birth_date\nM1,111222333,1961-03-04\n")
    (world / "coverages.csv").write_text("member_id,product,from,to\nM1,onvz/vrije-keuze-basis,2025-01-01,2025-12-31\n")
    (world / "contract_tariffs.csv").write_text(
        "provider,insurer,from,to,code,tariff\n04123456,onvz,2025-01-01,2025-12-31,fysio/1000,36.50\n")
    return world


def run(*args, cwd=None, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "zorgclaim.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=e, timeout=300)


def test_scenario_check_passes_and_fails(tmp_path):
    ok = run("scenario", "check", SCEN / "ruling_202501216_bad_boekelo.yaml")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 passed, 0 failed" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text((SCEN / "coverage_gp_no_deductible.yaml").read_text().replace("paid: 11.5", "paid: 99.0"))
    r = run("scenario", "check", bad)
    assert r.returncode == 1
    assert "L1.paid: expected 99.00, got 11.50" in r.stdout


def test_scenario_run_json_uses_design_field_names():
    r = run("scenario", "run", SCEN / "design_example_artrose_tariff.yaml", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out[0]) >= {"line", "status", "allowed", "paid", "payer", "deductible", "codes", "explanation"}
    assert out[0]["allowed"] == "36.50" and out[0]["codes"] == ["0611"]
    assert any(step["code"] == "0611" for step in out[0]["explanation"])


def test_adjudicate_and_explain(tmp_path):
    world = design_world(tmp_path)
    lines = tmp_path / "lines.csv"
    lines.write_text("line_id,member_id,provider,received,service_date,code,amount,diagnosis,csi\n"
                     "L1,M1,04123456,2025-05-02,2025-04-17,fysio/1000,38.50,7023,012\n"
                     "L2,M1,04123456,2025-05-02,not-a-date,fysio/1000,38.50,7023,012\n")
    out = tmp_path / "out"
    r = run("adjudicate", lines, "--world", world, "--out", out)
    assert r.returncode == 1  # a row was skipped: say so in the exit code
    assert "lines.csv:3: field 'service_date'" in r.stderr
    assert (out / "decisions.parquet").exists() and (out / "decisions.csv").exists()
    assert "36.50" in (out / "decisions.csv").read_text()
    e = run("explain", "L1", "--decisions", out / "decisions.parquet")
    assert e.returncode == 0, e.stderr
    assert "gecontracteerd tarief € 36,50" in e.stdout and "[0611]" in e.stdout
    en = run("explain", "L1", "--decisions", out / "decisions.parquet", "--lang", "en")
    assert "contracted tariff € 36,50" in en.stdout
    missing = run("explain", "L9", "--decisions", out / "decisions.parquet")
    assert missing.returncode == 2 and "not in" in missing.stderr
    quick = tmp_path / "quick"
    run("adjudicate", lines, "--world", world, "--out", quick, "--no-explain")
    bare = run("explain", "L1", "--decisions", quick / "decisions.parquet")
    assert bare.returncode == 0 and "--no-explain" in bare.stdout        # says why there are no steps


@pytest.mark.parametrize("args", [("adjudicate", "nope.csv", "--world", "."), ("scenario", "run", "nope.yaml")])
def test_errors_are_messages_not_tracebacks(args, tmp_path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "error:" in r.stderr


def test_demo_small(tmp_path):
    r = run("demo", "--members", "200", "--lines", "2000", "--out", tmp_path / "out", cwd=tmp_path,
            env={"ZORGCLAIM_HOME": str(tmp_path / "home")})
    assert r.returncode == 0, r.stderr
    assert "per status" in r.stdout and "Deductible charged" in r.stdout
    assert (tmp_path / "out" / "decisions.parquet").exists()


def test_state_carries_the_deductible_between_batches(tmp_path):
    world = tmp_path / "world"
    world.mkdir()
    (world / "members.csv").write_text("member_id,birth_date\nM1,1941-02-02\n")
    (world / "coverages.csv").write_text("member_id,product,from,to\nM1,onvz/vrije-keuze-basis,2025-01-01,2025-12-31\n")
    (world / "providers.csv").write_text("agb,name,kind\n47100001,Verpleeghuis,verpleeghuis\n")
    (world / "contract_tariffs.csv").write_text("provider,insurer,from,to,code,tariff\n47100001,onvz,2025-01-01,2025-12-31,gr/GR-BEH,300.00\n")
    head = "line_id,member_id,provider,received,service_date,code,amount,indication_kind\n"
    (tmp_path / "a.csv").write_text(head + "L1,M1,47100001,2025-02-10,2025-02-03,gr/GR-BEH,300.00,gr\n")
    (tmp_path / "b.csv").write_text(head + "L2,M1,47100001,2025-03-10,2025-03-03,gr/GR-BEH,300.00,gr\n")
    state = tmp_path / "state"
    for f in ("a.csv", "b.csv"):
        r = run("adjudicate", tmp_path / f, "--world", world, "--out", tmp_path / f"out-{f}", "--state", state, "-q")
        assert r.returncode == 0, r.stderr
    import polars as pl
    b = pl.read_parquet(tmp_path / "out-b.csv" / "decisions.parquet")
    assert b["deductible"].to_list() == [8500]  # 385 - 300 left after the first batch


def test_scenario_run_several_files():
    r = run("scenario", "run", SCEN / "formal_0300_member_unknown.yaml", SCEN / "formal_8983_wlz.yaml", "--json")
    out = json.loads(r.stdout)
    assert {o["scenario"].split("/")[-1] for o in out} == {"formal_0300_member_unknown.yaml", "formal_8983_wlz.yaml"}


def test_dbc_group_and_patient_share(tmp_path):
    acts = tmp_path / "activities.csv"
    acts.write_text("patient,date,discipline,minutes,kind,diagnosis,care_demand\n"
                    "P1,2024-03-04,revalidatiearts,25,contact,HAND-01,Z1\n"
                    "P1,2024-03-11,fysiotherapeut,30,no_show,HAND-01,Z1\n"
                    "P1,2024-03-12,nobody,30,gossip,HAND-01,Z1\n")
    r = run("dbc", "group", acts, "--out", tmp_path / "out", "--as-of", "2024-03-20")
    assert r.returncode == 1 and "activities.csv:4: field 'kind'" in r.stderr
    assert "Open on 2024-03-20: 1 DBCs" in r.stdout
    assert (tmp_path / "out" / "invoice_lines.csv").read_text().count("\n") == 6  # header + 5 units of 5 minutes
    assert "60.17" in (tmp_path / "out" / "no_show_invoices.csv").read_text()
    s = run("dbc", "patient-share", "--invoice", "1000.00", "--reimbursed", "200.00", "--deductible", "385.00")
    assert s.returncode == 0 and "€ 985,00" in s.stdout and "Not due yet" in s.stdout
    s = run("dbc", "patient-share", "--invoice", "1000.00", "--reimbursed", "200.00", "--insurer-paid-on", "2024-06-03")
    assert s.returncode == 0 and "Due: 03-07-2024" in s.stdout
    mats = tmp_path / "materials.csv"
    mats.write_text("patient,date,kind,item,amount\nP1,2024-03-04,spalk,duimspalk,95.00\nP1,2024-03-04,brace,x,lots\n")
    pats = tmp_path / "patients.csv"
    pats.write_text("patient,insurer,from,to\nP1,VGZ,2024-01-01,\n")
    r = run("dbc", "group", acts, "--patients", pats, "--materials", mats, "--out", tmp_path / "out2")
    assert r.returncode == 1 and "materials.csv:3: field 'amount'" in r.stderr
    assert "P1,2024-03-04,spalk,duimspalk,95.00,vgz,insurer" in (tmp_path / "out2" / "material_invoices.csv").read_text()


def test_dbc_demo(tmp_path):
    r = run("dbc", "demo", "--patients", "40", "--out", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert "DBCs per product" in r.stdout and "billed to" in r.stdout
    assert any((tmp_path / "d" / "invoices").iterdir())


def test_adjudicate_pm304_writes_pm305(tmp_path):
    golden = Path(__file__).parent / "vektis" / "golden.pm304"
    world = design_world(tmp_path)
    env = {"ZORGCLAIM_HOME": str(tmp_path / "home")}
    r = run("adjudicate", golden, "--world", world, "--out", tmp_path / "ret.pm305", "-q", env=env)
    assert r.returncode == 0, r.stderr
    from zorgclaim.formats.vektis.write import read_pm305
    ret = read_pm305((tmp_path / "ret.pm305").read_bytes().decode("latin-1"))
    assert ret["lines"]["REF0000001"] == {"allowed": 3650, "paid": 3650, "codes": ["0611"]}
    again = run("adjudicate", golden, "--world", world, "--out", tmp_path / "ret2.pm305", "-q", env=env)
    assert again.returncode == 1 and "file rejected" in again.stdout
    assert read_pm305((tmp_path / "ret2.pm305").read_bytes().decode("latin-1"))["file_codes"][:2] == ["0001", "0030"]


def test_adjudicate_fhir_bundle(tmp_path):
    world = design_world(tmp_path)
    r = run("adjudicate", Path(__file__).parent / "fhir" / "claim-bundle.json", "--world", world, "--out", tmp_path / "o", "-q")
    assert r.returncode == 0, r.stderr
    bundle = json.loads((tmp_path / "o" / "fhir-responses.json").read_text())
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["ClaimResponse", "ExplanationOfBenefit", "CodeSystem"]


def test_books_demo_then_statement_ledger_pay_and_line(tmp_path):
    env = {"ZORGCLAIM_HOME": str(tmp_path / "home")}
    assert run("demo", "--members", "300", "--lines", "3000", cwd=tmp_path, env=env).returncode == 0
    r = run("books-demo", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert "total € 0,00" in r.stdout and "Reconsidered" in r.stdout
    db = {**env, "ZORGCLAIM_DATABASE_URL": f"sqlite:///{tmp_path / 'home' / 'books-demo' / 'zorgclaim.db'}"}
    led = run("ledger", cwd=tmp_path, env=db)
    assert led.returncode == 0 and "total" in led.stdout, led.stderr
    line_id = r.stdout.split("zorgclaim line ")[1].split()[0]
    hist = run("line", line_id, cwd=tmp_path, env=db)
    # the audit trail in words and euros (not raw records)
    assert hist.returncode == 0 and "opnieuw beslist" in hist.stdout and f"{line_id}-R1" in hist.stdout
    assert "{'" not in hist.stdout and "verschil: €" in hist.stdout
    assert "First-pass rate" in r.stdout
    agb = r.stdout.split("zorgclaim statement ")[1].split()[0]
    st = run("statement", agb, "--from", "2020-01-01", "--to", "2030-12-31", cwd=tmp_path, env=db)
    assert st.returncode == 0 and "opening balance" in st.stdout and "closing balance" in st.stdout
    # a run pays what fell due after the demo's last month; a second run on that date finds nothing left
    for _ in range(2):
        again = run("pay", "--date", "2035-01-01", "--world", tmp_path / "home" / "demo" / "world", cwd=tmp_path, env=db)
        assert again.returncode == 0, again.stderr
    assert "nothing due" in again.stdout
    bad = run("reconsider", line_id, "--world", tmp_path / "home" / "demo" / "world", "--by", "x", "--reason", "y",
              "--add-authorization", "nonsense", cwd=tmp_path, env=db)
    assert bad.returncode == 2 and "ID:BENEFIT:FROM" in bad.stderr and "Traceback" not in bad.stderr
    twice = run("reconsider", line_id, "--world", tmp_path / "home" / "demo" / "world", "--by", "x", "--reason", "y",
                "--code", "fysio/1000", cwd=tmp_path, env=db)
    assert twice.returncode == 2 and "reconsidered before" in twice.stderr


def test_version_json_answers_and_which_store_an_empty_ledger_read(tmp_path):
    v = run("--version")
    assert v.returncode == 0 and v.stdout.startswith("zorgclaim ")
    home = {"ZORGCLAIM_HOME": str(tmp_path / "home")}
    led = run("ledger", env=home)
    assert led.returncode == 0 and "store: sqlite" in led.stderr and "books-demo" in led.stderr
    j = json.loads(run("ledger", "--json", env=home).stdout)
    assert j["accounts"] == [] and j["total"] == 0
    world = design_world(tmp_path)
    lines = tmp_path / "lines.csv"
    lines.write_text("line_id,member_id,provider,received,service_date,code,amount,diagnosis,csi\n"
                     "L1,M1,04123456,2025-05-02,2025-04-17,fysio/1000,38.50,7023,012\n")
    run("adjudicate", lines, "--world", world, "--out", tmp_path / "out")
    e = json.loads(run("explain", "L1", "--decisions", tmp_path / "out" / "decisions.parquet", "--json").stdout)
    assert e["line_id"] == "L1" and e["allowed"] == 3650 and e["explanation"]


def test_dbc_precheck_checks_a_dbc_only_against_the_insurer_of_its_start(tmp_path):
    """A patient insured by an insurer outside the library when the DBC started, and by a known one
    later, is not checked against the later insurer's product (that would be 0320): it is skipped,
    and its ZH308 for the insurer of the start is still written."""
    from zorgclaim.app import dbc
    import datetime as dt
    dbc.demo(20, 2024, tmp_path)
    contracts = Path(__file__).resolve().parent.parent / "src/zorgclaim/dbc/data/clinic_contracts_example.csv"
    r = dbc.precheck(tmp_path / "activities.csv", tmp_path / "patients.csv", contracts, "23999999", tmp_path / "pc",
                     dt.date(2026, 11, 26))
    assert r.decisions.height > 0 and r.skipped > 0
    assert not any("0320" in codes for codes in r.decisions["codes"].to_list())
    assert "zilveren-kruis" in r.zh308
