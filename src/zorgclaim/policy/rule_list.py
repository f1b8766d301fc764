"""Every rule the engine applies, with its public source, as one Markdown document
(docs/rule-list.md): the checks of the catalogue (formal, coverage, pricing, limits, deductible,
payout, review), each product's benefits with their conditions, the insurer restrictions, the
dated parameters and the review rules. Built from the data itself, so it cannot drift:
`rule_list_test.py` fails when the committed document is not what this writes."""

from __future__ import annotations

from zorgclaim.engine.catalogue import CATALOGUE
from zorgclaim.policy.dated import Dated
from zorgclaim.policy.library import PolicyLibrary


def _cell(text) -> str:
    return ("-" if text in (None, "") else str(text)).replace("|", "/").replace("\n", " ")


def _benefit_terms(b) -> str:
    r, lim, pr = b.requires, b.limits, b.pricing
    terms = []
    if b.not_covered:
        terms.append("not covered")
    for name, value in (("referral", r.referral or None), ("indication", r.indication), ("set by", r.indication_set_by),
                        ("authorization", None if r.authorization == "never" else r.authorization),
                        ("provider kinds", r.provider_kinds), ("recognised by", r.recognized_by),
                        ("qualification", r.qualification), ("from treatment", lim.from_nth),
                        ("max", lim.max_count and f"{lim.max_count.values[-1][1]} per {lim.window}"),
                        ("counted per code", lim.counter == "code"),
                        ("beyond the max with authorization", lim.beyond_count_with_authorization),
                        ("term", lim.term), ("per year", lim.per_year_amount and f"{lim.per_year_amount.values[-1][1] / 100:.2f}"),
                        ("stay", lim.stay and f"{lim.stay.days} days, break {lim.stay.break_days}"),
                        ("no new period after", lim.start_by), ("per day", pr.per_day and f"{pr.per_day.values[-1][1] / 100:.2f}"),
                        ("percentage", pr.percentage and pr.percentage.values[-1][1]),
                        ("co-payment per unit", pr.co_payment and f"{pr.co_payment.values[-1][1] / 100:.2f}"),
                        ("co-payment above the reimbursement limit", pr.reimbursement_limit),
                        ("co-payment %", pr.co_payment_percentage and pr.co_payment_percentage.values[-1][1]),
                        ("priced", "the part above the reimbursement limit" if pr.method == "above_limit" else None),
                        ("covers what the year's amounts exceed",
                         lim.from_year_amount and f"{lim.from_year_amount.values[-1][1] / 100:.2f}"),
                        ("tops up", b.tops_up),
                        ("from", b.valid_from), ("until", b.valid_to)):
        if value not in (None, False, []):
            terms.append(name if value is True else f"{name}: {', '.join(value) if isinstance(value, list) else value}")
    if isinstance(b.deductible, Dated):
        terms.append("deductible: " + ", ".join(f"{'yes' if v else 'no'} from {d}" for d, v in b.deductible.values))
    elif not b.deductible:
        terms.append("no deductible")
    return "; ".join(terms)


def rule_list(library: PolicyLibrary) -> str:
    out = ["# Every rule and its source", "",
           "Generated from the catalogue and the policy library (`python -m zorgclaim.policy.rule_list > "
           "docs/rule-list.md`); do not edit by hand. `verified: false` marks a figure not confirmed from a "
           "public document. A check whose source is '-' shows the source of the benefit or review rule it "
           "applies.", "", "## Checks", "", "| check | stage | outcome | code | source |", "|---|---|---|---|---|"]
    out += [f"| {c.name} | {c.stage} | {c.outcome} | {_cell(c.code)} | {_cell(c.source)} |" for c in CATALOGUE]
    for pid in sorted(library.products):
        p = library.products[pid]
        out += ["", f"## {p.label} (`{pid}`, {p.valid_from} to {p.valid_to})", "",
                f"Source: {_cell(p.source.ref)}{'' if p.source.verified else ' (verified: false)'}", "",
                "| benefit | conditions | source |", "|---|---|---|"]
        out += [f"| {b.id}: {_cell(b.label)} | {_cell(_benefit_terms(b))} | {_cell(b.source.ref)}"
                f"{'' if b.source.verified else ' (verified: false)'} |" for b in library.benefits[pid]]
    out += ["", "## Insurer restrictions", "", "| restriction | codes | indication | conditions | source |",
            "|---|---|---|---|---|"]
    import polars as pl
    insurer_wide = (library.restriction_table.with_columns(pl.col("product").str.split("/").list.first().alias("insurer"))
                    .unique(["insurer", "restriction", "diagnosis", "indication_kind"], keep="first", maintain_order=True))
    for rows in insurer_wide.iter_rows(named=True):
        cond = "; ".join(f"{k}: {rows[k]}" for k in ("min_age", "within_years", "from_years", "valid_from", "valid_to")
                         if rows[k] is not None)
        by = rows["diagnosis"] if rows["diagnosis"] is not None else f"indication kind {rows['indication_kind']}"
        out.append(f"| {rows['insurer']} (all products)/{rows['restriction']} | {', '.join(rows['codes'])} | {rows['indication']} "
                   f"({by}) | {_cell(cond)} | {_cell(rows['source'])} |")
    out += ["", "## Parameters", "", "| parameter | values | source |", "|---|---|---|"]
    for name, prm in sorted(library.parameters.items()):
        values = ", ".join(f"{d}: {v}" for d, v in sorted(prm.values.items()))
        out.append(f"| {name}: {_cell(prm.description)} | {_cell(values)} | {_cell(prm.reference)}"
                   f"{'' if prm.verified else ' (verified: false)'} |")
    out += ["", "## Review rules (which lines a person sees first)", "", "| rule | queue | source |", "|---|---|---|"]
    out += [f"| {r.id} | {r.queue} | {_cell(r.source.ref)}{'' if r.source.verified else ' (verified: false)'} |"
            for r in library.review_rules]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    from zorgclaim.policy import load_library
    print(rule_list(load_library()), end="")
