"""The books on the store: ledger postings, statements, payment runs (credit offset, working days
around Easter and King's Day, nothing paid twice), deductible invoices and reconsideration."""

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from zorgclaim.domain.schema import conform_lines
from zorgclaim.domain.world import World
from zorgclaim.scenarios.runner import load_scenario, scenario_lines, scenario_world
from zorgclaim.store.db import connect
from zorgclaim.store.ledger import deductible_invoices, pay, statement, trial_balance
from zorgclaim.store.models import LedgerTransaction, Transfer
from zorgclaim.store.reconsider import NewAuthorization, ReconsiderError, line_history, reconsider
from zorgclaim.store.repository import decisions_frame, intake, process

D = dt.date
FYSIO = "04123456"
SCEN = Path(__file__).parent / "scenarios"


@pytest.fixture
def engine(new_url):
    return connect(new_url("books.db"))


@pytest.fixture
def world(library, reference):
    """M1 (adult: pays deductible), M2 (a child: no deductible), a contracted physiotherapist with a
    14-day payment term, and one without an IBAN."""
    members = pl.DataFrame({"member_id": ["M1", "M2", "M3"], "birth_date": [D(1961, 3, 4), D(2015, 1, 1), D(1980, 1, 1)],
                            "name": ["A. de Vries", "B. de Vries", None],
                            "iban": ["NL20INGB0001234567", "NL20INGB0001234567", "NL00XXXX0000000000"]})
    cov = pl.DataFrame({"member_id": ["M1", "M2", "M3"], "product": ["onvz/vrije-keuze-basis"] * 3,
                        "from": [D(2025, 1, 1)] * 3, "to": [None] * 3}, schema_overrides={"to": pl.Date})
    providers = pl.DataFrame({"agb": [FYSIO, "04999999"], "name": ["Fysio Centrum", "Fysio Zonder Rekening"],
                              "kind": ["fysiotherapie"] * 2, "iban": ["NL91ABNA0417164300", None]})
    contracts = pl.DataFrame({"provider": [FYSIO], "insurer": ["onvz"], "from": [D(2025, 1, 1)], "to": [D(2026, 12, 31)],
                              "payment_agreement": [True], "payment_term_days": [14]})
    tariffs = pl.DataFrame({"provider": [FYSIO], "insurer": ["onvz"], "from": [D(2025, 1, 1)], "to": [D(2026, 12, 31)],
                            "code": ["fysio/1000"], "tariff": [3650]})
    return World(library, reference, members=members, coverages=cov, providers=providers, contracts=contracts,
                 contract_tariffs=tariffs)


def lines(*rows):
    """rows: (line_id, member, received, service_date, declared cents[, submitted_by, channel, credits, provider])"""
    out = []
    for r in rows:
        lid, m, rec, svc, amount, *rest = r
        by, channel, credits, prov = (rest + [None] * 4)[:4]
        out.append({"line_id": lid, "member_id": m, "provider": prov or FYSIO, "received": rec, "service_date": svc,
                    "code": "fysio/1000", "declared": amount, "diagnosis": "7023", "csi": "012",
                    "submitted_by": by or "provider", "channel": channel or ("vecozo" if (by or "provider") == "provider" else "online"),
                    "credits": credits})
    return conform_lines(pl.DataFrame(out))


def take(engine, world, frame, name, booked):
    intake(engine, frame, name, name, booked)
    process(engine, world, booked=booked)


def test_the_database_refuses_an_unbalanced_or_empty_transfer(engine):
    with engine.begin() as conn:
        tid = conn.execute(insert(LedgerTransaction).values(kind="test", booked=D(2026, 1, 5), memo="x",
                                                            created_at=dt.datetime.now()).returning(LedgerTransaction.id)).scalar_one()
    for bad in ({"debit": "a", "credit": "b", "amount": 0}, {"debit": "a", "credit": "b", "amount": -5},
                {"debit": "a", "credit": "a", "amount": 5}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(Transfer).values(transaction_id=tid, due=D(2026, 1, 5), **bad))


