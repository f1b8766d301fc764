"""Record layouts from the Vektis EI tables in `data/` (PM304 v3.2): fields with 1-based start
and length, per record kind. N fields are right-aligned zero-padded, AN fields left-aligned
space-padded; dates EEJJMMDD; amounts in eurocents followed by a D/C indicator."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
RECORD_LENGTH = 310          # PM304 records; PM305 appends its return fields up to 370
RETURN_LENGTH = 370

# fields read as numbers (N); all others are AN
NUMERIC = {"Kenmerk record", "Code externe-integratiebericht", "Versienummer berichtstandaard",
           "Subversienummer berichtstandaard", "Identificatie detailrecord", "Aantal uitgevoerde prestaties",
           "Tarief prestatie (incl. btw)", "Berekend bedrag (incl. btw)", "Declaratiebedrag (incl. btw)",
           "Btw-percentage declaratiebedrag", "Aantal verzekerdenrecords", "Aantal debiteurrecords",
           "Aantal prestatierecords", "Aantal commentaarrecords", "Totaal aantal detailrecords",
           "Totaal declaratiebedrag", "Regelnummer vrije tekst"}
DATES = {"Begindatum declaratieperiode", "Einddatum declaratieperiode", "Dagtekening factuur",
         "Datum geboorte verzekerde", "Datum prestatie", "Verwijsdatum"}


@dataclass(frozen=True)
class Field:
    name: str
    start: int   # 0-based
    length: int
    numeric: bool
    date: bool

    def slice(self, record: str) -> str:
        return record[self.start:self.start + self.length]


@lru_cache(maxsize=None)
def pm304() -> dict[str, dict[str, Field]]:
    """Record kind ('01', '02', '04', '98', '99') -> field name -> Field."""
    out: dict[str, dict[str, Field]] = {}
    with (DATA / "pm304-v3.2-layout.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            kind = row["kenmerk"]
            if not kind or not kind.isdigit() or row["record"].startswith("PM305"):
                continue  # the PM305 notes at the end
            name = row["field"]
            out.setdefault(kind, {})[name] = Field(name, int(row["start"]) - 1, int(row["length"]),
                                                   name in NUMERIC, name in DATES)
    for kind, fields in out.items():
        end = max(f.start + f.length for f in fields.values())
        assert end == RECORD_LENGTH, f"layout of record {kind} ends at {end}, not {RECORD_LENGTH}"
    return out


@lru_cache(maxsize=None)
def code_lists() -> dict[str, str]:
    with (DATA / "prestatiecodelijsten.csv").open(newline="", encoding="utf-8") as f:
        return {r["vektis_list"]: r["list"] for r in csv.DictReader(f)}


ZH308_LENGTH = 610


@lru_cache(maxsize=None)
def zh308() -> dict[str, dict[str, Field]]:
    """ZH308 v9.0 (DBC declarations, 610-character records), from `data/zh308-v9.0-layout.csv`."""
    out: dict[str, dict[str, Field]] = {}
    with (DATA / "zh308-v9.0-layout.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            length, end = int(float(row["Lengte"])), int(float(row["Eindpositie"]))
            name = row["Naam gegevenselement"].strip()
            out.setdefault(row["Recordcode"], {})[name] = Field(
                name, end - length, length, row["Type"].strip() == "N" and row["Patroon"] != "EEJJMMDD",
                row["Patroon"] == "EEJJMMDD")
    for kind, fields in out.items():
        end = max(f.start + f.length for f in fields.values())
        assert end == ZH308_LENGTH, f"ZH308 record {kind} ends at {end}"
    return out
