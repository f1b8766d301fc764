"""zorgclaim adjudicate (any format, through the application layer; partitions, Dask) and explain."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import polars as pl
import typer
from rich.progress import Progress

from zorgclaim.cli.common import DEFAULT_DECISIONS, HOME, _fail, app, console, err, summary
from zorgclaim.domain.money import fmt_eur


@app.command()
def adjudicate(
    lines: Path = typer.Argument(..., help="Claim lines: .csv, .parquet, .json, .ndjson, a Vektis PM304 or ZH308 file, or a FHIR Claim/Bundle (detected by content)"),
    world: Path = typer.Option(..., "--world", "-w", help="World folder: members, coverages, providers, contracts, contract_tariffs, authorizations, wlz, watch"),
    out: Path = typer.Option(HOME / "out", "--out", "-o", help="Folder for decisions.parquet and decisions.csv (for PM304 input: or a .pm305 file for the return message)"),
    state_dir: Optional[Path] = typer.Option(None, "--state", help="Folder with the state of earlier batches (read, then updated)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary tables"),
    partitions: int = typer.Option(1, "--partitions", "-p", min=1, help="Decide in this many member partitions (Parquet input): bounded memory"),
    engine: str = typer.Option("local", "--engine", help="local, or dask to run the partitions on a Dask cluster"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a LocalCluster"),
    explain_steps: bool = typer.Option(True, "--explain/--no-explain", help="Keep the explanation steps (slower) or only codes"),
):
    """Decide a batch of claim lines against a world folder (no books are kept; see intake and
    process for that). A Vektis file is remembered in the store, so the same file is refused the
    next time (8067)."""
    from zorgclaim.app.context import open_context
    from zorgclaim.app.files import adjudicate_file
    ctx = open_context(world, data_dir=HOME)
    _report_skipped(ctx.world_errors)
    if partitions > 1 or engine != "local":
        return _adjudicate_partitioned(ctx, lines, out, state_dir, quiet, partitions, engine, scheduler, explain_steps)
    run = adjudicate_file(ctx, lines, out, state_dir, explain=explain_steps)
    inp = run.input
    shown = inp.problems if inp.kind in ("pm304", "zh308", "fhir") else [f"skipped: {p}" for p in inp.problems]
    for m in shown[:50]:
        err.print(f"[yellow]{m}[/]", highlight=False)
    if len(shown) > 50:
        err.print(f"[yellow]… and {len(shown) - 50} more[/]")
    if run.held is not None:
        ids = sorted(set(run.held["member_id"].to_list()))
        err.print(f"[yellow]held, not decided:[/] {run.held.height} line(s) of member(s) {', '.join(ids[:10])}"
                  f"{' …' if len(ids) > 10 else ''} whose row in the world's members file could not be read (see "
                  f"above); fix that row and send these lines again (written to {out / 'held_lines.csv'})",
                  highlight=False)
    if run.decisions is not None:
        if not quiet:
            summary(run.decisions)
        where = " and ".join(str(p) for p in run.written)
        console.print(f"{run.decisions.height:,} lines decided; written to {where}")
    elif inp.kind not in ("pm304", "zh308", "fhir") and inp.lines.height == 0:
        _fail(f"{lines}: no readable claim lines")
    if inp.rejected:
        console.print(f"[red]file rejected[/] ({', '.join(inp.vektis.file_codes)}): {'; '.join(inp.problems[:3])}",
                      highlight=False)
    if run.answer is not None:
        what = "return message (PM305)" if inp.kind == "pm304" else "FHIR responses"
        console.print(f"{what} written to {run.answer}")
    record_codes = inp.vektis is not None and any(r.codes for r in inp.vektis.records)
    if inp.problems or ctx.world_errors or inp.rejected or record_codes:
        raise typer.Exit(1)


def _report_skipped(errors: list) -> None:
    for e in errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    if len(errors) > 50:
        err.print(f"[yellow]… and {len(errors) - 50} more rows skipped[/]")


def _adjudicate_partitioned(ctx, lines, out, state_dir, quiet, partitions, engine, scheduler, explain_steps):
    from zorgclaim.app.files import adjudicate_partitioned
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Adjudicating {partitions} member partitions ({engine})", total=partitions)
        r = adjudicate_partitioned(ctx, lines, out, partitions, engine, scheduler, state_dir, explain_steps,
                                   progress=lambda done, total: progress.update(task, completed=done))
    if not quiet:
        summary(pl.scan_parquet(r.decisions))
    console.print(f"{r.lines:,} lines decided in {partitions} partitions ({engine}) in {r.seconds:.1f}s; largest partition "
                  f"{r.largest:,} lines; peak memory of the {'busiest worker' if engine == 'dask' else 'process'} "
                  f"{r.peak_mib:,.0f} MiB; written to {r.decisions} and {r.csv}")
    if ctx.world_errors:
        raise typer.Exit(1)


@app.command()
def explain(
    line_id: str = typer.Argument(..., help="The line to explain"),
    decisions: Path = typer.Option(DEFAULT_DECISIONS, "--decisions", "-d", help="decisions.parquet written by adjudicate or demo"),
    lang: str = typer.Option("nl", "--lang", help="nl or en"),
    as_json: bool = typer.Option(False, "--json", help="The decision and its steps as JSON"),
):
    """Why a line was decided as it was, step by step, with sources."""
    from zorgclaim.engine.explain import explain as render
    if lang not in ("nl", "en"):
        _fail("--lang must be nl or en")
    if not decisions.exists():
        _fail(f"{decisions}: no decisions file; run 'zorgclaim adjudicate' or 'zorgclaim demo' first, or pass --decisions")
    hit = pl.scan_parquet(decisions).filter(pl.col("line_id") == line_id).collect()
    if hit.height == 0:
        _fail(f"line {line_id!r} is not in {decisions}")
    row = hit.row(-1, named=True)
    if as_json:
        from zorgclaim.cli.common import print_json
        return print_json(row | {"explanation": render(row, lang) if row.get("steps") else []})
    head = {"nl": "Regel {l}: {s}; gedeclareerd {d}, vergoed {a}, eigen risico {e}, uitbetaald {p}; codes {c}",
            "en": "Line {l}: {s}; declared {d}, covered {a}, deductible {e}, paid {p}; codes {c}"}[lang]
    status = {"nl": {"accepted": "toegewezen", "partial": "gedeeltelijk toegewezen", "rejected": "afgewezen",
                     "pended": "aangehouden voor beoordeling"},
              "en": {}}[lang].get(row["status"], row["status"])
    console.print(head.format(l=line_id, s=status, d=fmt_eur(row["declared"]), a=fmt_eur(row["allowed"]),
                              e=fmt_eur(row["deductible"]), p=fmt_eur(row["paid"]), c=", ".join(row["codes"])),
                  highlight=False)
    if not row.get("steps"):
        console.print({"nl": "Geen uitleg bewaard: deze beslissingen zijn gemaakt met --no-explain. Beslis de regels "
                             "opnieuw zonder die optie om de stappen en hun bronnen te zien.",
                       "en": "No explanation kept: these decisions were made with --no-explain. Decide the lines again "
                             "without it to see the steps and their sources."}[lang], highlight=False)
        return
    for sentence in render(row, lang):
        console.print(sentence, highlight=False)
