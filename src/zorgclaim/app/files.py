"""Deciding a file without the store's books: `zorgclaim adjudicate`. Any supported format (one
registry), the state of earlier batches carried in a folder if asked, decisions written as Parquet
(everything) and CSV (flat), and the format's own answer: a PM305 for a PM304, FHIR responses for a
FHIR Claim or Bundle. A Vektis file is remembered in the store's intake registry - the one memory of
files sent (8067) and invoice numbers used (0030) - so the same file is refused the next time."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from zorgclaim.app.context import Context
from zorgclaim.domain.money import cents_text
from zorgclaim.formats.registry import ClaimInput
from zorgclaim.formats.tabular import InputError


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


@dataclass
class FileRun:
    input: ClaimInput
    decisions: pl.DataFrame | None          # None: nothing decided (a file refused whole, or no lines)
    written: list[Path] = field(default_factory=list)
    answer: Path | None = None              # the PM305, or the FHIR responses
    world_problems: list = field(default_factory=list)
    held: pl.DataFrame | None = None        # lines of members whose world row could not be read: not decided


def adjudicate_file(ctx: Context, path: Path, out: Path, state_dir: Path | None = None, explain: bool = True) -> FileRun:
    """Read `path` (any format), decide its lines against `ctx.world` (and the state in
    `state_dir`, updated after), write the decisions and the format's answer under `out` (or, for
    a PM304, to `out` itself when it names a .pm305 file)."""
    from zorgclaim.app.claims import read
    from zorgclaim.engine import adjudicate
    from zorgclaim.formats.registry import detect
    from zorgclaim.formats.state_files import load_state, save_state
    data = _read_bytes(path)
    vektis = detect(data, str(path)) in ("pm304", "zh308")
    # only a Vektis file is checked against (and remembered in) the store: it is a declaration sent
    inp = read(ctx, data, path.name) if vektis else _read_plain(data, path)
    run = FileRun(inp, None, world_problems=list(ctx.world_errors))
    pm305_target = out.suffix.lower() == ".pm305"
    folder = out.parent if pm305_target else out
    lines = inp.lines
    if ctx.world.unreadable_members and lines.height:
        # the member exists but its row could not be read: hold its lines, do not refuse them as unknown
        held = lines["member_id"].is_in(list(ctx.world.unreadable_members))
        if held.any():
            folder.mkdir(parents=True, exist_ok=True)
            run.held = lines.filter(held)
            run.held.write_csv(folder / "held_lines.csv")
            lines = lines.filter(~held)
    if lines.height and not inp.rejected:
        decisions, state = adjudicate(lines, ctx.world, load_state(state_dir) if state_dir else None, explain=explain)
        run.decisions = decisions
        if state_dir:
            save_state(state, state_dir)
        run.written = list(write_decisions(decisions, ctx.data_dir / "out" if pm305_target else folder))
    folder.mkdir(parents=True, exist_ok=True)
    if inp.kind == "pm304":
        from zorgclaim.formats.vektis.write import write_pm305
        target = out if pm305_target else out / (path.stem + ".pm305")
        target.write_bytes(write_pm305(inp.vektis, run.decisions, ctx.today(), f"ZC-{inp.digest[:16]}").encode("latin-1"))
        run.answer = target
    elif inp.kind == "fhir":
        from zorgclaim.formats.fhir.response_out import responses
        bundle = responses(inp.fhir, run.decisions, ctx.reference, ctx.today())    # every Claim answered
        run.answer = folder / "fhir-responses.json"
        run.answer.write_text(json.dumps(bundle, ensure_ascii=False, indent=1), encoding="utf-8")
    if vektis and not inp.rejected:
        remember(ctx, inp, run.decisions.height if run.decisions is not None else 0)
    return run


def remember(ctx: Context, inp: ClaimInput, lines: int) -> None:
    """Record a Vektis file as received in the store's intake registry (its digest and invoice number)."""
    from sqlalchemy import insert

    from zorgclaim.store.models import IntakeFile
    with ctx.engine.begin() as conn:
        conn.execute(insert(IntakeFile).values(
            digest=inp.digest, name=f"adjudicate: {inp.name}"[:500], received=ctx.today(), lines=lines, repeats=0,
            invoice_number=inp.invoice_number, kind=inp.kind, taken_at=dt.datetime.now()))


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None


def _read_plain(data: bytes, path: Path) -> ClaimInput:
    from zorgclaim.formats.registry import read_claims
    return read_claims(data, str(path))


@dataclass
class PartitionedRun:
    lines: int
    partitions: int
    engine: str
    seconds: float
    largest: int
    peak_mib: float
    decisions: Path
    csv: Path


def adjudicate_partitioned(ctx: Context, path: Path, out: Path, partitions: int, engine: str = "local",
                           scheduler: str | None = None, state_dir: Path | None = None, explain: bool = False,
                           progress=None) -> PartitionedRun:
    """A Parquet file decided in member partitions (bounded memory), locally or on Dask."""
    from zorgclaim.formats.state_files import load_state, save_state
    from zorgclaim.scale.partitioned import adjudicate_file as run_parts
    if engine not in ("local", "dask"):
        raise InputError(f"--engine must be local or dask, not {engine!r}")
    if path.suffix.lower() != ".parquet" or not path.exists():
        raise InputError(f"{path}: partitioned runs read a Parquet file (convert CSV/JSON first, or use --partitions 1)")
    parts_dir = out / "parts"
    if parts_dir.exists():
        for old in parts_dir.glob("decisions-*.parquet"):
            old.unlink()
    t = time.perf_counter()
    results, state = run_parts(path, ctx.world, parts_dir, partitions, load_state(state_dir) if state_dir else None,
                               engine, scheduler, explain, progress=progress, keep_state=state_dir is not None)
    elapsed = time.perf_counter() - t
    scan = pl.scan_parquet(str(parts_dir / "decisions-*.parquet"))
    scan.sink_parquet(out / "decisions.parquet")
    flat_decisions(scan).sink_csv(out / "decisions.csv")
    if state_dir:
        save_state(state, state_dir)
    return PartitionedRun(sum(r.lines for r in results), partitions, engine, elapsed, max(r.lines for r in results),
                          max(r.peak_rss_mib for r in results), out / "decisions.parquet", out / "decisions.csv")
