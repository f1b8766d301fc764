"""zorgclaim's command line: adjudicate, explain, scenario check|run, demo.

Errors a user can fix are printed as one clear message (file, line, field) with exit code 2;
never a traceback (set ZORGCLAIM_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from zorgclaim.domain.money import cents_text, fmt_eur, to_euros

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Claims adjudication for Dutch health insurance.")
scenario_app = typer.Typer(no_args_is_help=True, help="Check or run scenario files (DESIGN.md format).")
app.add_typer(scenario_app, name="scenario")
dbc_app = typer.Typer(no_args_is_help=True, help="The clinic's side: activities -> DBC-zorgproducten -> invoices.")
app.add_typer(dbc_app, name="dbc")
console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

HOME = Path(os.environ.get("ZORGCLAIM_HOME", ".zorgclaim"))
DEFAULT_DECISIONS = HOME / "out" / "decisions.parquet"


def _library():
    from zorgclaim.policy import load_library
    from zorgclaim.reference import load_reference
    return load_library(), load_reference()


def _fail(message: str, code: int = 2):
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def flat_decisions(decisions: pl.DataFrame | pl.LazyFrame):
    """Decisions for CSV: no steps; codes and shares as text; money as exact euro text."""
    return decisions.drop("steps").with_columns(
        pl.col("codes").list.join(";"),
        pl.col("shares").list.eval(pl.concat_str([pl.element().struct.field("product"), pl.lit(":"),
                                                   pl.element().struct.field("benefit"), pl.lit("="),
                                                   cents_text(pl.element().struct.field("amount"))])).list.join(";"),
        *[cents_text(pl.col(c)).alias(c) for c in ("declared", "allowed", "deductible", "paid")])


def write_decisions(decisions: pl.DataFrame, out: Path) -> tuple[Path, Path]:
    """Parquet keeps everything (nested shares and steps); CSV flattens codes and shares to text."""
    out.mkdir(parents=True, exist_ok=True)
    pq, csv = out / "decisions.parquet", out / "decisions.csv"
    decisions.write_parquet(pq)
    flat_decisions(decisions).write_csv(csv)
    return pq, csv


def summary(decisions: pl.DataFrame | pl.LazyFrame, title: str = "Decisions") -> None:
    """Lines and money per status, return code and payer; deductible charged (lazy-friendly)."""
    lf = decisions.lazy()

    def money_table(by: str, label: str, frame: pl.LazyFrame) -> Table:
        t = Table(title=f"{title} per {label}")
        for col in (label, "lines", "declared", "allowed", "deductible", "paid"):
            t.add_column(col, justify="left" if col == label else "right")
        agg = (frame.group_by(by).agg(pl.len().alias("lines"), *(pl.col(c).sum() for c in ("declared", "allowed", "deductible", "paid")))
               .sort("lines", descending=True).collect())
        for r in agg.iter_rows(named=True):
            t.add_row(str(r[by] if r[by] is not None else "-"), f"{r['lines']:,}", *(fmt_eur(r[c]) for c in ("declared", "allowed", "deductible", "paid")))
        return t
    console.print(money_table("status", "status", lf))
    first = lf.with_columns(pl.col("codes").list.first().alias("code"))
    codes = first.join(_return_codes().lazy(), on="code", how="left").with_columns(
        pl.concat_str([pl.col("code"), pl.lit(" "), pl.col("meaning").fill_null("").str.slice(0, 40)]).alias("code"))
    console.print(money_table("code", "code", codes))
    console.print(money_table("payer", "payer", lf))
    ded = lf.select(pl.col("deductible").sum().alias("d"),
                    pl.col("member_id").filter(pl.col("deductible") != 0).n_unique().alias("m")).collect().row(0)
    console.print(f"Deductible charged: [bold]{fmt_eur(ded[0])}[/] over {ded[1]:,} members.")


def _return_codes() -> pl.DataFrame:
    from zorgclaim.reference import load_reference
    return load_reference().return_codes.select("code", "meaning")


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


def _looks_like_pm304(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(5) == b"01107"
    except OSError:
        return False


def _looks_like_fhir(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and b'"resourceType"' in head


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


def _looks_like_zh308(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            first = f.readline().rstrip(b"\r\n")
    except OSError:
        return False
    return first[:2] == b"01" and len(first) == 610


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
                                         progress=lambda done, total: progress.update(task, completed=done))
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


def _decision_json(d: dict, lang: str) -> dict:
    from zorgclaim.engine.explain import render_step
    return {
        "line": d["line_id"], "status": d["status"], "allowed": str(to_euros(d["allowed"])), "paid": str(to_euros(d["paid"])),
        "payer": d["payer"], "deductible": str(to_euros(d["deductible"])), "codes": list(d["codes"]),
        "payee": d["payee"],
        "shares": [{"product": s["product"], "benefit": s["benefit"], "amount": str(to_euros(s["amount"]))} for s in d["shares"]],
        "explanation": [{"stage": s["stage"], "check": s["check"], "outcome": s["outcome"], "code": s["code"],
                         "source": s["source"], "text": render_step(s, lang)} for s in d["steps"]],
    }


@scenario_app.command("check")
def scenario_check(files: list[Path] = typer.Argument(..., help="Scenario YAML files")):
    """Run scenarios and compare with their expect blocks; non-zero exit on any difference."""
    from zorgclaim.scenarios.runner import ScenarioError, run_scenario
    lib, ref = _library()
    failed = 0
    for f in files:
        try:
            r = run_scenario(f, lib, ref)
        except ScenarioError as e:
            err.print(f"[red]ERROR[/] {e}", highlight=False)
            failed += 1
            continue
        if r.differences:
            failed += 1
            console.print(f"[red]FAIL[/] {f}: {r.scenario.scenario}", highlight=False)
            for dline in r.differences:
                console.print(f"     {dline}", highlight=False)
        else:
            console.print(f"[green]ok[/]   {f}", highlight=False)
    console.print(f"{len(files) - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@scenario_app.command("run")
def scenario_run(
    files: list[Path] = typer.Argument(..., help="Scenario YAML files"),
    as_json: bool = typer.Option(False, "--json", help="Print the decisions as JSON (DESIGN.md field names)"),
    lang: str = typer.Option("nl", "--lang", help="Language of the explanation: nl or en"),
):
    """Run a scenario and print its decisions."""
    from zorgclaim.engine.explain import explain as render
    from zorgclaim.scenarios.runner import ScenarioError, run_scenario
    lib, ref = _library()
    results = []
    for file in files:
        try:
            results.append(run_scenario(file, lib, ref))
        except ScenarioError as e:
            _fail(str(e))
    if as_json:
        out = []
        for r in results:
            for d in (r.decisions.iter_rows(named=True) if r.decisions.height else []):
                item = _decision_json(d, lang)
                if len(files) > 1:
                    item["scenario"] = r.path
                out.append(item)
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for r in results:
        _print_scenario(r, lang)


def _print_scenario(r, lang: str) -> None:
    from zorgclaim.engine.explain import explain as render
    rows = list(r.decisions.iter_rows(named=True)) if r.decisions.height else []
    console.print(f"[bold]{r.scenario.scenario}[/] ({r.path})", highlight=False)
    for d in rows:
        console.print(f"\n[bold]{d['line_id']}[/] {d['status']}: allowed {fmt_eur(d['allowed'])}, deductible "
                      f"{fmt_eur(d['deductible'])}, paid {fmt_eur(d['paid'])} to {d['payee']} by {d['payer'] or '-'}; "
                      f"codes {', '.join(d['codes'])}", highlight=False)
        for s in render(d, lang):
            console.print("  " + s.replace("\n", "\n  "), highlight=False)


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


def _print_dbc_summary(table: pl.DataFrame, title: str) -> None:
    t = Table(title=f"{title}: DBCs per product")
    for col in ("product", "DBCs", "open", "tariff total"):
        t.add_column(col, justify="left" if col == "product" else "right")
    agg = table.group_by("code", "product_label").agg(pl.len().alias("n"), pl.col("open").sum().alias("o"),
                                                      pl.col("nza_tariff").sum().alias("amt")).sort("code")
    for r in agg.iter_rows(named=True):
        t.add_row(f"{r['code']} {r['product_label'] or ''}", f"{r['n']:,}", f"{r['o']:,}", fmt_eur(r["amt"] or 0))
    console.print(t)
    if table["billed_to"].drop_nulls().len():
        t2 = Table(title=f"{title}: who is billed")
        for col in ("insurer", "billed to", "DBCs", "amount"):
            t2.add_column(col, justify="left" if col in ("insurer", "billed to") else "right")
        agg = (table.filter(~pl.col("open")).group_by("insurer", "billed_to")
               .agg(pl.len().alias("n"), pl.col("nza_tariff").sum().alias("amt")).sort("insurer", "billed_to", nulls_last=True))
        for r in agg.iter_rows(named=True):
            t2.add_row(str(r["insurer"] or "-"), str(r["billed_to"]), f"{r['n']:,}", fmt_eur(r["amt"] or 0))
        console.print(t2)


def _write_billing(b, out: Path, html: bool) -> None:
    from zorgclaim.dbc.html import invoice_html
    out.mkdir(parents=True, exist_ok=True)
    b.table.with_columns(cents_text(pl.col("nza_tariff")).alias("tariff")).drop("nza_tariff").write_csv(out / "dbcs.csv")
    b.table.write_json(out / "dbcs.json")
    b.lines.write_csv(out / "invoice_lines.csv")
    b.no_shows.with_columns(cents_text(pl.col("amount")).alias("amount")).write_csv(out / "no_show_invoices.csv")
    if html:
        (out / "invoices").mkdir(exist_ok=True)
        for row in b.table.filter(~pl.col("open")).iter_rows(named=True):
            lines = b.lines.filter(pl.col("dbc_id") == row["dbc_id"])
            (out / "invoices" / f"{row['dbc_id']}.html").write_text(invoice_html(row, lines), encoding="utf-8")


@dbc_app.command("group")
def dbc_group(
    activities: Path = typer.Argument(..., help="Activity log: patient, date, discipline, minutes, kind (contact|team|dossier|no_show), diagnosis, care_demand, specialist"),
    patients: Optional[Path] = typer.Option(None, help="Patients: patient, insurer, from, to (and member_id, birth_date, product, referral_by)"),
    contracts: Optional[Path] = typer.Option(None, help="Clinic contracts: insurer, year, payment_agreement, source, verified"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Only activities up to this date; lists the DBCs still open"),
    out: Path = typer.Option(HOME / "dbc", "--out", "-o", help="Folder for dbcs.csv/json, invoice_lines.csv, no_show_invoices.csv, invoices/*.html"),
    html: bool = typer.Option(True, help="Write a printable HTML invoice per closed DBC"),
):
    """Group activities into DBCs, products and invoices; route each invoice."""
    import datetime as dt

    from zorgclaim.dbc.billing import bill
    from zorgclaim.dbc.io import read_activities, read_patients
    from zorgclaim.dbc.tables import load_clinic_contracts, load_dbc_tables
    day = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
    acts, errors = read_activities(activities)
    pats = None
    if patients:
        pats, perr = read_patients(patients)
        errors += perr
    cons = load_clinic_contracts(contracts) if contracts else None
    for e in errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    tables = load_dbc_tables()
    from zorgclaim.dbc.grouping import GroupingError
    try:
        b = bill(acts, tables, pats, cons, day)
    except GroupingError as e:
        _fail(str(e))
    _write_billing(b, out, html)
    _print_dbc_summary(b.table, "Clinic")
    if day is not None:
        still = b.table.filter(pl.col("open"))
        console.print(f"Open on {day}: {still.height:,} DBCs (closing dates in dbcs.csv, column 'end')")
    console.print(f"{len(b.dbcs):,} DBCs, {b.lines.height:,} invoice units, {b.no_shows.height:,} no-show invoices; written to {out}")
    if errors:
        raise typer.Exit(1)


@dbc_app.command("patient-share")
def dbc_patient_share(
    invoice: str = typer.Option(..., help="Invoice amount in euros"),
    reimbursed: str = typer.Option(..., help="What the insurer reimbursed, in euros (its statement)"),
    deductible: str = typer.Option("0", help="Deductible the insurer withheld, in euros"),
):
    """What a patient without a payment agreement owes the clinic (seed 000)."""
    from zorgclaim.dbc.routing import patient_share
    from zorgclaim.dbc.tables import load_dbc_tables
    from zorgclaim.domain.money import MoneyError, to_cents
    import datetime as dt
    try:
        inv, reim, ded = to_cents(invoice), to_cents(reimbursed), to_cents(deductible)
        r = patient_share(inv, reim, ded, load_dbc_tables().param("patient_minimum_share_pct", dt.date.today()))
    except (MoneyError, ValueError) as e:
        _fail(str(e))
    console.print(f"Invoice {fmt_eur(r['invoice'])}; insurer reimbursed {fmt_eur(r['reimbursed'])}; minimum "
                  f"{fmt_eur(r['minimum'])}; deductible withheld {fmt_eur(r['deductible_withheld'])}", highlight=False)
    console.print(f"Patient owes the clinic: [bold]{fmt_eur(r['owed'])}[/] (basis: {r['basis']} + deductible"
                  + ("; capped at the invoice" if r["capped"] else "") + ")", highlight=False)


@dbc_app.command("precheck")
def dbc_precheck(
    activities: Path = typer.Argument(..., help="Activity log"),
    patients: Path = typer.Option(..., help="Patients with member_id, birth_date, product, referral_by"),
    contracts: Path = typer.Option(..., help="Clinic contracts"),
    agb: str = typer.Option("07999999", help="The clinic's AGB code"),
    out: Path = typer.Option(HOME / "dbc", "--out", "-o", help="Where claim_lines.csv, the ZH308 files and precheck/ go"),
):
    """Run the closed DBC invoices through the insurer's engine before sending; show refusals;
    export the insurer-billed invoices as one ZH308 file per insurer."""
    from zorgclaim.dbc.billing import bill
    from zorgclaim.dbc.io import read_activities, read_patients
    from zorgclaim.dbc.precheck import claim_lines, precheck
    from zorgclaim.dbc.tables import load_clinic_contracts, load_dbc_tables
    from zorgclaim.engine.explain import render_step
    acts, errors = read_activities(activities)
    pats, perr = read_patients(patients)
    b = bill(acts, load_dbc_tables(), pats, load_clinic_contracts(contracts))
    lib, ref = _library()
    known = pats.filter(pl.col("product").is_in(list(lib.products)))
    table = b.table.join(known.select("patient").unique(), on="patient", how="semi")
    skipped = b.table.height - table.height
    out.mkdir(parents=True, exist_ok=True)
    exported = claim_lines(table, pats, agb)
    exported.write_csv(out / "claim_lines.csv")
    import datetime as dt

    from zorgclaim.formats.vektis.write import UZOVI
    from zorgclaim.formats.vektis.zh308 import write_zh308
    direct = exported.filter(pl.col("submitted_by") == "provider").join(
        table.select(pl.col("dbc_id").alias("line_id"), "insurer"), on="line_id", how="left")
    members = pats.select("member_id", pl.lit(None, pl.String).alias("bsn"), "birth_date").unique("member_id")
    for (insurer,), part in direct.group_by(["insurer"]):
        path = out / f"declaratie-{insurer}.zh308"
        path.write_bytes(write_zh308(part.drop("insurer"), members, f"{agb}-{insurer}"[:12], dt.date.today(), agb,
                                     UZOVI.get(insurer, "0000")).encode("latin-1"))
        console.print(f"ZH308 for {insurer}: {part.height:,} DBCs -> {path}")
    decisions = precheck(table, pats, agb, lib, ref)
    write_decisions(decisions, out / "precheck")
    refused = decisions.filter(pl.col("status") != "accepted")
    console.print(f"{decisions.height:,} closed DBC invoices checked ({skipped:,} skipped: patient's product not in the policy library); "
                  f"{refused.height:,} would not be paid in full.")
    for d in refused.head(20).iter_rows(named=True):
        fails = [render_step(s, "en") for s in d["steps"] if s["outcome"] in ("fail", "partial")]
        console.print(f"- {d['line_id']}: {d['status']} {fmt_eur(d['allowed'])} of {fmt_eur(d['declared'])}; "
                      f"{', '.join(d['codes'])}: {'; '.join(fails[:3])}", highlight=False)


@dbc_app.command("demo")
def dbc_demo(
    patients: int = typer.Option(300, help="Patients to generate"),
    seed: int = typer.Option(2024, help="Random seed"),
    out: Path = typer.Option(HOME / "dbc-demo", "--out", "-o"),
):
    """Group a generated activity log and print DBCs per product and per insurer routing."""
    from zorgclaim.dbc.billing import bill
    from zorgclaim.dbc.demo import generate_clinic
    from zorgclaim.dbc.tables import DATA_DIR, load_clinic_contracts, load_dbc_tables
    acts, pats = generate_clinic(patients, seed)
    out.mkdir(parents=True, exist_ok=True)
    acts.write_csv(out / "activities.csv")
    pats.write_csv(out / "patients.csv")
    b = bill(acts, load_dbc_tables(), pats, load_clinic_contracts(DATA_DIR / "clinic_contracts_example.csv"))
    _write_billing(b, out, html=True)
    _print_dbc_summary(b.table, f"Generated clinic ({patients} patients, seed {seed})")
    console.print(f"{len(b.dbcs):,} DBCs ({b.table.filter(pl.col('kind') == 'follow-up').height:,} follow-up), "
                  f"{b.lines.height:,} invoice units, {b.no_shows.height:,} no-show invoices; files in {out}")


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
    day = dt.date.fromisoformat(received) if received else dt.date.today()
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
):
    """Decide the pending lines in the store, one transaction per batch (safe to interrupt and rerun)."""
    from zorgclaim.formats.tabular import read_world
    from zorgclaim.store.db import connect
    from zorgclaim.store.repository import process as run_process
    lib, ref = _library()
    w, werr = read_world(world, lib, ref)
    for e in werr[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Processing pending lines", total=None)
        n = run_process(connect(), w, batch_size, explain=explain_steps,
                        on_batch=lambda b, done: progress.update(task, description=f"batch {b}: {done:,} lines decided"))
    console.print(f"{n:,} lines decided")


@app.command()
def member(
    member_id: str = typer.Argument(..., help="Member number"),
    world: Optional[Path] = typer.Option(None, "--world", "-w", help="World folder (for the voluntary deductible)"),
):
    """A member's deductible meter per year (used / total, and the lines that used it) and counters."""
    import datetime as dt

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


def main():
    from zorgclaim.formats.tabular import InputError
    from zorgclaim.policy.library import PolicyError
    from zorgclaim.reference.tables import ReferenceError
    from zorgclaim.scenarios.runner import ScenarioError
    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except (InputError, PolicyError, ReferenceError, ScenarioError) as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - last resort: no traceback for users
        if hasattr(e, "show") and hasattr(e, "exit_code"):  # a usage error from typer's click
            e.show()
            sys.exit(e.exit_code)
        if os.environ.get("ZORGCLAIM_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(e).__name__}: {e}\n(set ZORGCLAIM_DEBUG=1 for details and report it)")
        sys.exit(1)


if __name__ == "__main__":
    main()
