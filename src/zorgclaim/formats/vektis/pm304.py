"""Read a PM304 declaration file (Vektis EI, v3.2) into claim lines, keeping every record for the
return message, and check it as the standard asks:

- record length (0804, that record), record order 01 (02 (04|98)*)+ 99 (8026, whole file),
  unsupported message or version (0011, whole file), closing-record counts and total (0150, whole
  file), invoice number seen before (0030), the same file sent before (8067);
- per prestatierecord: fields that cannot be read get their code (8007 date, 0638 quantity, 0631
  debit/credit, 0581 code list) and are not decided; everything else is.

A file the checks reject whole gets a technical rejection (0001) with its reason. Never raises on
bad content: every problem is a message naming the line number, the field and what was expected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from zorgclaim.domain.schema import LINE_SCHEMA
from zorgclaim.formats.vektis.layout import RECORD_LENGTH, code_lists, pm304
from zorgclaim.formats.vektis.records import Record, Rejection, check_closing, check_seen, signed, split_records

KINDS = {"01", "02", "04", "98", "99"}


@dataclass
class Pm304File:
    name: str
    digest: str
    records: list[Record]
    file_codes: list[str]          # '0001' first when rejected whole, then the reason(s)
    messages: list[str]
    lines: pl.DataFrame            # claim lines from the readable prestatierecords
    line_of_record: dict[int, str]  # record index -> line_id

    @property
    def rejected(self) -> bool:
        return "0001" in self.file_codes

    @property
    def header(self) -> Record | None:
        return self.records[0] if self.records and self.records[0].kind == "01" else None


def is_pm304(text: str) -> bool:
    return text[:5] == "01107"


def _date(text: str) -> dt.date | None:
    if text.strip("0 ") == "":
        return None
    return dt.datetime.strptime(text, "%Y%m%d").date()


def _read_fields(rec: Record, where: str, layout: dict | None = None) -> None:
    """Parse the record's fields by the layout; a field that does not fit adds a message."""
    for f in (layout or pm304()).get(rec.kind, {}).values():
        raw = f.slice(rec.raw)
        try:
            if f.date:
                rec.values[f.name] = _date(raw)
            elif f.numeric:
                if not raw.isdigit():
                    raise ValueError(f"expected {f.length} digits (N, zero-padded)")
                rec.values[f.name] = int(raw)
            else:
                rec.values[f.name] = raw.rstrip()
        except ValueError as e:
            msg = str(e) if "expected" in str(e) else "expected a date EEJJMMDD"
            rec.messages.append(f"{where}:{rec.line_no}: field '{f.name}' (positions {f.start + 1}-{f.start + f.length}): "
                                f"{msg}, found {raw!r}")
            rec.values[f.name] = None


def _order_ok(kinds: list[str]) -> bool:
    if not kinds or kinds[0] != "01" or kinds[-1] != "99" or kinds.count("01") != 1 or kinds.count("99") != 1:
        return False
    seen_member = False
    for k in kinds[1:-1]:
        if k == "02":
            seen_member = True
        elif k in ("04", "98") and not seen_member:
            return False
        elif k not in ("02", "04", "98"):
            return False
    return True


