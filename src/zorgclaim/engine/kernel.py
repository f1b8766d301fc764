"""The one sequential part of the engine: limits and the deductible, per member, in order.

Why sequential: whether a line still fits a limit (12 treatments per 12 months, one hearing aid per 5 years, EUR 2,000 a year,
the 21st treatment) and how much deductible is left depend on the lines before it *that were
paid*, and a credit gives back what its debit took. That is a running, bounded accumulator: a
scan, not a map. Everything that can be decided per line (formal checks, matching, requirements,
prices) is decided vectorized before this kernel; the kernel only walks the pre-computed
candidates with integer arrays. It is compiled with numba (nopython), so it costs a few
nanoseconds per candidate, not a Python loop.

Lines arrive sorted by member, service date, receipt, line id; counters and deductible
member-years are keyed per member, so any split by member gives the same result.

A stay limit (days of uninterrupted stay, Bzv art. 2.12) keeps, on its counter, the last day of
the current stay in `pstart` and the days it counted in `pcount`: a line that starts more than
`break` days after that last day starts a new stay. A credit gives the counted days back; the
stay's last day stays as it was (the patient did stay).

A count limit an authorization lifts (`count_auth`): a line beyond `max_count` in its window is
paid whole when a valid authorization covers it (`auth_ok`, decided per candidate in coverage);
without one it is refused as COUNT_AUTH (0551) rather than COUNT_LIMIT. With NEW_WINDOW the line
so paid starts a new window from its date (a replacement's own term of use); with SAME_WINDOW it
counts in the current one. A credit of a line that started a new window, while that window is
still the counter's current one, brings the earlier window back with its count (the effect keeps
both: `prev_period`, `prev_pcount`); lines counted in the new window after it then count in the
earlier one (never more paid than the limit allows).

A line's mode: 0 formal checks failed (skipped), 1 decide, 2 a credit, 3 held for review: decided
as mode 1 (its proposal), then everything it took is given back, so it consumes no state.
`cap` is the most a line may be allowed (the declared amount, or less where a person decided so).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from zorgclaim.engine.compiled import compiled

NONE = np.int64(-(2**40))

DECIDE, CREDIT, HELD = 1, 2, 3

# candidate outcomes
NOT_REACHED, PAID, REQUIREMENTS, NOT_TRIED, BELOW_NTH, TERM, COUNT_LIMIT, COUNT_PARTIAL, \
    AMOUNT_LIMIT, AMOUNT_PARTIAL, AUTH_AFTER, NOTHING_LEFT, ZERO_PRICE, NO_TARIFF, STAY_LIMIT, STAY_PARTIAL, \
    START_TOO_LATE, BELOW_AMOUNT, COUNT_AUTH = range(19)
OUTCOMES = 19

# a count limit an authorization lifts (Candidates.count_auth): not, the line so paid starts a new
# window, or it counts in the current one
NO_LIFT, NEW_WINDOW, SAME_WINDOW = 0, 1, 2


@njit(cache=True)
def _civil(z):
    """Days since 1970-01-01 -> (year, month, day) in the proleptic Gregorian calendar (H. Hinnant,
    'chrono-Compatible Low-Level Date Algorithms')."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if m <= 2 else 0), m, d


@njit(cache=True)
def _day_number(y, m, d):
    """(year, month, day) -> days since 1970-01-01 (the inverse of _civil)."""
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


