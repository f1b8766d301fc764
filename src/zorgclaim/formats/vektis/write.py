"""Write PM304 (from claim lines: to make test files and pre-check exports) and PM305 (the return
message: the declaration's records with the insurer's return fields appended)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from zorgclaim.formats.vektis.layout import RECORD_LENGTH, RETURN_LENGTH, code_lists, pm304
from zorgclaim.formats.vektis.records import make_record, signed
from zorgclaim.formats.vektis.pm304 import Pm304File


def record(kind: str, **values) -> str:
    """One fixed-width PM304 record of the given kind; unnamed fields are blank/zero."""
    return make_record(pm304(), RECORD_LENGTH, kind, "Kenmerk record", **values)


def write_pm304(lines: pl.DataFrame, members: pl.DataFrame, invoice: str, invoice_date: dt.date,
                uzovi: str = "0000", provider: str | None = None) -> str:
    """A PM304 file for `lines` (the engine's schema) of one provider to the insurer with UZOVI number
    `uzovi` (reference data: `ReferenceData.uzovi`); `members` gives BSN and birth date."""
    lists = {v: k for k, v in code_lists().items()}
    provider = provider or lines["provider"][0]
    out = [record("01", **{"Code externe-integratiebericht": 107, "Versienummer berichtstandaard": 3,
                           "Subversienummer berichtstandaard": 2, "Soort bericht": "P", "UZOVI-nummer": uzovi,
                           "Zorgverlenerscode (AGB)": provider, "Identificatiecode betaling aan": "03",
                           "Begindatum declaratieperiode": lines["service_date"].min(),
                           "Einddatum declaratieperiode": lines["service_date"].max(),
                           "Factuurnummer declarant": invoice, "Dagtekening factuur": invoice_date, "Valutacode": "EUR"})]
    info = {r["member_id"]: r for r in members.iter_rows(named=True)}
    seq, n02, n04, total = 0, 0, 0, 0
    for (member,), group in lines.group_by(["member_id"], maintain_order=True):
        m = info.get(member, {})
        seq += 1
        n02 += 1
        out.append(record("02", **{"Identificatie detailrecord": seq, "BSN verzekerde": m.get("bsn") or "",
                                   "UZOVI-nummer": uzovi, "Verzekerdennummer": member,
                                   "Datum geboorte verzekerde": m.get("birth_date")}))
        for r in group.iter_rows(named=True):
            seq += 1
            n04 += 1
            lst, code = r["code"].split("/", 1)
            amount = abs(r["declared"])
            dc = "C" if r["declared"] < 0 else "D"
            total += r["declared"]
            out.append(record("04", **{
                "Identificatie detailrecord": seq, "BSN verzekerde": r.get("bsn") or m.get("bsn") or "",
                "UZOVI-nummer": uzovi, "Verzekerdennummer": member,
                "Machtigingsnummer": r.get("authorization") or "", "Datum prestatie": r["service_date"],
                "Aanduiding prestatiecodelijst": lists.get(lst, "999"), "Prestatiecode": code,
                "Aantal uitgevoerde prestaties": r["quantity"], "Paramedische diagnosecode (01)": r.get("diagnosis") or "",
                "Code soort indicatie paramedische hulp (CSI)": r.get("csi") or "",
                "Zorgverlenerscode behandelaar/uitvoerder": r["provider"],
                "Verwijsdatum": r.get("referral_date"), "Zorgverlenerscode voorschrijver/verwijzer": r.get("referral_by") or "",
                "Tarief prestatie (incl. btw)": amount, "Berekend bedrag (incl. btw)": amount, "Indicatie debet/credit (01)": dc,
                "Declaratiebedrag (incl. btw)": amount, "Indicatie debet/credit (02)": dc,
                "Referentienummer dit prestatierecord": r["line_id"],
                "Referentienummer voorgaande gerelateerde prestatierecord": r.get("credits") or ""}))
    out.append(record("99", **{"Aantal verzekerdenrecords": n02, "Aantal prestatierecords": n04,
                               "Aantal commentaarrecords": 0, "Totaal aantal detailrecords": n02 + n04,
                               "Totaal declaratiebedrag": abs(total), "Indicatie debet/credit": "C" if total < 0 else "D"}))
    return "\r\n".join(out) + "\r\n"


def _codes(codes) -> str:
    codes = list(codes or [])[:3]
    return "".join(c.ljust(4)[:4] for c in codes).ljust(12)


def _amount(cents: int, width: int) -> str:
    return str(abs(int(cents))).zfill(width) + ("C" if cents < 0 else "D")


def write_pm305(f: Pm304File, decisions: pl.DataFrame | None, return_date: dt.date, reference: str) -> str:
    """The return message. A file rejected whole returns only its header and closing record, with
    0001 and the reason on the header. Layout of the additions: the Vektis EI PM305
    standard; the closing record's totals (submitted 311-322, granted 323-334) are our reading. A line
    held for review is returned as not assessed yet (8002), with nothing granted."""
    by_line = {}
    if decisions is not None and decisions.height:
        for r in decisions.unique("line_id", keep="first").iter_rows(named=True):
            by_line[r["line_id"]] = r
    out = []
    granted_total = 0
    submitted_total = 0
    keep = [r for r in f.records if (not f.rejected) or r.kind in ("01", "99")]
    for idx, rec in enumerate(f.records):
        if rec not in keep:
            continue
        base = rec.raw[:RECORD_LENGTH].ljust(RECORD_LENGTH)
        if rec.kind == "01":
            base = base[:2] + "108" + base[5:]
            tail = reference[:24].ljust(24) + return_date.strftime("%Y%m%d") + _codes(f.file_codes)
        elif rec.kind == "04":
            d = by_line.get(f.line_of_record.get(idx))
            declared = signed(rec, "Declaratiebedrag (incl. btw)", "Indicatie debet/credit (02)")
            submitted_total += declared
            if d is not None and d["status"] == "pended":   # held for a person: not assessed yet
                tail = _amount(0, 8) + _amount(0, 8) + _codes(["8002"])
            elif d is not None:
                granted_total += d["paid"]
                tail = _amount(d["allowed"], 8) + _amount(d["paid"], 8) + _codes(d["codes"])
            else:
                tail = _amount(0, 8) + _amount(0, 8) + _codes(rec.codes or ["8002"])
        elif rec.kind == "99":
            tail = _amount(submitted_total, 11) + _amount(granted_total, 11)
        else:
            tail = _codes(rec.codes)
        out.append((base + tail).ljust(RETURN_LENGTH)[:RETURN_LENGTH])
    return "\r\n".join(out) + "\r\n"


def read_pm305(text: str) -> dict:
    """The return fields of a PM305: file codes, and per prestatierecord reference -> amounts, codes."""
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln]
    head = lines[0]
    result = {"message": head[2:5], "reference": head[310:334].strip(), "return_date": head[334:342],
              "file_codes": [head[342 + 4 * k:346 + 4 * k].strip() for k in range(3) if head[342 + 4 * k:346 + 4 * k].strip()],
              "lines": {}, "totals": None}
    for ln in lines[1:]:
        if ln[:2] == "04":
            ref = ln[191:211].strip()
            sign = lambda c: -1 if c == "C" else 1  # noqa: E731
            result["lines"][ref] = {
                "allowed": int(ln[310:318]) * sign(ln[318]), "paid": int(ln[319:327]) * sign(ln[327]),
                "codes": [ln[328 + 4 * k:332 + 4 * k].strip() for k in range(3) if ln[328 + 4 * k:332 + 4 * k].strip()]}
        elif ln[:2] == "99":
            result["totals"] = {"submitted": int(ln[310:321]) * (-1 if ln[321] == "C" else 1),
                                "granted": int(ln[322:333]) * (-1 if ln[333] == "C" else 1)}
    return result
