"""A generated activity log of a few hundred patients of a hand-rehabilitation clinic, with their
insurers over the years (fixed seed)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

INSURERS = ["onvz", "vgz", "cz", "menzis", "dsw", "zilveren-kruis"]
PRODUCT_OF = {"onvz": "onvz/vrije-keuze-basis", "vgz": "vgz/natura"}
DISCIPLINES = ["revalidatiearts", "fysiotherapeut", "ergotherapeut", "handtherapeut", "psycholoog"]


def generate_clinic(patients: int = 300, seed: int = 2024) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    acts, pats = [], []
    for p in range(patients):
        pid = f"P{p:05d}"
        first = rng.choice(INSURERS)
        switch = rng.random() < 0.2
        second = rng.choice(INSURERS) if switch else first
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 60)))
        pats.append({"patient": pid, "insurer": first, "from": dt.date(2022, 1, 1),
                     "to": dt.date(2023, 12, 31) if switch else None, "member_id": f"M{p:06d}", "birth_date": birth,
                     "product": PRODUCT_OF.get(first), "referral_by": "01100001"})
        if switch:
            pats.append({"patient": pid, "insurer": second, "from": dt.date(2024, 1, 1), "to": None,
                         "member_id": f"M{p:06d}", "birth_date": birth, "product": PRODUCT_OF.get(second),
                         "referral_by": "01100001"})
        for demand in range(1 + int(rng.random() < 0.25)):
            day = dt.date(2022, 6, 1) + dt.timedelta(days=int(rng.integers(0, 1000)))
            visits = int(rng.integers(1, 26))
            for v in range(visits):
                kind = rng.choice(["contact", "contact", "contact", "contact", "team", "dossier", "no_show"],
                                  p=[.22, .22, .22, .2, .06, .05, .03])
                disc = "revalidatiearts" if v == 0 else rng.choice(DISCIPLINES, p=[.1, .25, .3, .25, .1])
                acts.append({"patient": pid, "date": day, "discipline": disc,
                             "minutes": int(rng.choice([15, 20, 25, 30, 45, 60])), "kind": kind,
                             "diagnosis": rng.choice(["HAND-01", "HAND-02", "POLS-01"]), "care_demand": f"Z{demand + 1}",
                             "specialist": "REVA-1"})
                day += dt.timedelta(days=int(rng.choice([3, 4, 7, 7, 7, 7, 14, 14, 21, 30, 60])))
    activities = pl.DataFrame(acts).with_row_index("activity_id", offset=1).with_columns(pl.col("activity_id").cast(pl.Int64))
    return activities, pl.DataFrame(pats, schema={"patient": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date,
                                                  "member_id": pl.String, "birth_date": pl.Date, "product": pl.String,
                                                  "referral_by": pl.String})
