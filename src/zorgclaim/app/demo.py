"""The demo book: a generated insurer's book (members, providers, contracts, claim lines over
2023-2026) run through the store month by month as the insurer's days would go - intake, process
(with the review selection), a payment run and deductible invoices at each month's end - and demo
users for every role."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
from sqlalchemy import func, select

from zorgclaim.app.access import SYSTEM
from zorgclaim.app.context import Context, library_and_reference, read_world_folder
from zorgclaim.domain.schema import conform_lines

DEMO_PASSWORDS = {"admin": "admin-demo-2026", "handler": "handler-demo-2026", "adviser": "adviser-demo-2026",
                  "finance": "finance-demo-2026", "member": "member-demo-2026", "provider": "provider-demo-2026"}


def ensure_book(book: Path) -> Path:
    """The demo book's folder (world/ and lines.parquet), generated when missing."""
    if not (book / "lines.parquet").exists() or not (book / "world" / "members.parquet").exists():
        from zorgclaim.demo.generate import generate, write_book
        lib, ref = library_and_reference()
        write_book(generate(lib, ref), book)
    return book


@dataclasses.dataclass
class BookTotals:
    months: int = 0
    lines: int = 0
    repeats: int = 0
    payments: int = 0
    paid: int = 0
    held_payees: int = 0
    invoices: int = 0
    invoiced: int = 0


def run_book(ctx: Context, book: Path, explain: bool = True, on_month=None) -> BookTotals:
    """Every month of the book's lines (by receipt) in order: intake, process, pay, invoice."""
    from zorgclaim.app.review import refresh_variance
    from zorgclaim.store.ledger import deductible_invoices, pay
    from zorgclaim.store.repository import intake, process
    # conformed: a book written by an earlier version lacks the optional columns added since
    lines = conform_lines(pl.read_parquet(book / "lines.parquet"))
    months = lines.with_columns(pl.col("received").dt.month_end().alias("_m")).partition_by("_m", as_dict=True)
    t = BookTotals(months=len(months))
    payments_dir = ctx.data_dir / "payments"
    for (month_end,), part in sorted(months.items()):
        r = intake(ctx.engine, part.drop("_m"), f"claims-{month_end:%Y-%m}.parquet", f"demo-{month_end}", month_end,
                   kind="parquet")
        t.repeats += len(r.repeats)
        refresh_variance(ctx, SYSTEM)
        t.lines += process(ctx.engine, ctx.world, explain=explain, booked=month_end)
        p = pay(ctx.engine, ctx.world, month_end, payments_dir)
        t.payments += p.payments.height
        t.paid += int(p.payments["amount"].sum())
        t.held_payees += len(p.held)
        inv = deductible_invoices(ctx.engine, month_end)
        t.invoices += len(inv)
        t.invoiced += sum(i.amount for i in inv)
        if on_month:
            on_month(month_end, t)
    return t


def store_is_empty(ctx: Context) -> bool:
    from zorgclaim.store.models import ClaimLine
    with ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ClaimLine)).scalar_one() == 0


def demo_users(ctx: Context) -> list[dict]:
    """One user per role (replaced when present): a member with a held line (else with decided
    lines), and the physiotherapy practice with the most lines. Passwords: DEMO_PASSWORDS (printed
    at start)."""
    from zorgclaim.app.users import add_user
    from zorgclaim.store.models import ClaimLine, Decision, ReviewItem
    with ctx.engine.connect() as conn:
        member = conn.execute(select(ReviewItem.member_id).where(ReviewItem.state != "decided")
                              .order_by(ReviewItem.member_id).limit(1)).scalar()
        member = member or conn.execute(select(Decision.member_id).order_by(Decision.member_id).limit(1)).scalar()
        # the busiest physiotherapy practice (AGB kind 04): the kind of provider with limits to look up
        provider = conn.execute(select(ClaimLine.provider, func.count()).where(ClaimLine.provider.like("04%"))
                                .group_by(ClaimLine.provider)
                                .order_by(func.count().desc(), ClaimLine.provider).limit(1)).first()
    specs = [("admin", "admin", {}), ("handler", "handler", {}), ("adviser", "medical_adviser", {}),
             ("finance", "finance", {})]
    if member and ctx.world.members.filter(pl.col("member_id") == member).height:
        specs.append(("member", "member", {"member_id": member}))
    if provider:
        specs.append(("provider", "provider", {"provider": provider[0]}))
    out = []
    for name, role, extra in specs:
        add_user(ctx, SYSTEM, name, role, DEMO_PASSWORDS[name], replace=True, **extra)
        out.append({"name": name, "role": role, "password": DEMO_PASSWORDS[name], **extra})
    return out


def demo_patient(ctx: Context, provider: str) -> tuple[str, str] | None:
    """A patient of `provider` to try the API with as that provider (the README's session): the
    living member with the most lines there the engine did not refuse (which makes the member the
    provider's patient, `members.own_patient`; the first by id on a tie), and the demo book's
    synthetic BSN the provider names it by. None when the provider has no such patient."""
    from zorgclaim.store.models import ClaimLine, Decision
    members = ctx.world.members.filter(pl.col("death_date").is_null() & pl.col("bsn").is_not_null())
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ClaimLine.member_id, func.count())
                            .join(Decision, Decision.line_id == ClaimLine.line_id)
                            .where((ClaimLine.provider == provider) & (Decision.status != "rejected"))
                            .group_by(ClaimLine.member_id).order_by(func.count().desc(), ClaimLine.member_id)).all()
    bsn = dict(members.select("member_id", "bsn").iter_rows())
    return next(((m, bsn[m]) for m, _ in rows if m in bsn), None)


def open_demo(data_dir: Path, url: str | None = None, clock=None) -> Context:
    """A context on the demo book's world (generated when missing) and the given or default store."""
    from zorgclaim.store.db import connect
    book = ensure_book(data_dir / "demo")
    world, errors = read_world_folder(book / "world")
    from zorgclaim.app.context import clock_from_env
    return Context(connect(url), world, data_dir, clock or clock_from_env(), errors)


@dataclasses.dataclass
class FileDemo:
    world_members: int
    providers: int
    lines: int
    months: int
    decisions: pl.DataFrame
    generated_s: float
    decided_s: float


def run_file_demo(data_dir: Path, members: int, lines: int, seed: int, on_month=None) -> FileDemo:
    """Generate a book (fixed seed) into `data_dir`/demo and decide it in memory, one batch per
    month received, the state carried from month to month (no store)."""
    import time

    from zorgclaim.demo.generate import generate, write_book
    from zorgclaim.engine import State, adjudicate
    lib, ref = library_and_reference()
    t0 = time.perf_counter()
    book = generate(lib, ref, members=members, lines=lines, seed=seed)
    write_book(book, data_dir / "demo")
    generated = time.perf_counter() - t0
    months = book.lines.with_columns(pl.col("received").dt.truncate("1mo").alias("_m"))
    keys = sorted(months["_m"].unique().to_list())
    state, parts = State(), []
    t1 = time.perf_counter()
    for k in keys:
        decisions, state = adjudicate(months.filter(pl.col("_m") == k).drop("_m"), book.world, state)
        parts.append(decisions)
        if on_month:
            on_month(k)
    return FileDemo(book.world.members.height, book.world.providers.height, book.lines.height, len(keys),
                    pl.concat(parts), generated, time.perf_counter() - t1)
