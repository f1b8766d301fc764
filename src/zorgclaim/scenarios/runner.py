"""Turn a scenario into world + claim lines, run it as the insurer's days would (batches by
receipt date, oldest first, state carried), and compare with its `expect` block."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl
import yaml
from pydantic import ValidationError

from zorgclaim.domain.money import to_cents, to_euros
from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.domain.world import WORLD_SCHEMAS, World
from zorgclaim.engine import State, adjudicate
from zorgclaim.policy.library import PolicyLibrary
from zorgclaim.reference.tables import ReferenceData
from zorgclaim.scenarios.model import Scenario


class ScenarioError(ValueError):
    """A scenario file that cannot be used: names the file, the field and the reason."""


def load_scenario(path: Path) -> Scenario:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read ({e.strerror})") from None
    except yaml.MarkedYAMLError as e:
        m = e.problem_mark
        raise ScenarioError(f"{path}:{m.line + 1 if m else '?'}: not valid YAML: {e.problem}") from None
    try:
        return Scenario.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(f"{path}: field '{loc}': {err['msg']}") from None


def scenario_world(sc: Scenario, library: PolicyLibrary, reference: ReferenceData, path: Path | str = "?") -> World:
    unknown = sorted({c.product for m in sc.members for c in m.coverages} - set(library.products))
    if unknown:
        raise ScenarioError(f"{path}: field 'members.coverages.product': unknown product(s) {unknown}")
    members = pl.DataFrame([{"member_id": m.id, "bsn": m.bsn, "birth_date": m.birth_date, "death_date": m.death_date,
                             "voluntary_deductible": to_cents(m.voluntary_deductible)} for m in sc.members],
                           schema={"member_id": pl.String, "bsn": pl.String, "birth_date": pl.Date,
                                   "death_date": pl.Date, "voluntary_deductible": pl.Int64})
    coverages = pl.DataFrame([{"member_id": m.id, "product": c.product, "from": c.from_, "to": c.to}
                              for m in sc.members for c in m.coverages],
                             schema={"member_id": pl.String, "product": pl.String, "from": pl.Date, "to": pl.Date})
    wlz = pl.DataFrame([{"member_id": m.id, "from": p.from_, "to": p.to} for m in sc.members for p in m.wlz_institution],
                       schema={"member_id": pl.String, "from": pl.Date, "to": pl.Date})
    providers = pl.DataFrame([{"agb": p.agb, "name": p.name, "kind": p.kind, "qualifications": p.qualifications,
                               "recognized_by": p.recognized_by} for p in sc.providers],
                             schema={"agb": pl.String, "name": pl.String, "kind": pl.String,
                                     "qualifications": pl.List(pl.String), "recognized_by": pl.List(pl.String)})
    contracts = pl.DataFrame([{"provider": c.provider, "insurer": c.insurer, "from": c.from_, "to": c.to,
                               "payment_agreement": c.payment_agreement} for c in sc.contracts],
                             schema={"provider": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date,
                                     "payment_agreement": pl.Boolean})
    tariffs = pl.DataFrame([{"provider": c.provider, "insurer": c.insurer, "from": c.from_, "to": c.to, "code": code,
                             "tariff": to_cents(t)} for c in sc.contracts for code, t in c.tariffs.items()],
                           schema={"provider": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date,
                                   "code": pl.String, "tariff": pl.Int64})
    auths = pl.DataFrame([{"id": a.id, "member_id": a.member, "benefit": a.benefit, "from": a.from_, "to": a.to,
                           "status": a.status} for a in sc.authorizations],
                         schema={"id": pl.String, "member_id": pl.String, "benefit": pl.String, "from": pl.Date,
                                 "to": pl.Date, "status": pl.String})
    watch = pl.DataFrame([{"kind": w.kind, "id": w.id, "rule": w.rule, "from": w.from_, "to": w.to, "reason": w.reason}
                          for w in sc.watch], schema=WORLD_SCHEMAS["watch"])
    return World(library, reference, members=members, coverages=coverages, wlz=wlz, providers=providers,
                 contracts=contracts, contract_tariffs=tariffs, authorizations=auths, watch=watch,
                 review_rules=tuple(sc.review_rules))


def scenario_lines(sc: Scenario) -> pl.DataFrame:
    rows = []
    for c in sc.claims:
        for ln in c.lines:
            rows.append({
                "line_id": ln.id, "claim_id": c.id, "member_id": ln.member, "bsn": ln.bsn, "provider": c.provider,
                "provider_name": c.provider_name, "country": c.country,
                "submitted_by": c.submitted_by, "channel": c.channel, "received": c.received,
                "service_date": ln.date, "end_date": ln.end_date, "code": ln.code, "quantity": ln.quantity,
                "declared": to_cents(ln.amount), "diagnosis": ln.diagnosis, "csi": ln.csi,
                "referral_by": ln.referral.by if ln.referral else None,
                "referral_date": ln.referral.date if ln.referral else None,
                "indication_by": ln.indication.by if ln.indication else None,
                "indication_kind": ln.indication.kind if ln.indication else None, "onset_date": ln.onset,
                "authorization": ln.authorization, "credits": ln.credits})
    return pl.DataFrame(rows, schema=LINE_SCHEMA)


def scenario_prior(sc: Scenario) -> pl.DataFrame:
    """The scenario's prior treatments (engine.prior_treatments.PRIOR_SCHEMA)."""
    from zorgclaim.engine.prior_treatments import PRIOR_SCHEMA
    return pl.DataFrame([(p.member, p.benefit, p.diagnosis, p.started, p.treatments) for p in sc.prior_treatments],
                        schema=PRIOR_SCHEMA, orient="row")