def test_credit_is_offset_across_payment_runs(engine, world, tmp_path):
    # run 1 pays the first claim (36.50 at the contract tariff, due 14 days after receipt)
    take(engine, world, lines(("L1", "M1", D(2025, 3, 3), D(2025, 3, 1), 3850)), "f1", D(2025, 3, 3))
    r1 = pay(engine, world, D(2025, 3, 16), tmp_path)
    assert r1.payments.height == 0                      # due 17 March: not yet
    r1 = pay(engine, world, D(2025, 3, 17), tmp_path)
    assert r1.payments.select("account", "amount").rows() == [(f"provider:{FYSIO}", 3650)]
    # the provider credits L1 and sends L2: the account goes to 0.00 - ... = -36.50 + 36.50 = 0, then negative
    take(engine, world, lines(("L1c", "M1", D(2025, 3, 20), D(2025, 3, 1), -3850, "provider", "vecozo", "L1"),
                              ("L2", "M1", D(2025, 3, 20), D(2025, 3, 8), 3850)), "f2", D(2025, 3, 20))
    take(engine, world, lines(("L1c2", "M1", D(2025, 3, 21), D(2025, 3, 1), -3850, "provider", "vecozo", "L1")),
         "f3", D(2025, 3, 21))    # a second credit of the same line is refused, so it moves no money
    r2 = pay(engine, world, D(2025, 4, 10), tmp_path)
    assert r2.payments.height == 0                      # credit -36.50 + L2 36.50 = 0: nothing to pay
    # a second credit note leaves the account negative; the next claim is offset against it
    take(engine, world, lines(("L2c", "M1", D(2025, 4, 11), D(2025, 3, 8), -3850, "provider", "vecozo", "L2")),
         "f4", D(2025, 4, 11))
    assert trial_balance(engine).filter(pl.col("account") == f"provider:{FYSIO}")["balance"].item() == -3650
    r3 = pay(engine, world, D(2025, 4, 14), tmp_path)
    assert r3.payments.height == 0                      # a negative balance is never paid out
    take(engine, world, lines(("L3", "M1", D(2025, 4, 14), D(2025, 4, 10), 3850),
                              ("L4", "M1", D(2025, 4, 14), D(2025, 4, 11), 3850)), "f5", D(2025, 4, 14))
    r4 = pay(engine, world, D(2025, 4, 28), tmp_path)
    assert r4.payments.select("account", "amount").rows() == [(f"provider:{FYSIO}", 2 * 3650 - 3650)]
    assert pay(engine, world, D(2025, 4, 28), tmp_path).payments.height == 0   # nothing twice
    tb = trial_balance(engine)
    assert tb["balance"].sum() == 0
    assert tb.filter(pl.col("account") == f"provider:{FYSIO}")["balance"].item() == 0
    # the pain.001 file of run 4 holds the one payment
    xml = ET.fromstring(r4.file.read_bytes())
    ns = {"p": xml.tag.split("}")[0][1:]}
    assert xml.find(".//p:GrpHdr/p:CtrlSum", ns).text == "36.50"
    assert xml.find(".//p:CdtrAcct//p:IBAN", ns).text == "NL91ABNA0417164300"
    # the statement shows every movement with a running balance
    st = statement(engine, f"provider:{FYSIO}", D(2025, 1, 1), D(2025, 12, 31))
    assert st.opening == 0 and st.closing == 0
    assert st.entries["amount"].to_list() == [3650, -3650, -3650, 3650, -3650, 3650, 3650, -3650]
    assert st.entries["balance"].to_list() == [3650, 0, -3650, 0, -3650, 0, 3650, 0]
    later = statement(engine, f"provider:{FYSIO}", D(2025, 4, 12), D(2025, 12, 31))
    assert later.opening == -3650 and later.entries.height == 3


