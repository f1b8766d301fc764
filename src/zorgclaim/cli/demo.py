"""zorgclaim demo: the synthetic book, decided month by month."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.progress import Progress

from zorgclaim.cli.common import HOME, app, console, summary, write_decisions


@app.command()
def demo(
    members: int = typer.Option(10_000, help="Members to generate"),
    lines: int = typer.Option(100_000, help="Claim lines to generate"),
    seed: int = typer.Option(20251121, help="Random seed"),
    out: Path = typer.Option(HOME / "out", "--out", "-o", help="Where the decisions go"),
):
    """Generate a synthetic book (fixed seed), adjudicate it month by month, print a summary."""
    from zorgclaim.app.demo import run_file_demo
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Generating the book, then one batch per month received", total=None)
        r = run_file_demo(HOME, members, lines, seed, on_month=lambda m: progress.update(task, description=f"{m:%Y-%m}"))
    console.print(f"Generated {r.world_members:,} members, {r.providers:,} providers, {r.lines:,} claim lines "
                  f"(seed {seed}) in {r.generated_s:.1f}s; inputs in {HOME / 'demo'}")
    pq, csv = write_decisions(r.decisions, out)
    summary(r.decisions, "Demo decisions")
    console.print(f"Adjudicated {r.decisions.height:,} lines in {r.months} monthly batches in {r.decided_s:.1f}s; "
                  f"decisions in {pq} and {csv}")
    sample = r.decisions.filter(pl.col("status") == "partial").head(1)["line_id"].to_list()
    if sample:
        console.print(f"Try: zorgclaim explain {sample[0]}  (or --lang en)")