@njit(cache=True)
def window_end(day, months):
    """The last day of the `months` months that start on `day`: the same day `months` months on
    (the month's last day when it has no such day: 29 February + 12 months is 28 February), less one."""
    y, m, d = _civil(day)
    total = y * 12 + (m - 1) + months
    y2, m2 = total // 12, total % 12 + 1
    first = _day_number(y2, m2, 1)
    days_in_month = _day_number(y2 + m2 // 12, m2 % 12 + 1, 1) - first
    return first + min(d, days_in_month) - 2


@njit(cache=True)
def _release(k, count, pcount, amount, period, prev_period, prev_pcount, k_total, k_pstart, k_pcount, k_yamt):
    k_total[k] -= count
    if pcount != 0 and (period == NONE or k_pstart[k] == period):
        k_pcount[k] -= pcount
        if prev_period != NONE:     # the line started the current window: the earlier one comes back
            k_pstart[k] = prev_period
            k_pcount[k] += prev_pcount
    k_yamt[k] -= amount


class Lines(NamedTuple):
    """Per line, in processing order: its mode, day numbers, quantity, money, service key and
    deductible year ids, whether the deductible applies, its candidates' rows cs..ce, and the row of
    the debit a credit reverses in this batch (-1: none)."""
    mode: np.ndarray
    date: np.ndarray
    last_day: np.ndarray
    qty: np.ndarray
    declared: np.ndarray
    cap: np.ndarray
    svc: np.ndarray
    dy: np.ndarray
    ded_line: np.ndarray
    cs: np.ndarray
    ce: np.ndarray
    debit_j: np.ndarray


class Reversed(NamedTuple):
    """Per credit whose debit was decided before (history): the effects it gives back are rows
    h_s..h_e of `GivenBack`, and the debit's deductible, deductible year and service key."""
    h_s: np.ndarray
    h_e: np.ndarray
    h_ded: np.ndarray
    h_dy: np.ndarray
    h_svc: np.ndarray


class Candidates(NamedTuple):
    """Per candidate benefit of a line: requirements met, price, counter, and the benefit's limits."""
    ok: np.ndarray
    price: np.ndarray
    counter: np.ndarray
    from_nth: np.ndarray
    max_count: np.ndarray
    window: np.ndarray          # 1 calendar year, 2 a period of `months` months from its first treatment, 3 lifetime
    months: np.ndarray
    term: np.ndarray
    per_year: np.ndarray
    auth_after: np.ndarray
    auth_ok: np.ndarray
    deductible: np.ndarray
    tops_up: np.ndarray
    stay: np.ndarray
    stay_break: np.ndarray
    start_by: np.ndarray
    from_amount: np.ndarray
    count_auth: np.ndarray      # NO_LIFT, NEW_WINDOW or SAME_WINDOW: beyond max_count only with auth_ok


class Counters(NamedTuple):
    """Per counter (updated in place): first treatment, total, current period start and count, amount this year."""
    first: np.ndarray
    total: np.ndarray
    pstart: np.ndarray
    pcount: np.ndarray
    yamount: np.ndarray


class Books(NamedTuple):
    """Per deductible member-year its total and use (use updated in place); per service key: paid before."""
    ded_total: np.ndarray
    ded_used: np.ndarray
    svc_paid: np.ndarray


class GivenBack(NamedTuple):
    """What decided lines took from counters (the history's effects a credit gives back)."""
    counter: np.ndarray
    count: np.ndarray
    pcount: np.ndarray
    amount: np.ndarray
    period: np.ndarray
    prev_period: np.ndarray     # the window before, for a line that started a new one (else NONE)
    prev_pcount: np.ndarray     # and that window's count


def run(lines: Lines, reversed_: Reversed, cand: Candidates, counters: Counters, books: Books,
        back: GivenBack) -> tuple:
    """Walk the lines in order; returns per line its code (587) and deductible used after it, per
    candidate its amount, deductible, outcome, units, n-th treatment and its effects on its counter
    (count, period count, amount, period, and the window before for a line that started a new one)."""
    return _run(*lines, *reversed_, *cand, *counters, *books, *back)


@compiled
def _run(mode, date, last_day, qty, declared, cap, svc, dy, ded_line, cs, ce, debit_j, h_s, h_e, h_ded, h_dy, h_svc,
        c_ok, c_price, c_counter, c_from_nth, c_max, c_window, c_months, c_term, c_cap, c_auth_after, c_auth_ok,
        c_ded_flag, c_tops, c_stay, c_stay_break, c_start_by, c_from_amt, c_count_auth,
        k_first, k_total, k_pstart, k_pcount, k_yamt, ded_total, ded_used, svc_paid,
        he_counter, he_count, he_pcount, he_amount, he_period, he_prev_period, he_prev_pcount):
    n = mode.shape[0]
    m = c_ok.shape[0]
    line_code = np.zeros(n, np.int32)
    ded_after = np.zeros(n, np.int64)
    c_amount = np.zeros(m, np.int64)
    c_ded = np.zeros(m, np.int64)
    c_out = np.zeros(m, np.int8)
    c_units = np.zeros(m, np.int64)
    c_nth = np.zeros(m, np.int64)
    e_count = np.zeros(m, np.int64)
    e_pcount = np.zeros(m, np.int64)
    e_amount = np.zeros(m, np.int64)
    e_period = np.full(m, NONE, np.int64)
    e_prev_period = np.full(m, NONE, np.int64)
    e_prev_pcount = np.zeros(m, np.int64)
    # what a held line's candidates' counters, its deductible year and its service key were before it
    saved = np.zeros((max(m, 1), 5), np.int64)
    for i in range(n):
        if mode[i] == 0:
            continue
        if mode[i] == CREDIT:  # a credit gives back what its debit took
            j = debit_j[i]
            if j >= 0:
                for c in range(cs[j], ce[j]):
                    _release(c_counter[c], e_count[c], e_pcount[c], e_amount[c], e_period[c], e_prev_period[c],
                             e_prev_pcount[c], k_total, k_pstart, k_pcount, k_yamt)
                    ded_used[dy[j]] -= c_ded[c]
                if svc[j] >= 0:
                    svc_paid[svc[j]] = False
            else:
                for h in range(h_s[i], h_e[i]):
                    _release(he_counter[h], he_count[h], he_pcount[h], he_amount[h], he_period[h],
                             he_prev_period[h], he_prev_pcount[h], k_total, k_pstart, k_pcount, k_yamt)
                if h_dy[i] >= 0:
                    ded_used[h_dy[i]] -= h_ded[i]
                if h_svc[i] >= 0:
                    svc_paid[h_svc[i]] = False
            if dy[i] >= 0:
                ded_after[i] = ded_used[dy[i]]
            continue
        if svc[i] >= 0 and svc_paid[svc[i]]:
            line_code[i] = 587  # the same service was paid before
            continue
        held = mode[i] == HELD
        ded_before = ded_used[dy[i]]
        svc_before = svc[i] >= 0 and svc_paid[svc[i]]
        if held:
            for c in range(cs[i], ce[i]):
                k = c_counter[c]
                saved[c, 0], saved[c, 1], saved[c, 2] = k_first[k], k_total[k], k_pstart[k]
                saved[c, 3], saved[c, 4] = k_pcount[k], k_yamt[k]
        d = date[i]
        q = qty[i]
        remaining = min(declared[i], cap[i])
        allowed = 0
        paid_any = False
        for c in range(cs[i], ce[i]):
            if paid_any and not c_tops[c]:
                c_out[c] = NOT_TRIED
                continue
            if not c_ok[c]:
                c_out[c] = REQUIREMENTS
                continue
            if c_price[c] < 0:  # no tariff known to price it by (pricing.UNKNOWN): it pays nothing
                c_out[c] = NO_TARIFF
                continue
            k = c_counter[c]
            count_all = c_from_nth[c] > 0 or c_term[c] >= 0
            if c_auth_after[c] >= 0 and k_first[k] != NONE and d > k_first[k] + c_auth_after[c] and not c_auth_ok[c]:
                c_out[c] = AUTH_AFTER
                continue
            if c_term[c] >= 0 and k_first[k] != NONE and d > k_first[k] + c_term[c]:
                c_out[c] = TERM
                continue
            if c_start_by[c] != NONE and k_first[k] == NONE and d > c_start_by[c]:
                c_out[c] = START_TOO_LATE   # no new period of care may start after this day
                continue
            units = q
            c_nth[c] = k_total[k] + 1
            if count_all:  # every treatment of the condition counts, whoever pays for it
                if k_first[k] == NONE:
                    k_first[k] = d
                k_total[k] += q
                e_count[c] = q
                if c_from_nth[c] > 0:
                    units = min(q, max(0, c_nth[c] + q - c_from_nth[c]))
                    if units == 0:
                        c_out[c] = BELOW_NTH
                        continue
            outcome = PAID
            ps = k_pstart[k]
            pc = k_pcount[k]
            prev_ps, prev_pc = NONE, 0      # the window this line ends, if it starts a new one
            if c_stay[c] >= 0:
                if ps == NONE or d - ps - 1 > c_stay_break[c]:
                    pc = 0  # a new stay: the first, or after a break longer than the limit allows
                avail = c_stay[c] - pc
                if avail <= 0:
                    c_out[c] = STAY_LIMIT
                    k_pstart[k] = max(ps, last_day[i])
                    k_pcount[k] = pc
                    continue
                if units > avail:
                    units = avail
                    outcome = STAY_PARTIAL
            if c_max[c] >= 0:
                if c_window[c] == 2 and (ps == NONE or d > window_end(ps, c_months[c])):
                    ps = d  # a new period (e.g. 12 months) starts with this treatment
                    pc = 0
                avail = c_max[c] - pc
                if units > avail and c_count_auth[c] != NO_LIFT and c_auth_ok[c]:
                    # beyond the count on a valid authorization: the whole line is paid
                    if c_count_auth[c] == NEW_WINDOW:
                        prev_ps, prev_pc = ps, pc
                        ps = d
                        pc = 0
                elif avail <= 0:
                    c_out[c] = COUNT_AUTH if c_count_auth[c] != NO_LIFT else COUNT_LIMIT
                    continue
                elif units > avail:
                    units = avail
                    outcome = COUNT_PARTIAL
            amt = c_price[c] * units // q if q > 0 else 0
            if amt > remaining:
                amt = remaining
            counted = False
            if c_from_amt[c] >= 0:  # pays only what the year's counted amounts exceed (a yearly maximum)
                before = k_yamt[k]
                k_yamt[k] += amt
                e_amount[c] = amt   # counted whether paid or not; a credit gives it back
                counted = True
                amt = min(amt, max(0, k_yamt[k] - max(before, c_from_amt[c])))
                if amt <= 0:
                    c_out[c] = BELOW_AMOUNT
                    continue
            if c_cap[c] >= 0:
                left = c_cap[c] - k_yamt[k]
                if left <= 0:
                    c_out[c] = AMOUNT_LIMIT
                    continue
                if amt > left:
                    amt = left
                    outcome = AMOUNT_PARTIAL
            if amt <= 0:
                c_out[c] = NOTHING_LEFT if remaining <= 0 else ZERO_PRICE
                continue
            c_amount[c] = amt
            c_units[c] = units
            c_out[c] = outcome
            remaining -= amt
            allowed += amt
            paid_any = True
            if not count_all:
                if k_first[k] == NONE:
                    k_first[k] = d
                k_total[k] += units
                e_count[c] = units
            if c_max[c] >= 0:
                if c_window[c] == 2:
                    k_pstart[k] = ps
                    e_period[c] = ps
                    e_prev_period[c] = prev_ps
                    e_prev_pcount[c] = prev_pc
                k_pcount[k] = pc + units
                e_pcount[c] = units
            if c_stay[c] >= 0:
                k_pstart[k] = max(ps, last_day[i])
                k_pcount[k] = pc + units
                e_pcount[c] = units     # given back by a credit (period NONE: whatever the stay's last day)
            if not counted:
                k_yamt[k] += amt
                e_amount[c] = amt
            if c_ded_flag[c] and ded_line[i]:
                left_ded = ded_total[dy[i]] - ded_used[dy[i]]
                dd = min(amt, max(left_ded, 0))
                ded_used[dy[i]] += dd
                c_ded[c] = dd
        if allowed > 0 and svc[i] >= 0:
            svc_paid[svc[i]] = True
        ded_after[i] = ded_used[dy[i]]
        if held:  # give everything back, last candidate first (two may share a counter)
            for c in range(ce[i] - 1, cs[i] - 1, -1):
                k = c_counter[c]
                k_first[k], k_total[k], k_pstart[k] = saved[c, 0], saved[c, 1], saved[c, 2]
                k_pcount[k], k_yamt[k] = saved[c, 3], saved[c, 4]
                e_count[c] = 0
                e_pcount[c] = 0
                e_amount[c] = 0
                e_period[c] = NONE
                e_prev_period[c] = NONE
                e_prev_pcount[c] = 0
            ded_used[dy[i]] = ded_before
            if svc[i] >= 0:
                svc_paid[svc[i]] = svc_before
    return (line_code, ded_after, c_amount, c_ded, c_out, c_units, c_nth, e_count, e_pcount, e_amount, e_period,
            e_prev_period, e_prev_pcount)
