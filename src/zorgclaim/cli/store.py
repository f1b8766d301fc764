"""zorgclaim intake | process | member: the store, through the application layer."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress
from rich.table import Table

from zorgclaim.cli.common import _fail, app, console, err, parse_date, print_json, store_context
from zorgclaim.domain.money import fmt_eur


@app.command()
def intake(
    lines: Path = typer.Argument(..., help="Claims: .csv, .parquet, .json, .ndjson, a Vektis PM304 or ZH308 file, or a FHIR Claim/Bundle"),
    received: Optional[str] = typer.Option(None, help="Date received (YYYY-MM-DD); default: each line's own"),
):
    """Take claims into the store, once: a file sent before is refused whole (8067), a Vektis
    invoice number used before too (0030), a line id sent before gets 8021. Store:
    $ZORGCLAIM_DATABASE_URL or SQLite in $ZORGCLAIM_HOME."""
    from zorgclaim.app import claims
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.files import _read_bytes
    ctx = store_context(None)
    day = parse_date(received, "--received")
    inp = claims.read(ctx, _read_bytes(lines), str(lines), day)
    for e in inp.problems[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    r = claims.intake(ctx, SYSTEM, inp, day).result
    if r.refused_whole:
        codes = ", ".join(inp.vektis.file_codes) if inp.rejected else "8067"
        console.print(f"[red]{lines}: refused whole ({codes}): this file was taken in before, or it is not a valid "
                      f"declaration; nothing stored[/]", highlight=False)
        raise typer.Exit(1)
    if inp.rejected:
        console.print(f"[red]{lines}: file rejected ({', '.join(inp.vektis.file_codes)}); nothing stored[/]", highlight=False)
        raise typer.Exit(1)
    console.print(f"{r.stored:,} lines stored; {len(r.repeats):,} sent before (8021)"
                  + (f": {', '.join(r.repeats[:10])}" if r.repeats else ""))
    if inp.problems:
        raise typer.Exit(1)


@app.command()
def process(
    world: Path = typer.Option(..., "--world", "-w", help="World folder"),
    batch_size: int = typer.Option(5000, help="Lines per batch (whole members of one receipt date)"),
    explain_steps: bool = typer.Option(True, "--explain/--no-explain"),
    booked: Optional[str] = typer.Option(None, help="Booking date of the ledger transfers (YYYY-MM-DD; default today)"),
):
    """Decide the pending lines in the store, one transaction per batch (safe to interrupt and
    rerun); lines the review rules select are held for a person (zorgclaim review queue)."""
    from zorgclaim.app import claims
    from zorgclaim.app.access import SYSTEM
    ctx = store_context(world)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Processing pending lines", total=None)
        n = claims.process(ctx, SYSTEM, batch_size, explain=explain_steps, booked=parse_date(booked, "--booked"),
                           on_batch=lambda b, done: progress.update(task, description=f"batch {b}: {done:,} lines decided"))
    console.print(f"{n:,} lines decided")


@app.command()
def member(
    member_id: str = typer.Argument(..., help="Member number"),
    world: Optional[Path] = typer.Option(None, "--world", "-w", help="World folder (for the voluntary deductible "
                                                                        "and the limits; default: the demo book's)"),
    as_json: bool = typer.Option(False, "--json", help="The meter and the limits as JSON (money in cents)"),
):
    """A member's deductible meter per year (used / total, and the lines that used it) and what
    remains of each limit."""
    from zorgclaim.app.access import SYSTEM, NotFound
    from zorgclaim.app.members import deductible_meter, remaining
    ctx = store_context(world, default_demo=True)
    try:
        meter = deductible_meter(ctx, SYSTEM, member_id)
    except NotFound:
        _fail(f"no member {member_id!r} in the world, and no decided lines of it in the store")
    if as_json:
        try:
            limits = remaining(ctx, SYSTEM, member_id)
        except NotFound:
            limits = []
        return print_json({"member_id": member_id, "deductible": meter, "limits": limits})
    for y in meter:
        console.print(f"Deductible {y['year']}: {fmt_eur(y['used'])} used of {fmt_eur(y['total'])}, "
                      f"{fmt_eur(y['left'])} left", highlight=False)
        for ln in y["lines"]:
            console.print(f"   {ln['service_date']} {ln['line_id']} {ln['code']}: {fmt_eur(ln['deductible'])}", highlight=False)
    try:
        limits = remaining(ctx, SYSTEM, member_id)
    except NotFound:
        return
    if limits:
        t = Table(title=f"Limits on {ctx.today()}")
        for col in ("product", "benefit", "diagnosis", "used", "limit", "left", "resets"):
            t.add_column(col)
        for lim in limits:
            money = lim["money"]
            show = (lambda v: fmt_eur(v) if money and v is not None else ("-" if v is None else str(v)))
            t.add_row(lim["product"], lim["benefit"], lim["diagnosis"] or "", show(lim["used"]), show(lim["limit"]),
                      show(lim["left"]) if lim["kind"] in ("count", "amount", "member_maximum") else f"covered from treatment {lim['from_nth']}"
                      if lim.get("from_nth") else "-", str(lim["resets_on"] or lim.get("term_ends") or "-"))
        console.print(t)



