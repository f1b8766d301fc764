"""Read a ZH308 file (Vektis EI v9.0: declarations of DBC-zorgproducten, 610-character records)
into claim lines, and write one from claim lines (the clinic's export).

Record order 01 (02 (04 (06|16)*)* 98*)+ 99: a prestatierecord (04) carries the DBC (zorgproduct,
start and end date, diagnosis, referrer), its tariff records (06) carry the amounts, zorgactiviteit
records (16) the activities. The same checks as PM304: record length (0804), order (8026),
version (0011: v09.00), closing counts and total (0150), invoice number (0030), file (8067); a
prestatierecord whose fields cannot be read, or that has no tariff record, is not decided.

Mapping choices (documented in docs/formats.md): the line's code is `msr/<zorgproductcode>`;
the DBC was opened by the revalidatiearts, so its indication kind is `msr`; the declared amount
is the sum of its tariff records' declaratiebedrag with D/C.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.formats.vektis.layout import ZH308_LENGTH, zh308
from zorgclaim.formats.vektis.pm304 import Pm304File, _read_fields
from zorgclaim.formats.vektis.records import (Record, Rejection, check_closing, check_seen, make_record, signed,
                                              split_records)

KINDS = {"01", "02", "04", "06", "16", "98", "99"}
F_REF = "REFERENTIENUMMER DIT PRESTATIERECORD"


def is_zh308(text: str) -> bool:
    first = text.split("\n", 1)[0].rstrip("\r")
    return first[:2] == "01" and len(first) == ZH308_LENGTH


def _order_ok(kinds: list[str]) -> bool:
    if not kinds or kinds[0] != "01" or kinds[-1] != "99" or kinds.count("01") != 1 or kinds.count("99") != 1:
        return False
    member = prestatie = False
    for k in kinds[1:-1]:
        if k == "02":
            member, prestatie = True, False
        elif k == "04":
            if not member:
                return False
            prestatie = True
        elif k in ("06", "16"):
            if not prestatie:
                return False
        elif k == "98":
            if not member:
                return False
        else:
            return False
    return True


def _raw(rec: Record, kind: str, name: str) -> str:
    f = zh308()[kind][name]
    return f.slice(rec.raw).strip()


def read_zh308(text: str, name: str = "zh308", received: dt.date | None = None,
               seen_invoices=frozenset(), seen_files=frozenset(), digest: str | None = None) -> Pm304File:
    """`seen_invoices`, `seen_files`: what was sent before (anything with `in`: a set, or the store's
    memory); `digest`: the file's digest as the caller keeps it (default: of the text)."""
    layout = zh308()
    records, text_digest = split_records(text, name, ZH308_LENGTH)
    digest = digest or text_digest
    rej = Rejection()
    reject = rej.reject
    for r in records:
        if r.kind in KINDS and "0804" not in r.codes:
            _read_fields(r, name, layout)
    kinds = [r.kind for r in records]
    if not _order_ok(kinds):
        reject("8026", f"{name}: records out of order: expected 01, then per member 02 with its 04 (each followed by "
                       "its 06/16) and 98 records, and 99 last")
    head = records[0] if records and records[0].kind == "01" else None
    if head is not None:
        if "0804" in head.codes:
            reject("0804", f"{name}:1: the header record has the wrong length")
        elif (head.get("VERSIENUMMER BERICHTSTANDAARD"), head.get("SUBVERSIENUMMER BERICHTSTANDAARD")) != (9, 0):
            reject("0011", f"{name}:1: version {head.raw[5:7]}.{head.raw[7:9]} is not supported (expected ZH308 v09.00)")
    tail = records[-1] if records and records[-1].kind == "99" else None
    if tail is not None and "0804" not in tail.codes and not rej.codes:
        total = sum(signed(r, "DECLARATIEBEDRAG (INCL. BTW)", "INDICATIE DEBET/CREDIT (02)") for r in records if r.kind == "06")
        counts = {"AANTAL VERZEKERDENRECORDS": kinds.count("02"), "AANTAL PRESTATIERECORDS": kinds.count("04"),
                  "AANTAL TARIEFRECORDS": kinds.count("06"), "AANTAL ZORGACTIVITEITRECORDS": kinds.count("16"),
                  "AANTAL COMMENTAARRECORDS": kinds.count("98"), "TOTAAL AANTAL DETAILRECORDS": len(records) - 2}
        check_closing(rej, tail, name, counts, "TOTAAL DECLARATIEBEDRAG", "INDICATIE DEBET/CREDIT", total)
    check_seen(rej, head.get("FACTUURNUMMER DECLARANT") if head else None, digest, seen_invoices, seen_files, name)
    messages = rej.messages + [m for r in records for m in r.messages]
    out, line_of = ([], {}) if rej.codes else _claim_lines(records, name, received)
    return Pm304File(name, digest, records, rej.codes, messages, pl.DataFrame(out, schema=LINE_SCHEMA), line_of)