def read_pm304(text: str, name: str = "pm304", received: dt.date | None = None,
               seen_invoices=frozenset(), seen_files=frozenset(), digest: str | None = None) -> Pm304File:
    """`seen_invoices`, `seen_files`: what was sent before (anything with `in`: a set, or the store's
    memory); `digest`: the file's digest as the caller keeps it (default: of the text)."""
    records, text_digest = split_records(text, name, RECORD_LENGTH)
    digest = digest or text_digest
    rej = Rejection()
    reject = rej.reject
    for r in records:
        if r.kind in KINDS and "0804" not in r.codes:
            _read_fields(r, name)
    kinds = [r.kind for r in records]
    if not _order_ok(kinds):
        bad = next((r for r in records if r.kind not in KINDS), None)
        detail = (f"line {bad.line_no} has record kind {bad.kind!r}" if bad
                  else "expected 01, then per member 02 followed by its 04/98 records, and 99 last")
        reject("8026", f"{name}: records out of order: {detail}")
    head = records[0] if records and records[0].kind == "01" else None
    if head is not None:
        if "0804" in head.codes:
            reject("0804", f"{name}:1: the header record has the wrong length")
        elif (head.get("Code externe-integratiebericht"), head.get("Versienummer berichtstandaard"),
              head.get("Subversienummer berichtstandaard")) != (107, 3, 2):
            reject("0011", f"{name}:1: message {head.raw[2:5]!r} version {head.raw[5:7]}.{head.raw[7:9]} is not supported "
                           "(expected PM304 = 107, version 03.02)")
    tail = records[-1] if records and records[-1].kind == "99" else None
    details = [r for r in records if r.kind in ("02", "04", "98")]
    if tail is not None and "0804" not in tail.codes and not rej.codes:
        total = sum(signed(r, "Declaratiebedrag (incl. btw)", "Indicatie debet/credit (02)") for r in details if r.kind == "04")
        counts = {"Aantal verzekerdenrecords": kinds.count("02"), "Aantal prestatierecords": kinds.count("04"),
                  "Aantal commentaarrecords": kinds.count("98"), "Totaal aantal detailrecords": len(details)}
        check_closing(rej, tail, name, counts, "Totaal declaratiebedrag", "Indicatie debet/credit", total)
    check_seen(rej, head.get("Factuurnummer declarant") if head else None, digest, seen_invoices, seen_files, name)
    messages = rej.messages + [m for r in records for m in r.messages]
    lines, line_of = ([], {}) if rej.codes else _claim_lines(records, name, received)
    frame = pl.DataFrame(lines, schema=LINE_SCHEMA)
    return Pm304File(name, digest, records, rej.codes, messages, frame, line_of)


def _claim_lines(records: list[Record], name: str, received: dt.date | None) -> tuple[list[dict], dict[int, str]]:
    head = records[0]
    lists = code_lists()
    out, line_of = [], {}
    invoice_day = head.get("Dagtekening factuur")
    provider_head = head.get("Zorgverlenerscode (AGB)") or head.get("Praktijkcode (AGB)") or head.get("Instellingscode (AGB)")
    for idx, r in enumerate(records):
        if r.kind != "04" or r.codes:
            continue
        problems = []
        if r.get("Datum prestatie") is None:
            problems.append("8007")
        if not r.get("Aantal uitgevoerde prestaties"):
            problems.append("0638")
        if r.get("Indicatie debet/credit (02)") not in ("D", "C"):
            problems.append("0631")
        vlist = r.raw[66:69]
        if vlist not in lists:
            problems.append("0581")
        if r.messages and not problems:
            problems.append("8002")
        if problems:
            r.codes.extend(problems[:3])
            continue
        sign = -1 if r.get("Indicatie debet/credit (02)") == "C" else 1
        ref = r.get("Referentienummer dit prestatierecord") or f"{name}:{r.line_no}"
        prev = r.get("Referentienummer voorgaande gerelateerde prestatierecord") or None
        nz = lambda v: (v.strip() or None) if isinstance(v, str) and v.strip("0 ") else None  # noqa: E731
        out.append({
            "line_id": ref, "claim_id": head.get("Factuurnummer declarant") or name,
            "member_id": r.get("Verzekerdennummer") or None, "bsn": nz(r.get("BSN verzekerde")),
            "provider": nz(r.get("Zorgverlenerscode behandelaar/uitvoerder")) or provider_head,
            "submitted_by": "provider", "channel": "vecozo", "received": received or invoice_day,
            "service_date": r.get("Datum prestatie"), "end_date": None,
            "code": f"{lists[vlist]}/{r.get('Prestatiecode')}", "quantity": r.get("Aantal uitgevoerde prestaties"),
            "declared": signed(r, "Declaratiebedrag (incl. btw)", "Indicatie debet/credit (02)"),
            "diagnosis": nz(r.get("Paramedische diagnosecode (01)")),
            "csi": nz(r.get("Code soort indicatie paramedische hulp (CSI)")),
            "referral_by": nz(r.get("Zorgverlenerscode voorschrijver/verwijzer")), "referral_date": r.get("Verwijsdatum"),
            "indication_by": None, "indication_kind": None,
            "authorization": nz(r.get("Machtigingsnummer")),
            "credits": prev if sign < 0 else None,
        })
        line_of[idx] = ref
    return out, line_of
