"""zorgclaim scenario check | run."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from zorgclaim.cli.common import (_fail, _library, console, err,
                                  scenario_app)
from zorgclaim.domain.money import fmt_eur, to_euros


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
    as_json: bool = typer.Option(False, "--json", help="Print the decisions as JSON (the scenario format's field names)"),
    lang: str = typer.Option("nl", "--lang", help="Language of the explanation: nl or en"),
):
    """Run a scenario and print its decisions."""
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
