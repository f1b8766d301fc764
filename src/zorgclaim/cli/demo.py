"""zorgclaim demo: the synthetic book, decided month by month."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.progress import Progress

from zorgclaim.cli.common import (HOME, _library, app, console, summary, write_decisions)


@app.command()
def demo(
    members: int = typer.Option(10_000, help="Members to generate"),
    lines: int = typer.Option(100_000, help="Claim lines to generate"),
    seed: int = typer.Option(20251121, help="Random seed"),
    out: Path = typer.Option(HOME / "out", "--out", "-o", help="Where the decisions go"),
):
    """Generate a synthetic book (fixed seed), adjudicate it month by month, print a summary."""
    import time

    from zorgclaim.demo.generate import generate, write_book
    from zorgclaim.engine import State, adjudicate as run
    lib, ref = _library()
    t0 = time.perf_counter()
    book = generate(lib, ref, members=members, lines=lines, seed=seed)
    write_book(book, HOME / "demo")
    console.print(f"Generated {book.world.members.height:,} members, {book.world.providers.height:,} providers, "
                  f"{book.lines.height:,} claim lines (seed {seed}) in {time.perf_counter() - t0:.1f}s; "
                  f"inputs in {HOME / 'demo'}")
    months = book.lines.with_columns(pl.col("received").dt.truncate("1mo").alias("_m"))
    keys = sorted(months["_m"].unique().to_list())
    state, parts = State(), []
    t1 = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Adjudicating, one batch per month received", total=len(keys))
        for k in keys:
            decisions, state = run(months.filter(pl.col("_m") == k).drop("_m"), book.world, state)
            parts.append(decisions)
            progress.advance(task)
    decisions = pl.concat(parts)
    elapsed = time.perf_counter() - t1
    pq, csv = write_decisions(decisions, out)
    summary(decisions, "Demo decisions")
    console.print(f"Adjudicated {decisions.height:,} lines in {len(keys)} monthly batches in {elapsed:.1f}s; "
                  f"decisions in {pq} and {csv}")
    sample = decisions.filter(pl.col("status") == "partial").head(1)["line_id"].to_list()
    if sample:
        console.print(f"Try: zorgclaim explain {sample[0]}  (or --lang en)")
