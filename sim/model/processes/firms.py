"""Firm growth, hiring, exit, relocation, branches, equity adoption (mechanisms 2, 4, 5, 7).

Headcount follows a Gibrat process with a young-firm premium, a pull toward productive firms,
a boost after funding rounds and mild mean reversion. Growth needs people: hiring is limited
by the people between jobs (the labour market binds, and its tightness drives wages and
migration). Exit hazards fall with age and jump while cash is negative. Cost pressure (rent
bill over value added above a tolerance), the prohibited-industry push on core firms with
manufacturing stages and the pull of neighbouring regions make firms relocate out or open
branches outside. Firms adopt employee equity toward the policy's target share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from sim.model import jit, sfc64
from sim.model.codes import Ownership
from sim.model.init import new_fids, tier_weights
from sim.model.processes.talent import firm_employment, pool_room
from sim.model.protocol import Mechanism
from sim.model.sampling import BERNOULLI_THIN_MAX_P, geometric_positions
from sim.model.schemas import columns
from sim.model.util import choose, hazard, in_codes, pick, stochastic_round

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


#: size, equity, moves out of the region and age counting of firms
COLUMNS = {
    "orgs": columns(
        {
            "emp": (np.float64, 0.0),  # employees of one real firm (researchers: university)
            "vol": (np.float64, 1.0),  # firm-specific volatility multiplier of headcount shocks
            "equity": (bool, False),  # grants employee equity
            "relocated": (bool, False),
            "branches": (np.float64, 0.0),  # branches opened outside the region
            "aged3_counted": (bool, False),  # counted as an incubator graduate (age 3)
            # headcount at the last two year ends (0: not yet alive), for the growth-rate
            # shape indicator (continuing firms' annual log growth)
            "emp_prev_year": (np.float64, 0.0),
            "emp_this_year": (np.float64, 0.0),
        }
    )
}


@dataclass
class FirmsState:
    """The labour market as firms meet it, and cumulative moves out of the region."""

    unemployed_share: float = 0.0  # share of the region's talent between jobs
    unmet_demand: float = 0.0  # hires firms wanted this step but found no one for, persons
    cum_branches: float = 0.0  # branches opened outside the region since the start
    cum_relocated: float = 0.0  # firms relocated out of the region since the start
    pre_start_branches: float = 0.0  # branches outside opened before the start (year one)
    incubator_graduates: float = 0.0  # firms that reached age 3 in the year just closed
    # kept for speed (results do not depend on it): the look-up table of in_codes(sector,
    # funding.priority_codes), a per-run constant, built at the first step
    priority_table: np.ndarray | None = None


def initialise(m: EcosystemModel) -> None:
    """The labour market starts at its natural unemployment."""
    m.state.firms.unemployed_share = m.p.labour.natural_unemployment


def close_year(m: EcosystemModel) -> None:
    """Year-end counts: firms reaching age 3 (incubator graduates, each counted once) and,
    in the first year, the stock of branches opened before the start
    (``relocation.branch_history_years`` first-year flows)."""
    o, s = m.orgs, m.state.firms
    f = o["active"] & ~o["is_univ"]
    age = m.t - o["born"]
    new_grads = f & ~o["aged3_counted"] & (age >= 3.0)
    o["aged3_counted"] = o["aged3_counted"] | new_grads
    s.incubator_graduates = float(o["weight"][new_grads].sum())
    o["emp_prev_year"] = o["emp_this_year"]
    o["emp_this_year"] = np.where(f, o["emp"], 0.0)
    if not m.records:
        s.pre_start_branches = s.cum_branches * m.p.relocation.branch_history_years


def staff_rows(m: EcosystemModel, org_mask: np.ndarray) -> np.ndarray:
    """Rows (ascending) of active talent employed by an organisation in ``org_mask``.

    One look-up per person in the mask extended by a last ``False`` entry, which is what
    employer -1 (between jobs) reads: no separate pass for the employed rows.
    """
    tl = m.talent
    ext = np.zeros(org_mask.size + 1, bool)
    ext[:-1] = org_mask
    at = ext[tl["employer"]]
    at &= tl["active"]
    rows: np.ndarray = at.nonzero()[0]
    return rows


def release_staff(
    m: EcosystemModel,
    org_mask: np.ndarray,
    share: np.ndarray | float = 1.0,
    leave_region: float = 0.0,
) -> np.ndarray:
    """Separate talent from organisations in ``org_mask`` (each with probability ``share``);
    a fraction ``leave_region`` of them leaves the region. Returns the separated rows."""
    return _separate(m, staff_rows(m, org_mask), share, leave_region)


def _separate(
    m: EcosystemModel, idx: np.ndarray, share: np.ndarray | float, leave_region: float
) -> np.ndarray:
    """Separate each of the employed talent rows ``idx`` with probability ``share`` (a
    number, or an array over organisation rows read at each person's employer)."""
    tl, rng = m.talent, m.rng
    if idx.size == 0:
        return idx
    sep: np.ndarray
    if isinstance(share, np.ndarray):
        sep = idx[rng.random(idx.size) < share[tl["employer"][idx]]]
    else:
        draw = rng.random(idx.size)  # drawn even when certain: the stream stays the same
        sep = idx if share >= 1.0 else idx[draw < share]
    if sep.size == 0:
        return sep
    tl["alumni"][sep] = tl["employer"][sep]
    tl["employer"][sep] = -1
    if leave_region > 0:
        go = sep[rng.random(sep.size) < leave_region]
        tl["active"][go] = False
        m.flows.talent_outflow += float(tl["weight"][go].sum())
    return sep


def hire(
    m: EcosystemModel, targets: np.ndarray, people: np.ndarray, pool: np.ndarray | None = None
) -> None:
    """Give organisations ``targets`` talent agents for ``people`` hires (real persons).
    ``pool``: the rows of active talent between jobs (ascending), when the caller has them."""
    tl, rng = m.talent, m.rng
    if pool is None:
        pool = (tl["active"] & (tl["employer"] < 0)).nonzero()[0]
    if pool.size == 0 or targets.size == 0:
        return
    k = min(pool.size, stochastic_round(float(people.sum()) / m.talent_weight, rng))
    if k <= 0:
        return
    # a uniform k-subset, in no particular order: the employers below are drawn independently
    # of it and of one another, so the order of ``chosen`` does not change the law of who
    # goes where (numpy's extra shuffle of the subset is skipped; when hiring is rationed,
    # everyone between jobs is chosen, with no draw)
    chosen = pool if k == pool.size else rng.choice(pool, size=k, replace=False, shuffle=False)
    employers = choose(rng, targets, people, k)
    if jit.ENABLED:  # (chosen rows are distinct: row by row is the same)
        _assign_kernel(chosen, employers, tl["employer"], tl["alumni"])
        return
    tl["employer"][chosen] = employers
    same = tl["alumni"][chosen] == tl["employer"][chosen]
    tl["alumni"][chosen[same]] = -1


@jit.kernel
def _assign_kernel(
    chosen: np.ndarray, employers: np.ndarray, employer: np.ndarray, alumni: np.ndarray
) -> None:
    """:func:`hire`'s assignment of the distinct talent rows ``chosen`` to ``employers``:
    a hire by the person's former employer ends their alumni tie."""
    for j in range(chosen.size):
        r = chosen[j]
        employer[r] = employers[j]
        if alumni[r] == employer[r]:
            alumni[r] = -1


def headcount_shocks(m: EcosystemModel, log_emp: np.ndarray) -> np.ndarray:
    """Idiosyncratic log headcount shocks of one step.

    Volatility falls with size, sigma ~ size^-beta (Amaral et al. 1997, Physica A 244:1:
    a large firm is a portfolio of partly independent units), and firms differ in volatility
    (their ``vol``, drawn at birth, see :func:`volatility_draw`): a normal law whose variance
    is exponential across firms is a Laplace law, the tent shape of yearly growth rates
    (Stanley et al. 1996, Nature 379:804; Bottazzi and Secchi 2006, RAND J. Econ. 37:235).
    Both default to off (one size-independent volatility: the plain Gibrat process).
    """
    g = m.p.growth
    sd = g.growth_noise * np.sqrt(m.dt) * m.orgs["vol"]
    if g.noise_size_elasticity > 0:
        rel = log_emp - np.log(g.noise_reference_employees)
        sd = sd * np.exp(-g.noise_size_elasticity * rel)
    shocks: np.ndarray = sd * m.rng.standard_normal(log_emp.size)
    return shocks


def volatility_draw(m: EcosystemModel, k: int) -> np.ndarray | float:
    """Volatility multipliers of ``k`` new firms: sqrt((1 - h) + h E), E exponential of mean
    1 (no draw when ``growth.noise_heterogeneity`` is 0, so the default run is unchanged)."""
    h = m.p.growth.noise_heterogeneity
    if h <= 0:
        return 1.0
    draws: np.ndarray = np.sqrt((1.0 - h) + h * m.rng.exponential(1.0, k))
    return draws


def _grow(m: EcosystemModel, f: np.ndarray, young: np.ndarray) -> None:
    """Headcount change of one step; ``f`` marks active firms, ``young`` is
    exp(-age / young_age_scale) of every row (shared with :func:`_exits`)."""
    if jit.ENABLED:
        _grow_compiled(m, f, young)
        return
    o, g, dt, pol = m.orgs, m.p.growth, m.dt, m.policy
    rel = np.clip(o["log_prod"] - m.state.production.mean_log_prod, -3, 3)
    funded = (m.t - o["last_round"]) < g.funding_boost_years
    log_emp = np.log(np.maximum(o["emp"], 1.0))
    drift = (
        g.employment_drift
        + g.macro_employment_share * pol.shocks.macro_growth
        + g.young_firm_growth * young
        + g.productivity_pull * rel
        + g.funding_boost * funded
        - g.size_drag * log_emp
    )
    dlog = drift * dt + headcount_shocks(m, log_emp)
    emp = o["emp"]
    desired = np.where(f, emp * np.expm1(dlog), 0.0)
    # universities grow their staff with their research budgets (a few rows: set them)
    u = (o["active"] & o["is_univ"]).nonzero()[0]
    desired[u] = emp[u] * np.expm1(m.p.population.univ_budget_growth * dt)

    # where(desired > 0, desired * room, desired): the capped labour pool
    np.multiply(desired, pool_room(m, firm_employment(m, f)), out=desired, where=desired > 0)
    w = o["weight"]
    up = np.maximum(desired, 0.0)
    down = np.maximum(-desired, 0.0)
    hires = float((w * up).sum())
    separations = float((w * down).sum())
    tl = m.talent
    between_jobs = tl["active"] & (tl["employer"] < 0)
    available = float((tl["weight"][between_jobs.nonzero()[0]]).sum())
    supply = available + separations
    fill = 1.0 if hires <= 0 else min(1.0, supply / hires)
    everyone = float(tl["weight"].take(tl["active"].nonzero()[0]).sum())
    m.state.firms.unemployed_share = available / max(everyone, 1e-9)
    m.state.firms.unmet_demand = max(hires - supply, 0.0)

    shrink_share = np.where(emp > 0, down / np.maximum(emp, 1e-9), 0.0)
    sep = release_staff(m, down > 0, shrink_share)
    between_jobs[sep] = True  # the people just let go join the pool (all stay)
    grows = desired > 0
    # emp + where(desired > 0, desired * fill, desired), exactly (x * 1.0 == x), in place
    if fill != 1.0:
        np.multiply(desired, pick(grows, fill, 1.0), out=desired)
    np.maximum(np.add(emp, desired, out=desired), 0.5, out=emp)
    grow_rows = grows.nonzero()[0]
    people = w.take(grow_rows) * up.take(grow_rows)  # (w * up * fill)[grow_rows]
    if fill != 1.0:
        people *= fill
    hire(m, grow_rows, people, between_jobs.nonzero()[0])


def _grow_compiled(m: EcosystemModel, f: np.ndarray, young: np.ndarray) -> None:
    """:func:`_grow` as four compiled passes over the organisations and one over talent, the
    logarithms and exponentials left to numpy in between (the same functions on the same
    values), the same draws in the same order and numpy's sums over the same terms."""
    o, g, dt, pol, tl = m.orgs, m.p.growth, m.dt, m.policy, m.talent
    emp, w, n, nt = o["emp"], o["weight"], o.n, tl.n
    log_emp = np.log(np.maximum(emp, 1.0))
    sized = g.noise_size_elasticity > 0
    size_factor = log_emp  # (not read unless sized)
    if sized:  # headcount_shocks' size factor, the same numpy calls
        rel = log_emp - np.log(g.noise_reference_employees)
        size_factor = np.exp(-g.noise_size_elasticity * rel)
    z = sfc64.standard_normal(m.rng, n)
    x = np.empty(n)
    terms = np.empty(n)
    k = _dlog_kernel(
        o["log_prod"],
        float(m.state.production.mean_log_prod),
        o["last_round"],
        float(m.t),
        float(g.funding_boost_years),
        young,
        log_emp,
        o["vol"],
        size_factor,
        z,
        float(g.employment_drift + g.macro_employment_share * pol.shocks.macro_growth),
        float(g.young_firm_growth),
        float(g.productivity_pull),
        float(g.funding_boost),
        float(g.size_drag),
        float(dt),
        float(g.growth_noise * np.sqrt(m.dt)),
        bool(sized),
        f,
        w,
        emp,
        x,
        terms,
    )
    np.expm1(x, out=x)
    room = pool_room(m, float(terms[:k].sum()))
    univ_growth = float(np.expm1(m.p.population.univ_budget_growth * dt))
    desired = x  # becomes the desired headcount changes, in place
    wu, wd = np.empty(n), np.empty(n)
    shrinking = np.empty(n, np.bool_)
    _demand_kernel(
        desired, emp, f, o["active"], o["is_univ"], univ_growth, float(room), w, wu, wd, shrinking
    )
    hires = float(wu.sum())
    separations = float(wd.sum())
    between = np.empty(nt, np.bool_)
    w_between, w_active = np.empty(nt), np.empty(nt)
    staff = np.empty(nt, np.int64)
    nb, na, ns = _labour_kernel(
        tl["active"], tl["employer"], tl["weight"], shrinking, between, w_between, w_active, staff
    )
    available = float(w_between[:nb].sum())
    supply = available + separations
    fill = 1.0 if hires <= 0 else min(1.0, supply / hires)
    everyone = float(w_active[:na].sum())
    m.state.firms.unemployed_share = available / max(everyone, 1e-9)
    m.state.firms.unmet_demand = max(hires - supply, 0.0)
    if ns:  # release_staff(m, down > 0, shrink_share): the people let go join the pool
        u = m.rng.random(ns)
        _separate_kernel(staff[:ns], u, desired, emp, tl["employer"], tl["alumni"], between)
    grow_rows, people = np.empty(n, np.int64), np.empty(n)
    k = _apply_growth_kernel(desired, emp, wu, float(fill), grow_rows, people)
    hire(m, grow_rows[:k], people[:k], between.nonzero()[0])


@jit.kernel
def _dlog_kernel(
    log_prod: np.ndarray,
    mean_log_prod: float,
    last_round: np.ndarray,
    t: float,
    boost_years: float,
    young: np.ndarray,
    log_emp: np.ndarray,
    vol: np.ndarray,
    size_factor: np.ndarray,
    z: np.ndarray,
    base: float,
    young_growth: float,
    pull: float,
    boost: float,
    drag: float,
    dt: float,
    noise: float,
    sized: bool,
    f: np.ndarray,
    w: np.ndarray,
    emp: np.ndarray,
    out: np.ndarray,
    terms: np.ndarray,
) -> int:
    """The log headcount change of every row into ``out``, ``drift * dt + headcount_shocks``
    of :func:`_grow`, and into ``terms`` the terms of ``firm_employment(m, f)`` (weight x
    headcount of the rows in ``f``, in row order, before headcounts change); returns their
    number.

    The sums and products go in the numpy code's order: ``base`` is the sum of the two
    scalar terms, which Python adds first; ``boost * funded`` multiplies by 1.0 or 0.0 as
    numpy's bool-to-float cast does. ``np.clip`` keeps NaN and -0.0: the two comparisons
    are false for NaN, and -0.0 is inside the bounds.
    """
    j = 0
    for i in range(log_emp.size):
        rel = log_prod[i] - mean_log_prod
        if rel < -3.0:
            rel = -3.0
        elif rel > 3.0:
            rel = 3.0
        funded = 1.0 if (t - last_round[i]) < boost_years else 0.0
        drift = base + young_growth * young[i]
        drift = drift + pull * rel
        drift = drift + boost * funded
        drift = drift - drag * log_emp[i]
        sd = noise * vol[i]
        if sized:
            sd = sd * size_factor[i]
        out[i] = drift * dt + sd * z[i]
        if f[i]:
            terms[j] = w[i] * emp[i]
            j += 1
    return j


@jit.kernel
def _demand_kernel(
    desired: np.ndarray,
    emp: np.ndarray,
    f: np.ndarray,
    active: np.ndarray,
    is_univ: np.ndarray,
    univ_growth: float,
    room: float,
    w: np.ndarray,
    wu: np.ndarray,
    wd: np.ndarray,
    shrinking: np.ndarray,
) -> None:
    """Desired headcount changes, in place of ``expm1(dlog)``: ``emp * expm1(dlog)`` for
    firms, the budget growth for active universities, 0 elsewhere, hiring scaled by the
    pool's ``room``; with the weighted hires and separations (``w * up``, ``w * down``,
    which numpy sums) and the shrinking rows.

    ``np.maximum(a, b)`` returns ``a`` when ``a > b`` or ``a`` is NaN, else ``b`` (a tie of
    0.0 and -0.0 gives ``b``): the tests ``<=`` below, false for NaN, give the same bits.
    """
    for i in range(desired.size):
        e = emp[i]
        if active[i] and is_univ[i]:
            d = e * univ_growth
        elif f[i]:
            d = e * desired[i]
        else:
            d = 0.0
        d = d * room if d > 0 else d
        desired[i] = d
        up = 0.0 if d <= 0.0 else d
        down = -d
        down = 0.0 if down <= 0.0 else down
        wu[i] = w[i] * up
        wd[i] = w[i] * down
        shrinking[i] = down > 0


@jit.kernel
def _labour_kernel(
    active: np.ndarray,
    employer: np.ndarray,
    weight: np.ndarray,
    shrinking: np.ndarray,
    between: np.ndarray,
    w_between: np.ndarray,
    w_active: np.ndarray,
    staff: np.ndarray,
) -> tuple[int, int, int]:
    """One pass over talent: who is between jobs (``between``), the weights of those people
    and of every active person (in row order, for numpy's sums) and the staff rows of
    shrinking firms (:func:`staff_rows`); returns the three counts."""
    nb = 0
    na = 0
    ns = 0
    for i in range(active.size):  # written always, kept by the counts (no branches)
        a = active[i]
        e = employer[i]
        x = weight[i]
        out = a & (e < 0)
        between[i] = out
        w_active[na] = x
        na += a
        w_between[nb] = x
        nb += out
        hit = False
        if e >= 0:  # (nearly always: the branch is predicted; the look-up stays in bounds)
            hit = shrinking[e]
        staff[ns] = i
        ns += a & hit
    return nb, na, ns


@jit.kernel
def _separate_kernel(
    staff: np.ndarray,
    u: np.ndarray,
    desired: np.ndarray,
    emp: np.ndarray,
    employer: np.ndarray,
    alumni: np.ndarray,
    between: np.ndarray,
) -> None:
    """:func:`_separate` of the staff of shrinking firms (distinct rows ``staff``), each
    with its firm's shrink share ``where(emp > 0, down / max(emp, 1e-9), 0)``, ``down``
    being ``max(-desired, 0)`` (computed here for these rows only, the same operations):
    a separated person's employer becomes their alumni tie and they join the pool."""
    for j in range(staff.size):
        r = staff[j]
        o = employer[r]
        e = emp[o]
        share = 0.0
        if e > 0:
            down = -desired[o]
            down = 0.0 if down <= 0.0 else down
            share = down / (1e-9 if e <= 1e-9 else e)
        if u[j] < share:
            alumni[r] = o
            employer[r] = -1
            between[r] = True


@jit.kernel
def _apply_growth_kernel(
    desired: np.ndarray,
    emp: np.ndarray,
    wu: np.ndarray,
    fill: float,
    rows: np.ndarray,
    people: np.ndarray,
) -> int:
    """New headcounts ``max(emp + desired, 0.5)``, hiring scaled by ``fill``, and the
    growing rows with the people they hire (``w * up * fill``, the same products) into
    ``rows`` and ``people``; returns their number."""
    k = 0
    scaled = fill != 1.0
    for i in range(desired.size):  # rows written always, kept by the count (no branch)
        d = desired[i]
        grows = d > 0
        p = wu[i] * fill if scaled else wu[i]
        d = d * fill if grows and scaled else d
        rows[k] = i
        people[k] = p
        k += grows
        v = emp[i] + d
        emp[i] = 0.5 if v <= 0.5 else v
    return k


#: every code in_codes accepts, to tabulate it once
_ALL_CODES = np.arange(128, dtype=np.int64)
#: the four (manufacturing, pushed) combinations of :func:`_exits` at zero excess cost,
#: key m + 2p
_ZERO4 = np.zeros(4)
_MANUF4 = np.array([False, True, False, True])
_PUSHED4 = np.array([False, False, True, True])
#: (excess cost > 0) and (pushed) of :func:`_exits`: the branch pressure of key x + p
_PRESSURE_EXCESS = np.array([False, True, True])
_PRESSURE_PUSHED = np.array([False, False, True])


#: probability above which :func:`_trial_rows` thins a row apart from the rarer ones
_RARE_MAX_P = 0.01
#: rows below which :func:`_trial_rows` draws one uniform per row (its fixed costs of
#: numpy calls exceed the uniforms it saves)
_THIN_MIN_ROWS = 16384


def _trial_rows(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Rows (ascending) where independent events of probabilities ``p`` happen: the law of
    ``(rng.random(p.size) < p).nonzero()[0]``, for fewer draws.

    The rows are split into three tiers by their probability, a fixed function of ``p``:
    rare (at most :data:`_RARE_MAX_P`: most rows), then up to
    :data:`sampling.BERNOULLI_THIN_MAX_P` (e.g. firms paying rents above the tolerance,
    firms that may open a branch), then above (e.g. death hazards of firms losing money).
    The first two are thinned as :func:`sampling.bernoulli_rows` does, each at its own
    largest probability (candidates at that probability, geometric gaps, each kept with
    probability ``p_i / p_max``), so a few likelier rows do not make every row draw; the
    last get one uniform each. Each row still fires independently with its own
    probability: the law is unchanged. Zero, negative and NaN probabilities never fire.
    One compiled pass finds the tiers (the numpy path finds the same rows and maximum).
    Below :data:`_THIN_MIN_ROWS` rows (a fixed function of the input), one uniform per row.
    """
    if p.size < _THIN_MIN_ROWS:
        direct: np.ndarray = (rng.random(p.size) < p).nonzero()[0]
        return direct
    if jit.ENABLED:
        above, rare_max = _tiers_kernel(p, _RARE_MAX_P)
    else:
        above = (p > _RARE_MAX_P).nonzero()[0]
        rare_max = float(np.max(p, where=p <= _RARE_MAX_P, initial=0.0))
    return _tiered_rows(rng, p, above, rare_max)


def _trial_rows_tiered(
    rng: np.random.Generator, p: np.ndarray, above: np.ndarray, rare_max: float
) -> np.ndarray:
    """:func:`_trial_rows` when the caller's kernel has found the tiers while computing
    ``p`` (``above`` and ``rare_max``, what :func:`_tiers_kernel` returns): the same draws,
    without another pass over ``p``."""
    if p.size < _THIN_MIN_ROWS:
        direct: np.ndarray = (rng.random(p.size) < p).nonzero()[0]
        return direct
    return _tiered_rows(rng, p, above, rare_max)


def _tiered_rows(
    rng: np.random.Generator, p: np.ndarray, above: np.ndarray, rare_max: float
) -> np.ndarray:
    """The tiered thinning of :func:`_trial_rows` from its tiers."""
    rows = _thinned(rng, p, rare_max, _RARE_MAX_P)
    if above.size == 0:
        return rows
    q = p.take(above)
    middle_max = float(np.max(q, where=q <= BERNOULLI_THIN_MAX_P, initial=0.0))
    middle = _thinned(rng, q, middle_max, BERNOULLI_THIN_MAX_P)
    high = (q > BERNOULLI_THIN_MAX_P).nonzero()[0]
    if high.size:
        middle = np.concatenate((middle, high[rng.random(high.size) < q.take(high)]))
    out = np.concatenate((rows, above.take(middle)))
    out.sort()
    return out


def _thinned(rng: np.random.Generator, p: np.ndarray, p_max: float, cut: float) -> np.ndarray:
    """Rows (ascending) with ``p <= cut`` where independent events of probabilities ``p``
    happen, ``p_max`` being the largest of those probabilities: candidates are trials at
    ``p_max`` (:func:`sampling.geometric_positions`), each kept with probability
    ``p_i / p_max`` (rows above ``cut`` are never kept: another tier draws them)."""
    if not p_max > 0.0:
        return np.zeros(0, np.intp)
    cand = geometric_positions(rng, p_max, p.size)
    if cand.size == 0:
        return cand
    pc = p.take(cand)
    keep = rng.random(cand.size) * p_max < pc
    keep &= pc <= cut
    rows: np.ndarray = cand[keep]
    return rows


@jit.kernel
def _tiers_kernel(p: np.ndarray, cut: float) -> tuple[np.ndarray, float]:
    """The rows with ``p > cut`` (ascending) and the largest ``p`` at or below ``cut`` (0.0
    if none is positive; NaN is in neither): what :func:`_trial_rows`' numpy path finds
    with ``nonzero`` and ``np.max(where=...)``. Two passes without branches (selects and
    counts), no array of ``p.size``."""
    k = 0
    mx = 0.0
    for i in range(p.size):
        x = p[i]
        big = x > cut
        k += big
        y = 0.0 if big else x
        mx = y if y > mx else mx
    above = np.empty(k + 1, np.intp)  # (one spare slot: every row is written, kept by count)
    j = 0
    for i in range(p.size):
        above[j] = i
        j += p[i] > cut
    return above[:k], mx


@jit.kernel
def _tier_row(
    x: float, i: int, cut: float, above: np.ndarray, k: int, mx: float
) -> tuple[int, float]:
    """One row of the tier split the kernels computing probabilities make on the way (what
    :func:`_tiers_kernel` finds): row ``i`` of probability ``x`` joins ``above`` when
    ``x > cut``, else it may raise the rare tier's maximum ``mx`` (NaN does neither). Without
    branches: the row is always written at ``k`` and kept by the count. Returns the new
    ``(k, mx)``."""
    big = x > cut
    above[k] = i
    k += big
    y = 0.0 if big else x
    return k, (y if y > mx else mx)


def _trial_mask(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """:func:`_trial_rows` as a boolean mask over the rows."""
    mask = np.zeros(p.size, dtype=bool)
    mask[_trial_rows(rng, p)] = True
    return mask


def _branch_table(brate: np.ndarray, dt: float) -> np.ndarray:
    """The branch-opening hazards of the three branch keys (``(excess > 0) + pushed``),
    extended to 256 entries with zeros: key 255 marks the rows that cannot open one."""
    table = np.zeros(256)
    table[:3] = hazard(brate, dt)
    return table


def relocation_hazard(m: EcosystemModel, excess: np.ndarray, pushed: np.ndarray) -> np.ndarray:
    """Chance of each organisation row relocating out of the region within the step.

    The yearly rate is a base rate, plus a cost term in the rent bill's ``excess`` over the
    tolerated share of value added, plus the neighbours' pull on manufacturing firms, plus
    the push on core-park firms with prohibited stages (``pushed``). Few firms pay rents
    above the tolerance: where the excess is 0 the rate takes four values (manufacturing,
    pushed), computed with the same operations and looked up; the rest (excess non-zero,
    NaN included) get the formula row by row. The same numbers, for a fraction of the work.
    """
    o, dt = m.orgs, m.dt
    manuf = o["manuf"]
    table = cast(np.ndarray, hazard(_relocation_rates(m, _ZERO4, _MANUF4, _PUSHED4), dt))
    p: np.ndarray = table.take(manuf.view(np.uint8) + 2 * pushed.view(np.uint8))
    costly = (excess != 0).nonzero()[0]
    if costly.size:
        p[costly] = hazard(_relocation_rates(m, excess[costly], manuf[costly], pushed[costly]), dt)
    return p


def _exits(m: EcosystemModel, f: np.ndarray, young: np.ndarray) -> None:
    """Deaths, relocations out of the region and branches; ``f`` and ``young`` as in
    :func:`_grow` (neither changes in between)."""
    if jit.ENABLED:
        _exits_compiled(m, f, young)
        return
    o, g, rp, dt, rng, pol = m.orgs, m.p.growth, m.p.relocation, m.dt, m.rng, m.policy
    rate = g.death_rate + g.young_death_rate * young + g.loss_death_rate * (o["cash"] < 0)
    np.copyto(rate, g.death_rate * g.listed_death_mult, where=o["listed"])
    # (one uniform per row: death hazards reach 0.15 a quarter, too many for thinning to pay)
    die = f & (rng.random(o.n) < hazard(rate, dt))

    # relocation out of the region
    cost_share = o["rent_bill"] / np.maximum(o["va"], 1.0)
    excess = np.maximum(cost_share - rp.cost_tolerance, 0.0)
    core = m.parks["core"].take(o["park"])
    if m.state.firms.priority_table is None:
        m.state.firms.priority_table = in_codes(_ALL_CODES, m.p.funding.priority_codes)
    pushed = o["manuf"] & core & ~m.state.firms.priority_table.take(o["sector"])
    pull = pol.relocation.neighbour_pull
    p_move = relocation_hazard(m, excess, pushed)
    p_move[~(f & ~o["listed"])] = 0.0
    move = _trial_mask(rng, p_move) & ~die  # independent of the deaths: drawn for all rows

    w = o["weight"]
    m.flows.firm_deaths += float(w.take(die.nonzero()[0]).sum())
    moved_weight = float(w.take(move.nonzero()[0]).sum())
    m.flows.firms_relocated_out += moved_weight
    m.state.firms.cum_relocated += moved_weight
    # release_staff(die) then release_staff(move, leave_region): one look-up of everyone's
    # employer (die and move are disjoint, so the second call's rows are known up front)
    code = die.view(np.uint8) + 2 * move.view(np.uint8)
    staff = staff_rows(m, code != 0)
    at = code.take(m.talent["employer"].take(staff))
    _separate(m, staff[at == 1], 1.0, 0.0)
    _separate(m, staff[at == 2], 1.0, rp.staff_follow)
    failed = (die & o["vc_backed"]).nonzero()[0]
    if failed.size:  # (an empty call records nothing)
        m.deal_log.exit(o["fid"].take(failed), "write_off", 0.0, m.t)
    moved = (move & o["vc_backed"]).nonzero()[0]
    if moved.size:
        m.deal_log.exit(o["fid"].take(moved), "relocation", o["valuation"].take(moved), m.t)
    gone = die | move
    np.logical_or(o["relocated"], move, out=o["relocated"])
    np.logical_and(o["active"], ~gone, out=o["active"])

    # branches outside the region; the pressure (excess > 0) + pull + pushed takes three
    # values: its hazard is computed on them (same operations) and looked up
    big = f & ~gone & (o["emp"] >= rp.branch_min_employees)
    pressure = (_PRESSURE_EXCESS + pull) + _PRESSURE_PUSHED
    brate = rp.branch_rate * (1.0 + rp.branch_pressure_gain * pressure)
    key = (excess > 0).view(np.uint8) + pushed.view(np.uint8)
    key[~big] = 255
    opened = _trial_rows(rng, _branch_table(brate, dt).take(key))
    o["branches"][opened] += 1.0
    m.state.firms.cum_branches += float(w.take(opened).sum())


def _exits_compiled(m: EcosystemModel, f: np.ndarray, young: np.ndarray) -> None:
    """:func:`_exits` as three compiled passes over the organisations and one over talent,
    the hazards' ``expm1`` left to numpy in between, the same draws in the same order (the
    two first follow each other: nothing in between draws), numpy's sums over the same
    terms."""
    o, g, rp, dt, rng, pol = m.orgs, m.p.growth, m.p.relocation, m.dt, m.rng, m.policy
    n = o.n
    if m.state.firms.priority_table is None:
        m.state.firms.priority_table = in_codes(_ALL_CODES, m.p.funding.priority_codes)
    pull = pol.relocation.neighbour_pull
    die_arg = np.empty(n)
    key, p_move = np.empty(n, np.uint8), np.empty(n)
    move_table = cast(np.ndarray, hazard(_relocation_rates(m, _ZERO4, _MANUF4, _PUSHED4), dt))
    costly, costly_arg = np.empty(n, np.int64), np.empty(n)
    k = _exit_rates_kernel(
        young,
        o["cash"],
        o["listed"],
        o["rent_bill"],
        o["va"],
        o["park"],
        m.parks["core"],
        o["manuf"],
        o["sector"],
        m.state.firms.priority_table,
        float(g.death_rate),
        float(g.young_death_rate),
        float(g.loss_death_rate),
        float(g.death_rate * g.listed_death_mult),
        float(rp.cost_tolerance),
        float(rp.base_relocation_rate),
        float(rp.cost_relocation_rate),
        float(rp.pull_relocation_rate * pull),
        float(pol.relocation.prohibited_exit),
        float(dt),
        move_table,
        die_arg,
        key,
        p_move,
        costly,
        costly_arg,
    )
    costly, costly_arg = costly[:k], costly_arg[:k]
    np.expm1(die_arg, out=die_arg)  # hazard(rate, dt) = -expm1(-max(rate, 0) * dt)
    np.expm1(costly_arg, out=costly_arg)
    above = np.empty(n, np.intp)
    na, rare_max = _move_hazards_kernel(
        f, o["listed"], costly, costly_arg, p_move, _RARE_MAX_P, above, _THIN_MIN_ROWS
    )
    u_die = rng.random(n)
    move_rows = _trial_rows_tiered(rng, p_move, above[:na], rare_max)
    code = np.empty(n, np.uint8)
    w_die, w_move = np.empty(n), np.empty(n)
    failed, moved = np.empty(n, np.int64), np.empty(n, np.int64)
    nd, nm, nf, nv = _exit_draws_kernel(
        f,
        key,
        o["emp"],
        float(rp.branch_min_employees),
        die_arg,
        u_die,
        move_rows,
        o["weight"],
        o["vc_backed"],
        o["relocated"],
        o["active"],
        code,
        w_die,
        w_move,
        failed,
        moved,
    )
    m.flows.firm_deaths += float(w_die[:nd].sum())
    moved_weight = float(w_move[:nm].sum())
    m.flows.firms_relocated_out += moved_weight
    m.state.firms.cum_relocated += moved_weight
    tl = m.talent
    at_dead, at_moved = np.empty(tl.n, np.int64), np.empty(tl.n, np.int64)
    a, b = _exit_staff_kernel(tl["active"], tl["employer"], code, at_dead, at_moved)
    _separate(m, at_dead[:a], 1.0, 0.0)
    _separate(m, at_moved[:b], 1.0, rp.staff_follow)
    if nf:  # (an empty call records nothing)
        m.deal_log.exit(o["fid"].take(failed[:nf]), "write_off", 0.0, m.t)
    if nv:
        rows = moved[:nv]
        m.deal_log.exit(o["fid"].take(rows), "relocation", o["valuation"].take(rows), m.t)
    pressure = (_PRESSURE_EXCESS + pull) + _PRESSURE_PUSHED
    brate = rp.branch_rate * (1.0 + rp.branch_pressure_gain * pressure)
    # (die_arg is free again: the branch probabilities go there, no new array)
    na, rare_max = _lookup_tiers_kernel(
        _branch_table(brate, dt), key, die_arg, _RARE_MAX_P, above, _THIN_MIN_ROWS
    )
    opened = _trial_rows_tiered(rng, die_arg, above[:na], rare_max)
    o["branches"][opened] += 1.0
    m.state.firms.cum_branches += float(o["weight"].take(opened).sum())


def _relocation_rates(
    m: EcosystemModel, excess: np.ndarray, manuf: np.ndarray, pushed: np.ndarray
) -> np.ndarray:
    """The yearly relocation rates of :func:`relocation_hazard`, for its table."""
    rp, pol = m.p.relocation, m.policy
    r: np.ndarray = (
        rp.base_relocation_rate
        + rp.cost_relocation_rate * excess
        + rp.pull_relocation_rate * pol.relocation.neighbour_pull * manuf
        + pol.relocation.prohibited_exit * pushed
    )
    return r


@jit.kernel
def _exit_rates_kernel(
    young: np.ndarray,
    cash: np.ndarray,
    listed: np.ndarray,
    rent_bill: np.ndarray,
    va: np.ndarray,
    park: np.ndarray,
    core: np.ndarray,
    manuf: np.ndarray,
    sector: np.ndarray,
    priority: np.ndarray,
    death: float,
    young_death: float,
    loss_death: float,
    listed_death: float,
    tolerance: float,
    base_move: float,
    cost_move: float,
    pull_move: float,
    push_move: float,
    dt: float,
    move_table: np.ndarray,
    die_arg: np.ndarray,
    key: np.ndarray,
    p_move: np.ndarray,
    costly: np.ndarray,
    costly_arg: np.ndarray,
) -> int:
    """Per organisation row: ``-max(death rate, 0) * dt`` into ``die_arg`` (numpy's
    ``expm1`` of it, negated, is the hazard) and into ``key`` manufacturing + 2 x pushed
    (manufacturing in a core park outside the priority sectors) + 4 x (the rent bill's
    excess over the tolerated share of value added > 0), and into ``p_move`` the relocation
    hazard of a row without excess (``move_table``, key manufacturing + 2 x pushed); for
    the rows whose excess is not 0 (NaN included), into ``costly`` and ``costly_arg`` the
    row and ``-max(relocation rate, 0) * dt``, the formula of :func:`relocation_hazard`.
    Returns the number of those rows.

    Products and sums in the numpy code's order (a bool factor is 1.0 or 0.0, as numpy's
    cast makes it); ``np.maximum(a, b)`` gives ``b`` unless ``a > b`` or ``a`` is NaN, which
    the tests ``<=`` below (false for NaN) repeat bit for bit.
    """
    k = 0
    for i in range(young.size):
        if listed[i]:
            rate = listed_death
        else:
            rate = death + young_death * young[i]
            rate = rate + loss_death * (1.0 if cash[i] < 0 else 0.0)
        rate = 0.0 if rate <= 0.0 else rate
        die_arg[i] = -rate * dt
        v = va[i]
        x = rent_bill[i] / (1.0 if v <= 1.0 else v) - tolerance
        x = 0.0 if x <= 0.0 else x
        m = manuf[i]
        # pushed implies manufacturing (key 2 does not occur); the look-ups are made for
        # every row and the key chosen without branches: manufacturing firms are a fifth
        # of the rows, scattered, so a branch on them mispredicts often (measured: a
        # quarter slower)
        p = m & core[park[i]] & (not priority[sector[i]])
        c = (4 if x > 0 else 0) + (1 if m else 0) + (2 if p else 0)
        key[i] = c
        p_move[i] = move_table[c & 3]  # no push, manufacturing, pushed: 0, 1, 3
        if x != 0:  # few rows: rent bills above the tolerance
            r = base_move + cost_move * x
            r = r + pull_move * (1.0 if m else 0.0)
            r = r + push_move * (1.0 if p else 0.0)
            r = 0.0 if r <= 0.0 else r
            costly[k] = i
            costly_arg[k] = -r * dt
            k += 1
    return k


@jit.kernel
def _move_hazards_kernel(
    f: np.ndarray,
    listed: np.ndarray,
    costly: np.ndarray,
    costly_expm1: np.ndarray,
    p_move: np.ndarray,
    cut: float,
    above: np.ndarray,
    min_rows: int,
) -> tuple[int, float]:
    """The step's relocation probabilities, in place in ``p_move``: the relocation hazard
    (the costly rows' own, ``-expm1``, put in first) of firms that are not listed, 0
    elsewhere: what :func:`_exits` gives :func:`_trial_rows`, the same numbers. In the
    same pass, :func:`_tiers_kernel`'s tiers of the result (the rows above ``cut`` into
    ``above``, their count and the largest value at or below ``cut``, the same tests), from
    ``min_rows`` rows (below, :func:`_trial_rows_tiered` does not read them)."""
    for j in range(costly.size):
        p_move[costly[j]] = -costly_expm1[j]
    k = 0
    mx = 0.0
    if f.size < min_rows:  # (too few rows for _trial_rows to thin: no tiers)
        for i in range(f.size):
            if not f[i] or listed[i]:
                p_move[i] = 0.0
        return k, mx
    for i in range(f.size):
        if not f[i] or listed[i]:
            p_move[i] = 0.0
        k, mx = _tier_row(p_move[i], i, cut, above, k, mx)
    return k, mx


@jit.kernel
def _exit_draws_kernel(
    f: np.ndarray,
    key: np.ndarray,
    emp: np.ndarray,
    branch_min: float,
    die_expm1: np.ndarray,
    u_die: np.ndarray,
    move_rows: np.ndarray,
    w: np.ndarray,
    vc_backed: np.ndarray,
    relocated: np.ndarray,
    active: np.ndarray,
    code: np.ndarray,
    w_die: np.ndarray,
    w_move: np.ndarray,
    failed: np.ndarray,
    moved: np.ndarray,
) -> tuple[int, int, int, int]:
    """Deaths (a firm's uniform below its hazard ``-die_expm1``) and relocations (the
    rows drawn for them, unless dead) of the step, in place in ``relocated`` and
    ``active``. Writes each row's ``code`` (1 died, 2 moved, 0 neither), the weights of
    the dead and of the moved (row order, for numpy's sums) and the venture-backed dead
    and moved rows, and turns ``key`` into the branch key ``(excess > 0) + pushed`` of
    rows that may open a branch (255 for the others). Returns the four counts."""
    code[:] = 0
    for r in move_rows:
        code[r] = 2
    nd = 0
    nm = 0
    nf = 0
    nv = 0
    for i in range(f.size):
        fi = f[i]
        c = key[i]
        key[i] = (c >> 2) + ((c >> 1) & 1) if fi & (emp[i] >= branch_min) else 255
        if fi & (u_die[i] < -die_expm1[i]):
            code[i] = 1
        g = code[i]
        if g != 0:  # rare: the branch is predicted
            active[i] = False
            key[i] = 255
            if g == 1:
                w_die[nd] = w[i]
                nd += 1
                if vc_backed[i]:
                    failed[nf] = i
                    nf += 1
            else:
                w_move[nm] = w[i]
                nm += 1
                if vc_backed[i]:
                    moved[nv] = i
                    nv += 1
                relocated[i] = True
    return nd, nm, nf, nv


@jit.kernel
def _lookup_tiers_kernel(
    table: np.ndarray,
    key: np.ndarray,
    out: np.ndarray,
    cut: float,
    above: np.ndarray,
    min_rows: int,
) -> tuple[int, float]:
    """``table.take(key)`` into ``out``, for a uint8 ``key`` (numpy casts such a key to
    intp first), and in the same pass :func:`_tiers_kernel`'s tiers of it (the rows above
    ``cut`` into ``above``, their count and the largest value at or below ``cut``), from
    ``min_rows`` rows (below, :func:`_trial_rows_tiered` does not read them)."""
    k = 0
    mx = 0.0
    if key.size < min_rows:
        for i in range(key.size):
            out[i] = table[key[i]]
        return k, mx
    for i in range(key.size):
        x = table[key[i]]
        out[i] = x
        k, mx = _tier_row(x, i, cut, above, k, mx)
    return k, mx


@jit.kernel
def _exit_staff_kernel(
    active: np.ndarray,
    employer: np.ndarray,
    code: np.ndarray,
    dead: np.ndarray,
    moved: np.ndarray,
) -> tuple[int, int]:
    """Active talent rows (ascending) employed by an organisation that died (code 1) and by
    one that moved out (code 2): :func:`staff_rows` split by code in one pass. Returns the
    two counts."""
    a = 0
    b = 0
    for i in range(active.size):
        e = employer[i]
        if e < 0 or not active[i]:
            continue
        c = code[e]
        if c == 1:
            dead[a] = i
            a += 1
        elif c == 2:
            moved[b] = i
            b += 1
    return a, b


def equity_share(m: EcosystemModel, f: np.ndarray | None = None) -> float:
    """Weighted share of active firms that grant employees equity (founding and adoption
    both respond to it). ``f``: the active-firm mask, when the caller has it."""
    o = m.orgs
    if f is None:
        f = o["active"] & ~o["is_univ"]
    w = o["weight"]
    if jit.ENABLED:
        w_granting, w_firms = np.empty(o.n), np.empty(o.n)
        a, b = _equity_weights_kernel(f, o["equity"], w, w_granting, w_firms)
        share = w_granting[:a].sum() / max(w_firms[:b].sum(), 1e-9)
        return float(share)
    granting = w.take((f & o["equity"]).nonzero()[0]).sum()
    return float(granting / max(w.take(f.nonzero()[0]).sum(), 1e-9))


@jit.kernel
def _equity_weights_kernel(
    f: np.ndarray, equity: np.ndarray, w: np.ndarray, w_granting: np.ndarray, w_firms: np.ndarray
) -> tuple[int, int]:
    """The weights of the firms in ``f`` granting equity and of all of them, in row order
    (the terms of :func:`equity_share`'s two sums, which numpy adds); returns the counts."""
    a = 0
    b = 0
    for i in range(f.size):  # written always, kept by the count (no branch to mispredict)
        x = w[i]
        w_firms[b] = x
        w_granting[a] = x
        b += f[i]
        a += f[i] & equity[i]
    return a, b


@jit.kernel
def _adopt_kernel(
    f: np.ndarray, equity: np.ndarray, kind: np.ndarray, soe: int, table: np.ndarray
) -> np.ndarray:
    """The adoption probability of every row: the hazard of its ownership (``table``: not
    state-owned, state-owned) for a firm without equity, 0 for the others."""
    not_soe, soe_hazard = table[0], table[1]
    p = np.empty(f.size)
    for i in range(f.size):
        p[i] = (soe_hazard if kind[i] == soe else not_soe) if f[i] and not equity[i] else 0.0
    return p


@jit.kernel
def _adopt_draws_kernel(
    f: np.ndarray, equity: np.ndarray, u: np.ndarray, kind: np.ndarray, soe: int, table: np.ndarray
) -> None:
    """Equity adoption in place from one uniform per row: a firm without equity adopts
    when its draw is below the hazard of its ownership (``table``: not state-owned,
    state-owned), as ``u < p`` of :func:`_trial_rows` with few rows decides."""
    not_soe, soe_hazard = table[0], table[1]
    for i in range(f.size):
        p = soe_hazard if kind[i] == soe else not_soe
        if u[i] < p and f[i]:  # (already granting: stays so)
            equity[i] = True


def _equity(m: EcosystemModel, f: np.ndarray) -> None:
    """Firms adopt (or drop) employee equity toward the policy's target share.

    Only the firms that can change draw: the adopting (or dropping) rows come from
    :func:`_trial_rows` over probabilities set to 0 for the others, the same independent
    trials as one uniform per row compared with the hazard."""
    o, pol, rng, dt = m.orgs, m.policy, m.rng, m.dt
    share = equity_share(m, f)
    target = pol.equity.equity_firm_share
    gap = target - share
    if abs(gap) < 1e-9:
        return
    speed = m.p.entrepreneurship.equity_adoption
    if gap > 0:
        p_rate = speed * gap / max(1.0 - share, 1e-9)
        # scope is soe_scope for state-owned firms, 1 otherwise: two hazards, looked up
        scope = np.where(_SOE_KEYS, pol.equity.soe_scope, 1.0)
        table = cast(np.ndarray, hazard(p_rate * scope, dt))
        if jit.ENABLED and o.n < _THIN_MIN_ROWS:  # _trial_rows' one uniform per row, fused
            u = rng.random(o.n)
            _adopt_draws_kernel(f, o["equity"], u, o["kind"], int(Ownership.SOE), table)
            return
        if jit.ENABLED:
            p = _adopt_kernel(f, o["equity"], o["kind"], int(Ownership.SOE), table)
        else:
            soe = (o["kind"] == Ownership.SOE).view(np.uint8)
            p = table.take(soe)
            p[~(f & ~o["equity"])] = 0.0
        o["equity"][_trial_rows(rng, p)] = True
    else:
        p_rate = speed * (-gap) / max(share, 1e-9)
        p = np.where(f & o["equity"], hazard(p_rate, dt), 0.0)
        o["equity"][_trial_rows(rng, p)] = False


#: not state-owned / state-owned, the keys of :func:`_equity`'s two hazards
_SOE_KEYS = np.array([False, True])


#: organisation rows from which :func:`_split` computes caps for candidate rows only
_SPLIT_SUBSET_MIN_ROWS = 16384


def _split(m: EcosystemModel, f: np.ndarray) -> None:
    """Split sampled firms that grew into a larger size tier (multilevel splitting): a
    group of ``w`` similar firms becomes ``k`` groups of weight ``w/k`` that then evolve
    independently, so that the large-firm tail is simulated with low weights."""
    o, pp = m.orgs, m.p.population
    emp, weight = o["emp"], o["weight"]
    if o.n >= _SPLIT_SUBSET_MIN_ROWS:
        # a firm's cap is the small-firm weight 1/scale unless it is mid-sized, large or
        # valued as large (tier_weights): only those rows, and any row heavier than
        # 1/scale, can be over their cap, so the caps are computed for them alone
        tiered = emp >= min(pp.mid_firm_employees, pp.large_firm_employees)
        tiered |= o["post_money"] >= pp.large_firm_valuation
        tiered |= weight > (1.0 / m.scale) * 1.0001
        rows = (f & tiered).nonzero()[0]
        cap = tier_weights(m, emp[rows])
        cap[o["post_money"][rows] >= pp.large_firm_valuation] = 1.0
        sel = weight[rows] > cap * 1.0001
        over, cap_over = rows[sel], cap[sel]
    else:  # few rows: selecting the candidates costs more calls than it saves
        cap = tier_weights(m, emp)
        cap[o["post_money"] >= pp.large_firm_valuation] = 1.0
        over = (f & (weight > cap * 1.0001)).nonzero()[0]
        cap_over = cap[over]
    if over.size == 0:
        return
    k = np.ceil(weight[over] / cap_over).astype(np.int64)
    new_w = weight[over] / k
    o["weight"][over] = new_w
    src = np.repeat(over, k - 1)
    if src.size == 0:
        return
    values: dict[str, Any] = {name: o[name][src] for name in o.schema if name not in ("uid",)}
    values["uid"] = -1
    new_fids(m, o.add(src.size, **values), split=True)


def youth(m: EcosystemModel) -> np.ndarray:
    """``exp(-max(age, 0) / young_age_scale)`` of every organisation: 1 at birth, falling
    with age (the extra growth and exit hazards of young firms)."""
    o, scale = m.orgs, m.p.growth.young_age_scale
    if jit.ENABLED:  # the exponent in one pass, numpy's exp over it in place
        young = _youth_arg_kernel(m.t, o["born"], scale)
        np.exp(young, out=young)
        return young
    young_: np.ndarray = np.exp(-np.maximum(m.t - o["born"], 0.0) / scale)
    return young_


@jit.kernel
def _youth_arg_kernel(t: float, born: np.ndarray, scale: float) -> np.ndarray:
    """``-np.maximum(t - born, 0.0) / scale``: the same three operations on each element
    (``np.maximum`` keeps a NaN and returns its second operand on a tie, as the comparison
    below does)."""
    out = np.empty(born.size)
    for i in range(born.size):
        age = t - born[i]
        if age <= 0.0:
            age = 0.0
        out[i] = -age / scale
    return out


def step(m: EcosystemModel) -> None:
    o = m.orgs
    f = o["active"] & ~o["is_univ"]
    young = youth(m)
    _grow(m, f, young)
    _exits(m, f, young)
    f = o["active"] & ~o["is_univ"]
    _equity(m, f)
    _split(m, f)


MECHANISM = Mechanism(
    name="firms",
    columns=COLUMNS,
    summary="growth, hiring, exits, relocation, branches, equity adoption",
    params=("growth", "relocation", "entrepreneurship", "population", "labour"),
    state=FirmsState,
    init=initialise,
    step=step,
    close_year=close_year,
)
