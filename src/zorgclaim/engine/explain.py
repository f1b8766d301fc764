"""Render a line's explanation steps as sentences, in Dutch (default) or English.

Steps are data (see steps.py); this module only words them. A step with no template falls back
to its check name, so a new check never breaks an explanation.
"""

from __future__ import annotations

import json
from collections import defaultdict

from zorgclaim.domain.money import fmt_eur

T: dict[str, dict[str, str]] = {
    "nl": {
        "formal-ok": "Formele controle: alle controles doorstaan.",
        "member-unknown": "Verzekerde onbekend bij de verzekeraar.",
        "deceased": "Verzekerde was op de prestatiedatum overleden.",
        "not-insured": "Verzekerde had op de prestatiedatum geen basisverzekering.",
        "partly-insured": "Verzekerde was slechts een deel van de behandelperiode verzekerd.",
        "bsn-invalid": "BSN voldoet niet aan de 11-proef.",
        "duplicate-line": "Deze regel is al eerder aangeleverd (zelfde referentienummer).",
        "date-after-receipt": "De prestatiedatum ligt na de ontvangstdatum.",
        "too-late": "Declaratie te laat ingediend: meer dan 3 jaar na de prestatie.",
        "quantity": "Aantal moet groter dan nul zijn.",
        "code-unknown": "Prestatiecode onbekend of niet geldig op de prestatiedatum.",
        "diagnosis-invalid": "Diagnosecode onbekend of niet geldig op de prestatiedatum (DCSPH).",
        "csi-unknown": "CSI-code onbekend.",
        "diagnosis-csi": "Combinatie van diagnosecode en CSI is niet toegestaan.",
        "wlz": "Geen Zvw-zorg: de cliënt verblijft in een Wlz-instelling en krijgt daar behandeling; declareer bij de instelling.",
        "credit-without-debit": "Creditregel zonder bijbehorende debetregel.",
        "already-credited": "De debetregel is al gecrediteerd.",
        "assignment-ban": "Cessieverbod: een niet-gecontracteerde leverancier kan hulpmiddelen uit de basisverzekering niet rechtstreeks declareren; de verzekerde kan de nota zelf indienen.",
        "benefit": "Vergoeding '{label}' ({benefit}) uit {product}.",
        "not-needed": "{product}/{benefit}: niet nodig, een eerdere vergoeding dekt de regel.",
        "excluded": "{product}/{benefit}: valt niet onder de dekking (geen zorg).",
        "restricted-diagnosis": "{product}/{benefit}: niet toegestaan bij deze diagnose.",
        "referral-missing": "{product}/{benefit}: vereist een verwijzing; die ontbreekt.",
        "referrer-kind": "{product}/{benefit}: verwijzer ({referrer_kind}) mag hiervoor niet verwijzen.",
        "indication-missing": "{product}/{benefit}: vereist een indicatie; die ontbreekt of is voor andere zorg.",
        "indication-excludes": "{product}/{benefit}: niet bij een indicatie voor {indication_kind}.",
        "provider-kind": "{product}/{benefit}: zorgaanbieder ({provider_kind}) is hiervoor geen toegelaten instelling of zorgverlener.",
        "provider-not-recognised": "{product}/{benefit}: zorgaanbieder is niet erkend door {recognized_by}.",
        "provider-qualification": "{product}/{benefit}: zorgverlener mist de kwalificatie {qualification}.",
        "authorization-missing": "{product}/{benefit}: vooraf toestemming vereist; die is niet gegeven.",
        "authorization-invalid": "{product}/{benefit}: machtigingsnummer onbekend of van een andere verzekerde.",
        "authorization-expired": "{product}/{benefit}: machtiging vervallen of ingetrokken.",
        "authorization-period": "{product}/{benefit}: prestatie valt buiten de gemachtigde periode.",
        "authorization-other-care": "{product}/{benefit}: machtiging is voor andere zorg.",
        "requirements-met": "{product}/{benefit}: aan de voorwaarden is voldaan.",
        "price-contract": "Tarief: gecontracteerd tarief {unit_rate} x {quantity} = {price} (gedeclareerd {declared}).",
        "price-in_kind": "Tarief: niet-gecontracteerd, naturapolis: {nc_pct}% van het gemiddeld gecontracteerde tarief {unit_rate} x {quantity} = {price} (gedeclareerd {declared}).",
        "price-in_kind_declared": "Tarief: niet-gecontracteerd, naturapolis: {nc_pct}% van het gedeclareerde bedrag = {price}.",
        "price-market": "Tarief: tot het marktconforme tarief {unit_rate} x {quantity} = {price} (gedeclareerd {declared}).",
        "price-per_day": "Tarief: {per_day} per dag x {quantity} dagen = {price} (gedeclareerd {declared}).",
        "price-percentage": "Tarief: {percentage}% van het gedeclareerde bedrag = {price}.",
        "price-declared": "Tarief: geen referentietarief bekend; gedeclareerd bedrag {price} aangehouden.",
        "limit-ok": "{product}/{benefit}: binnen de grenzen; vergoed {amount}.",
        "below-nth": "{product}/{benefit}: vergoeding pas vanaf behandeling {from_nth}; dit is behandeling {nth}.",
        "term-exceeded": "{product}/{benefit}: maximale termijn van {term_days} dagen na de eerste behandeling verstreken.",
        "count-limit": "{product}/{benefit}: maximum van {max_count} behandelingen per periode bereikt.",
        "count-partial": "{product}/{benefit}: maximum van {max_count} behandelingen; nog {units} van {quantity} vergoed.",
        "amount-limit": "{product}/{benefit}: maximum van {per_year_amount} per kalenderjaar bereikt.",
        "amount-partial": "{product}/{benefit}: maximum van {per_year_amount} per kalenderjaar; nog {amount} vergoed.",
        "authorization-after": "{product}/{benefit}: na de eerste periode is vooraf toestemming nodig; die ontbreekt.",
        "nothing-left": "{product}/{benefit}: er resteert niets meer te vergoeden.",
        "zero-price": "{product}/{benefit}: geen vergoedbaar bedrag.",
        "no-benefit": "Geen van de verzekeringen van de verzekerde dekt deze zorg ({code}).",
        "already-paid": "Deze prestatie is al eerder gedeclareerd en vergoed.",
        "deductible-charged": "Eigen risico {ded_year}: {deductible} ingehouden; verbruikt {ded_after} van {ded_total}.",
        "deductible-used-up": "Eigen risico {ded_year} is al verbruikt ({ded_after} van {ded_total}).",
        "deductible-exempt": "Geen eigen risico voor deze zorg.",
        "deductible-under-18": "Geen eigen risico: verzekerde is jonger dan 18.",
        "deductible-none": "Creditering: eigen risico teruggeboekt ({deductible}).",
        "credit-reverses": "Creditering van regel {credits}: {allowed} teruggeboekt.",
        "payout": "Uitbetaling: vergoed {allowed}, eigen risico {deductible}, uit te betalen {paid} aan {payee}.",
        "payout-proposed": "Voorstel: vergoed {allowed}, eigen risico {deductible}, uit te betalen {paid} aan {payee}; er wordt nog niets betaald.",
        "review-held": "Aangehouden voor beoordeling door {queue}: {reason}",
        "review-accepted": "Beoordeeld door {reviewed_role} {reviewed_by}: goedgekeurd. Reden: {review_note}",
        "review-changed": "Beoordeeld door {reviewed_role} {reviewed_by}: vergoeding ten hoogste {allowed_max}. Reden: {review_note}",
        "review-rejected": "Beoordeeld door {reviewed_role} {reviewed_by}: afgewezen. Reden: {review_note}",
    },
    "en": {
        "formal-ok": "Formal checks: all passed.",
        "member-unknown": "Member unknown to the insurer.",
        "deceased": "The member had died before the service date.",
        "not-insured": "The member had no basic insurance on the service date.",
        "partly-insured": "The member was insured for only part of the period of care.",
        "bsn-invalid": "BSN fails the 11-proof.",
        "duplicate-line": "This line was sent before (same reference).",
        "date-after-receipt": "The service date is after the date of receipt.",
        "too-late": "Claimed too late: more than 3 years after the service.",
        "quantity": "Quantity must be more than zero.",
        "code-unknown": "Service code unknown or not valid on the service date.",
        "diagnosis-invalid": "Diagnosis code unknown or not valid on the service date (DCSPH).",
        "csi-unknown": "CSI code unknown.",
        "diagnosis-csi": "This combination of diagnosis and CSI is not allowed.",
        "wlz": "Not Zvw care: the client lives in a Wlz institution and is treated there; bill the institution.",
        "credit-without-debit": "Credit line without its debit.",
        "already-credited": "The debit was already credited.",
        "assignment-ban": "Assignment ban: a non-contracted supplier cannot bill basic-insurance aids directly; the member may claim the invoice.",
        "benefit": "Benefit '{label}' ({benefit}) of {product}.",
        "not-needed": "{product}/{benefit}: not needed, an earlier benefit covers the line.",
        "excluded": "{product}/{benefit}: not covered (not care).",
        "restricted-diagnosis": "{product}/{benefit}: not allowed with this diagnosis.",
        "referral-missing": "{product}/{benefit}: needs a referral; there is none.",
        "referrer-kind": "{product}/{benefit}: the referrer ({referrer_kind}) may not refer for this.",
        "indication-missing": "{product}/{benefit}: needs an indication; missing or for other care.",
        "indication-excludes": "{product}/{benefit}: not with an indication for {indication_kind}.",
        "provider-kind": "{product}/{benefit}: the provider ({provider_kind}) is not an allowed institution or practitioner for this.",
        "provider-not-recognised": "{product}/{benefit}: the provider is not recognised by {recognized_by}.",
        "provider-qualification": "{product}/{benefit}: the practitioner lacks the qualification {qualification}.",
        "authorization-missing": "{product}/{benefit}: prior authorization needed; none was given.",
        "authorization-invalid": "{product}/{benefit}: authorization number unknown or of another member.",
        "authorization-expired": "{product}/{benefit}: authorization expired or withdrawn.",
        "authorization-period": "{product}/{benefit}: service outside the authorized period.",
        "authorization-other-care": "{product}/{benefit}: the authorization is for other care.",
        "requirements-met": "{product}/{benefit}: requirements met.",
        "price-contract": "Price: contracted tariff {unit_rate} x {quantity} = {price} (declared {declared}).",
        "price-in_kind": "Price: non-contracted, in-kind policy: {nc_pct}% of the average contracted tariff {unit_rate} x {quantity} = {price} (declared {declared}).",
        "price-in_kind_declared": "Price: non-contracted, in-kind policy: {nc_pct}% of the declared amount = {price}.",
        "price-market": "Price: up to the market rate {unit_rate} x {quantity} = {price} (declared {declared}).",
        "price-per_day": "Price: {per_day} a day x {quantity} days = {price} (declared {declared}).",
        "price-percentage": "Price: {percentage}% of the declared amount = {price}.",
        "price-declared": "Price: no reference rate known; declared amount {price} taken.",
        "limit-ok": "{product}/{benefit}: within limits; covers {amount}.",
        "below-nth": "{product}/{benefit}: covered from treatment {from_nth}; this is treatment {nth}.",
        "term-exceeded": "{product}/{benefit}: maximum term of {term_days} days after the first treatment has passed.",
        "count-limit": "{product}/{benefit}: maximum of {max_count} treatments per period reached.",
        "count-partial": "{product}/{benefit}: maximum of {max_count} treatments; {units} of {quantity} covered.",
        "amount-limit": "{product}/{benefit}: maximum of {per_year_amount} per calendar year reached.",
        "amount-partial": "{product}/{benefit}: maximum of {per_year_amount} per calendar year; {amount} covered.",
        "authorization-after": "{product}/{benefit}: after the first period prior authorization is needed; none on file.",
        "nothing-left": "{product}/{benefit}: nothing left to cover.",
        "zero-price": "{product}/{benefit}: no coverable amount.",
        "no-benefit": "None of the member's products covers this care ({code}).",
        "already-paid": "This service was declared and paid before.",
        "deductible-charged": "Deductible {ded_year}: {deductible} charged; used {ded_after} of {ded_total}.",
        "deductible-used-up": "Deductible {ded_year} already used up ({ded_after} of {ded_total}).",
        "deductible-exempt": "No deductible for this care.",
        "deductible-under-18": "No deductible: the member is under 18.",
        "deductible-none": "Credit: deductible given back ({deductible}).",
        "credit-reverses": "Credit of line {credits}: {allowed} reversed.",
        "payout": "Payout: covered {allowed}, deductible {deductible}, paying {paid} to {payee}.",
        "payout-proposed": "Proposal: covered {allowed}, deductible {deductible}, paying {paid} to {payee}; nothing is paid yet.",
        "review-held": "Held for review by {queue}: {reason}",
        "review-accepted": "Reviewed by {reviewed_role} {reviewed_by}: approved. Reason: {review_note}",
        "review-changed": "Reviewed by {reviewed_role} {reviewed_by}: covered at most {allowed_max}. Reason: {review_note}",
        "review-rejected": "Reviewed by {reviewed_role} {reviewed_by}: refused. Reason: {review_note}",
    },
}
MONEY = {"unit_rate", "price", "declared", "per_day", "amount", "per_year_amount", "deductible", "ded_after",
         "ded_total", "allowed", "paid", "allowed_max"}
WORDS = {"nl": {"provider": "de zorgaanbieder", "member": "de verzekerde", None: "-",
                "handler": "een medewerker declaraties", "medical": "de medisch adviseur",
                "medical_adviser": "de medisch adviseur", "admin": "de beheerder", "finance": "financiën"},
         "en": {"provider": "the provider", "member": "the member", None: "-",
                "handler": "a claims handler", "medical": "the medical adviser",
                "medical_adviser": "the medical adviser", "admin": "the administrator", "finance": "finance"}}
WORDED = {"payee", "queue", "reviewed_role"}    # values said in words


def render_step(step: dict, lang: str = "nl") -> str:
    templates = T.get(lang, T["nl"])
    params = json.loads(step.get("params") or "{}")
    values: dict = defaultdict(lambda: "?")
    for k, v in params.items():
        if k in MONEY and isinstance(v, int):
            values[k] = fmt_eur(v)
        elif k in WORDED:
            values[k] = WORDS[lang if lang in WORDS else "nl"].get(v, v)
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
