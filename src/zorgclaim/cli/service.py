"""zorgclaim serve | users | review: the service, its users, and the review queue from the terminal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import polars as pl
import typer
from rich.table import Table

from zorgclaim.cli.common import HOME, _fail, app, console, err
from zorgclaim.domain.money import fmt_eur, to_cents

users_app = typer.Typer(no_args_is_help=True, help="Users of the service (the embedded identity provider).")
review_app = typer.Typer(no_args_is_help=True, help="The review queue: held lines, first-pass rate.")
app.add_typer(users_app, name="users")
app.add_typer(review_app, name="review")


def _world_dir(world: Optional[Path]) -> Optional[Path]:
    if world is not None:
        return world
    demo = HOME / "demo" / "world"
    return demo if (demo / "members.parquet").exists() or (demo / "members.csv").exists() else None


def _context(world: Optional[Path]):
    from zorgclaim.app.context import open_context
    ctx = open_context(_world_dir(world))
    for e in ctx.world_errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    return ctx


def _app_errors(fn):
    """Run an application-layer call; its refusals become one clear message (exit 2)."""
    from zorgclaim.app.access import Conflict, Forbidden, Invalid, NotFound
    try:
        return fn()
    except (Forbidden, NotFound, Invalid, Conflict) as e:
        _fail(str(e))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port"),
    world: Optional[Path] = typer.Option(None, "--world", "-w", help="World folder (default: the demo book's)"),
    demo: bool = typer.Option(False, "--demo", help="Load the demo book into an empty store and (re)create demo users"),
    gather_ms: float = typer.Option(4.0, help="How long an idle lane waits for more real-time submissions to share its "
                                   "batch (none when some are waiting already)"),
    lanes: Optional[int] = typer.Option(None, min=1, help="Batches of real-time submissions decided and "
                                        "written at once (default 1: one planner process, or the server's own without)"),
    log_level: str = typer.Option("warning", help="uvicorn's log level"),
    workers: int = typer.Option(1, min=1, help="Server processes (each with its own engine calls; the store keeps "
                                "them consistent)"),
    plan_process: bool = typer.Option(True, help="Decide real-time batches in a process of their own (one server "
                                      "process; not for a store in memory)"),
    plan_threads: int = typer.Option(1, min=1, help="polars threads in each planner process (one suits batches of "
                                     "a few claims)"),
    plan_one_cpu: bool = typer.Option(True, help="Keep a planner's threads on one CPU for each engine call (the "
                                      "CPU it starts on; polars' hand-over to its pool thread is cheaper there)"),
):
    """The HTTP API (OpenAPI at /docs) on the store: SQLite in $ZORGCLAIM_HOME, or
    $ZORGCLAIM_DATABASE_URL."""
    import time

    import uvicorn
    from rich.progress import Progress

    from zorgclaim.api import create_app
    from zorgclaim.app.context import open_context
    if demo:
        from zorgclaim.app.demo import demo_patient, demo_users, open_demo, run_book, store_is_empty
        ctx = open_demo(HOME)
        if store_is_empty(ctx):
            t0 = time.perf_counter()
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("Loading the demo book into the store, month by month", total=None)
                totals = run_book(ctx, HOME / "demo", on_month=lambda m, t: progress.update(
                    task, description=f"{m:%Y-%m}: {t.lines:,} lines decided"))
            console.print(f"Demo book loaded: {totals.lines:,} lines in {totals.months} months "
                          f"({time.perf_counter() - t0:.0f}s)")
        t = Table(title="Demo users (password from the table)")
        for col in ("user", "role", "password", "acts for"):
            t.add_column(col)
        users = demo_users(ctx)
        for u in users:
            t.add_row(u["name"], u["role"], u["password"], u.get("member_id") or u.get("provider") or "")
        console.print(t)
        agb = next((u["provider"] for u in users if u.get("provider")), None)
        patient = demo_patient(ctx, agb) if agb else None
        if patient:         # (its BSN stays out of the console, as out of every log: the README gives it)
            console.print(f"A patient of {agb} to try the API with: member {patient[0]}", highlight=False)
    else:
        ctx = open_context(_world_dir(world))
    console.print(f"zorgclaim serving on http://{host}:{port} (OpenAPI: http://{host}:{port}/docs); "
                  f"store: {ctx.engine.url.render_as_string(hide_password=True)}"
                  + (f"; {workers} processes" if workers > 1 else ""), highlight=False)
    if workers == 1:
        planner = None
        if plan_process and ctx.engine.url.database not in (None, "", ":memory:"):
            from zorgclaim.app.planner import Planner
            # one planner by default: measured with a load generator that takes ~1 ms of CPU a
            # request, two planners decided smaller batches for half again as much CPU, with a higher p99
            # in 5 of 5 alternating runs and a higher p50 in 4 (docs/performance.md)
            lanes = lanes or 1
            planner = Planner((HOME / "demo" / "world") if demo else _world_dir(world),
                              ctx.engine.url.render_as_string(hide_password=False), processes=lanes,
                              threads=plan_threads, one_cpu=plan_one_cpu)
        lanes = lanes or 1
        uvicorn.run(create_app(ctx, gather_ms=gather_ms, lanes=lanes, planner=planner), host=host, port=port,
                    log_level=log_level)
        return
    import os
    world_dir = (HOME / "demo" / "world") if demo else _world_dir(world)
    os.environ.update(ZORGCLAIM_GATHER_MS=str(gather_ms), ZORGCLAIM_LANES=str(lanes or 1),
                      ZORGCLAIM_DATABASE_URL=ctx.engine.url.render_as_string(hide_password=False),
                      ZORGCLAIM_HOME=str(HOME))
    if world_dir is not None:
        os.environ["ZORGCLAIM_WORLD"] = str(world_dir)
    ctx.engine.dispose()
    uvicorn.run("zorgclaim.api.main:from_env", factory=True, host=host, port=port, log_level=log_level, workers=workers)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="User name"),
    role: str = typer.Option(..., "--role", help="member, provider, handler, medical_adviser, finance or admin"),
    member: Optional[str] = typer.Option(None, "--member", help="The member number a member user is"),
    provider: Optional[str] = typer.Option(None, "--provider", help="The AGB a provider user acts for"),
    replace: bool = typer.Option(False, help="Replace an existing user's role and password"),
    world: Optional[Path] = typer.Option(None, "--world", "-w", help="World folder (to check the member)"),
):
    """Add a user; the password is read from standard input (never from the command line)."""
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.users import add_user
    if sys.stdin.isatty():
        import getpass
        password = getpass.getpass("Password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    ctx = _context(world)
    u = _app_errors(lambda: add_user(ctx, SYSTEM, name, role, password, member, provider, replace=replace))
    console.print(f"user {u['name']} ({u['role']}" + (f", member {u['member_id']}" if u["member_id"] else "")
                  + (f", provider {u['provider']}" if u["provider"] else "") + ") saved", highlight=False)


@users_app.command("list")
def users_list():
    """The users and their roles."""
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.users import users
    t = Table(title="Users")
    for col in ("name", "role", "acts for", "active"):
        t.add_column(col)
    for u in users(_context(None), SYSTEM):
        t.add_row(u["name"], u["role"], u["member_id"] or u["provider"] or "", "yes" if u["active"] else "no")
    console.print(t)


@review_app.command("queue")
def review_queue(
    queue: Optional[str] = typer.Option(None, help="handler or medical"),
    rule: Optional[str] = typer.Option(None, help="Only lines held by this rule"),
    care_kind: Optional[str] = typer.Option(None, help="Only this care kind"),
    provider: Optional[str] = typer.Option(None, help="Only this provider (AGB)"),
    limit: int = typer.Option(25, help="How many to show"),
):
    """The lines held for a person, oldest first."""
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.review import queue as listing
    ctx = _context(None)
    items, total = listing(ctx, SYSTEM, queue=queue, rule=rule, care_kind=care_kind, provider=provider, limit=limit)
    t = Table(title=f"Review queue: {total:,} lines waiting")
    for col in ("line", "rule", "queue", "state", "care kind", "provider", "declared", "proposed", "held since"):
        t.add_column(col, justify="right" if col in ("declared", "proposed") else "left")
    for i in items:
        t.add_row(i["line_id"], i["rule"], i["queue"], i["state"] + (f" ({i['taken_by']})" if i["taken_by"] else ""),
                  i["care_kind"] or "-", i["provider"], fmt_eur(i["declared"]), fmt_eur(i["proposal"]["allowed"]),
                  f"{i['pended_at']:%Y-%m-%d}")
    console.print(t)


@review_app.command("first-pass")
def review_first_pass(by: str = typer.Option("care_kind", help="care_kind, provider, month or rule")):
    """The share of decided lines no person had to look at (first-pass rate)."""
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.review import first_pass
    if by not in ("care_kind", "provider", "month", "rule"):
        _fail("--by must be care_kind, provider, month or rule")
    rates = first_pass(_context(None), SYSTEM)
    overall = rates["all"].row(0, named=True) if rates["all"].height else {"lines": 0, "held": 0, "first_pass_rate": 1.0}
    console.print(f"First-pass rate: [bold]{overall['first_pass_rate']:.2%}[/] ({overall['lines'] - overall['held']:,} of "
                  f"{overall['lines']:,} lines decided with no person)")
    frame = rates[by]
    t = Table(title=f"per {by}")
    for col in frame.columns:
        t.add_column(col, justify="left" if frame[col].dtype == pl.String else "right")
    for r in frame.head(60).iter_rows():
        t.add_row(*[f"{v:.2%}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v) for v in r])
    console.print(t)


@review_app.command("decide")
def review_decide(
    line_id: str = typer.Argument(..., help="A held line"),
    action: str = typer.Option(..., help="accept, change or reject"),
    reason: str = typer.Option(..., help="Why"),
    by: str = typer.Option(..., help="Who decides (recorded in the audit trail)"),
    role: str = typer.Option("handler", help="handler or medical_adviser"),
    allowed_max: Optional[str] = typer.Option(None, help="With change: the most the line may be allowed, in euros"),
    world: Optional[Path] = typer.Option(None, "--world", "-w", help="World folder"),
):
    """Take a held line and decide it: the engine decides it again with your decision as a fact,
    and the money follows."""
    from zorgclaim.app.access import Principal
    from zorgclaim.app.review import decide, take
    if role not in ("handler", "medical_adviser"):
        _fail("--role must be handler or medical_adviser")
    ctx = _context(world)
    p = Principal(by, role)
    _app_errors(lambda: take(ctx, p, line_id))
    r = _app_errors(lambda: decide(ctx, p, line_id, action, reason, to_cents(allowed_max) if allowed_max else None))
    console.print(f"{line_id}: proposed {r.proposal['status']} {fmt_eur(r.proposal['allowed'])} -> "
                  f"{r.decision['status']} {fmt_eur(r.decision['allowed'])}, paid {fmt_eur(r.decision['paid'])} "
                  f"({'/'.join(r.decision['codes'])})", highlight=False)