def test_member_payouts_count_working_days_around_easter_and_kings_day(engine, world, tmp_path):
    # M2 is a child (no deductible): an online claim received Thursday 2 April 2026 is due 14 April
    # (Good Friday 3 April and Easter Monday 6 April do not count); one by post received Monday
    # 20 April is due 6 May (King's Day 27 April and 5 May do not count)
    take(engine, world, lines(("E1", "M2", D(2026, 4, 2), D(2026, 3, 30), 3650, "member", "online")), "e", D(2026, 4, 2))
    take(engine, world, lines(("K1", "M2", D(2026, 4, 20), D(2026, 4, 16), 3650, "member", "post")), "k", D(2026, 4, 20))
    assert pay(engine, world, D(2026, 4, 13), tmp_path).payments.height == 0
    r = pay(engine, world, D(2026, 4, 14), tmp_path)
    assert r.payments.select("account", "amount").rows() == [("member:M2", 3650)]
    assert pay(engine, world, D(2026, 5, 5), tmp_path).payments.height == 0
    kd = pay(engine, world, D(2026, 4, 27), tmp_path)
    assert kd.execution_date == D(2026, 4, 28) and kd.payments.height == 0
    r = pay(engine, world, D(2026, 5, 6), tmp_path)
    assert r.payments.select("account", "amount", "name").rows() == [("member:M2", 3650, "B. de Vries")]


def test_a_payee_without_a_valid_iban_is_held_until_it_has_one(engine, world, tmp_path, library, reference):
    take(engine, world, lines(("H1", "M3", D(2025, 3, 3), D(2025, 3, 1), 3650, "member", "online"),
                              ("H2", "M2", D(2025, 3, 3), D(2025, 3, 1), 3850, "provider", "vecozo", None, "04999999")),
         "h", D(2025, 3, 3))
    dec = decisions_frame(engine).sort("line_id")
    assert dec["paid"].to_list()[1] > 0      # H2 at the provider, M2 pays no deductible
    r = pay(engine, world, D(2025, 6, 2), tmp_path)
    assert {h.account for h in r.held} == {"provider:04999999"} | ({"member:M3"} if dec["paid"][0] else set())
    assert r.payments.height == 0
    fixed = World(library, reference, members=world.members, coverages=world.coverages, contracts=world.contracts,
                  contract_tariffs=world.contract_tariffs,
                  providers=world.providers.with_columns(pl.lit("NL91ABNA0417164300").alias("iban")))
    again = pay(engine, fixed, D(2025, 6, 3), tmp_path)
    assert ("provider:04999999", dec["paid"][1]) in again.payments.select("account", "amount").rows()


def test_deductible_on_directly_billed_care_is_invoiced_once(engine, world):
    take(engine, world, lines(("L1", "M1", D(2025, 3, 3), D(2025, 3, 1), 3850),
                              ("L2", "M1", D(2025, 3, 3), D(2025, 3, 2), 3850),
                              ("L3", "M2", D(2025, 3, 3), D(2025, 3, 2), 3850)), "f", D(2025, 3, 3))
    inv = deductible_invoices(engine, D(2025, 3, 31))
    assert [(i.member_id, i.amount) for i in inv] == [("M1", 7300)]          # a child pays none
    assert sorted(i[0] for i in inv[0].lines) == ["L1", "L2"]
    assert deductible_invoices(engine, D(2025, 3, 31)) == []                  # never twice
    take(engine, world, lines(("L2c", "M1", D(2025, 4, 1), D(2025, 3, 2), -3850, "provider", "vecozo", "L2"),
                              ("L4", "M1", D(2025, 4, 1), D(2025, 4, 1), 3850)), "g", D(2025, 4, 1))
    assert deductible_invoices(engine, D(2025, 4, 30)) == []      # 36.50 given back, 36.50 charged: nothing due
    take(engine, world, lines(("L5", "M1", D(2025, 5, 1), D(2025, 5, 1), 3850)), "h", D(2025, 5, 1))
    nxt = deductible_invoices(engine, D(2025, 5, 31))
    assert [(i.member_id, i.amount) for i in nxt] == [("M1", 3650)]
    assert sorted(nxt[0].lines) == [("L2c", -3650), ("L4", 3650), ("L5", 3650)]


