"""Generate a synthetic insurer's book: members with coverage, providers with contracts,
authorizations, and claim lines of every care kind over 2023-2026, with a fixed seed.

Vectorized with numpy: 100,000 lines take well under a second. The mix is meant to exercise
every stage: non-contracted and contracted care, member notas, credits, resends, late claims,
closed diagnosis codes, Wlz residents, deaths, under-18s, limits and module fall-through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from schwifty import IBAN

from zorgclaim.domain.schema import LINE_SCHEMA, conform_lines
from zorgclaim.domain.world import World
from zorgclaim.policy.library import PolicyLibrary
from zorgclaim.reference.tables import ReferenceData

START, END = dt.date(2023, 1, 1), dt.date(2026, 10, 31)

# The mix of claim lines: money spread over the kinds of care about as the Netherlands spends it.
# Zvw costs in 2019 per care kind, EUR million (Zorginstituut Nederland, Zorgcijfersdatabank,
# 'Zorguitgaven Zvw', second-quarter figures 2021: medisch-specialistische zorg 23,901, GGZ 4,013,
# farmaceutische zorg 4,846, huisartsenzorg 3,651, verpleging en verzorging 3,516, hulpmiddelen
# 1,571, paramedische zorg 804, mondzorg 794, ziekenvervoer 755, kraamzorg 303, verloskunde 236),
# each given to the provider kinds that bill it here; a kind's share of the lines is its cost over
# the average amount of its lines in this generator (from the reference tariffs), so cheap care
# (a prescription, a GP consult) has many lines and hospital care few. Kinds that are here to
# exercise rules (revalidation, geriatric rehabilitation, zorghotel, stays that are not care) get a
# small fixed share beyond the split.
COSTS_2019 = {"ziekenhuis": 23_901, "ggz": 4_013, "apotheek": 4_846, "huisarts": 3_651, "wijkverpleging": 3_516,
              "hulpmiddelen": 1_571, "fysiotherapie": 804 * 0.85, "oefentherapie": 804 * 0.15, "tandarts": 794,
              "ambulance": 755 * 0.8, "vervoerder": 755 * 0.2, "kraamzorg": 303, "verloskunde": 236}
FIXED_SHARE = {"revalidatiecentrum": .006, "verpleeghuis": .004, "zorghotel": .003, "overig": .004}


@dataclass
class Book:
    world: World
    lines: pl.DataFrame


def _bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """n valid BSNs (11-proof)."""
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    w = np.array([9, 8, 7, 6, 5, 4, 3, 2])
    while todo.size:
        d = rng.integers(0, 10, size=(todo.size, 8))
        d[:, 0] = rng.integers(1, 10, size=todo.size)
        check = (d @ w) % 11
        ok = check < 10
        for k, row, c in zip(todo[ok], d[ok], check[ok]):
            out[k] = "".join(map(str, row)) + str(c)
        todo = todo[~ok]
    return out


def _days(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _iban(bank: str, number: int) -> str:
    """A valid Dutch IBAN (check digits by schwifty) for a made-up account number."""
    return IBAN.generate("NL", bank_code=bank, account_code=f"{number % 10**10:010d}").compact


DAY_CODES = ["msr/VERBLIJF", "gr/GR-DAG", "gr/EXTRA", "zorghotel/ZH-DAG", "overig/VERBLIJF"]
# quantities of the codes billed per hour or per package: (fewest, most)
QUANTITY = {"kraamzorg/KZ-UUR": (24, 49), "wijkverpleging/WV-UUR": (1, 4), "farmacie/GVS-A": (1, 3),
            "farmacie/GVS-B": (1, 3)}


# the year the demo's contract tariffs start from (they rise 2% a year after it)
BASE_DAY = dt.date(2023, 7, 1)


def base_tariffs(reference: ReferenceData) -> dict[str, int]:
    """Per code, the average contracted tariff in force on BASE_DAY (the highest over the insurers;
    a code whose first tariff is later: that first one). Fixed to one day, so that a tariff added
    for a later year does not change the demo book (the mix and the contracts follow from these)."""
    t = reference.tariffs.filter(pl.col("kind") == "avg_contracted")
    in_force = (t.filter(pl.col("from_") <= BASE_DAY)
                .filter(pl.col("from_") == pl.col("from_").max().over("code"))
                .group_by("code").agg(pl.col("amount").max()))
    later = (t.filter(~pl.col("code").is_in(in_force["code"].implode()))
             .filter(pl.col("from_") == pl.col("from_").min().over("code"))
             .group_by("code").agg(pl.col("amount").max()))
    both = pl.concat([in_force, later])
    return dict(zip(both["code"].to_list(), both["amount"].to_list()))


def line_mix(kind_codes: dict, avg_map: dict) -> dict[str, float]:
    """Each provider kind's share of the claim lines: its care's cost (COSTS_2019) over the average
    amount of one of its lines (the average contracted tariffs of its codes, times the usual
    quantity), scaled to what the fixed shares leave."""
    def line_amount(kind: str) -> float:
        amounts = []
        for c in kind_codes[kind]:
            low, high = QUANTITY.get(c, (2, 14) if c in DAY_CODES else (1, 1))
            amounts.append(avg_map.get(c, 2500) * (low + high) / 2)
        return sum(amounts) / len(amounts)
    weight = {k: cost / line_amount(k) for k, cost in COSTS_2019.items()}
    left = 1 - sum(FIXED_SHARE.values())
    total = sum(weight.values())
    return {**{k: left * w / total for k, w in weight.items()}, **FIXED_SHARE}


def generate(library: PolicyLibrary, reference: ReferenceData, members: int = 10_000, lines: int = 100_000,
             seed: int = 20251121) -> Book:
    rng = np.random.default_rng(seed)
    n = members
    mid = np.array([f"M{i:06d}" for i in range(n)])
    age_2025 = np.where(rng.random(n) < 0.12, rng.integers(0, 18, n), rng.integers(18, 95, n))
    birth = _days(dt.date(2025, 1, 1)) - age_2025 * 365 - rng.integers(0, 365, n)
    bsn = _bsns(rng, n)
    bad_bsn = rng.random(n) < 0.005
    bsn[bad_bsn] = [b[:-1] + str((int(b[-1]) + 1) % 10) for b in bsn[bad_bsn]]
    insurer_vgz = rng.random(n) < 0.5
    basic = np.where(insurer_vgz, np.where(rng.random(n) < 0.8, "vgz/natura", "vgz/restitutie"), "onvz/vrije-keuze-basis")
    cov_from = np.where(rng.random(n) < 0.05, _days(dt.date(2024, 1, 1)), _days(START))
    cov_to = np.where(rng.random(n) < 0.05, _days(dt.date(2024, 12, 31)), _days(dt.date(2026, 12, 31)))
    dead = rng.random(n) < 0.005
    death = np.where(dead, _days(dt.date(2025, 1, 1)) + rng.integers(0, 300, n), -1)
    cov_to = np.where(dead, np.minimum(cov_to, death), cov_to)
    vol = rng.choice([0, 0, 0, 0, 0, 0, 100, 200, 500], size=n) * 100
    onvz_mod = rng.choice(["onvz/startfit", "onvz/topfit", "onvz/superfit", "onvz/zorgplan", ""], p=[.25, .3, .15, .1, .2], size=n)
    vgz_mod = np.where(rng.random(n) < 0.5, "vgz/aanvullend", "")
    module = np.where(insurer_vgz, vgz_mod, onvz_mod)
    no_iban = np.random.default_rng(seed + 7).random(n) < 0.003   # a few members with no bank account on file: their payouts are held
    member_df = pl.DataFrame({"member_id": mid, "bsn": bsn.astype(str), "birth_date": _dates(birth),
                              "death_date": _dates(np.where(dead, death, 0)), "voluntary_deductible": vol,
                              "name": [f"Verzekerde {i}" for i in range(n)],
                              "iban": [None if no_iban[i] else _iban("INGB", i) for i in range(n)]})
    member_df = member_df.with_columns(pl.when(pl.Series(dead)).then(pl.col("death_date")).otherwise(None))
    cov = pl.DataFrame({"member_id": mid, "product": basic, "from": _dates(cov_from), "to": _dates(cov_to)})
    has_mod = module != ""
    cov = pl.concat([cov, pl.DataFrame({"member_id": mid[has_mod], "product": module[has_mod],
                                        "from": _dates(cov_from[has_mod]), "to": _dates(cov_to[has_mod])})])
    wlz_m = rng.random(n) < 0.005
    wlz = pl.DataFrame({"member_id": mid[wlz_m], "from": _dates(np.full(wlz_m.sum(), _days(dt.date(2024, 6, 1)))),
                        "to": _dates(np.full(wlz_m.sum(), _days(dt.date(2026, 12, 31))))})

    # providers by kind: (AGB prefix, kind, how many, share contracted); the prefixes are the AGB
    # zorgverlenersoorten of Vektis COD016-VEKT (see reference/data/provider_kinds.csv; 48 is Vektis's
    # group of overige instellingen, where zorghotels (4805) are)
    kinds = [("04", "fysiotherapie", 120, .8), ("07", "oefentherapie", 20, .8), ("01", "huisarts", 60, .95),
             ("06", "ziekenhuis", 10, 1.0), ("23", "revalidatiecentrum", 8, .85), ("47", "verpleeghuis", 15, .9),
             ("48", "zorghotel", 6, .0), ("76", "hulpmiddelen", 15, .6), ("99", "overig", 5, .0),
             ("02", "apotheek", 30, .95), ("94", "ggz", 20, .85), ("75", "wijkverpleging", 12, .9),
             ("12", "tandarts", 30, .8), ("36", "ambulance", 3, 1.0), ("85", "vervoerder", 4, 1.0),
             ("33", "kraamzorg", 6, .9), ("08", "verloskunde", 10, .9)]
    prov_rows, by_kind = [], {}
    for prefix, kind, count, _ in kinds:
        agbs = [f"{prefix}{i + 100001:06d}" for i in range(count)]
        by_kind[kind] = np.array(agbs)
        for k, a in enumerate(agbs):
            prov_rows.append({"agb": a, "name": f"{kind.capitalize()} {k + 1}", "kind": kind, "iban": _iban("RABO", int(a)),
                              "qualifications": ["bekkenfysiotherapie"] if kind == "fysiotherapie" and k % 5 == 0 else [],
                              "recognized_by": ["onvz"] if kind == "zorghotel" and k < 4 else []})
    providers = pl.DataFrame(prov_rows, schema={"agb": pl.String, "name": pl.String, "kind": pl.String,
                                                "qualifications": pl.List(pl.String), "recognized_by": pl.List(pl.String),
                                                "iban": pl.String})
    kind_codes = {
        "fysiotherapie": ["fysio/1000", "fysio/1000", "fysio/1000", "fysio/1700", "fysio/1030", "fysio/1870"],
        "oefentherapie": ["oefen/2000"], "huisarts": ["huisarts/12011", "huisarts/12001"],
        "ziekenhuis": ["msr/990027199", "msr/990027142", "msr/199299030", "msr/VERBLIJF"],
        "revalidatiecentrum": ["msr/990027199", "msr/990027142", "msr/VERBLIJF", "gr/GR-DAG"],
        "verpleeghuis": ["gr/GR-DAG", "gr/GR-BEH", "gr/EXTRA"],
        "hulpmiddelen": ["hulpmiddel/ORTHES", "hulpmiddel/SPALK", "hulpmiddel/KRUK", "hulpmiddel/HOORT",
                         "hulpmiddel/OSCHN"],
        "apotheek": ["farmacie/GVS-B", "farmacie/GVS-B", "farmacie/GVS-A"], "ggz": ["ggz/CO0562", "ggz/CO0627", "ggz/CO0627"],
        "wijkverpleging": ["wijkverpleging/WV-UUR"], "tandarts": ["mondzorg/C002", "mondzorg/V92"],
        "ambulance": ["ambulance/I010"], "vervoerder": ["zittend_vervoer/TAXI-RIT"], "kraamzorg": ["kraamzorg/KZ-UUR"],
        "verloskunde": ["verloskunde/1001"],
    }
    # the hospitals bill DBC-zorgproducten of hospital care beside the revalidation products
    kind_codes["ziekenhuis"] = kind_codes["ziekenhuis"] + ["msz/990004001"] * 60 + ["msz/990004002"] * 40
    avg_map = base_tariffs(reference)
    con_rows, tar_rows = [], []
    for prefix, kind, count, share in kinds:
        for a in by_kind[kind]:
            for ins in ("onvz", "vgz"):
                for year in (2023, 2024, 2025, 2026):
                    if rng.random() < share:
                        f, t = dt.date(year, 1, 1), dt.date(year, 12, 31)
                        con_rows.append({"provider": a, "insurer": ins, "from": f, "to": t, "payment_agreement": True,
                                         "payment_term_days": 14 if kind == "fysiotherapie" else 30})
                        for code in sorted(set(kind_codes.get(kind, []))):
                            base = avg_map.get(code, 5000)
                            tar_rows.append({"provider": a, "insurer": ins, "from": f, "to": t, "code": code,
                                             "tariff": int(base * (0.95 + 0.1 * rng.random()) * (1 + 0.02 * (year - 2023)))})
    contracts = pl.DataFrame(con_rows, schema={"provider": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date,
                                               "payment_agreement": pl.Boolean, "payment_term_days": pl.Int64})
    tariffs = pl.DataFrame(tar_rows, schema={"provider": pl.String, "insurer": pl.String, "from": pl.Date, "to": pl.Date,
                                             "code": pl.String, "tariff": pl.Int64})

    # claim lines
    L = lines
    weight = rng.lognormal(0, 1.3, n)
    who = rng.choice(n, size=L, p=weight / weight.sum())
    kind_p = line_mix(kind_codes, avg_map)
    pk = rng.choice(list(kind_p), p=list(kind_p.values()), size=L)
    prov = np.empty(L, dtype=object)
    code = np.empty(L, dtype=object)
    for kind in kind_p:
        m = pk == kind
        prov[m] = rng.choice(by_kind[kind], size=m.sum())
        if kind == "zorghotel":
            code[m] = "zorghotel/ZH-DAG"
        elif kind == "overig":
            code[m] = rng.choice(["overig/VERBLIJF", "overig/CONSUMPTIE", "overig/VERVOER"], size=m.sum())
        else:
            code[m] = rng.choice(kind_codes[kind], size=m.sum())
    span = _days(END) - _days(START)
    sdate = _days(START) + rng.integers(0, span, L)
    received = sdate + rng.geometric(1 / 12, L)
    late = rng.random(L) < 0.002
    received = np.where(late, sdate + 365 * 3 + rng.integers(5, 60, L), received)
    early = rng.random(L) < 0.001
    received = np.where(early, sdate - rng.integers(1, 10, L), received)
    qty = np.ones(L, dtype=np.int64)
    day_codes = np.isin(code, DAY_CODES)
    qty[day_codes] = rng.integers(2, 15, day_codes.sum())
    for c, (low, high) in QUANTITY.items():
        q = code == c
        qty[q] = rng.integers(low, high + 1, q.sum())
    end = np.where(day_codes, sdate + qty - 1, -1)
    # diagnoses for paramedic care
    para = np.isin(pk, ["fysiotherapie", "oefentherapie"])
    groups = rng.choice(["artrose", "copd", "claud", "bekken", "chronic", "other", "closed"],
                        p=[.18, .08, .05, .05, .22, .40, .02], size=L)
    diag = np.full(L, None, dtype=object)
    csi = np.full(L, None, dtype=object)
    g = para & (groups == "artrose"); diag[g] = rng.choice(["6223", "7023"], g.sum()); csi[g] = "012"
    g = para & (groups == "copd"); diag[g] = "2554"; csi[g] = rng.choice(["013", "014", "015", "016", "017"], g.sum())
    g = para & (groups == "claud"); diag[g] = "9248"; csi[g] = "011"
    g = para & (groups == "bekken"); diag[g] = "3441"; code[g & (pk == "fysiotherapie")] = "fysio/1030"
    g = para & (groups == "chronic"); diag[g] = rng.choice(["4501", "4605", "9374", "7500", "1340"], g.sum())
    g = para & (groups == "other"); diag[g] = rng.choice(["3432", "1939"], g.sum())
    g = para & (groups == "closed"); diag[g] = rng.choice(["3499", "1999"], g.sum())
    # referrals, indications, authorizations
    msr = np.char.startswith(code.astype(str), "msr/")
    needs_referral = msr | np.char.startswith(code.astype(str), "msz/") | np.char.startswith(code.astype(str), "ggz/")
    transport = code == "zittend_vervoer/TAXI-RIT"
    grk = np.char.startswith(code.astype(str), "gr/")
    zh = code == "zorghotel/ZH-DAG"
    ref_by = np.where(needs_referral & (rng.random(L) < 0.9), rng.choice(by_kind["huisarts"], L), None)
    ind = np.full(L, None, dtype=object)
    # most taxi rides are for a statutory group (kidney dialysis, oncology, a wheelchair)
    group = transport & (rng.random(L) < 0.8)
    ind[group] = rng.choice(["nierdialyse", "oncologie", "rolstoel"], int(group.sum()))
    ind[msr & (rng.random(L) < 0.9)] = "msr"
    ind[grk & (rng.random(L) < 0.92)] = "gr"
    ind[zh & (rng.random(L) < 0.75)] = "zorghotel"
    line_ids = np.array([f"L{i:07d}" for i in range(L)])
    auth_need = (zh | (msr & (rng.random(L) < 0.3))) & (rng.random(L) < 0.7)
    auth_id = np.where(auth_need, np.char.add("A-", line_ids.astype(str)), None)
    benefit_of = np.where(zh, "zorghotel", "msr")
    # a few requests the medical adviser has not decided yet: their lines wait on the review queue
    extra = np.random.default_rng(seed + 11)
    requested = extra.random(int(auth_need.sum())) < 0.03
    authorizations = pl.DataFrame({
        "id": auth_id[auth_need].astype(str), "member_id": mid[who][auth_need],
        "benefit": benefit_of[auth_need],
        "from": _dates(sdate[auth_need] - 7), "to": _dates(sdate[auth_need] + 60),
        "status": np.where(requested, "requested", "active")})
    # sitting transport: every ride needs the insurer's machtiging; most members of a statutory group
    # asked for one before their rides (found on file: the carrier's line does not name it), a few
    # did not (refused, 0551). A generator of its own, so that the draws above stay as they were
    ride = np.flatnonzero(group)
    ride = ride[np.random.default_rng(seed + 12).random(ride.size) < 0.9]
    authorizations = pl.concat([authorizations, pl.DataFrame({
        "id": np.char.add("Z-", line_ids[ride].astype(str)), "member_id": mid[who][ride],
        "benefit": np.full(ride.size, "zittend-ziekenvervoer"),
        "from": _dates(sdate[ride] - 14), "to": _dates(sdate[ride] + 90),
        "status": np.full(ride.size, "active")})])
    avg_line = np.array([avg_map.get(c, 2500) for c in code], dtype=np.int64)
    per_unit = np.where(np.isin(code, ["overig/CONSUMPTIE", "overig/VERVOER"]), 4500, avg_line)
    per_unit = np.where(code == "zorghotel/ZH-DAG", 21000, per_unit)
    declared = (per_unit * qty * rng.uniform(0.95, 1.2, L)).astype(np.int64)
    # one physiotherapy practice declares three times what its peers do per patient: the review's
    # provider-variance rule finds it from the books and holds its later lines
    declared = np.where(prov.astype(str) == by_kind["fysiotherapie"][6], declared * 3, declared)
    by_member = (rng.random(L) < 0.08) | np.isin(pk, ["overig", "zorghotel"])
    df = pl.DataFrame({
        "line_id": line_ids, "claim_id": np.char.add("C", line_ids.astype(str)), "member_id": mid[who],
        "provider": prov.astype(str), "submitted_by": np.where(by_member, "member", "provider"),
        "channel": np.where(by_member, rng.choice(["online", "post"], L, p=[.8, .2]), "vecozo"),
        "received": _dates(received), "service_date": _dates(sdate), "end_date": _dates(np.maximum(end, 0)),
        "code": code.astype(str), "quantity": qty, "declared": declared,
        "diagnosis": pl.Series(diag.tolist(), dtype=pl.String), "csi": pl.Series(csi.tolist(), dtype=pl.String),
        "referral_by": pl.Series(ref_by.tolist(), dtype=pl.String), "indication_kind": pl.Series(ind.tolist(), dtype=pl.String),
        "authorization": pl.Series(auth_id.tolist(), dtype=pl.String),
    }).with_columns(pl.when(pl.Series(day_codes)).then(pl.col("end_date")).otherwise(None).alias("end_date"))
    # a few resends (same line id) and credits of earlier lines
    resend = df.sample(fraction=0.005, seed=seed).with_columns((pl.col("received").dt.offset_by("20d")).alias("received"))
    credits = (df.sample(fraction=0.01, seed=seed + 1)
               .with_columns(pl.col("line_id").alias("credits"), ("K" + pl.col("line_id")).alias("line_id"),
                             (-pl.col("declared")).alias("declared"), pl.col("received").dt.offset_by("30d").alias("received")))
    all_lines = pl.concat([conform_lines(df), conform_lines(resend), conform_lines(credits)]).select(list(LINE_SCHEMA))
    # the watch list: a medical-aids supplier and two members whose claims a person checks first
    watch = pl.DataFrame({"kind": ["provider", "member", "member"],
                          "id": [by_kind["hulpmiddelen"][2], mid[n // 3], mid[2 * n // 3]],
                          "rule": ["watch-list"] * 3, "from": [START] * 3, "to": [None] * 3,
                          "reason": ["signaal van een verzekerde over niet-geleverde hulpmiddelen",
                                     "eerder onterecht gedeclareerde notas", "melding fraudeloket"]},
                         schema={"kind": pl.String, "id": pl.String, "rule": pl.String, "from": pl.Date, "to": pl.Date,
                                 "reason": pl.String})
    world = World(library, reference, members=member_df, coverages=cov, wlz=wlz, providers=providers,
                  contracts=contracts, contract_tariffs=tariffs, authorizations=authorizations, watch=watch)
    return Book(world, all_lines.sort("received", "line_id"))


def write_book(book: Book, folder) -> None:
    """Write the world and the lines as Parquet (a world folder + lines.parquet)."""
    from pathlib import Path
    folder = Path(folder)
    (folder / "world").mkdir(parents=True, exist_ok=True)
    for name in ("members", "coverages", "wlz", "providers", "contracts", "contract_tariffs", "authorizations", "watch"):
        getattr(book.world, name).write_parquet(folder / "world" / f"{name}.parquet")
    book.lines.write_parquet(folder / "lines.parquet")
