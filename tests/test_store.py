"""The store: scenario files through intake + process give the pure engine's decisions;
idempotent resends; a batch is all or nothing."""

import hashlib
import datetime as dt
import os
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy

from zorgclaim.scenarios.runner import initial_state, load_scenario, run_batches, scenario_lines, scenario_world
from zorgclaim.store import explanations
from zorgclaim.store.db import connect
from zorgclaim.store.prior import enter as enter_prior
from zorgclaim.store.ledger import trial_balance
from zorgclaim.store.repository import ConcurrentBatch, decisions_frame, intake, member_meter, process

SCEN = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.fixture
def engine(new_url):
    return connect(new_url("z.db"))


@pytest.mark.parametrize("path", SCEN, ids=lambda p: p.stem)
def test_scenarios_through_the_store(path, new_url, library, reference):
    sc = load_scenario(path)
    world = scenario_world(sc, library, reference, path)
    lines = scenario_lines(sc).filter(pl.col("received") <= sc.today)
    pure, _ = run_batches(lines, world, sc.today, initial_state(sc, world))
    eng = connect(new_url("z.db"))
    for pt in sc.prior_treatments:         # the provider's statements, entered before the claims
        enter_prior(eng, world, member_id=pt.member, benefit=pt.benefit, diagnosis=pt.diagnosis, started=pt.started,
                    treatments=pt.treatments, by="test", note=None)
    for (day,), part in lines.sort("received").group_by(["received"], maintain_order=True):
        name = f"{path.stem}-{day}"
        intake(eng, part, name, hashlib.sha256(name.encode()).hexdigest(), day)
        process(eng, world, batch_size=3)
    stored = decisions_frame(eng).sort("line_id")
    # the books: the ledger balances, and the payable accounts hold exactly what the decisions pay
    tb = trial_balance(eng)
    assert tb["balance"].sum() == 0
    payable = tb.filter(pl.col("account").str.contains("^(provider|member):"))["balance"].sum()
    assert payable == stored.filter(pl.col("status") != "pended")["paid"].sum()   # a held line moves no money
    expected = (pure.unique("line_id", keep="first").sort("line_id")
                .select("line_id", "status", "allowed", "deductible", "paid", "payer", pl.col("codes").list.join(";")))
    assert stored.equals(expected)
    # the explanation is stored whole (in its compact form): the steps read back equal the engine's
    from zorgclaim.store.models import Decision
    with eng.connect() as conn:
        explained = dict(conn.execute(sqlalchemy.select(Decision.line_id, Decision.explanation)).all())
        texts = explanations.source_texts(conn)
    for row in pure.unique("line_id", keep="first").iter_rows(named=True):
        assert explanations.expand(explained[row["line_id"]], texts) == row["steps"], row["line_id"]


def test_resend_and_repeated_file(engine, library, reference):
    sc = load_scenario(Path(__file__).parent / "scenarios" / "design_example_artrose_tariff.yaml")
    world = scenario_world(sc, library, reference)
    lines = scenario_lines(sc)
    first = intake(engine, lines, "a.csv", "digest-a", sc.today)
    assert first.stored == 1 and first.repeats == []
    assert intake(engine, lines, "a.csv", "digest-a", sc.today).refused_whole
    again = intake(engine, lines, "b.csv", "digest-b", sc.today)
    assert again.stored == 0 and again.repeats == ["L1"]
    assert process(engine, world) == 1 and process(engine, world) == 0
    meter = member_meter(engine, "M1")
    assert meter["used"] == {2025: 3650} and meter["lines"][0][1] == "L1"


def test_a_failed_batch_leaves_nothing(engine, library, reference, monkeypatch):
    sc = load_scenario(Path(__file__).parent / "scenarios" / "limits_artrose_12_per_12_months.yaml")
    world = scenario_world(sc, library, reference)
    intake(engine, scenario_lines(sc), "x", "x", sc.today)
    import zorgclaim.store.repository as repo

    def boom(*a, **k):
        raise RuntimeError("killed while writing the state")
    monkeypatch.setattr(repo, "_save_state", boom)
    with pytest.raises(RuntimeError):
        process(engine, world)
    assert decisions_frame(engine).height == 0  # the decisions of that batch were rolled back too
    monkeypatch.undo()
    assert process(engine, world) == 14
    assert decisions_frame(engine).filter(pl.col("line_id") == "L13")["codes"].to_list() == ["0584"]


def test_concurrent_take_is_refused(engine, library, reference, monkeypatch):
    sc = load_scenario(Path(__file__).parent / "scenarios" / "design_example_artrose_tariff.yaml")
    world = scenario_world(sc, library, reference)
    intake(engine, scenario_lines(sc), "x", "x", sc.today)
    import zorgclaim.store.repository as repo
    real = repo._next_batch

    def stolen(conn, n):
        lines = real(conn, n)
        conn.execute(sqlalchemy.delete(repo.PendingLine))  # as if another process took them
        return lines
    monkeypatch.setattr(repo, "_next_batch", stolen)
    with pytest.raises(ConcurrentBatch):
        repo._one_batch(engine, world, 5000, True, dt.date(2026, 1, 5))
    monkeypatch.undo()
    assert process(engine, world) == 1