def test_reconsideration_after_adding_an_authorization(new_url, library, reference):
    sc = load_scenario(SCEN / "coverage_authorization_codes.yaml")
    world = scenario_world(sc, library, reference)
    engine = connect(new_url("r.db"))
    intake(engine, scenario_lines(sc), "auth", "auth", sc.today)
    process(engine, world, booked=sc.today)
    before = decisions_frame(engine).filter(pl.col("line_id") == "L1").row(0, named=True)
    assert before["status"] == "rejected" and before["codes"] == "0550"
    provider_before = trial_balance(engine).filter(pl.col("account") == "provider:23100001")["balance"].item()
    with pytest.raises(ReconsiderError, match="no line"):
        reconsider(engine, world, "L99", by="x", reason="y", changes={"code": "msr/990027142"})
    r = reconsider(engine, world, "L1", by="behandelaar J. Jansen", reason="machtiging alsnog verleend",
                   authorization=NewAuthorization("A-NEW", "msr", D(2025, 1, 1), D(2025, 12, 31)),
                   booked=D(2026, 1, 6))
    assert r.credit_line_id is None                    # the old decision moved no money
    assert r.new["status"] == "accepted" and r.new["paid"] > 0 and r.difference == r.new["paid"]
    assert r.changes == {"authorization": ["A-404", "A-NEW"]}
    stored = decisions_frame(engine)
    assert stored.filter(pl.col("line_id") == "L1")["codes"].item() == "0550"    # the old decision stays
    hist = line_history(engine, "L1")
    assert [c[0] for c in hist["chain"]] == ["L1", "L1-R1"]
    assert [e[2] for e in hist["audit"]] == ["authorization-added", "reconsideration-requested", "decided-again"]
    assert all(e[1] == "behandelaar J. Jansen" and e[5] == "machtiging alsnog verleend" for e in hist["audit"])
    tb = trial_balance(engine)
    assert tb["balance"].sum() == 0 and (
        tb.filter(pl.col("account") == "provider:23100001")["balance"].item() == provider_before + r.new["paid"])
    with pytest.raises(ReconsiderError, match="reconsidered before"):
        reconsider(engine, world, "L1", by="x", reason="y", changes={"code": "msr/990027142"})
    # the added authorization stays in the world for later claims: a new line without a number finds it
    later = scenario_lines(sc).filter(pl.col("line_id") == "L1").with_columns(
        pl.lit("L6").alias("line_id"), pl.lit(None, pl.String).alias("authorization"), pl.lit(D(2025, 3, 3)).alias("service_date"))
    intake(engine, later, "later", "later", sc.today)
    process(engine, world)
    assert decisions_frame(engine).filter(pl.col("line_id") == "L6")["status"].item() == "accepted"


def test_reconsideration_of_a_paid_line_credits_it_and_posts_the_difference(engine, world, tmp_path):
    take(engine, world, lines(("L1", "M2", D(2025, 3, 3), D(2025, 3, 1), 3850)), "f", D(2025, 3, 3))
    assert pay(engine, world, D(2025, 3, 17), tmp_path).payments["amount"].to_list() == [3650]
    # the line turns out to be for a diagnosis outside the chronic list: decided again, nothing is due
    r = reconsider(engine, world, "L1", by="claims staff", reason="diagnose gecorrigeerd",
                   changes={"diagnosis": "0000"}, booked=D(2025, 3, 20))
    assert r.credit_line_id == "L1-C1"
    assert r.old["paid"] == 3650 and r.difference == r.new["paid"] - 3650
    bal = trial_balance(engine).filter(pl.col("account") == f"provider:{FYSIO}")["balance"].item()
    assert bal == r.difference                        # what was paid too much is now owed back
    assert [e[2] for e in line_history(engine, "L1")["audit"]] == ["reconsideration-requested", "credited", "decided-again"]


def test_reconsideration_refuses_what_it_cannot_do(engine, world):
    take(engine, world, lines(("L1", "M2", D(2025, 3, 3), D(2025, 3, 1), 3850),
                              ("L1c", "M2", D(2025, 3, 4), D(2025, 3, 1), -3850, "provider", "vecozo", "L1")), "f", D(2025, 3, 4))
    intake(engine, lines(("P1", "M2", D(2025, 3, 5), D(2025, 3, 2), 3850)), "p", "p", D(2025, 3, 5))
    cases = [("L1", {}, "nothing to reconsider"), ("L1", {"member_id": "M9"}, "cannot change member_id"),
             ("L1", {"declared": "38.50"}, "declared: expected int"), ("L1c", {"code": "fysio/1000"}, "is a credit"),
             ("P1", {"code": "fysio/1000"}, "not decided yet")]
    for line_id, changes, message in cases:
        with pytest.raises(ReconsiderError, match=message):
            reconsider(engine, world, line_id, by="staff", reason="test", changes=changes)
    with pytest.raises(ReconsiderError, match="who asks"):
        reconsider(engine, world, "L1", by=" ", reason="test", changes={"code": "fysio/1000"})
    assert line_history(engine, "L1")["audit"] == []           # nothing was written


