"""What there is to write in a batch: the service codes, the products and the provider kinds, from
the data the engine uses."""

from __future__ import annotations

from typing import Optional

import polars as pl
import typer
from rich.table import Table

from zorgclaim.cli.common import _library, app, console, print_json


@app.command()
def codes(search: Optional[str] = typer.Option(None, "--search", "-s", help="Only codes whose key, label or kind of "
                                                                           "care contains this text"),
          as_json: bool = typer.Option(False, "--json", help="As JSON")):
    """The service codes a line may carry (`<list>/<code>`), with their kind of care, unit and validity."""
    _, ref = _library()
    df = ref.service_codes.select("key", "label", "care_kind", "unit", "valid_from", "valid_to")
    if search:
        s = search.lower()
        df = df.filter(pl.any_horizontal(pl.col(c).str.to_lowercase().str.contains(s, literal=True)
                                         for c in ("key", "label", "care_kind")))
    if as_json:
        return print_json(df.to_dicts())
    t = Table(title=f"Service codes ({df.height})")
    for col in df.columns:
        t.add_column(col)
    for r in df.iter_rows():
        t.add_row(*("" if v is None else str(v) for v in r))
    console.print(t)


@app.command()
def products(as_json: bool = typer.Option(False, "--json", help="As JSON")):
    """The insurance products a member's coverage may name, with their kind and validity."""
    lib, _ = _library()
    rows = [{"product": p.id, "label": p.label, "insurer": p.insurer, "kind": p.kind, "policy": p.policy_type or "",
             "from": p.valid_from, "to": p.valid_to, "benefits": len(lib.benefits[p.id])}
            for p in sorted(lib.products.values(), key=lambda p: p.id)]
    if as_json:
        return print_json(rows)
    t = Table(title="Products")
    for col in rows[0]:
        t.add_column(col)
    for r in rows:
        t.add_row(*(str(v) for v in r.values()))
    console.print(t)


@app.command("provider-kinds")
def provider_kinds(as_json: bool = typer.Option(False, "--json", help="As JSON")):
    """The kinds of provider (a provider's `kind`; an AGB code not in the world gets its prefix's kind)."""
    _, ref = _library()
    df = ref.provider_kinds.select("prefix", "kind", "label")
    if as_json:
        return print_json(df.to_dicts())
    t = Table(title="Provider kinds (AGB prefix)")
    for col in df.columns:
        t.add_column(col)
    for r in df.iter_rows():
        t.add_row(*(str(v) for v in r))
    console.print(t)