def test_kill_and_resume_gives_the_uninterrupted_result(tmp_path, new_url, library, reference):
    """A real `zorgclaim process` subprocess is killed mid-run; running it again finishes the work
    with exactly the decisions of an uninterrupted run."""
    import signal
    import subprocess
    import sys
    import time

    from sqlalchemy import func, select

    from zorgclaim.demo.generate import generate, write_book
    from zorgclaim.store.models import Batch

    book = generate(library, reference, members=300, lines=6000, seed=3)
    write_book(book, tmp_path / "book")
    lines = book.lines

    urls = {}

    def fresh(name):
        urls[name] = new_url(name)
        eng = connect(urls[name])
        intake(eng, lines, "lines", "d", lines["received"].max())
        return eng

    whole = fresh("whole.db")
    process(whole, book.world, batch_size=200)
    killed = fresh("killed.db")
    env = dict(os.environ, ZORGCLAIM_DATABASE_URL=urls["killed.db"])
    cmd = [sys.executable, "-m", "zorgclaim.cli", "process", "--world", str(tmp_path / "book" / "world"), "--batch-size", "200"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        with killed.connect() as c:
            if (c.execute(select(func.count()).select_from(Batch)).scalar() or 0) >= 2:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    from zorgclaim.store.models import PendingLine
    with killed.connect() as c:
        partial = c.execute(select(func.count()).select_from(Batch)).scalar()
        pending = c.execute(select(func.count()).select_from(PendingLine)).scalar()
    assert partial >= 2 and pending > 0  # really interrupted half-way
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    assert decisions_frame(killed).sort("line_id").equals(decisions_frame(whole).sort("line_id"))
    # and the money: every account's balance as after the uninterrupted run
    assert trial_balance(killed).equals(trial_balance(whole)) and trial_balance(whole).height > 10


def test_two_processes_at_once_never_double_count(tmp_path, new_url, library, reference):
    """Two `zorgclaim process` subprocesses on one store, many lines of few members: every line is
    decided once, and the decisions (deductible included) equal one process alone."""
    import subprocess
    import sys

    from zorgclaim.demo.generate import generate, write_book
    book = generate(library, reference, members=20, lines=3000, seed=9)
    write_book(book, tmp_path / "book")
    alone, both = connect(new_url("alone.db")), None
    intake(alone, book.lines, "l", "d", book.lines["received"].max())
    process(alone, book.world, batch_size=150)
    url = new_url("both.db")
    both = connect(url)
    intake(both, book.lines, "l", "d", book.lines["received"].max())
    env = dict(os.environ, ZORGCLAIM_DATABASE_URL=url)
    cmd = [sys.executable, "-m", "zorgclaim.cli", "process", "--world", str(tmp_path / "book" / "world"), "--batch-size", "150"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    assert decisions_frame(both).sort("line_id").equals(decisions_frame(alone).sort("line_id"))
    assert trial_balance(both).equals(trial_balance(alone))


def test_a_second_processor_waits_for_the_member_and_reads_fresh_state(engine, library, reference):
    """Process A holds member M1 (deciding L2); process B, started meanwhile for M1's next line L3,
    waits and then decides against the state A wrote: the deductible is counted once."""
    import threading

    import zorgclaim.store.repository as repo
    sc = load_scenario(Path(__file__).parent / "scenarios" / "design_example_artrose_tariff.yaml")
    world = scenario_world(sc, library, reference)
    base = scenario_lines(sc).with_columns(pl.lit(10, pl.Int64).alias("quantity"), pl.col("declared") * 10)
    more = [scenario_lines(sc).with_columns(pl.lit(f"L{k}").alias("line_id"), pl.lit(dt.date(2025, 4, 17 + k)).alias("service_date"))
            for k in (2, 3)]
    for k, part in enumerate([base] + more):
        intake(engine, part, f"f{k}", f"f{k}", sc.today)
        if k == 0:
            process(engine, world)
    finished = threading.Event()
    with engine.begin() as conn:          # process A, by hand: takes M1 and decides L2
        repo.take_write_lock(conn)
        repo.lock_members(conn, ["M1"])
        b = threading.Thread(target=lambda: (process(engine, world), finished.set()))
        b.start()
        l2 = repo._next_batch(conn, 5000).filter(pl.col("line_id") == "L2")
        assert repo.take_pending(conn, repo.PendingLine.__table__, ["L2"]) == 1
        repo.decide(conn, l2, world, sc.today)
        assert not finished.wait(1.5)       # B waits for A
    b.join(60)
    assert finished.is_set()
    got = decisions_frame(engine).sort("line_id")
    assert got["line_id"].to_list() == ["L1", "L2", "L3"]
    # L1 (10 x 36.50) leaves 20.00 of the 385.00; L2 takes it; B, had it read the state before A
    # wrote, would have charged L3 those 20.00 again
    assert got["deductible"].to_list() == [36500, 2000, 0]
    assert member_meter(engine, "M1")["used"] == {2025: 38500}


def test_the_migrations_give_the_models_schema(engine):
    """Alembic's migrations and the SQLAlchemy models describe the same tables and indexes."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from zorgclaim.store.models import Base
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_kept_sums_hold_on_each_backend(new_url):
    """The sums the store keeps as it writes - the deductible per member-year, the provider-variance
    sums and their per provider-year totals (kept by database triggers) - equal the sums over the
    rows they summarize, on SQLite and on PostgreSQL (the triggers are written per dialect)."""
    from zorgclaim.store.kept_sums_test import check_kept_sums
    check_kept_sums(new_url("k"))
