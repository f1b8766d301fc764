"""Every check a decision can go through, each in one place: its name, its stage, its outcome, the
Vektis return code it reports, the public source a member can look up, and its sentence in Dutch
and English. The stage tables (formal.CHECKS, coverage.REQUIREMENTS, the kernel outcomes' codes),
the order of the explanation's steps and the sentences (explain.T) are all built from here.

`source` is the document the check rests on: the law and its article, an insurer's conditions or
page by title and year, a ruling by number, a Vektis or NZa list. `None` means the check is of a
benefit or a review rule, and the step shows that benefit's or rule's own source (its YAML).

The documents named:
- Zvw, Bzv, Rzv: Zorgverzekeringswet, Besluit zorgverzekering, Regeling zorgverzekering;
- Vektis COD954: the Vektis list of return codes (retourcodes) of the EI declaration messages;
- ONVZ 2024: ONVZ, "Fysiotherapie en oefentherapie", page for care providers (2024);
- VGZ 2023: VGZ, "Cessieverbod en strikter betaalbeleid", questions and answers for care providers (2023);
- VGZ Declareren: VGZ, "Declareren", page for care providers;
- Xpert 2024: Xpert Clinics Revalidatie, "Vergoeding" (contracts 2024, DBC-zorgproducten, invoices);
- SKGZ: Geschillencommissie Zorgverzekeringen, bindend advies (202201218, 202501216).
"""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("formal", "coverage", "pricing", "limits", "deductible", "payout", "review")


@dataclass(frozen=True)
class Check:
    name: str
    stage: str
    outcome: str            # pass | fail | partial | info | pending
    code: str | None        # the Vektis return code the line reports (COD954)
    source: str | None      # the public document; None: the benefit's or rule's own source
    nl: str
    en: str


VEKTIS = "Vektis COD954 retourcode {}"
ONVZ_PHYSIO = 'ONVZ, "Fysiotherapie en oefentherapie", pagina voor zorgverleners (2024)'
VGZ_BAN = 'VGZ, "Cessieverbod en strikter betaalbeleid", vragen en antwoorden voor zorgverleners (2023)'
VGZ_DECLAREREN = 'VGZ, "Declareren", pagina voor zorgverleners'
XPERT = 'Xpert Clinics Revalidatie, "Vergoeding" (2024)'
ABROAD = ('Zorginstituut Nederland, "Zvw-zorg in het buitenland" (de vergoeding hangt af van de tarieven die in '
          'Nederland gelden); Zorgverzekeraars Nederland in Zorgkrant, "De Nederlandse Zorgverzekeringswet is wereldwijd '
          'van toepassing" (vergoed tot het tarief dat in Nederland marktconform is; het eigen risico geldt); IK, "Zorg in '
          'het buitenland" (ten hoogste 100% van het tarief in Nederland)')