def initial_state(sc: Scenario, world: World) -> State:
    """The state before the scenario's first claim: empty, but for prior treatments entered."""
    from zorgclaim.engine.counters import successors
    from zorgclaim.engine.prior_treatments import with_prior_treatments
    return with_prior_treatments(State(), scenario_prior(sc), successors(world.reference.dcsph))


def run_batches(lines: pl.DataFrame, world: World, today, state: State | None = None) -> tuple[pl.DataFrame, State]:
    """One batch per receipt date, oldest first, up to and including `today`."""
    state = state or State()
    out = []
    for day in sorted(lines.filter(pl.col("received") <= today)["received"].unique().to_list()):
        decisions, state = adjudicate(lines.filter(pl.col("received") == day), world, state)
        out.append(decisions)
    if not out:
        return pl.DataFrame(), state
    return pl.concat(out), state


@dataclass
class ScenarioResult:
    path: str
    scenario: Scenario
    decisions: pl.DataFrame
    differences: list[str]


def _eur(c) -> Decimal:
    return to_euros(c)


def check_expectations(sc: Scenario, decisions: pl.DataFrame) -> list[str]:
    """Compare decisions with the expect block. A key is a line id (its first decision) or, for a
    line sent more than once, "ID#n" for the n-th decision on that id (an extension of v1)."""
    diffs = []
    by_line: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for r in (decisions.iter_rows(named=True) if decisions.height else []):
        seen[r["line_id"]] = seen.get(r["line_id"], 0) + 1
        by_line.setdefault(r["line_id"], r)
        by_line[f"{r['line_id']}#{seen[r['line_id']]}"] = r
    for line_id, exp in sc.expect.items():
        got = by_line.get(line_id)
        if got is None:
            diffs.append(f"{line_id}: not decided (received after 'today' or unknown line)")
            continue
        for field in ("status", "payer", "payee"):
            want = getattr(exp, field)
            if want is not None and got[field] != want:
                diffs.append(f"{line_id}.{field}: expected {want}, got {got[field]}")
        for field in ("allowed", "paid", "deductible"):
            want = getattr(exp, field)
            if want is not None and to_cents(want) != got[field]:
                diffs.append(f"{line_id}.{field}: expected {Decimal(want):.2f}, got {_eur(got[field])}")
        if exp.codes is not None and list(got["codes"]) != exp.codes:
            diffs.append(f"{line_id}.codes: expected {exp.codes}, got {list(got['codes'])}")
    return diffs


def run_scenario(path: Path, library: PolicyLibrary, reference: ReferenceData) -> ScenarioResult:
    sc = load_scenario(path)
    world = scenario_world(sc, library, reference, path)
    decisions, _ = run_batches(scenario_lines(sc), world, sc.today, initial_state(sc, world))
    return ScenarioResult(str(path), sc, decisions, check_expectations(sc, decisions))
