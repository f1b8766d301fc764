"""The policy library: statutory parameters, the basic package, insurer products.

Loaded once from YAML and validated; a broken file stops with its path, the field and the reason.
The engine uses `benefit_table`: one row per (product, benefit, dated segment) with scalar values,
so matching a line to its benefits is a join, not a loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from zorgclaim.domain.money import to_cents
from zorgclaim.policy.dated import Dated
from zorgclaim.policy.review import ReviewRule, ReviewRules
from zorgclaim.policy.schema import Benefit, InsurerRestrictions, Package, Product

DATA_DIR = Path(__file__).parent / "data"


class PolicyError(ValueError):
    """A policy file that cannot be used: names the file, the field and the reason."""


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    values: dict[dt.date, Any]
    reference: str
    verified: bool = True

    def dated(self) -> Dated:
        return Dated.model_validate(self.values)


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(f"{path}: cannot read ({e.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise PolicyError(f"{path}{where}: not valid YAML: {e.problem}") from None


def _validate(model: type[BaseModel], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top)"
        raise PolicyError(f"{path}: field '{loc}': {err['msg']}") from None


@dataclass(frozen=True)
class PolicyLibrary:
    parameters: dict[str, Parameter]
    packages: dict[str, Package]
    products: dict[str, Product]
    benefits: dict[str, list[Benefit]]           # product id -> resolved benefits, in order
    benefit_table: pl.DataFrame = field(repr=False)
    restriction_table: pl.DataFrame = field(repr=False)
    assignment_ban_table: pl.DataFrame = field(repr=False)
    review_rules: tuple[ReviewRule, ...] = ()   # the default review selection (data/review/*.yaml), in order

    def __repr__(self) -> str:
        return f"PolicyLibrary({len(self.products)} products, {self.benefit_table.height} benefit rows)"

    def param(self, name: str, day: dt.date):
        return self.parameters[name].dated().at(day)

    def param_frame(self, name: str, value_dtype: pl.DataType = pl.Int64, cents: bool = False) -> pl.DataFrame:
        """A parameter as a frame (from, value), for as-of joins in the engine."""
        p = self.parameters[name]
        rows = sorted(p.values.items())
        return pl.DataFrame(
            {"from": [d for d, _ in rows], "value": [to_cents(v) if cents else v for _, v in rows]},
            schema={"from": pl.Date, "value": value_dtype},
        )


def _resolve(product: Product, packages: dict[str, Package], raw: dict[str, dict[str, dict]],
             path: Path) -> list[Benefit]:
    """The product's benefits: its package's, each override merged into the package benefit's
    fields as written in the YAML (`raw`: package id -> benefit id -> its mapping), then its own.
    The override is merged into what was written, not into the validated benefit: validation turns
    euros into cents, and a second validation would read those cents as euros."""
    benefits: list[Benefit] = []
    if product.includes:
        if product.includes not in packages:
            raise PolicyError(f"{path}: field 'includes': unknown package '{product.includes}'")
        benefits = list(packages[product.includes].benefits)
    by_id = {b.id: i for i, b in enumerate(benefits)}
    for bid, changes in product.overrides.items():
        if bid not in by_id:
            raise PolicyError(f"{path}: field 'overrides.{bid}': no such benefit in '{product.includes}'")
        merged = {**raw[product.includes][bid], **changes}
        try:
            benefits[by_id[bid]] = Benefit.model_validate(merged)
        except ValidationError as e:
            err = e.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise PolicyError(f"{path}: field 'overrides.{bid}.{loc}': {err['msg']}") from None
    for b in product.benefits:
        if b.id in by_id:
            raise PolicyError(f"{path}: field 'benefits': '{b.id}' is already in the package; use overrides")
        benefits.append(b)
    return benefits


def _segments(start: dt.date, end: dt.date, dated: list[Dated | None]) -> list[tuple[dt.date, dt.date]]:
    cuts = {start}
    for d in dated:
        if d is not None:
            cuts.update(c for c in d.change_dates() if start < c <= end)
    cuts = sorted(cuts)
    return [(a, (cuts[i + 1] - dt.timedelta(days=1)) if i + 1 < len(cuts) else end) for i, a in enumerate(cuts)]


_BENEFIT_SCHEMA = {
    "product": pl.String, "insurer": pl.String, "product_kind": pl.String, "policy_type": pl.String,
    "nc_pct": pl.Int64, "seg_from": pl.Date, "seg_to": pl.Date, "rank": pl.Int64, "benefit": pl.String,
    "label": pl.String, "care_kinds": pl.List(pl.String), "codes": pl.List(pl.String),
    "diagnoses": pl.List(pl.String), "diag_bijlage1": pl.Boolean, "csi": pl.List(pl.String),
    "min_age": pl.Int64, "max_age": pl.Int64, "req_referral": pl.Boolean, "referral_kinds": pl.List(pl.String),
    "req_indication": pl.List(pl.String), "indication_set_by": pl.List(pl.String), "not_with_indication": pl.List(pl.String), "auth": pl.String,
    "auth_after_days": pl.Int64, "auth_codes": pl.List(pl.String), "provider_kinds": pl.List(pl.String),
    "recognized_by": pl.String,
    "qualification": pl.String, "req_diagnoses": pl.List(pl.String), "price_method": pl.String,
    "per_day": pl.Int64, "percentage": pl.Int64, "co_payment": pl.Int64, "reimbursement_limit": pl.Boolean,
    "co_payment_percentage": pl.Int64, "from_nth": pl.Int64, "max_count": pl.Int64, "from_year_amount": pl.Int64,
    "window": pl.String, "window_months": pl.Int64, "term_bijlage1": pl.Boolean, "term_days": pl.Int64, "per_year_amount": pl.Int64,
    "stay_days": pl.Int64, "stay_break_days": pl.Int64, "start_by": pl.Date,
    "counter": pl.String, "count_auth": pl.String, "deductible": pl.Boolean, "not_covered": pl.Boolean, "tops_up": pl.Boolean,
    "source": pl.String, "verified": pl.Boolean,
}


def _benefit_rows(product: Product, benefits: list[Benefit]) -> list[dict]:
    rows = []
    for rank, b in enumerate(benefits):
        dated = [product.non_contracted_percentage, b.pricing.per_day, b.pricing.percentage, b.pricing.co_payment,
                 b.pricing.co_payment_percentage,
                 b.limits.max_count, b.limits.per_year_amount, b.limits.from_year_amount,
                 b.deductible if isinstance(b.deductible, Dated) else None]
        start = max(product.valid_from, b.valid_from or product.valid_from)
        end = min(product.valid_to, b.valid_to or product.valid_to)
        if end < start:
            continue
        for seg_from, seg_to in _segments(start, end, dated):
            def at(d):
                return d.at(seg_from) if d is not None else None
            rows.append({
                "product": product.id, "insurer": product.insurer, "product_kind": product.kind,
                "policy_type": product.policy_type, "nc_pct": at(product.non_contracted_percentage),
                "seg_from": seg_from, "seg_to": seg_to, "rank": rank, "benefit": b.id, "label": b.label,
                "care_kinds": b.match.care_kinds, "codes": b.match.codes,
                "diagnoses": b.match.diagnoses if isinstance(b.match.diagnoses, list) else None,
                "diag_bijlage1": b.match.diagnoses == "bijlage1", "csi": b.match.csi,
                "min_age": b.match.min_age, "max_age": b.match.max_age,
                "req_referral": b.requires.referral, "referral_kinds": b.requires.referral_kinds,
                "req_indication": b.requires.indication, "indication_set_by": b.requires.indication_set_by,
                "not_with_indication": b.requires.not_with_indication,
                "auth": b.requires.authorization, "auth_after_days": b.requires.authorization_after_days,
                "auth_codes": b.requires.authorization_codes,
                "provider_kinds": b.requires.provider_kinds, "recognized_by": b.requires.recognized_by,
                "qualification": b.requires.qualification, "req_diagnoses": b.requires.diagnoses,
                "price_method": b.pricing.method, "per_day": at(b.pricing.per_day),
                "percentage": at(b.pricing.percentage), "co_payment": at(b.pricing.co_payment),
                "reimbursement_limit": b.pricing.reimbursement_limit,
                "co_payment_percentage": at(b.pricing.co_payment_percentage), "from_year_amount": at(b.limits.from_year_amount),
                "from_nth": b.limits.from_nth,
                "max_count": at(b.limits.max_count), "window": b.limits.window, "window_months": b.limits.months,
                "term_bijlage1": b.limits.term == "bijlage1",
                "term_days": b.limits.term if isinstance(b.limits.term, int) else None,
                "per_year_amount": at(b.limits.per_year_amount), "counter": b.limits.counter,
                "count_auth": b.limits.beyond_count_with_authorization,
                "stay_days": b.limits.stay.days if b.limits.stay else None,
                "stay_break_days": b.limits.stay.break_days if b.limits.stay else None,
                "start_by": b.limits.start_by,
                "deductible": at(b.deductible) if isinstance(b.deductible, Dated) else b.deductible,
                "not_covered": b.not_covered, "tops_up": b.tops_up,
                "source": b.source.ref, "verified": b.source.verified,
            })
    return rows


def _restriction_rows(product: Product, restrictions: list) -> list[dict]:
    """One row per restriction and allowed diagnosis (or allowed indication kind) of a product, with
    that indication's conditions and the restriction's period."""
    return [{"product": product.id, "restriction": r.id, "codes": r.codes, "diagnosis": diagnosis,
             "indication_kind": kind, "indication": ind.label, "min_age": ind.min_age,
             "within_years": ind.within_years_of_onset, "from_years": ind.from_years_after_onset,
             "valid_from": r.valid_from, "valid_to": r.valid_to, "source": r.source.ref}
            for r in restrictions for ind in r.indications
            for diagnosis, kind in [(d, None) for d in ind.diagnoses or []] + [(None, k) for k in ind.indication_kinds or []]]


def load_library(data_dir: Path = DATA_DIR) -> PolicyLibrary:
    parameters: dict[str, Parameter] = {}
    for path in sorted((data_dir / "parameters").glob("*.yaml")):
        raw = _load_yaml(path)
        if not isinstance(raw, dict):
            raise PolicyError(f"{path}: expected a mapping of parameter names")
        for name, body in raw.items():
            parameters[name] = _validate(Parameter, body, path.with_name(f"{path.name}#{name}"))
    packages: dict[str, Package] = {}
    raw_benefits: dict[str, dict[str, dict]] = {}       # as written, for the products' overrides
    for path in sorted((data_dir / "packages").glob("*.yaml")):
        written = _load_yaml(path)
        pkg = _validate(Package, written, path)
        packages[pkg.id] = pkg
        raw_benefits[pkg.id] = {b["id"]: b for b in written.get("benefits", [])}
    by_insurer: dict[str, list] = {}
    for path in sorted((data_dir / "restrictions").glob("*.yaml")):
        ir = _validate(InsurerRestrictions, _load_yaml(path), path)
        by_insurer.setdefault(ir.insurer, []).extend(ir.restrictions)
    products: dict[str, Product] = {}
    benefits: dict[str, list[Benefit]] = {}
    rows: list[dict] = []
    restrictions, bans = [], []
    for path in sorted((data_dir / "products").glob("**/*.yaml")):
        product = _validate(Product, _load_yaml(path), path)
        if product.id in products:
            raise PolicyError(f"{path}: field 'id': product '{product.id}' defined twice")
        products[product.id] = product
        benefits[product.id] = _resolve(product, packages, raw_benefits, path)
        rows.extend(_benefit_rows(product, benefits[product.id]))
        if product.includes:
            restrictions += _restriction_rows(product, packages[product.includes].restrictions)
        restrictions += _restriction_rows(product, by_insurer.get(product.insurer, []))
        if product.assignment_ban:
            ab = product.assignment_ban
            bans.append({"product": product.id, "care_kinds": ab.care_kinds, "ban_from": ab.from_,
                         "source": ab.source.ref})
    for name in ("compulsory_deductible", "declaration_window_years", "deductible_min_age"):
        if name not in parameters:
            raise PolicyError(f"{data_dir / 'parameters'}: parameter '{name}' is missing")
    table = pl.DataFrame(rows, schema=_BENEFIT_SCHEMA, orient="row")
    # one row per product, restriction and allowed diagnosis or indication kind, with that indication's
    # conditions and the restriction's period
    rtable = pl.DataFrame(restrictions, schema={"product": pl.String, "restriction": pl.String,
                                                "codes": pl.List(pl.String), "diagnosis": pl.String,
                                                "indication_kind": pl.String,
                                                "indication": pl.String, "min_age": pl.Int64, "within_years": pl.Int64,
                                                "from_years": pl.Int64, "valid_from": pl.Date, "valid_to": pl.Date,
                                                "source": pl.String})
    btable = pl.DataFrame(bans, schema={"product": pl.String, "care_kinds": pl.List(pl.String),
                                        "ban_from": pl.Date, "source": pl.String})
    rules: list[ReviewRule] = []
    for path in sorted((data_dir / "review").glob("*.yaml")):
        rules.extend(_validate(ReviewRules, _load_yaml(path), path).rules)
    twice = sorted({r.id for r in rules if sum(o.id == r.id for o in rules) > 1})
    if twice:
        raise PolicyError(f"{data_dir / 'review'}: review rule id(s) given twice: {', '.join(twice)}")
    return PolicyLibrary(parameters, packages, products, benefits, table, rtable, btable, tuple(rules))