_C = Check
CATALOGUE: tuple[Check, ...] = (
    # formal checks, in the order their codes are reported
    _C("formal-ok", "formal", "pass", None, "Vektis EI-standaard declaratieberichten (formele controle)",
       "Formele controle: alle controles doorstaan.", "Formal checks: all passed."),
    _C("member-unknown", "formal", "fail", "0300", VEKTIS.format("0300"),
       "Verzekerde onbekend bij de verzekeraar.", "Member unknown to the insurer."),
    _C("deceased", "formal", "fail", "0328", "Zvw art. 5 (de zorgverzekering eindigt bij overlijden); " + VEKTIS.format("0328"),
       "Verzekerde was op de prestatiedatum overleden.", "The member had died before the service date."),
    _C("outside-library", "formal", "fail", "8002", "de verzekeringsvoorwaarden van het product van de verzekerde voor "
       "de prestatiedatum (niet opgenomen: de regel is niet beoordeeld); " + VEKTIS.format("8002"),
       "Niet beoordeeld: de verzekerde was op de prestatiedatum verzekerd, maar de polisvoorwaarden van die datum zijn "
       "niet opgenomen in de productenbibliotheek.",
       "Not assessed: the member was insured on the service date, but the policy conditions of that date are not in "
       "the product library."),
    _C("not-insured", "formal", "fail", "0320", "Zvw art. 2 en 5 (verzekerd vanaf de ingangsdatum tot de einddatum); "
       + VEKTIS.format("0320"),
       "Verzekerde had op de prestatiedatum geen basisverzekering.",
       "The member had no basic insurance on the service date."),
    _C("partly-insured", "formal", "fail", "0506", VEKTIS.format("0506"),
       "Verzekerde was slechts een deel van de behandelperiode verzekerd.",
       "The member was insured for only part of the period of care."),
    _C("bsn-invalid", "formal", "fail", "0435", "Wet algemene bepalingen burgerservicenummer (de elfproef); "
       + VEKTIS.format("0435"),
       "BSN voldoet niet aan de 11-proef.", "BSN fails the 11-proof."),
    _C("bsn-other-member", "formal", "fail", "0435", VEKTIS.format("0435") + " (BSN ontbreekt of is onjuist: "
       "het BSN op de regel is niet dat van de verzekerde)",
       "Het BSN op de regel is niet dat van de verzekerde.", "The BSN on the line is not the member's."),
    _C("duplicate-line", "formal", "fail", "8021", VEKTIS.format("8021"),
       "Deze regel is al eerder aangeleverd (zelfde referentienummer).", "This line was sent before (same reference)."),
    _C("date-after-receipt", "formal", "fail", "8176", VEKTIS.format("8176"),
       "De prestatiedatum ligt na de ontvangstdatum.", "The service date is after the date of receipt."),
    # (the law, for every insurer's line; an insurer's own conditions are in the parameter's reference)
    _C("too-late", "formal", "fail", "0586", "Burgerlijk Wetboek art. 7:942 lid 1 (verjaring na drie jaar); "
       + XPERT + ": declareren tot 3 jaar na afronding; " + VEKTIS.format("0586"),
       "Declaratie te laat ingediend: meer dan 3 jaar na de prestatie.",
       "Claimed too late: more than 3 years after the service."),
    _C("quantity", "formal", "fail", "0638", VEKTIS.format("0638"),
       "Aantal moet groter dan nul zijn.", "Quantity must be more than zero."),
    _C("code-unknown", "formal", "fail", "0582", "NZa-prestatielijsten (een code geldig op de prestatiedatum); "
       + VEKTIS.format("0582"),
       "Prestatiecode onbekend of niet geldig op de prestatiedatum.", "Service code unknown or not valid on the service date."),
    _C("diagnosis-invalid", "formal", "fail", "8009", ONVZ_PHYSIO + ": diagnosecodes niet op de uniforme DCSPH-lijst "
       "dichtgezet per 1 juli 2024; Vektis DCSPH-lijst; " + VEKTIS.format("8009"),
       "Diagnosecode onbekend of niet geldig op de prestatiedatum (DCSPH).",
       "Diagnosis code unknown or not valid on the service date (DCSPH)."),
    _C("csi-unknown", "formal", "fail", "3102", "Vektis COD321 (code soort indicatie paramedische hulp); "
       + VEKTIS.format("3102"),
       "CSI-code onbekend of niet geldig op de behandeldatum.", "CSI code unknown or not valid on the date of treatment."),
    _C("diagnosis-csi", "formal", "fail", "8058", ONVZ_PHYSIO + ": CSI-012 met diagnosecode 6223 of 7023; "
       + VEKTIS.format("8058"),
       "Combinatie van diagnosecode en CSI is niet toegestaan.", "This combination of diagnosis and CSI is not allowed."),
    _C("wlz", "formal", "fail", "8983", VGZ_DECLAREREN + ": zorg voor een cliënt die in een Wlz-instelling verblijft en daar "
       "behandeld wordt, declareert de instelling (retourcode 8983)",
       "Geen Zvw-zorg: de cliënt verblijft in een Wlz-instelling en krijgt daar behandeling; declareer bij de instelling.",
       "Not Zvw care: the client lives in a Wlz institution and is treated there; bill the institution."),
    # a member's own nota must name the provider as the AGB register knows it
    _C("nota-provider-unknown", "formal", "fail", "8011", VGZ_BAN + ": de nota vermeldt de AGB-code van de "
       "zorgaanbieder en de gegevens komen overeen met die in Vektis (het AGB-register); " + VEKTIS.format("8011"),
       "Nota van de verzekerde: de AGB-code van de zorgaanbieder ontbreekt of staat niet in het AGB-register.",
       "The member's invoice: the provider's AGB code is missing or not in the AGB register."),
    _C("nota-provider-name", "formal", "fail", "8011", VGZ_BAN + ": de naam van de praktijk op de nota is dezelfde "
       "als in Vektis (het AGB-register); " + VEKTIS.format("8011"),
       "Nota van de verzekerde: de naam van de zorgaanbieder op de nota is niet de naam in het AGB-register bij die "
       "AGB-code.",
       "The member's invoice: the provider's name on it is not the name the AGB register holds for that AGB code."),
    _C("credit-without-debit", "formal", "fail", "8017", VEKTIS.format("8017"),
       "Creditregel zonder bijbehorende (beslechte) debetregel van dezelfde zorgaanbieder voor dezelfde verzekerde.",
       "Credit line without its (decided) debit of the same provider for the same member."),
    _C("already-credited", "formal", "fail", "8084", VEKTIS.format("8084"),
       "De debetregel is al gecrediteerd.", "The debit was already credited."),
    _C("assignment-ban", "formal", "fail", "8022", VGZ_BAN + ": een niet-gecontracteerde leverancier declareert "
       "hulpmiddelen uit de basisverzekering niet rechtstreeks (geleverd vanaf 1 januari 2023)",
       "Cessieverbod: een niet-gecontracteerde leverancier kan hulpmiddelen uit de basisverzekering niet rechtstreeks "
       "declareren; de verzekerde kan de nota zelf indienen.",
       "Assignment ban: a non-contracted supplier cannot bill basic-insurance aids directly; the member may claim the invoice."),

    # coverage: the benefit, its requirements (in the order they are reported)
    _C("benefit", "coverage", "info", None, None,
       "Vergoeding '{label}' ({benefit}) uit {product}.", "Benefit '{label}' ({benefit}) of {product}."),
    _C("not-needed", "coverage", "info", None, None,
       "{product}/{benefit}: niet nodig, een eerdere vergoeding dekt de regel.",
       "{product}/{benefit}: not needed, an earlier benefit covers the line."),
    _C("excluded", "coverage", "fail", "0613", None,
       "{product}/{benefit}: valt niet onder de dekking ({label}).", "{product}/{benefit}: not covered ({label})."),
    _C("restricted-diagnosis", "coverage", "fail", "0613", None,
       "{product}/{benefit}: niet toegestaan bij deze diagnose.", "{product}/{benefit}: not allowed with this diagnosis."),
    _C("restricted-indication", "coverage", "fail", "0613", None,
       "{product}/{benefit}: de verzekeraar dekt deze code alleen met een indicatie die hij daarvoor noemt (bijvoorbeeld "
       "medische noodzaak op het recept voor een geneesmiddel dat hij niet als voorkeursmiddel aanwijst); de regel "
       "geeft die niet.",
       "{product}/{benefit}: the insurer covers this code only with an indication it names for it (e.g. medical "
       "necessity on the prescription for a medicine it did not designate as preferred); the line gives none."),
    _C("indication-condition", "coverage", "fail", "0613", None,
       "{product}/{benefit}: de indicatie voldoet niet aan haar voorwaarde (de leeftijd, of de tijd sinds het ontstaan "
       "van de aandoening: geef dan de datum van ontstaan op de regel).",
       "{product}/{benefit}: the indication's condition is not met (the age, or the time since the condition began: "
       "the line must then give the date of onset)."),
    _C("referral-missing", "coverage", "fail", "0613", None,
       "{product}/{benefit}: vereist een verwijzing; die ontbreekt.", "{product}/{benefit}: needs a referral; there is none."),
    _C("referrer-kind", "coverage", "fail", "8013", None,
       "{product}/{benefit}: verwijzer ({referrer_kind}) mag hiervoor niet verwijzen.",
       "{product}/{benefit}: the referrer ({referrer_kind}) may not refer for this."),
    _C("indication-missing", "coverage", "fail", "0613", None,
       "{product}/{benefit}: vereist een indicatie; die ontbreekt of is voor andere zorg.",
       "{product}/{benefit}: needs an indication; missing or for other care."),
    _C("indication-setter", "coverage", "fail", "0613", None,
       "{product}/{benefit}: de indicatie is gesteld door een zorgverlener ({indication_by}) die deze indicatie niet "
       "mag stellen (wel: {indication_set_by}).",
       "{product}/{benefit}: the indication was set by a provider ({indication_by}) who may not set it "
       "(who may: {indication_set_by})."),
    _C("indication-excludes", "coverage", "fail", "0613", None,
       "{product}/{benefit}: niet bij een indicatie voor {indication_kind}.",
       "{product}/{benefit}: not with an indication for {indication_kind}."),
    _C("provider-kind", "coverage", "fail", "0562", None,
       "{product}/{benefit}: zorgaanbieder ({provider_kind}) is hiervoor geen toegelaten instelling of zorgverlener.",
       "{product}/{benefit}: the provider ({provider_kind}) is not an allowed institution or practitioner for this."),
    _C("provider-not-recognised", "coverage", "fail", "0562", None,
       "{product}/{benefit}: zorgaanbieder is niet erkend door {recognized_by}.",
       "{product}/{benefit}: the provider is not recognised by {recognized_by}."),
    _C("provider-qualification", "coverage", "fail", "0562", None,
       "{product}/{benefit}: zorgverlener mist de kwalificatie {qualification}.",
       "{product}/{benefit}: the practitioner lacks the qualification {qualification}."),
    _C("authorization-missing", "coverage", "fail", "0551", None,
       "{product}/{benefit}: vooraf toestemming vereist; die is niet gegeven.",
       "{product}/{benefit}: prior authorization needed; none was given."),
    _C("authorization-invalid", "coverage", "fail", "0550", None,
       "{product}/{benefit}: machtigingsnummer onbekend of van een andere verzekerde.",
       "{product}/{benefit}: authorization number unknown or of another member."),
    _C("authorization-expired", "coverage", "fail", "0552", None,
       "{product}/{benefit}: machtiging vervallen of ingetrokken.", "{product}/{benefit}: authorization expired or withdrawn."),
    _C("authorization-period", "coverage", "fail", "0553", None,
       "{product}/{benefit}: prestatie valt buiten de gemachtigde periode.",
       "{product}/{benefit}: service outside the authorized period."),
    _C("authorization-other-care", "coverage", "fail", "0554", None,
       "{product}/{benefit}: machtiging is voor andere zorg.", "{product}/{benefit}: the authorization is for other care."),
    _C("requirements-met", "coverage", "pass", None, None,
       "{product}/{benefit}: aan de voorwaarden is voldaan.", "{product}/{benefit}: requirements met."),
    _C("no-benefit", "coverage", "fail", "0613",
       "de verzekeringsvoorwaarden van de producten van de verzekerde (geen vergoeding dekt deze zorg)",
       "Geen van de verzekeringen van de verzekerde dekt deze zorg ({code}).",
       "None of the member's products covers this care ({code})."),

    # pricing, one check per basis (pricing.BASES); the code is reported when the price is below
    # what was declared (the step's outcome is then partial)
    _C("price-per_day", "pricing", "pass", "0611", None,
       "Tarief: {per_day} per dag x {quantity} dagen = {price} (gedeclareerd {declared}).",
       "Price: {per_day} a day x {quantity} days = {price} (declared {declared})."),
    _C("price-percentage", "pricing", "pass", "0611", None,
       "Tarief: {percentage}% van het gedeclareerde bedrag = {price}.", "Price: {percentage}% of the declared amount = {price}."),
    _C("price-contract", "pricing", "pass", "0611", "de overeenkomst van de zorgaanbieder met de verzekeraar (tariefbijlage)",
       "Tarief: gecontracteerd tarief {unit_rate} x {quantity} = {price} (gedeclareerd {declared}).",
       "Price: contracted tariff {unit_rate} x {quantity} = {price} (declared {declared})."),
    _C("price-in_kind", "pricing", "pass", "0611", VGZ_BAN + ": naturapolis, niet-gecontracteerde zorg ten hoogste "
       "het percentage van het gemiddeld gecontracteerde tarief",
       "Tarief: niet-gecontracteerd, naturapolis: {nc_pct}% van het gemiddeld gecontracteerde tarief {unit_rate} x "
       "{quantity} = {price} (gedeclareerd {declared}).",
       "Price: non-contracted, in-kind policy: {nc_pct}% of the average contracted tariff {unit_rate} x {quantity} = "
       "{price} (declared {declared})."),
    _C("price-in_kind_unknown", "pricing", "fail", "0611", VGZ_BAN + ": naturapolis, niet-gecontracteerde zorg ten "
       "hoogste een percentage van het gemiddeld gecontracteerde tarief (niet van het gedeclareerde bedrag)",
       "Tarief: niet-gecontracteerd, naturapolis: geen gemiddeld gecontracteerd tarief bekend voor deze prestatie op "
       "deze datum; er wordt niets vergoed tot de verzekeraar het vaststelt (gedeclareerd {declared}).",
       "Price: non-contracted, in-kind policy: no average contracted tariff is known for this service on this date; "
       "nothing is covered until the insurer sets it (declared {declared})."),
    _C("price-person", "pricing", "pass", "0611", "de beslissing van een medewerker van de verzekeraar (wie, wanneer en "
       "waarom: het audittrail van de regel)",
       "Tarief: vastgesteld door een medewerker van de verzekeraar: {price} (gedeclareerd {declared}).",
       "Price: set by a member of the insurer's staff: {price} (declared {declared})."),
    _C("price-market", "pricing", "pass", "0611", VGZ_BAN + ": restitutiepolis, niet-gecontracteerde zorg tot het "
       "marktconforme tarief",
       "Tarief: tot het marktconforme tarief {unit_rate} x {quantity} = {price} (gedeclareerd {declared}).",
       "Price: up to the market rate {unit_rate} x {quantity} = {price} (declared {declared})."),
    _C("price-declared", "pricing", "pass", "0611", None,
       "Tarief: geen referentietarief bekend; gedeclareerd bedrag {price} aangehouden.",
       "Price: no reference rate known; declared amount {price} taken."),
    _C("price-above_limit", "pricing", "pass", None, None,
       "Tarief: het deel van {unit_rate} x {quantity} boven de vergoedingslimiet: {price}.",
       "Price: the part of {unit_rate} x {quantity} above the reimbursement limit: {price}."),
    _C("price-abroad", "pricing", "pass", "0611", ABROAD,
       "Tarief: zorg in het buitenland, tot het Nederlandse marktconforme tarief {unit_rate} x {quantity} = {price} "
       "(gedeclareerd {declared}).",
       "Price: care abroad, up to the Dutch market rate {unit_rate} x {quantity} = {price} (declared {declared})."),
    _C("price-abroad_unknown", "pricing", "fail", "0611", ABROAD,
       "Tarief: zorg in het buitenland: geen Nederlands tarief bekend voor deze prestatie op deze datum; er wordt niets "
       "vergoed tot de verzekeraar het vaststelt (gedeclareerd {declared}).",
       "Price: care abroad: no Dutch tariff is known for this service on this date; nothing is covered until the "
       "insurer sets it (declared {declared})."),

    _C("co-payment", "pricing", "partial", "0613", None,
       "Wettelijke eigen bijdrage: {co_pay_unit} x {quantity} = {co_pay} betaalt de verzekerde zelf; de vergoeding is "
       "het tarief min die bijdrage.",
       "Statutory co-payment: {co_pay_unit} x {quantity} = {co_pay} is the member's own; the cover is the price less it."),
    _C("co-payment-percentage", "pricing", "partial", "0613", None,
       "Wettelijke eigen bijdrage: {co_pay_pct}% van het tarief = {co_pay} betaalt de verzekerde zelf; de vergoeding is "
       "het tarief min die bijdrage.",
       "Statutory co-payment: {co_pay_pct}% of the price = {co_pay} is the member's own; the cover is the price less it."),
    _C("co-payment-limit", "pricing", "partial", "0613", None,
       "Vergoedingslimiet {co_pay_limit} x {quantity}: het deel van het tarief erboven, {co_pay}, is de wettelijke eigen "
       "bijdrage van de verzekerde; de vergoeding is het tarief min die bijdrage.",
       "Reimbursement limit {co_pay_limit} x {quantity}: the part of the price above it, {co_pay}, is the member's "
       "statutory co-payment; the cover is the price less it."),

    # limits, one check per kernel outcome (kernel.py)
    _C("limit-ok", "limits", "pass", None, None,
       "{product}/{benefit}: binnen de grenzen; vergoed {amount}.", "{product}/{benefit}: within limits; covers {amount}."),
    _C("below-nth", "limits", "fail", "0613", None,
       "{product}/{benefit}: vergoeding pas vanaf behandeling {from_nth}; dit is behandeling {nth}.",
       "{product}/{benefit}: covered from treatment {from_nth}; this is treatment {nth}."),
    _C("term-exceeded", "limits", "fail", "0584", None,
       "{product}/{benefit}: maximale termijn van {term_days} dagen na de eerste behandeling verstreken.",
       "{product}/{benefit}: maximum term of {term_days} days after the first treatment has passed."),
    _C("count-limit", "limits", "fail", "0584", None,
       "{product}/{benefit}: het maximum van {max_count} {window} is bereikt.",
       "{product}/{benefit}: the maximum of {max_count} {window} is reached."),
    _C("count-limit-authorization", "limits", "fail", "0551", None,
       "{product}/{benefit}: het maximum van {max_count} {window} is bereikt; daarboven alleen met vooraf toestemming "
       "van de verzekeraar, en er is geen geldige toestemming voor deze datum.",
       "{product}/{benefit}: the maximum of {max_count} {window} is reached; beyond it only with the insurer's prior "
       "authorization, and none is valid on this date."),
    _C("count-partial", "limits", "partial", "0584", None,
       "{product}/{benefit}: het maximum van {max_count} {window}; nog {units} van {quantity} vergoed.",
       "{product}/{benefit}: the maximum of {max_count} {window}; {units} of {quantity} covered."),
    _C("stay-limit", "limits", "fail", "0584", "Bzv art. 2.12 (verblijf gedurende een onafgebroken periode van ten "
       "hoogste 1.095 dagen; een onderbreking van ten hoogste 30 dagen telt niet mee en onderbreekt niet)",
       "{product}/{benefit}: ten hoogste {stay_days} dagen onafgebroken verblijf; die zijn bereikt (een onderbreking "
       "van ten hoogste {stay_break_days} dagen onderbreekt het verblijf niet).",
       "{product}/{benefit}: at most {stay_days} days of uninterrupted stay; they are used (a break of at most "
       "{stay_break_days} days does not interrupt the stay)."),
    _C("stay-partial", "limits", "partial", "0584", "Bzv art. 2.12 (verblijf gedurende een onafgebroken periode van ten "
       "hoogste 1.095 dagen)",
       "{product}/{benefit}: ten hoogste {stay_days} dagen onafgebroken verblijf; nog {units} van {quantity} dagen vergoed.",
       "{product}/{benefit}: at most {stay_days} days of uninterrupted stay; {units} of {quantity} days covered."),
    _C("start-too-late", "limits", "fail", "0613", None,
       "{product}/{benefit}: na {start_by} kan geen nieuwe behandelperiode meer beginnen.",
       "{product}/{benefit}: no new period of treatment may start after {start_by}."),
    _C("below-year-amount", "limits", "info", None, None,
       "{product}/{benefit}: vergoed wordt wat de verzekerde dit kalenderjaar boven {from_year_amount} zelf zou "
       "betalen; met deze regel is dat maximum nog niet bereikt.",
       "{product}/{benefit}: what the member would pay this calendar year above {from_year_amount} is covered; with "
       "this line that maximum is not reached yet."),
    _C("amount-limit", "limits", "fail", "0589", None,
       "{product}/{benefit}: maximum van {per_year_amount} per kalenderjaar bereikt.",
       "{product}/{benefit}: maximum of {per_year_amount} per calendar year reached."),
    _C("amount-partial", "limits", "partial", "0589", None,
       "{product}/{benefit}: maximum van {per_year_amount} per kalenderjaar; nog {amount} vergoed.",
       "{product}/{benefit}: maximum of {per_year_amount} per calendar year; {amount} covered."),
    _C("authorization-after", "limits", "fail", "0551", None,
       "{product}/{benefit}: na de eerste periode is vooraf toestemming nodig; die ontbreekt.",
       "{product}/{benefit}: after the first period prior authorization is needed; none on file."),
    _C("nothing-left", "limits", "info", None, None,
       "{product}/{benefit}: er resteert niets meer te vergoeden.", "{product}/{benefit}: nothing left to cover."),
    _C("zero-price", "limits", "fail", "0613", None,
       "{product}/{benefit}: geen vergoedbaar bedrag.", "{product}/{benefit}: no coverable amount."),
    _C("already-paid", "limits", "fail", "0587", VEKTIS.format("0587"),
       "Deze prestatie is al eerder gedeclareerd en vergoed.", "This service was declared and paid before."),

    # deductible
    _C("deductible-charged", "deductible", "info", None, "Zvw art. 19-21 (verplicht en vrijwillig eigen risico; naar "
       "rato van de verzekerde dagen bij een deel van het jaar, art. 19 lid 3); SKGZ "
       "bindend advies 202201218 (verrekening in de volgorde van verwerken)",
       "Eigen risico {ded_year}: {deductible} ingehouden; verbruikt {ded_after} van {ded_total}.",
       "Deductible {ded_year}: {deductible} charged; used {ded_after} of {ded_total}."),
    _C("deductible-used-up", "deductible", "info", None, "Zvw art. 19-21 (eigen risico per kalenderjaar)",
       "Eigen risico {ded_year} is al verbruikt ({ded_after} van {ded_total}).",
       "Deductible {ded_year} already used up ({ded_after} of {ded_total})."),
    _C("deductible-exempt", "deductible", "info", None, "Zvw art. 19 lid 2 en Bzv art. 2.17 (zorg buiten het eigen risico); "
       "de vergoeding zelf (eigen risico: nee)",
       "Geen eigen risico voor deze zorg.", "No deductible for this care."),
    _C("deductible-under-18", "deductible", "info", None, "Zvw art. 19 lid 1 (eigen risico vanaf 18 jaar)",
       "Geen eigen risico: verzekerde is jonger dan {min_age}.", "No deductible: the member is under {min_age}."),
    _C("deductible-month-of-18", "deductible", "info", None, "Zvw art. 19 lid 1 (eigen risico vanaf 18 jaar); "
       "DSW, 'Hoe zit het met het eigen risico wanneer je 18 jaar wordt?' (vanaf de eerste dag van de maand na de "
       "18e verjaardag, voor dat jaar naar rato)",
       "Geen eigen risico: dat geldt vanaf de eerste dag van de maand na de {min_age}e verjaardag.",
       "No deductible: it applies from the first day of the month after the member's {min_age}th birthday."),
    _C("deductible-none", "deductible", "info", None, "Zvw art. 19-21; een creditering boekt het eigen risico terug",
       "Creditering: eigen risico teruggeboekt ({deductible}).", "Credit: deductible given back ({deductible})."),

    # payout
    _C("credit-reverses", "payout", "info", None, VGZ_DECLAREREN + ": een negatief bedrag na creditering wordt verrekend "
       "met volgende declaraties",
       "Creditering van regel {credits}: {allowed} teruggeboekt.", "Credit of line {credits}: {allowed} reversed."),
    _C("payout", "payout", "info", None, XPERT + ": bij rechtstreekse declaratie betaalt de verzekeraar de zorgaanbieder "
       "en stelt het eigen risico vast; bij een eigen nota wordt het eigen risico ingehouden",
       "Uitbetaling: vergoed {allowed}, eigen risico {deductible}, uit te betalen {paid} aan {payee}.",
       "Payout: covered {allowed}, deductible {deductible}, paying {paid} to {payee}."),
    _C("payout-proposed", "payout", "info", None, XPERT + ": bij rechtstreekse declaratie betaalt de verzekeraar de "
       "zorgaanbieder; bij een eigen nota wordt het eigen risico ingehouden",
       "Voorstel: vergoed {allowed}, eigen risico {deductible}, uit te betalen {paid} aan {payee}; er wordt nog niets betaald.",
       "Proposal: covered {allowed}, deductible {deductible}, paying {paid} to {payee}; nothing is paid yet."),

    # review
    _C("review-held", "review", "pending", None, None,
       "Aangehouden voor beoordeling door {queue}: {reason}", "Held for review by {queue}: {reason}"),
    _C("review-accepted", "review", "info", None, "de beslissing van een medewerker van de verzekeraar (wie, wanneer en "
       "waarom: het audittrail van de regel)",
       "Beoordeeld door {reviewed_role} {reviewed_by}: afgehandeld volgens de regels. Reden: {review_note}",
       "Reviewed by {reviewed_role} {reviewed_by}: settled as the rules say. Reason: {review_note}"),
    _C("review-changed", "review", "info", None, "de beslissing van een medewerker van de verzekeraar (wie, wanneer en "
       "waarom: het audittrail van de regel)",
       "Beoordeeld door {reviewed_role} {reviewed_by}: vergoeding ten hoogste {allowed_max}. Reden: {review_note}",
       "Reviewed by {reviewed_role} {reviewed_by}: covered at most {allowed_max}. Reason: {review_note}"),
    _C("review-rejected", "review", "info", None, "de beslissing van een medewerker van de verzekeraar (wie, wanneer en "
       "waarom: het audittrail van de regel)",
       "Beoordeeld door {reviewed_role} {reviewed_by}: afgewezen. Reden: {review_note}",
       "Reviewed by {reviewed_role} {reviewed_by}: refused. Reason: {review_note}"),
)

BY_NAME: dict[str, Check] = {c.name: c for c in CATALOGUE}
if len(BY_NAME) != len(CATALOGUE):
    raise ValueError("catalogue: a check name is given twice")


def of(stage: str, outcome: str | None = None) -> list[Check]:
    """The checks of a stage (and outcome), in catalogue order."""
    return [c for c in CATALOGUE if c.stage == stage and (outcome is None or c.outcome == outcome)]


def source(name: str) -> str:
    s = BY_NAME[name].source
    if s is None:
        raise ValueError(f"check {name!r} shows its benefit's source, it has none of its own")
    return s


def code(name: str) -> str | None:
    return BY_NAME[name].code
