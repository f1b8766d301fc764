"""Render a line's explanation steps as sentences, in Dutch (default) or English.

Steps are data (see steps.py); this module only words them. A step with no template falls back
to its check name, so a new check never breaks an explanation.
"""

from __future__ import annotations

import json
from collections import defaultdict

from zorgclaim.domain.money import fmt_eur
from zorgclaim.engine.catalogue import CATALOGUE
from zorgclaim.policy.schema import window_months

# the sentence of every check, from the catalogue (one home per check)
T: dict[str, dict[str, str]] = {"nl": {c.name: c.nl for c in CATALOGUE}, "en": {c.name: c.en for c in CATALOGUE}}
MONEY = {"unit_rate", "price", "declared", "per_day", "amount", "per_year_amount", "deductible", "ded_after",
         "ded_total", "allowed", "paid", "allowed_max", "co_pay", "co_pay_unit", "co_pay_limit", "from_year_amount"}
WORDS = {"nl": {"provider": "de zorgaanbieder", "member": "de verzekerde", None: "-",
                "handler": "een medewerker declaraties", "medical": "de medisch adviseur",
                "medical_adviser": "de medisch adviseur", "admin": "de beheerder", "finance": "financiën"},
         "en": {"provider": "the provider", "member": "the member", None: "-",
                "handler": "a claims handler", "medical": "the medical adviser",
                "medical_adviser": "the medical adviser", "admin": "the administrator", "finance": "finance"}}
WORDED = {"payee", "queue", "reviewed_role"}    # values said in words


def window_words(window: str | None, lang: str) -> str:
    """A limit's window in words: "per kalenderjaar", "per 12 maanden", "in totaal"."""
    nl = lang != "en"
    if window == "calendar_year":
        return "per kalenderjaar" if nl else "per calendar year"
    if window == "lifetime":
        return "in totaal" if nl else "in all"
    n = window_months(window)
    if n is not None:
        return f"per {n} maanden" if nl else f"per {n} months"
    return "per periode" if nl else "per period"


def render_step(step: dict, lang: str = "nl") -> str:
    templates = T.get(lang, T["nl"])
    params = json.loads(step.get("params") or "{}")
    values: dict = defaultdict(lambda: "?")
    for k, v in params.items():
        if k in MONEY and isinstance(v, int):
            values[k] = fmt_eur(v)
        elif k == "window":
            values[k] = window_words(v, lang)
        elif k in WORDED:
            values[k] = WORDS[lang if lang in WORDS else "nl"].get(v, v)
        elif isinstance(v, list):
            values[k] = ", ".join(str(x) for x in v)
        else:
            values[k] = "-" if v is None else v
    if f"reason_{lang}" in params:       # a text given in both languages
        values["reason"] = params[f"reason_{lang}"]
    text = templates.get(step["check"], step["check"]).format_map(values)
    code = f" [{step['code']}]" if step.get("code") else ""
    return f"{text}{code}"


def explain(decision: dict, lang: str = "nl") -> list[str]:
    """Numbered sentences for one decision row (a dict with 'steps'), each with its source."""
    out, last = [], None
    for n, step in enumerate(decision["steps"] or [], start=1):
        src = step.get("source")
        cite = f"\n   ({'bron' if lang == 'nl' else 'source'}: {src})" if src and src != last else ""
        out.append(f"{n}. {render_step(step, lang)}{cite}")
        last = src
    return out