def _claim_lines(records: list[Record], name: str, received: dt.date | None) -> tuple[list[dict], dict[int, str]]:
    head = records[0]
    provider = next((v for v in (_raw(head, "01", "ZORGVERLENERSCODE"), _raw(head, "01", "INSTELLINGSCODE"),
                                 _raw(head, "01", "PRAKTIJKCODE")) if v.strip("0")), None)
    out, line_of = [], {}
    for idx, r in enumerate(records):
        if r.kind != "04" or r.codes:
            continue
        tariffs = []
        for t in records[idx + 1:]:
            if t.kind == "04" or t.kind in ("02", "98", "99"):
                break
            if t.kind == "06":
                tariffs.append(t)
        problems = []
        if r.get("BEGINDATUM PRESTATIE") is None:
            problems.append("8007")
        if not tariffs or any(t.codes or t.messages for t in tariffs):
            problems.append("0611")
        if r.messages and not problems:
            problems.append("8002")
        if problems:
            r.codes.extend(problems[:3])
            continue
        declared = sum(signed(t, "DECLARATIEBEDRAG (INCL. BTW)", "INDICATIE DEBET/CREDIT (02)") for t in tariffs)
        product = _raw(r, "04", "ZORGPRODUCTCODE") or _raw(r, "04", "PRESTATIECODE/DBC DECLARATIECODE")
        ref = _raw(r, "04", F_REF) or f"{name}:{r.line_no}"
        referrer = _raw(r, "04", "ZORGVERLENERSCODE VOORSCHRIJVER/VERWIJZER")
        bsn = _raw(r, "04", "BURGERSERVICENUMMER (BSN) VERZEKERDE")
        out.append({
            "line_id": ref, "claim_id": head.get("FACTUURNUMMER DECLARANT") or name,
            "member_id": _raw(r, "04", "VERZEKERDENNUMMER (INSCHRIJVINGSNUMMER, RELATIENUMMER)") or None,
            "bsn": bsn if bsn.strip("0") else None, "provider": provider, "submitted_by": "provider", "channel": "vecozo",
            "received": received or head.get("DAGTEKENING FACTUUR"), "service_date": r.get("BEGINDATUM PRESTATIE"),
            "end_date": r.get("EINDDATUM PRESTATIE"), "code": f"msr/{product}",
            "quantity": r.get("AANTAL UITGEVOERDE PRESTATIES") or 1, "declared": declared,
            "diagnosis": _raw(r, "04", "DIAGNOSECODE") or None,
            "csi": None, "referral_by": referrer if referrer.strip("0") else None, "referral_date": r.get("VERWIJSDATUM"),
            "indication_by": None, "indication_kind": "msr",
            "authorization": _raw(r, "04", "MACHTIGINGSNUMMER") or None,
            "credits": (_raw(r, "04", "REFERENTIENUMMER VOORGAANDE GERELATEERDE PRESTATIERECORD") or None)
            if r.get("INDICATIE DEBET/CREDIT") == "C" else None,
        })
        line_of[idx] = ref
    return out, line_of


def zh_record(kind: str, **values) -> str:
    return make_record(zh308(), ZH308_LENGTH, kind, "KENMERK RECORD", **values)