def test_a_payment_run_pays_only_what_was_booked_on_or_before_its_date(engine, world, tmp_path):
    # a claim received 3 March, decided and booked 20 March (due 14 days after receipt: 17 March)
    take(engine, world, lines(("P1", "M1", D(2025, 3, 3), D(2025, 3, 1), 3850)), "p1", D(2025, 3, 20))
    assert pay(engine, world, D(2025, 3, 18), tmp_path).payments.height == 0      # not in the books yet on the 18th
    r = pay(engine, world, D(2025, 3, 20), tmp_path)
    assert r.payments.select("account", "amount").rows() == [(f"provider:{FYSIO}", 3650)]


def _owed_by_scan(conn, run_date: dt.date) -> pl.DataFrame:
    """What a payment run owes, summed over every leg of the whole ledger (how it was computed
    before the kept balances): the reference for `owed_by_account`."""
    from sqlalchemy import select
    rows = conn.execute(select(Transfer.debit, Transfer.credit, Transfer.amount, Transfer.due)
                        .join(LedgerTransaction, LedgerTransaction.id == Transfer.transaction_id)
                        .where(LedgerTransaction.booked <= run_date)).all()
    t = pl.DataFrame(rows, schema={"debit": pl.String, "credit": pl.String, "amount": pl.Int64, "due": pl.Date},
                     orient="row")
    legs = pl.concat([t.select(pl.col("credit").alias("account"), "amount", "due"),
                      t.select(pl.col("debit").alias("account"), -pl.col("amount"), "due")])
    legs = legs.filter(pl.col("account").str.starts_with("provider:") | pl.col("account").str.starts_with("member:"))
    return legs.group_by("account").agg(pl.col("amount").filter(pl.col("due") <= run_date).sum().alias("due"),
                                        pl.col("amount").sum().alias("balance"))


def test_what_a_run_owes_from_kept_balances_equals_the_sum_over_the_whole_ledger(engine):
    """Transfers booked in any order of dates (also after a run's date, and back-dated), with due
    dates before and after it: the kept balances and the recent legs give, for every run date, what
    summing every leg gives."""
    import random

    from zorgclaim.store.ledger import _transaction, insert_transfers, owed_by_account
    rng = random.Random(11)
    accounts_ = ["provider:01", "provider:02", "member:M1", "member:M2", "insurer:onvz", "deductible:M1", "bank"]
    start = D(2025, 1, 1)
    with engine.begin() as conn:
        for k in range(60):
            booked = start + dt.timedelta(days=rng.randrange(200))
            rows = []
            for _ in range(rng.randrange(1, 6)):
                debit, credit = rng.sample(accounts_, 2)
                rows.append({"line_id": None, "debit": debit, "credit": credit, "amount": rng.randrange(1, 50_000),
                             "due": booked + dt.timedelta(days=rng.choice([0, 14, 30, 45]))})
            tid = _transaction(conn, "decisions", booked, f"t{k}")
            insert_transfers(conn, tid, pl.DataFrame(rows, schema={"line_id": pl.String, "debit": pl.String,
                                                                   "credit": pl.String, "amount": pl.Int64,
                                                                   "due": pl.Date}))
    with engine.connect() as conn:
        for day in [start - dt.timedelta(days=1), start + dt.timedelta(days=50), start + dt.timedelta(days=120),
                    start + dt.timedelta(days=199), start + dt.timedelta(days=400)]:
            got = owed_by_account(conn, day).filter((pl.col("due") != 0) | (pl.col("balance") != 0))
            want = _owed_by_scan(conn, day).filter((pl.col("due") != 0) | (pl.col("balance") != 0))
            assert got.sort("account").equals(want.select(got.columns).sort("account")), day
            assert got.height > 0 or day < start
