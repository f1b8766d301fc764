"""zorgclaim intake | process | member: the store."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer
from rich.progress import Progress
from rich.table import Table

from zorgclaim.cli.common import _fail, _library, app, console, err, load_world, parse_date
from zorgclaim.domain.money import fmt_eur


@app.command()
def intake(
    lines: Path = typer.Argument(..., help="Claim lines (.csv, .parquet, .json, .ndjson) to take into the store"),
    received: Optional[str] = typer.Option(None, help="Date received (YYYY-MM-DD); default: each line's own"),
):
    """Take claim lines into the store, once: a file sent before is refused whole (8067), a line
    id sent before gets 8021. Store: $ZORGCLAIM_DATABASE_URL or SQLite in $ZORGCLAIM_HOME."""
    import datetime as dt
    import hashlib

    from zorgclaim.formats.tabular import read_lines
    from zorgclaim.store.db import connect
    from zorgclaim.store.repository import intake as take
    df, errors = read_lines(lines)
    for e in errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    day = parse_date(received, "--received") or dt.date.today()
    if received:
        df = df.with_columns(pl.lit(day).alias("received"))
    digest = hashlib.sha256(lines.read_bytes()).hexdigest()
    r = take(connect(), df, lines.name, digest, day)
    if r.refused_whole:
        console.print(f"[red]{lines}: this file was taken in before (8067); nothing stored[/]")
        raise typer.Exit(1)
    console.print(f"{r.stored:,} lines stored; {len(r.repeats):,} sent before (8021)"
                  + (f": {', '.join(r.repeats[:10])}" if r.repeats else ""))
    if errors:
        raise typer.Exit(1)


@app.command()
def process(
    world: Path = typer.Option(..., "--world", "-w", help="World folder"),
    batch_size: int = typer.Option(5000, help="Lines per batch (whole members of one receipt date)"),
    explain_steps: bool = typer.Option(True, "--explain/--no-explain"),
    booked: Optional[str] = typer.Option(None, help="Booking date of the ledger transfers (YYYY-MM-DD; default today)"),
):
    """Decide the pending lines in the store, one transaction per batch (safe to interrupt and rerun)."""
    from zorgclaim.store.db import connect
    from zorgclaim.store.repository import process as run_process
    w = load_world(world)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Processing pending lines", total=None)
        n = run_process(connect(), w, batch_size, explain=explain_steps, booked=parse_date(booked, "--booked"),
                        on_batch=lambda b, done: progress.update(task, description=f"batch {b}: {done:,} lines decided"))
    console.print(f"{n:,} lines decided")


@app.command()
def member(
    member_id: str = typer.Argument(..., help="Member number"),
    world: Optional[Path] = typer.Option(None, "--world", "-w", help="World folder (for the voluntary deductible)"),
):
    """A member's deductible meter per year (used / total, and the lines that used it) and counters."""

    from zorgclaim.store.db import connect
    from zorgclaim.store.repository import member_meter
    lib, ref = _library()
    voluntary = 0
    if world:
        from zorgclaim.formats.tabular import read_world
        w, _ = read_world(world, lib, ref)
        hit = w.members.filter(pl.col("member_id") == member_id)
        voluntary = int(hit["voluntary_deductible"].fill_null(0)[0]) if hit.height else 0
    m = member_meter(connect(), member_id)
    if not m["used"] and not m["counters"]:
        _fail(f"no decided lines for member {member_id!r} in the store")
    for year, used in m["used"].items():
        total = to_cents_param(lib, year) + voluntary
        console.print(f"Deductible {year}: {fmt_eur(used)} used of {fmt_eur(total)}", highlight=False)
        for y, line_id, day, code, ded in m["lines"]:
            if y == year:
                console.print(f"   {day} {line_id} {code}: {fmt_eur(ded)}", highlight=False)
    if m["counters"]:
        t = Table(title="Counters")
        for col in ("counter", "first", "total", "period start", "in period", "amount"):
            t.add_column(col)
        for key, first, total, pstart, pcount, amount in m["counters"]:
            t.add_row(key, str(first or "-"), str(total), str(pstart or "-"), str(pcount), fmt_eur(amount))
        console.print(t)


def to_cents_param(lib, year: int) -> int:
    import datetime as dt

    from zorgclaim.domain.money import to_cents
    return to_cents(lib.param("compulsory_deductible", dt.date(year, 12, 31)))
