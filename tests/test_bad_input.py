"""The bad-input catalogue: every reader and many command-line options given something wrong. For
each: the message names the place (file, line, field or option), nothing internal shows (no
traceback, no library's type names), the exit code says what happened (1: rows were left out,
the rest decided; 2: nothing could be done), and the good rows of the same file were decided.

All cases run in one process (tests/bad_input_runner.py) so that forty cases take seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
HEADER = "line_id,member_id,provider,received,service_date,code,quantity,amount,diagnosis,csi\n"
GOOD = "L1,M1,04123456,2025-05-02,2025-04-17,fysio/1000,1,38.50,7023,012\n"
INTERNAL = ("Traceback", "polars.", "PlRefPath", "InvalidOperationError", "ComputeError", "pydantic_core",
            "KeyError", "AttributeError", "UNCAUGHT", "sqlalchemy.")


def _world(folder: Path, members: str = "member_id,bsn,birth_date\nM1,111222333,1961-03-04\n",
           extra: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "members.csv").write_text(members) if isinstance(members, str) else (folder / "members.csv").write_bytes(members)
    (folder / "coverages.csv").write_text("member_id,product,from,to\nM1,onvz/vrije-keuze-basis,2025-01-01,2025-12-31\n")
    (folder / "contract_tariffs.csv").write_text("provider,insurer,from,to,code,tariff\n"
                                                 "04123456,onvz,2025-01-01,2025-12-31,fysio/1000,36.50\n")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def _cases(tmp: Path) -> list[dict]:
    """(name, files to write, argv, exit code, what the output must say, the lines decided)."""
    w = _world(tmp / "world")
    cases = []

    def lines_case(name, filename, content, code, says, decided=(), world=w, args=()):
        f = tmp / name / filename
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(content if isinstance(content, bytes) else content.encode())
        out = tmp / name / "out"
        cases.append({"name": name, "argv": ["adjudicate", str(f), "--world", str(world), "--out", str(out), "-q", *args],
                      "code": code, "says": says, "decided": list(decided), "out": str(out)})

    row = "L2,M1,04123456,2025-05-02,2025-04-18,fysio/1000,1,{},7023,012\n"
    lines_case("amount-huge", "l.csv", HEADER + GOOD + row.format("99999999999999999"), 1, ["l.csv:3", "amount"], ["L1"])
    lines_case("amount-over-10m", "l.csv", HEADER + GOOD + row.format("12000000.00"), 1, ["l.csv:3", "10,000,000"], ["L1"])
    lines_case("amount-thousands", "l.csv", HEADER + GOOD + row.format('"1.234,56"'), 1, ["l.csv:3", "amount"], ["L1"])
    lines_case("country-not-iso", "l.csv", HEADER.replace("csi\n", "csi,country\n") + GOOD.replace("012\n", "012,\n")
               + row.format("38.50").replace("012\n", "012,Spanje\n"), 1, ["l.csv:3", "country", "ISO 3166"], ["L1"])
    lines_case("abroad-agb-like", "l.csv", HEADER.replace("csi\n", "csi,country\n") + GOOD.replace("012\n", "012,\n")
               + row.format("38.50").replace("012\n", "012,ES\n"), 1, ["l.csv:3", "provider", "AGB"], ["L1"])
    lines_case("amount-text", "l.csv", HEADER + GOOD + row.format("veertig"), 1, ["l.csv:3", "amount"], ["L1"])
    lines_case("amount-empty", "l.csv", HEADER + GOOD + row.format(""), 1, ["l.csv:3", "amount"], ["L1"])
    lines_case("latin-1", "l.csv", (HEADER + GOOD + row.format("38.50").replace("7023,012", "7023,012")).encode("cp1252")
               + "L3,M1,04123456,2025-05-02,2025-04-19,fysio/1000,1,38.50,caf\u00e9,012\n".encode("cp1252"),
               0, [], ["L1", "L2", "L3"])
    lines_case("semicolons", "l.csv", (HEADER + GOOD).replace(",", ";").replace("38.50", "38,50"), 0, [], ["L1"])
    lines_case("date-format", "l.csv", HEADER + GOOD + "L2,M1,04123456,2025-05-02,18-04-2025,fysio/1000,1,38.50,7023,012\n",
               1, ["l.csv:3", "service_date", "YYYY-MM-DD"], ["L1"])
    lines_case("date-impossible", "l.csv", HEADER + GOOD + "L2,M1,04123456,2025-05-02,2025-02-30,fysio/1000,1,38.50,7023,012\n",
               1, ["l.csv:3", "service_date"], ["L1"])
    lines_case("quantity-word", "l.csv", HEADER + GOOD + "L2,M1,04123456,2025-05-02,2025-04-18,fysio/1000,twee,38.50,7023,012\n",
               1, ["l.csv:3", "quantity", "whole number"], ["L1"])
    lines_case("line-id-empty", "l.csv", HEADER + GOOD + ",M1,04123456,2025-05-02,2025-04-18,fysio/1000,1,38.50,7023,012\n",
               1, ["l.csv:3", "line_id"], ["L1"])
    lines_case("member-empty", "l.csv", HEADER + GOOD + "L2,,04123456,2025-05-02,2025-04-18,fysio/1000,1,38.50,7023,012\n",
               1, ["l.csv:3", "member_id"], ["L1"])
    lines_case("ragged-row", "l.csv", HEADER + GOOD + "L2,M1,04123456,2025-05-02,2025-04-18,fysio/1000,1,38,50,7023,012\n",
               1, ["l.csv:3", "fields where the header names"], ["L1"])
    lines_case("missing-column", "l.csv", "line_id,member_id,provider,received,service_date,amount\nL1,M1,04123456,"
               "2025-05-02,2025-04-17,38.50\n", 2, ["l.csv", "missing column", "code"])
    lines_case("no-amount-column", "l.csv", "line_id,member_id,provider,received,service_date,code\nL1,M1,04123456,"
               "2025-05-02,2025-04-17,fysio/1000\n", 2, ["l.csv", "amount"])
    lines_case("empty-file", "l.csv", "", 2, ["l.csv"])
    lines_case("header-only", "l.csv", HEADER, 2, ["l.csv", "no readable claim lines"])
    lines_case("unknown-code", "l.csv", HEADER + GOOD + row.format("38.50").replace("fysio/1000", "fysio/9999"), 0, [],
               ["L1", "L2"])
    lines_case("unknown-member", "l.csv", HEADER + GOOD + row.format("38.50").replace("L2,M1", "L2,M9"), 0, [],
               ["L1", "L2"])
    lines_case("json-broken", "l.json", "[{", 2, ["l.json", "JSON"])
    lines_case("json-bad-amount", "l.json", json.dumps([
        {"line_id": "L1", "member_id": "M1", "provider": "04123456", "received": "2025-05-02", "service_date": "2025-04-17",
         "code": "fysio/1000", "amount": "38.50", "diagnosis": "7023", "csi": "012"},
        {"line_id": "L2", "member_id": "M1", "provider": "04123456", "received": "2025-05-02", "service_date": "2025-04-18",
         "code": "fysio/1000", "amount": "x", "diagnosis": "7023", "csi": "012"}]), 1, ["l.json:2", "amount"], ["L1"])
    lines_case("ndjson-broken", "l.ndjson", '{"line_id": "L1"\n', 2, ["l.ndjson"])
    lines_case("parquet-garbage", "l.parquet", b"PAR1 this is not parquet", 2, ["l.parquet", "Parquet"])
    lines_case("pm304-garbage", "x.pm304", "garbage\n", 2, ["x.pm304", "PM304"])
    lines_case("zh308-garbage", "x.zh308", "garbage\n", 2, ["x.zh308"])
    lines_case("unknown-extension", "l.xlsx", b"PK\x03\x04", 2, ["l.xlsx"])
    folder = tmp / "d.csv"
    folder.mkdir()
    cases.append({"name": "folder-named-csv", "argv": ["adjudicate", str(folder), "--world", str(w), "-q"], "code": 2,
                  "says": ["d.csv", "folder"], "decided": []})
    # the world
    good_lines = tmp / "good.csv"
    good_lines.write_text(HEADER + GOOD + "L2,M2,04123456,2025-05-02,2025-04-18,fysio/1000,1,38.50,7023,012\n")

    def world_case(name, code, says, decided, members=None, extra=None, world=None):
        wf = world or _world(tmp / name, members or "member_id,bsn,birth_date\nM1,111222333,1961-03-04\n", extra)
        out = tmp / name / "out"
        cases.append({"name": name, "argv": ["adjudicate", str(good_lines), "--world", str(wf), "--out", str(out), "-q"],
                      "code": code, "says": says, "decided": decided, "out": str(out)})

    world_case("world-bad-birth-date", 1, ["members.csv:3", "birth_date", "held"], ["L1"],
               "member_id,bsn,birth_date\nM1,111222333,1961-03-04\nM2,,04-03-1961\n")
    world_case("world-duplicate-member", 1, ["members.csv:3", "given again"], ["L1", "L2"],
               "member_id,bsn,birth_date\nM1,111222333,1961-03-04\nM1,,1970-01-01\n")
    world_case("world-ragged-member", 1, ["members.csv:3", "fields where the header names"], ["L1", "L2"],
               "member_id,bsn,birth_date\nM1,111222333,1961-03-04\nM2,1,2,3,4\n")
    world_case("world-latin-1", 0, [], ["L1", "L2"],
               "member_id,bsn,birth_date,name\nM1,111222333,1961-03-04,Ren\u00e9e\n".encode("cp1252"))
    world_case("world-bad-tariff", 1, ["contract_tariffs.csv:2", "tariff"], ["L1", "L2"],
               extra={"contract_tariffs.csv": "provider,insurer,from,to,code,tariff\n04123456,onvz,2025-01-01,2025-12-31,fysio/1000,abc\n"})
    world_case("world-unknown-product", 2, ["coverages", "unknown product"], [],
               extra={"coverages.csv": "member_id,product,from,to\nM1,nope/basis,2025-01-01,2025-12-31\n"})
    bare = tmp / "world-no-members"
    bare.mkdir()
    world_case("world-no-members", 2, ["members.csv or members.parquet is required"], [], world=bare)
    world_case("world-not-a-folder", 2, ["not a folder"], [], world=good_lines)
    # scenario files
    s = tmp / "bad.yaml"
    s.write_text("scenario: x\ntoday: 2025-01-01\nmembers: [\n")
    # scenario check counts files: one that cannot be read is a failed file (exit 1), named with its line
    cases.append({"name": "scenario-broken-yaml", "argv": ["scenario", "check", str(s)], "code": 1, "says": ["bad.yaml:4"],
                  "decided": []})
    s2 = tmp / "nofield.yaml"
    s2.write_text("scenario: x\nmembers: []\n")
    cases.append({"name": "scenario-missing-field", "argv": ["scenario", "check", str(s2)], "code": 1,
                  "says": ["nofield.yaml", "today"], "decided": []})
    # options
    for name, argv, says in (
            ("explain-lang", ["explain", "L1", "--lang", "fr"], ["--lang"]),
            ("explain-no-file", ["explain", "L1", "--decisions", str(tmp / "none.parquet")], ["no decisions file"]),
            ("pay-bad-date", ["pay", "--date", "2025-13-01", "--world", str(w)], ["--date"]),
            ("statement-bad-from", ["statement", "04123456", "--from", "gisteren"], ["--from"]),
            ("statement-period-reversed", ["statement", "04123456", "--from", "2025-12-01", "--to", "2025-01-01"], ["--to"]),
            ("adjudicate-no-world", ["adjudicate", str(good_lines)], ["--world"]),
            ("adjudicate-partitions-zero", ["adjudicate", str(good_lines), "--world", str(w), "--partitions", "0"],
             ["--partitions"]),
            ("member-unknown", ["member", "NOPE", "--world", str(w)], ["NOPE"]),
            ("line-unknown", ["line", "NOPE"], ["NOPE"]),
            ("reconsider-bad-authorization", ["reconsider", "NOPE", "--world", str(w), "--by", "a", "--reason", "b",
                                             "--add-authorization", "A1:msr"], ["--add-authorization"]),
            ("unknown-command", ["frobnicate"], ["frobnicate"])):
        cases.append({"name": name, "argv": argv, "code": 2, "says": says, "decided": []})
    cases += _book_cases(tmp, w, good_lines)
    return cases


def _book_cases(tmp: Path, w: Path, good_lines: Path) -> list[dict]:
    """Cases that need the ones before them (the same store): run in this order."""
    ex = HERE.parent / "examples"
    out = tmp / "noexplain"
    cases = [
        {"name": "books-intake", "argv": ["intake", str(ex / "lines.csv")], "code": 0, "says": ["26 lines stored"]},
        {"name": "books-process", "argv": ["process", "--world", str(ex / "world"), "--booked", "2025-06-30"], "code": 0,
         "says": ["26 lines decided"]},
        # an authorization for a benefit no product has: refused before anything changes
        {"name": "reconsider-unknown-benefit", "argv": ["reconsider", "G1", "--world", str(ex / "world"), "--by", "a",
                                                        "--reason", "test it", "--add-authorization", "A9:nope:2025-01-01"],
         "code": 2, "says": ["no benefit 'nope'"]},
        {"name": "line-not-changed", "argv": ["line", "G1"], "code": 0, "says": ["G1"], "not_says": ["G1-R1"]},
        # a run dated before the lines were booked pays nothing
        {"name": "pay-before-booking", "argv": ["pay", "--date", "2025-06-01", "--world", str(ex / "world")], "code": 0,
         "says": ["nothing due"]},
        {"name": "no-explain-decided", "argv": ["adjudicate", str(good_lines), "--world", str(w), "--out", str(out), "-q",
                                                "--no-explain"], "code": 0, "says": []},
        {"name": "explain-without-steps", "argv": ["explain", "L1", "--decisions", str(out / "decisions.parquet")],
         "code": 0, "says": ["--no-explain"]},
    ]
    pm304 = _pm304(tmp, w)
    again = tmp / "renamed.pm304"
    again.write_bytes(pm304.read_bytes())
    cases += [
        {"name": "pm304-first", "argv": ["adjudicate", str(pm304), "--world", str(w), "--out", str(tmp / "p1"), "-q"],
         "code": 0, "says": ["PM305"]},
        # the same declaration under another name: the store remembers it (8067), nothing is decided twice
        {"name": "pm304-again-other-name", "argv": ["adjudicate", str(again), "--world", str(w), "--out", str(tmp / "p2"),
                                                    "-q"], "code": 1, "says": ["8067"]},
    ]
    contracts = HERE.parent / "src" / "zorgclaim" / "dbc" / "data" / "clinic_contracts_example.csv"
    clinic = tmp / "clinic"
    cases += [
        {"name": "dbc-demo", "argv": ["dbc", "demo", "--out", str(clinic), "--patients", "20"], "code": 0, "says": []},
        # a DBC is checked against the insurer of its start, not one the patient moved to later (no 0320)
        {"name": "dbc-precheck-moved-insurer", "argv": ["dbc", "precheck", str(clinic / "activities.csv"), "--patients",
                                                        str(clinic / "patients.csv"), "--contracts", str(contracts),
                                                        "--out", str(tmp / "pc")],
         "code": 0, "says": ["skipped"], "not_says": ["0320"]},
    ]
    for c in cases:
        c.setdefault("decided", [])
    return cases


def _pm304(tmp: Path, world: Path) -> Path:
    import datetime as dt

    from zorgclaim.domain.schema import conform_lines
    from zorgclaim.formats.vektis.write import write_pm304
    lines = conform_lines(pl.DataFrame({
        "line_id": ["V1", "V2"], "member_id": ["M1", "M1"], "provider": ["04123456"] * 2,
        "service_date": [dt.date(2025, 4, 17), dt.date(2025, 4, 24)], "code": ["fysio/1000"] * 2, "quantity": [1, 1],
        "declared": [3850, 3850], "diagnosis": ["7023"] * 2, "csi": ["012"] * 2}).with_columns(
        pl.lit(dt.date(2025, 5, 2)).alias("received")))
    members = pl.DataFrame({"member_id": ["M1"], "bsn": ["111222333"], "birth_date": [dt.date(1961, 3, 4)]})
    f = tmp / "april.pm304"
    f.write_bytes(write_pm304(lines, members, "INV-APR-1", dt.date(2025, 5, 2), provider="04123456").encode("latin-1"))
    return f


def test_bad_input_catalogue(tmp_path):
    cases = _cases(tmp_path)
    assert len(cases) >= 40
    env = dict(os.environ, ZORGCLAIM_HOME=str(tmp_path / "home"), COLUMNS="200")
    env.pop("ZORGCLAIM_DEBUG", None)
    r = subprocess.run([sys.executable, str(HERE / "bad_input_runner.py")], input=json.dumps(cases), capture_output=True,
                       text=True, env=env, timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    results = {x["name"]: x for x in json.loads(r.stdout)}
    failures = []
    for case in cases:
        got = results[case["name"]]
        text = got["stdout"] + got["stderr"]
        flat = " ".join(text.split())
        problems = []
        if got["code"] != case["code"]:
            problems.append(f"exit {got['code']}, expected {case['code']}")
        problems += [f"does not say {s!r}" for s in case["says"] if s not in flat]
        problems += [f"says {s!r}" for s in case.get("not_says", []) if s in flat]
        problems += [f"shows internals ({s})" for s in INTERNAL if s in text]
        if case["decided"]:
            csv = Path(case["out"]) / "decisions.csv"
            decided = sorted(pl.read_csv(csv)["line_id"].to_list()) if csv.exists() else []
            if decided != sorted(case["decided"]):
                problems.append(f"decided {decided}, expected {case['decided']}")
        if problems:
            failures.append(f"{case['name']}: {'; '.join(problems)} | {flat[:300]}")
    assert not failures, "\n".join(failures)
