"""zorgclaim adjudicate (tabular, Vektis PM304/ZH308, FHIR; partitions, Dask) and explain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import polars as pl
import typer
from rich.progress import Progress

from zorgclaim.cli.common import (DEFAULT_DECISIONS, HOME, _fail, _library, app, console, err,
                                  flat_decisions, summary, write_decisions)
from zorgclaim.domain.money import fmt_eur


@app.command()
def adjudicate(
    lines: Path = typer.Argument(..., help="Claim lines: .csv, .parquet, .json, .ndjson, or a Vektis PM304 file (detected by content)"),
    world: Path = typer.Option(..., "--world", "-w", help="World folder: members, coverages, providers, contracts, contract_tariffs, authorizations, wlz"),
    out: Path = typer.Option(HOME / "out", "--out", "-o", help="Folder for decisions.parquet and decisions.csv (for PM304 input: or a .pm305 file for the return message)"),
    state_dir: Optional[Path] = typer.Option(None, "--state", help="Folder with the state of earlier batches (read, then updated)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary tables"),
    partitions: int = typer.Option(1, "--partitions", "-p", min=1, help="Decide in this many member partitions (Parquet input): bounded memory"),
    engine: str = typer.Option("local", "--engine", help="local, or dask to run the partitions on a Dask cluster"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a LocalCluster"),
    explain_steps: bool = typer.Option(True, "--explain/--no-explain", help="Keep the explanation steps (slower) or only codes"),
):
    """Decide a batch of claim lines against a world folder."""
    if partitions > 1 or engine != "local":
        return _adjudicate_partitioned(lines, world, out, state_dir, quiet, partitions, engine, scheduler, explain_steps)
    if _looks_like_pm304(lines):
        return _adjudicate_pm304(lines, world, out, state_dir, quiet, explain_steps)
    if _looks_like_zh308(lines):
        return _adjudicate_pm304(lines, world, out, state_dir, quiet, explain_steps, zh308=True)
    if _looks_like_fhir(lines):
        return _adjudicate_fhir(lines, world, out, state_dir, quiet)
    from zorgclaim.engine import adjudicate as run
    from zorgclaim.formats.state_files import load_state, save_state
    from zorgclaim.formats.tabular import read_lines, read_world
    lib, ref = _library()
    w, werr = read_world(world, lib, ref)
    df, lerr = read_lines(lines)
    for e in (werr + lerr)[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    if len(werr + lerr) > 50:
        err.print(f"[yellow]… and {len(werr + lerr) - 50} more rows skipped[/]")
    if df.height == 0:
        _fail(f"{lines}: no readable claim lines")
    decisions, state = run(df, w, load_state(state_dir) if state_dir else None, explain=explain_steps)
    pq, csv = write_decisions(decisions, out)
    if state_dir:
        save_state(state, state_dir)
    if not quiet:
        summary(decisions)
    console.print(f"{decisions.height:,} lines decided; written to {pq} and {csv}")
    if werr or lerr:
        raise typer.Exit(1)


def _head(path: Path, size: int = 4096) -> str:
    try:
        with path.open("rb") as f:
            return f.read(size).decode("latin-1")
    except OSError:
        return ""


def _looks_like_pm304(path: Path) -> bool:
    from zorgclaim.formats.vektis.pm304 import is_pm304
    return is_pm304(_head(path))


def _looks_like_zh308(path: Path) -> bool:
    from zorgclaim.formats.vektis.zh308 import is_zh308
    return is_zh308(_head(path, 700))


def _looks_like_fhir(path: Path) -> bool:
    head = _head(path)
    return head.lstrip()[:1] == "{" and '"resourceType"' in head


def _adjudicate_fhir(lines: Path, world: Path, out: Path, state_dir, quiet: bool):
    """A FHIR Claim or Bundle of Claims: decide, and write a Bundle with a ClaimResponse and an
    ExplanationOfBenefit per Claim (and an OperationOutcome per bad resource) to OUT/fhir-responses.json."""
    import datetime as dt

    from zorgclaim.engine import adjudicate as run
    from zorgclaim.formats.fhir.claim_in import read_fhir
    from zorgclaim.formats.fhir.response_out import responses
    from zorgclaim.formats.state_files import load_state, save_state
    from zorgclaim.formats.tabular import read_world
    try:
        doc = json.loads(lines.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        _fail(f"{lines}: not valid JSON: {e}")
    inp = read_fhir(doc)
    for o in inp.outcomes:
        for issue in o["issue"]:
            err.print(f"[yellow]{lines}: {issue['expression'][0]}: {issue['diagnostics']}[/]", highlight=False)
    lib, ref = _library()
    w, werr = read_world(world, lib, ref)
    decisions = pl.DataFrame()
    if inp.lines.height:
        decisions, state = run(inp.lines, w, load_state(state_dir) if state_dir else None)
        if state_dir:
            save_state(state, state_dir)
        write_decisions(decisions, out)
        if not quiet:
            summary(decisions)
    out.mkdir(parents=True, exist_ok=True)
    bundle = responses(inp, decisions, ref, dt.date.today()) if decisions.height else {
        "resourceType": "Bundle", "type": "collection", "entry": [{"resource": o} for o in inp.outcomes]}
    (out / "fhir-responses.json").write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    console.print(f"{inp.lines.height:,} lines from {len(inp.claims):,} claims decided; FHIR responses in {out / 'fhir-responses.json'}")
    if inp.outcomes or werr:
        raise typer.Exit(1)


def _adjudicate_pm304(lines: Path, world: Path, out: Path, state_dir, quiet: bool, explain_steps: bool,
                      zh308: bool = False):
    """A Vektis PM304 file: read and check it, decide its lines, write the PM305 return message
    (to `--out x.pm305`, or next to the decisions). Files and invoice numbers seen before are
    remembered in $ZORGCLAIM_HOME/vektis_seen.json (for 8067 and 0030)."""
    import datetime as dt

    from zorgclaim.engine import adjudicate as run
    from zorgclaim.formats.state_files import load_state, save_state
    from zorgclaim.formats.tabular import read_world
    from zorgclaim.formats.vektis.pm304 import read_pm304
    from zorgclaim.formats.vektis.write import write_pm305
    seen_path = HOME / "vektis_seen.json"
    seen = json.loads(seen_path.read_text()) if seen_path.exists() else {"files": [], "invoices": []}
    text = lines.read_bytes().decode("latin-1")
    from zorgclaim.formats.vektis.zh308 import read_zh308
    reader = read_zh308 if zh308 else read_pm304
    f = reader(text, lines.name, received=None, seen_invoices=frozenset(seen["invoices"]),
               seen_files=frozenset(seen["files"]))
    for m in f.messages[:50]:
        err.print(f"[yellow]{m}[/]", highlight=False)
    lib, ref = _library()
    w, werr = read_world(world, lib, ref)
    decisions = None
    if not f.rejected and f.lines.height:
        decisions, state = run(f.lines, w, load_state(state_dir) if state_dir else None, explain=explain_steps)
        if state_dir:
            save_state(state, state_dir)
    return_path = out if out.suffix.lower() == ".pm305" else out / (lines.stem + ".pm305")
    folder = out.parent if out.suffix.lower() == ".pm305" else out
    folder.mkdir(parents=True, exist_ok=True)
    if not zh308:  # the ZH308 return message (ZH309) is not written yet
        return_path.write_bytes(write_pm305(f, decisions, dt.date.today(), f"ZC-{f.digest[:16]}").encode("latin-1"))
    if decisions is not None:
        pq, csv = write_decisions(decisions, folder if out.suffix.lower() != ".pm305" else HOME / "out")
        if not quiet:
            summary(decisions)
        console.print(f"{decisions.height:,} lines decided; decisions in {pq} and {csv}")
    if f.rejected:
        console.print(f"[red]file rejected[/] ({', '.join(f.file_codes)}): {'; '.join(f.messages[:3])}", highlight=False)
    else:
        seen["files"].append(f.digest)
        inv = f.header.get("Factuurnummer declarant") if f.header else None
        if inv:
            seen["invoices"].append(inv)
        HOME.mkdir(parents=True, exist_ok=True)
        seen_path.write_text(json.dumps(seen))
    if not zh308:
        console.print(f"return message (PM305) written to {return_path}")
    if f.rejected or werr or any(r.codes for r in f.records):
        raise typer.Exit(1)


def _adjudicate_partitioned(lines, world, out, state_dir, quiet, partitions, engine, scheduler, explain_steps):
    import time

    from zorgclaim.formats.state_files import load_state, save_state
    from zorgclaim.formats.tabular import read_world
    from zorgclaim.scale.partitioned import adjudicate_file
    if engine not in ("local", "dask"):
        _fail(f"--engine must be local or dask, not {engine!r}")
    if lines.suffix.lower() != ".parquet" or not lines.exists():
        _fail(f"{lines}: partitioned runs read a Parquet file (convert CSV/JSON first, or use --partitions 1)")
    lib, ref = _library()
    w, werr = read_world(world, lib, ref)
    for e in werr[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    parts_dir = out / "parts"
    if parts_dir.exists():
        for old in parts_dir.glob("decisions-*.parquet"):
            old.unlink()
    t = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"Adjudicating {partitions} member partitions ({engine})", total=partitions)
        results, state = adjudicate_file(lines, w, parts_dir, partitions, load_state(state_dir) if state_dir else None,
                                         engine, scheduler, explain_steps,
                                         progress=lambda done, total: progress.update(task, completed=done),
                                         keep_state=state_dir is not None)
    elapsed = time.perf_counter() - t
    scan = pl.scan_parquet(str(parts_dir / "decisions-*.parquet"))
    scan.sink_parquet(out / "decisions.parquet")
    flat_decisions(scan).sink_csv(out / "decisions.csv")
    if state_dir:
        save_state(state, state_dir)
    if not quiet:
        summary(pl.scan_parquet(out / "decisions.parquet"))
    n = sum(r.lines for r in results)
    peak = max(r.peak_rss_mib for r in results)
    console.print(f"{n:,} lines decided in {partitions} partitions ({engine}) in {elapsed:.1f}s; largest partition "
                  f"{max(r.lines for r in results):,} lines; peak memory of the {'busiest worker' if engine == 'dask' else 'process'} {peak:,.0f} MiB; "
                  f"written to {out / 'decisions.parquet'} and {out / 'decisions.csv'}")
    if werr:
        raise typer.Exit(1)


@app.command()
def explain(
    line_id: str = typer.Argument(..., help="The line to explain"),
    decisions: Path = typer.Option(DEFAULT_DECISIONS, "--decisions", "-d", help="decisions.parquet written by adjudicate or demo"),
    lang: str = typer.Option("nl", "--lang", help="nl or en"),
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
    head = {"nl": "Regel {l}: {s}; gedeclareerd {d}, vergoed {a}, eigen risico {e}, uitbetaald {p}; codes {c}",
            "en": "Line {l}: {s}; declared {d}, covered {a}, deductible {e}, paid {p}; codes {c}"}[lang]
    status = {"nl": {"accepted": "toegewezen", "partial": "gedeeltelijk toegewezen", "rejected": "afgewezen"},
              "en": {}}[lang].get(row["status"], row["status"])
    console.print(head.format(l=line_id, s=status, d=fmt_eur(row["declared"]), a=fmt_eur(row["allowed"]),
                              e=fmt_eur(row["deductible"]), p=fmt_eur(row["paid"]), c=", ".join(row["codes"])),
                  highlight=False)
    for sentence in render(row, lang):
        console.print(sentence, highlight=False)