def write_zh308(lines: pl.DataFrame, members: pl.DataFrame, invoice: str, invoice_date: dt.date, provider: str,
                uzovi: str = "0000") -> str:
    """A ZH308 file for DBC claim lines (code `msr/<zorgproductcode>`): per line a 04 and one 06."""
    v = {"CODE EXTERNE-INTEGRATIEBERICHT": 0, "VERSIENUMMER BERICHTSTANDAARD": 9, "SUBVERSIENUMMER BERICHTSTANDAARD": 0,
         "SOORT BERICHT": "P", "UZOVI-NUMMER": int(uzovi), "ZORGVERLENERSCODE": int(provider),
         "IDENTIFICATIECODE BETALING AAN": 3, "BEGINDATUM DECLARATIEPERIODE": lines["service_date"].min(),
         "EINDDATUM DECLARATIEPERIODE": lines["end_date"].max() or lines["service_date"].max(),
         "FACTUURNUMMER DECLARANT": invoice, "DAGTEKENING FACTUUR": invoice_date, "VALUTACODE": "EUR"}
    out = [zh_record("01", **v)]
    info = {r["member_id"]: r for r in members.iter_rows(named=True)}
    seq = n02 = n04 = n06 = total = 0
    member_f = "VERZEKERDENNUMMER (INSCHRIJVINGSNUMMER, RELATIENUMMER)"
    for (member,), group in lines.group_by(["member_id"], maintain_order=True):
        m = info.get(member, {})
        bsn = int(m.get("bsn") or 0)
        seq += 1
        n02 += 1
        out.append(zh_record("02", **{"IDENTIFICATIE DETAILRECORD": seq, "BURGERSERVICENUMMER (BSN) VERZEKERDE": bsn,
                                      "UZOVI-NUMMER": int(uzovi), member_f: member,
                                      "DATUM GEBOORTE VERZEKERDE": m.get("birth_date")}))
        for r in group.iter_rows(named=True):
            product = r["code"].split("/", 1)[1]
            dc = "C" if r["declared"] < 0 else "D"
            total += r["declared"]
            seq += 1
            n04 += 1
            out.append(zh_record("04", **{
                "IDENTIFICATIE DETAILRECORD": seq, "BURGERSERVICENUMMER (BSN) VERZEKERDE": bsn, "UZOVI-NUMMER": int(uzovi),
                member_f: member, "MACHTIGINGSNUMMER": r.get("authorization") or "",
                "DATUM GEBOORTE VERZEKERDE": m.get("birth_date"), "PRESTATIECODE/DBC DECLARATIECODE": product[-6:],
                "BEGINDATUM PRESTATIE": r["service_date"], "EINDDATUM PRESTATIE": r.get("end_date"),
                "ZORGPRODUCTCODE": product, "VERWIJSDATUM": r.get("referral_date"),
                "ZORGVERLENERSCODE VOORSCHRIJVER/VERWIJZER": int(r["referral_by"]) if r.get("referral_by") else 0,
                "AANTAL UITGEVOERDE PRESTATIES": r["quantity"], "DIAGNOSECODE": r.get("diagnosis") or "",
                "INDICATIE DEBET/CREDIT": dc, F_REF: r["line_id"],
                "REFERENTIENUMMER VOORGAANDE GERELATEERDE PRESTATIERECORD": r.get("credits") or ""}))
            seq += 1
            n06 += 1
            amount = abs(r["declared"])
            out.append(zh_record("06", **{
                "IDENTIFICATIE DETAILRECORD": seq, "BURGERSERVICENUMMER (BSN) VERZEKERDE": bsn, "UZOVI-NUMMER": int(uzovi),
                member_f: member, "PRESTATIECODE/DBC DECLARATIECODE": product[-6:], "BEGINDATUM PRESTATIE": r["service_date"],
                "TARIEF PRESTATIE (INCL. BTW)": amount, "VERREKENPERCENTAGE": 10000, "BEREKEND BEDRAG (INCL. BTW)": amount,
                "INDICATIE DEBET/CREDIT (01)": dc, "DECLARATIEBEDRAG (INCL. BTW)": amount, "INDICATIE DEBET/CREDIT (02)": dc,
                "REFERENTIENUMMER DIT TARIEFRECORD": f"T{r['line_id']}"[:20]}))
    out.append(zh_record("99", **{"AANTAL VERZEKERDENRECORDS": n02, "AANTAL PRESTATIERECORDS": n04,
                                  "AANTAL TARIEFRECORDS": n06, "TOTAAL AANTAL DETAILRECORDS": n02 + n04 + n06,
                                  "TOTAAL DECLARATIEBEDRAG": abs(total), "INDICATIE DEBET/CREDIT": "C" if total < 0 else "D"}))
    return "\r\n".join(out) + "\r\n"
