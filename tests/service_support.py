"""A small insurer's book in a store, users for every role, and a running service - for the API
tests. The book is the demo generator's (a few hundred members), decided with the default review
rules, so it has decided lines, held lines, authorizations and payments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import polars as pl
from sqlalchemy import func, select

from zorgclaim.app.access import SYSTEM
from zorgclaim.app.context import Context, read_world_folder
from zorgclaim.app.users import add_user
from zorgclaim.demo.generate import generate, write_book
from zorgclaim.store.db import connect
from zorgclaim.store.ledger import pay
from zorgclaim.store.models import ClaimLine, Decision
from zorgclaim.store.repository import intake, process

TODAY = dt.date(2026, 11, 26)
PASSWORD = "secret-pass-1"


@dataclasses.dataclass
class Book:
    ctx: Context
    folder: Path
    url: str
    members: dict          # role label -> member id: own (A) and other (B)
    providers: dict        # own (A) and other (B) AGB
    users: dict            # user name -> (role, member, provider)


def _pick(ctx: Context) -> tuple[dict, dict]:
    """Two physiotherapy practices A and B and a patient of each who is not the other's patient
    (a patient: a line of the practice that was not refused, as `members.own_patient` counts)."""
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ClaimLine.provider, ClaimLine.member_id, func.count())
                            .join(Decision, Decision.line_id == ClaimLine.line_id)
                            .where(ClaimLine.provider.like("04%") & (Decision.status != "rejected"))
                            .group_by(ClaimLine.provider, ClaimLine.member_id)).all()
    pairs = pl.DataFrame([tuple(r) for r in rows], orient="row", schema=["provider", "member_id", "n"])
    # adults alive, outside the Wlz, insured today: the tests ask their limits and meters of today
    w = ctx.world
    insured = w.coverages.filter((pl.col("from") <= TODAY) & (pl.col("to").is_null() | (pl.col("to") >= TODAY)))
    adults = w.members.filter(pl.col("death_date").is_null() & (pl.col("birth_date") <= dt.date(TODAY.year - 18, 1, 1))
                              & pl.col("member_id").is_in(insured["member_id"].implode())
                              & ~pl.col("member_id").is_in(w.wlz["member_id"].implode()))["member_id"]
    pairs = pairs.filter(pl.col("member_id").is_in(adults.implode()))
    busiest = pairs.group_by("provider").agg(pl.col("n").sum()).sort("n", "provider", descending=[True, False])["provider"]
    a, b = busiest[0], busiest[1]
    pa = set(pairs.filter(pl.col("provider") == a)["member_id"])
    pb = set(pairs.filter(pl.col("provider") == b)["member_id"])
    ma = sorted(pa - pb)[0]
    mb = sorted(pb - pa)[0]
    return {"A": ma, "B": mb}, {"A": a, "B": b}


def make_book(folder: Path, url: str, members: int = 150, lines: int = 2500, seed: int = 5) -> Book:
    """Generate, take in and decide a small book (one batch per month received, as the demo does,
    so the review queue has lines); one payment run; users for every role."""
    from zorgclaim.app.context import library_and_reference
    lib, ref = library_and_reference()
    if not (folder / "lines.parquet").exists():
        write_book(generate(lib, ref, members=members, lines=lines, seed=seed), folder)
    world, _ = read_world_folder(folder / "world")
    ctx = Context(connect(url), world, folder / "data", lambda: TODAY)
    from zorgclaim.app.demo import store_is_empty
    if store_is_empty(ctx):          # a kept folder (the benchmark's --keep) has its book in the store already
        all_lines = pl.read_parquet(folder / "lines.parquet")
        for (month,), part in sorted(all_lines.with_columns(pl.col("received").dt.month_end().alias("m"))
                                     .partition_by("m", as_dict=True).items()):
            intake(ctx.engine, part.drop("m"), f"m{month}", f"m{month}", month)
            process(ctx.engine, world, booked=month)
        pay(ctx.engine, world, dt.date(2026, 10, 30), folder / "data" / "payments")
    members_, providers = _pick(ctx)
    users = {"member-a": ("member", members_["A"], None), "member-b": ("member", members_["B"], None),
             "provider-a": ("provider", None, providers["A"]), "provider-b": ("provider", None, providers["B"]),
             "handler": ("handler", None, None), "adviser": ("medical_adviser", None, None),
             "finance": ("finance", None, None), "admin": ("admin", None, None)}
    for name, (role, member, provider) in users.items():
        add_user(ctx, SYSTEM, name, role, PASSWORD, member, provider, replace=True)
    return Book(ctx, folder, url, members_, providers, users)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`zorgclaim serve` in a subprocess on a loopback port, on a book's store and world."""

    def __init__(self, book: Book, gather_ms: float = 4.0, lanes: int | None = None, workers: int = 1,
                 plan_process: bool = True, plan_threads: int = 1, plan_one_cpu: bool = True):
        self.book, self.port = book, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).parent / "zorgclaim"
        env = dict(os.environ, ZORGCLAIM_DATABASE_URL=book.url, ZORGCLAIM_HOME=str(book.folder / "data"),
                   ZORGCLAIM_TODAY=TODAY.isoformat())
        self.proc = subprocess.Popen([str(exe), "serve", "--port", str(self.port), "--world", str(book.folder / "world"),
                                      "--gather-ms", str(gather_ms), *(["--lanes", str(lanes)] if lanes else []), "--workers", str(workers),
                                      "--plan-process" if plan_process else "--no-plan-process",
                                      "--plan-threads", str(plan_threads),
                                      "--plan-one-cpu" if plan_one_cpu else "--no-plan-one-cpu"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                raise RuntimeError("the server stopped: " + self.proc.stdout.read().decode(errors="replace")[-2000:])
        self.kill()
        raise RuntimeError("the server did not come up in 90 s")

    def token(self, user: str) -> str:
        r = httpx.post(self.base + "/api/v1/token", data={"username": user, "password": PASSWORD}, timeout=30)
        r.raise_for_status()
        return r.json()["access_token"]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
