"""Shared pieces of the command line: the Typer apps, the consoles, the data folder, reading the
library, failing with a message, and writing and summarising decisions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from zorgclaim.domain.money import fmt_eur

app = typer.Typer(no_args_is_help=True, help="Claims adjudication for Dutch health insurance.")


def _version(show: bool):
    if show:
        from importlib.metadata import version
        typer.echo(f"zorgclaim {version('zorgclaim')}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and stop")):
    """Claims adjudication for Dutch health insurance."""
scenario_app = typer.Typer(no_args_is_help=True, help="Check or run scenario files (scenario format v1).")
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


def print_json(value) -> None:
    """An answer as JSON on standard output (money in cents, dates as YYYY-MM-DD)."""
    import json
    typer.echo(json.dumps(value, default=str, ensure_ascii=False, indent=1))


def store_said(ctx) -> str:
    """Which store a command reads (never a password)."""
    url = ctx.engine.url
    return f"{url.get_backend_name()} {url.database or ''}".strip() if url.get_backend_name() == "sqlite" \
        else f"{url.get_backend_name()} on {url.host or 'localhost'}/{url.database or ''}"


def _fail(message: str, code: int = 2):
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def load_world(path: Path):
    """Read a world folder with the packaged library and reference tables; rows that cannot be read
    are reported (file, line, field) and skipped."""
    from zorgclaim.formats.tabular import read_world
    lib, ref = _library()
    w, errors = read_world(path, lib, ref)
    for e in errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    return w


def parse_date(value: str | None, option: str):
    """A YYYY-MM-DD option as a date (None stays None); a clear error naming the option otherwise."""
    import datetime as dt
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def store_context(world: Path | None, default_demo: bool = False):
    """The application context on the store ($ZORGCLAIM_DATABASE_URL or SQLite in $ZORGCLAIM_HOME)
    with the world of `world` (or, with `default_demo`, the demo book's when it is there); rows of
    the world that cannot be read are reported and left out."""
    from zorgclaim.app.context import open_context
    if world is None and default_demo:
        demo = HOME / "demo" / "world"
        world = demo if (demo / "members.parquet").exists() else None
    ctx = open_context(world, data_dir=HOME)
    for e in ctx.world_errors[:50]:
        err.print(f"[yellow]skipped:[/] {e}", highlight=False)
    return ctx


from zorgclaim.app.files import flat_decisions, write_decisions  # noqa: E402,F401  (used by the commands)


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
        pl.concat_str([pl.col("code"), pl.lit(" "), pl.col("meaning").fill_null("")]).alias("code"))
    console.print(money_table("code", "code", codes))
    console.print(money_table("payer", "payer", lf))
    ded = lf.select(pl.col("deductible").sum().alias("d"),
                    pl.col("member_id").filter(pl.col("deductible") != 0).n_unique().alias("m")).collect().row(0)
    console.print(f"Deductible charged: [bold]{fmt_eur(ded[0])}[/] over {ded[1]:,} members.")


def _return_codes() -> pl.DataFrame:
    from zorgclaim.reference import load_reference
    return load_reference().return_codes.select("code", "meaning")
