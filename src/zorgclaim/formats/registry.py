"""One registry of claim readers: a file's bytes in, claim lines (the engine's schema) out, with
what the format needs to answer (the Vektis records for a PM305, the FHIR Claims for their
responses) and every problem named by file, line and field.

The format is found by content first (a Vektis header record, a FHIR resource), then by the
file name's extension (CSV, Parquet, JSON, NDJSON). A name that promises a format the content does
not have is said so, not guessed at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from zorgclaim.domain.schema import LINE_SCHEMA, conform_lines
from zorgclaim.formats.tabular import TABULAR, InputError, read_lines

VEKTIS = {".pm304": "pm304", ".zh308": "zh308"}
KINDS = ("pm304", "zh308", "fhir", "csv", "parquet", "json", "ndjson")


@dataclass
class ClaimInput:
    kind: str                      # one of KINDS
    name: str
    digest: str                    # sha256 of the bytes: the store's memory of files sent (8067)
    lines: pl.DataFrame            # LINE_SCHEMA
    problems: list[str] = field(default_factory=list)   # rows or items left out, each naming where and why
    vektis: object | None = None   # formats.vektis.pm304.Pm304File, for the return message
    fhir: object | None = None     # formats.fhir.claim_in.FhirInput, for the responses

    @property
    def rejected(self) -> bool:
        """A Vektis file refused whole by its file checks (its return message says why)."""
        return bool(self.vektis is not None and self.vektis.rejected)

    @property
    def invoice_number(self) -> str | None:
        if self.vektis is None or self.vektis.header is None:
            return None
        header = self.vektis.header
        return header.get("Factuurnummer declarant") or header.get("FACTUURNUMMER DECLARANT") or None


def detect(data: bytes, name: str) -> str:
    """The format of a file's bytes: by content, else by the name's extension."""
    from zorgclaim.formats.vektis.pm304 import is_pm304
    from zorgclaim.formats.vektis.zh308 import is_zh308
    head = data[:4096].decode("latin-1")
    if is_pm304(head):
        return "pm304"
    if is_zh308(head[:700]):
        return "zh308"
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped[:1] == "{" and '"resourceType"' in head:
        return "fhir"
    suffix = Path(name).suffix.lower()
    if suffix in VEKTIS:
        first = head.split("\n", 1)[0][:5]   # no more: a record's data (a BSN from position 15) is not echoed
        want = "01107 (PM304 v3.2)" if suffix == ".pm304" else "01 and 610 characters (ZH308 v9.0)"
        raise InputError(f"{name}: not a {VEKTIS[suffix].upper()} file: the first record must start with {want}; "
                         f"it starts with {first!r}")
    if suffix in TABULAR:
        return "ndjson" if suffix == ".jsonl" else suffix[1:]
    raise InputError(f"{name}: unsupported file type '{suffix}': send CSV, Parquet, JSON, NDJSON, a Vektis PM304 or "
                     "ZH308 file, or a FHIR Claim or Bundle")


def read_claims(data: bytes, name: str, *, received: dt.date | None = None,
                seen_files=frozenset(), seen_invoices=frozenset()) -> ClaimInput:
    """Read a claims file's bytes. `received` overrides the date of receipt the file gives;
    `seen_files` (digests) and `seen_invoices` (Vektis invoice numbers) are what was sent before,
    as sets or anything else answering `in`. Raises InputError only for a file that cannot be
    read at all; rows that cannot be read are listed in `problems` and left out."""
    digest = hashlib.sha256(data).hexdigest()
    kind = detect(data, name)
    if kind in ("pm304", "zh308"):
        from zorgclaim.formats.vektis.pm304 import read_pm304
        from zorgclaim.formats.vektis.zh308 import read_zh308
        reader = read_pm304 if kind == "pm304" else read_zh308
        f = reader(data.decode("latin-1"), name, received=received, seen_invoices=seen_invoices,
                   seen_files=seen_files, digest=digest)
        return ClaimInput(kind, name, digest, f.lines, list(f.messages), vektis=f)
    if kind == "fhir":
        from zorgclaim.formats.fhir.claim_in import read_fhir
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InputError(f"{name}: not valid JSON: {e}") from None
        if not isinstance(doc, dict):
            raise InputError(f"{name}: expected a FHIR resource (a JSON object)")
        inp = read_fhir(doc, received)
        problems = [f"{name}: {issue['expression'][0]}: {issue['diagnostics']}"
                    for o in inp.outcomes for issue in o["issue"]]
        return ClaimInput(kind, name, digest, inp.lines, problems, fhir=inp)
    lines, errors = read_lines(Path(name), data, default_received=received)
    lines = conform_lines(lines)
    if received is not None:
        lines = lines.with_columns(pl.lit(received).alias("received"))
    return ClaimInput(kind, name, digest, lines.select(list(LINE_SCHEMA)), [str(e) for e in errors])


def read_claims_file(path: Path, **kwargs) -> ClaimInput:
    """`read_claims` on a file on disk; a missing file or a folder is a clear InputError."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None
    return read_claims(data, str(path), **kwargs)
