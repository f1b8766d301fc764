"""A member's meters: the deductible per year (total, used, left, the lines that used it) and what
remains of each limit that applies (used, left, when its window resets), from the engine's state
in the store. Who may see them: the member, its own providers (a member with a line from them),
and claims staff."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import select

from zorgclaim.app.access import Forbidden, NotFound, Principal, is_staff, log_access
from zorgclaim.app.context import Context
from zorgclaim.domain.money import to_cents
from zorgclaim.engine.counters import parse_key
from zorgclaim.engine.state import State
from zorgclaim.store.models import AddedAuthorization, ClaimLine, Decision
from zorgclaim.store.repository import load_state


def own_patient(ctx: Context, agb: str | None, member_id: str) -> bool:
    """The member had care from this provider (a line of it the engine did not refuse: it passed
    the formal checks, so the BSN on it, which a provider must send, is the member's), or the
    insurer granted an authorization the provider asked for the member (a request alone is not
    enough). A line that was only sent, or refused, makes no one a patient."""
    if not agb:
        return False
    with ctx.engine.connect() as conn:
        line = conn.execute(select(ClaimLine.line_id).join(Decision, Decision.line_id == ClaimLine.line_id)
                            .where((ClaimLine.member_id == member_id) & (ClaimLine.provider == agb)
                                   & (Decision.status != "rejected")).limit(1)).first()
        if line:
            return True
        return conn.execute(select(AddedAuthorization.id).where((AddedAuthorization.member_id == member_id)
                                                                & (AddedAuthorization.provider == agb)
                                                                & (AddedAuthorization.status == "active"))
                            .limit(1)).first() is not None


def may_see_member(ctx: Context, p: Principal, member_id: str, what: str) -> None:
    """Raise Forbidden unless `p` may see `what` of this member; log the access when it may."""
    if p.role == "member":
        ok = p.member_id == member_id
    elif p.role == "provider":
        ok = own_patient(ctx, p.provider, member_id)
    else:
        ok = is_staff(p)
    if not ok:
        raise Forbidden(f"you may not see this member's {what}")
    log_access(ctx.engine, p, f"read-{what}", "member", member_id)


def member_row(ctx: Context, member_id: str) -> dict:
    hit = ctx.world.members.filter(pl.col("member_id") == member_id)
    if hit.height == 0:
        raise NotFound(f"no member {member_id!r}")
    return hit.row(0, named=True)


def state_of(ctx: Context, member_id: str) -> State:
    with ctx.engine.connect() as conn:
        return load_state(conn, [member_id])


def deductible_total(ctx: Context, year: int, voluntary: int) -> int:
    """The compulsory deductible of the year (its value on 31 December) plus the voluntary one."""
    return to_cents(ctx.library.param("compulsory_deductible", dt.date(year, 12, 31))) + (voluntary or 0)


def _pro_rata_totals(ctx: Context, member_id: str, years: list[int], voluntary: int,
                     birth: dt.date | None = None) -> dict[int, tuple[int, dt.date | None]]:
    """Each year's deductible for the days the member was insured that year from the day the
    deductible applies (the first of the month after the 18th birthday), as the engine counts it,
    and that day."""
    from zorgclaim.engine.pro_rata import deductible_start, insured_days, pro_rata
    basic = [p.id for p in ctx.library.products.values() if p.kind == "basic"]
    ages = [int(ctx.library.param("deductible_min_age", dt.date(y, 12, 31))) for y in years]
    keys = pl.DataFrame({"member_id": [member_id] * len(years), "ded_year": years, "min_age": ages,
                         "birth": [birth] * len(years)},
                        schema={"member_id": pl.String, "ded_year": pl.Int64, "min_age": pl.Int64, "birth": pl.Date})
    keys = keys.with_columns(pl.Series("total", [deductible_total(ctx, y, voluntary) for y in years], dtype=pl.Int64),
                             deductible_start(pl.col("birth"), pl.col("min_age")).alias("ded_from"))
    cov = ctx.world.coverages.filter(pl.col("member_id") == member_id)
    got = keys if cov.height == 0 else (   # not in this world: the whole year's (nothing to prorate by)
        insured_days(cov, basic, keys).with_columns(pro_rata(pl.col("total")).alias("total")))
    return {y: (t, d) for y, t, d in got.select("ded_year", "total", "ded_from").iter_rows()}


def deductible_meter(ctx: Context, p: Principal, member_id: str, state: State | None = None,
                     check: bool = True) -> list[dict]:
    """Per year (each year with use, and the current one): total, used, left, `applies_from` (the
    day the deductible starts for a member who turns 18 that year or later, else None),
    `none_because` (a total of nothing: 'under-18' or 'not-insured') and the lines that used it
    (credits give back, as negatives)."""
    if check:
        may_see_member(ctx, p, member_id, "deductible")
    state = state if state is not None else state_of(ctx, member_id)
    h = state.history.filter(pl.col("member_id") == member_id)
    try:
        m = member_row(ctx, member_id)
    except NotFound:
        if h.height == 0:
            raise
        m = {}          # decided lines in the store, but not in this world: no voluntary deductible known
    years = sorted(set(h["ded_year"].to_list()) | {ctx.today().year})
    totals = _pro_rata_totals(ctx, member_id, years, m.get("voluntary_deductible") or 0, m.get("birth_date"))
    out = []
    for year in years:
        mine = h.filter((pl.col("ded_year") == year) & (pl.col("deductible") != 0)).sort("service_date", "line_id")
        total, starts = totals[year]
        used = int(mine["deductible"].sum())
        under_18 = starts is not None and starts > dt.date(year, 12, 31)
        out.append({"year": year, "total": total, "used": used, "left": max(total - used, 0),
                    "applies_from": starts if starts and starts > dt.date(year, 1, 1) else None,
                    # why there is none: under 18 all year, or not insured under a basic product that year
                    "none_because": None if total else "under-18" if under_18 else "not-insured",
                    "lines": [{"line_id": r["line_id"], "service_date": r["service_date"], "code": r["code"],
                               "deductible": r["deductible"]} for r in mine.iter_rows(named=True)]})
    return out


def _benefit(ctx: Context, product: str | None, benefit: str, products: list[str]):
    """The benefit definition: of `product`, or else the first of the member's products that has it."""
    for pid in ([product] if product else []) + products:
        for b in ctx.library.benefits.get(pid, []):
            if b.id == benefit:
                return pid, b
    return None, None


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    y, m = day.year + y, m + 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


def products_on(ctx: Context, member_id: str, day: dt.date) -> list[str]:
    cov = ctx.world.coverages.filter((pl.col("member_id") == member_id) & (pl.col("from") <= day)
                                     & (pl.col("to").is_null() | (pl.col("to") >= day)))
    basic_first = sorted(cov["product"].to_list(), key=lambda pid: ctx.library.products[pid].kind != "basic"
                         if pid in ctx.library.products else True)
    return [pid for pid in basic_first if pid in ctx.library.products]


def remaining(ctx: Context, p: Principal, member_id: str, state: State | None = None, check: bool = True,
              day: dt.date | None = None) -> list[dict]:
    """Per limit that applies to the member on `day` (default today): the limits the member has
    used (the engine's counters), and the yearly limits of its products that it has not used yet
    (not those of a benefit that needs an indication: they apply once the member has one). A
    provider is not shown the member's yearly maximum of co-payments."""
    if check:
        may_see_member(ctx, p, member_id, "limits")
    m = member_row(ctx, member_id)
    day = day or ctx.today()
    state = state if state is not None else state_of(ctx, member_id)
    products = products_on(ctx, member_id, day)
    out, seen = [], set()
    counters = state.counters.filter(pl.col("counter_key").str.starts_with(member_id + "|"))
    for r in counters.sort("counter_key").iter_rows(named=True):
        # (a counter per service code names the code, e.g. a denture per jaw; one per year its year)
        _, product, benefit_id, diagnosis, code, year = parse_key(r["counter_key"])
        pid, b = _benefit(ctx, product, benefit_id, products)
        if b is None:
            continue
        item = _limit(ctx, pid, b, r, diagnosis, year, day)
        if item and code:            # counted per code (e.g. a denture per jaw): which one, by its label
            item["code"] = code
            item["code_label"] = _code_label(ctx, code)
        if item:
            out.append(item)
            seen.add((pid, b.id))
    age = _age(m.get("birth_date"), day)
    for pid in products:
        for b in ctx.library.benefits[pid]:
            # (a benefit only an indication opens, e.g. sitting patient transport, is shown once used)
            if (pid, b.id) in seen or b.not_covered or b.match.diagnoses is not None or b.requires.indication:
                continue
            if (b.match.min_age is not None and (age is None or age < b.match.min_age)) or \
               (b.match.max_age is not None and (age is None or age > b.match.max_age)):
                continue
            yearly = (b.limits.per_year_amount is not None or b.limits.from_year_amount is not None
                      or (b.limits.max_count is not None and b.limits.window == "calendar_year"))
            if yearly:
                empty = {"first": None, "total": 0, "pstart": None, "pcount": 0, "yamount": 0}
                item = _limit(ctx, pid, b, empty, None, day.year, day)
                if item:
                    out.append(item)
    if p.role == "provider":
        # a provider sees what remains of care, not what the member paid out of pocket elsewhere
        # (e.g. the medicine co-payments)
        out = [x for x in out if x["kind"] != "member_maximum"]
    return out


def _age(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _calendar_year_amount(item: dict, amount, r: dict, year: int | None, day: dt.date) -> dict | None:
    """A limit of euros per calendar year on `day`: its cap that year, what was counted, what is left."""
    if year is not None and year != day.year:
        return None
    cap = amount.at(dt.date(day.year, 12, 31))
    used = int(r["yamount"] or 0)
    extra = {}
    if item["kind"] == "member_maximum":
        # counted: every part above the limits; the member pays up to the maximum, the insurer the rest
        used, extra = min(used, cap), {"paid_by_insurer": max(used - cap, 0)}
    return item | {"money": True, "window": "calendar_year", "limit": cap, "used": used, "left": max(cap - used, 0),
                   "period_start": dt.date(day.year, 1, 1), "resets_on": dt.date(day.year + 1, 1, 1)} | extra


def _limit(ctx: Context, product: str, b, r: dict, diagnosis: str | None, year: int | None, day: dt.date) -> dict | None:
    """One limit's use on `day` from its counter row (first, total, pstart, pcount, yamount)."""
    lim = b.limits
    base = {"product": product, "benefit": b.id, "label": b.label, "diagnosis": diagnosis, "source": b.source.ref,
            "verified": b.source.verified}
    # an amount per calendar year: what a benefit pays at most (per_year_amount), or what the member
    # pays at most before the insurer pays the rest (from_year_amount, e.g. the GVS co-payments)
    for kind, amount in (("amount", lim.per_year_amount), ("member_maximum", lim.from_year_amount)):
        if amount is not None:
            return _calendar_year_amount(base | {"kind": kind}, amount, r, year, day)
    if lim.max_count is not None:
        cap = lim.max_count.at(day)
        if lim.window == "calendar_year":
            if year is not None and year != day.year:
                return None
            used = int(r["pcount"] or 0)
            start, resets = dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
        elif lim.months:          # e.g. 12 treatments per 12 months, 2 hearing aids per 60
            start = r["pstart"]
            end = _add_months(start, lim.months) - dt.timedelta(days=1) if start else None
            if start is None or day > end:
                used, start, resets = 0, None, None     # a new period starts with the next treatment
            else:
                used, resets = int(r["pcount"] or 0), end + dt.timedelta(days=1)
        else:
            used, start, resets = int(r["pcount"] or 0), None, None
        return base | {"kind": "count", "money": False, "window": lim.window, "limit": cap, "used": used, "left": max(cap - used, 0),
                       "period_start": start, "resets_on": resets}
    if lim.from_nth is not None or lim.term is not None:
        total = int(r["total"] or 0)
        if total <= 0 and r["first"] is None:
            return None           # nothing counted (a treatment given back by its credit)
        term = lim.term
        if term == "bijlage1":
            hit = ctx.reference.bijlage1.filter(pl.col("diagnosis") == diagnosis) if diagnosis else None
            term = hit["max_term_days"][0] if hit is not None and hit.height else None
        first = r["first"]
        ends = first + dt.timedelta(days=int(term)) if first and term is not None else None
        before = max((lim.from_nth or 1) - 1 - total, 0)
        return base | {"kind": "from_nth" if lim.from_nth else "term", "money": False, "window": "condition" if diagnosis else "lifetime",
                       "from_nth": lim.from_nth, "treatments": total, "until_covered": before, "first": first,
                       "term_days": term, "term_ends": ends, "limit": lim.from_nth, "used": total,
                       "left": None, "period_start": first, "resets_on": None}
    return None


def _code_label(ctx: Context, code: str) -> str:
    hit = ctx.world.reference.service_codes.filter(pl.col("key") == code)["label"]
    return hit[0] if hit.len() else code
