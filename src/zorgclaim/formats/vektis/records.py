"""What the Vektis readers and writers share: splitting a file into records, the file-level
rejections (technical rejection 0001 plus the reason), the files and invoices seen before, and
formatting a record from field values by a layout."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from zorgclaim.formats.vektis.layout import Field


@dataclass
class Record:
    line_no: int
    kind: str
    raw: str
    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)

    def get(self, name: str, default=None):
        return self.values.get(name, default)


@dataclass
class Rejection:
    """File-level codes: '0001' first once anything rejects the whole file, then the reasons."""

    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def reject(self, code: str, message: str) -> None:
        if "0001" not in self.codes:
            self.codes.append("0001")
        self.codes.append(code)
        self.messages.append(message)


def split_records(text: str, name: str, length: int) -> tuple[list[Record], str]:
    """Records by line (CR/LF or LF), each flagged 0804 when not `length` long; and the file's digest."""
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    rows = text.replace("\r\n", "\n").split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    records = [Record(n, ln[:2], ln) for n, ln in enumerate(rows, start=1)]
    for r in records:
        if len(r.raw) != length:
            r.codes.append("0804")
            r.messages.append(f"{name}:{r.line_no}: record length {len(r.raw)}, expected {length}")
    return records, digest


def check_seen(rej: Rejection, invoice: str | None, digest: str, seen_invoices: frozenset[str],
               seen_files: frozenset[str], name: str) -> None:
    if invoice and invoice in seen_invoices:
        rej.reject("0030", f"{name}:1: invoice number {invoice!r} was used before")
    if digest in seen_files:
        rej.reject("8067", f"{name}: this file was sent before")


def format_field(f: Field, value) -> str:
    """N right-aligned zero-padded, AN left-aligned space-padded, dates EEJJMMDD; empty N and
    dates are zeros. A value that does not fit is an error, never silently cut."""
    if value is None or value == "":
        return "0" * f.length if (f.numeric or f.date) else " " * f.length
    if f.date:
        return value.strftime("%Y%m%d")
    text = str(int(value)).zfill(f.length) if f.numeric else str(value).ljust(f.length)
    if len(text) > f.length:
        raise ValueError(f"{f.name}: {value!r} does not fit in {f.length} positions")
    return text


def make_record(layout: dict[str, dict[str, Field]], length: int, kind: str, kind_field: str, **values) -> str:
    fields = layout[kind]
    unknown = set(values) - set(fields)
    if unknown:
        raise KeyError(f"record {kind} has no field(s) {sorted(unknown)}")
    values.setdefault(kind_field, int(kind))
    out = [" "] * length
    for name, f in fields.items():
        out[f.start:f.start + f.length] = format_field(f, values.get(name))
    return "".join(out)


def signed(rec: Record, amount_field: str, dc_field: str) -> int:
    """An amount in eurocents with its D/C indicator applied."""
    return (rec.get(amount_field) or 0) * (-1 if rec.get(dc_field) == "C" else 1)


def check_closing(rej: Rejection, tail: Record, name: str, counts: dict[str, int], total_field: str,
                  dc_field: str, total: int) -> None:
    """The closing record's counts and total against the file (0150)."""
    wrong = [f"{k} {tail.get(k)} != {v}" for k, v in counts.items() if tail.get(k) != v]
    stated = signed(tail, total_field, dc_field)
    if stated != total:
        wrong.append(f"{total_field} {stated} != {total} (eurocent)")
    if wrong:
        rej.reject("0150", f"{name}:{tail.line_no}: closing record does not match the file: {'; '.join(wrong)}")
