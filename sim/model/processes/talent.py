"""Talent departures, arrivals, graduates, job moves and ageing (mechanisms 1 and 6).

Departure hazards depend on origin, on the cost of living relative to the wage (through the
attraction index), on holding equity (retention) and, for returnees and foreigners, on
residence facilitation. Domestic migrants arrive to fill unmet labour demand; returnees and
foreigners arrive in proportion to employment, attraction and the talent-reform lever, less
any technology decoupling; universities send graduates into the labour market. Job moves
carry knowledge to the new employer (closing part of the gap in proportion to the mover's
share of its workforce) and leave an alumni tie to the old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from sim.model import jit, sampling
from sim.model.codes import Origin
from sim.model.protocol import Mechanism
from sim.model.schemas import columns
from sim.model.util import choose, hazard, pick, stochastic_round

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


#: where people work and have worked, and their age
COLUMNS = {
    "talent": columns(
        {
            "employer": (np.int64, -1, "orgs"),  # org row, -1 between jobs
            "alumni": (np.int64, -1, "orgs"),  # org row of the last former employer, -1 none
            "age": (np.float64, 30.0),
        }
    )
}


#: the 12 (origin, equity, employed) combinations of :func:`_departures`, key 4o + 2q + e
_DEP_ORIGIN = np.repeat(np.arange(3, dtype=np.int8), 4)
_DEP_EQUITY = np.tile(np.array([False, False, True, True]), 3)
_DEP_EMPLOYED = np.tile(np.array([False, True, False, True]), 3)


def departure_table(m: EcosystemModel) -> np.ndarray:
    """The hazard of :func:`departure_hazard` for each of the 12 (origin, equity, employed)
    combinations, key 4 x origin + 2 x equity + employed."""
    lab, pol = m.p.labour, m.policy
    origin = _DEP_ORIGIN
    base = np.array([lab.exit_domestic, lab.exit_returnee, lab.exit_foreign], np.float64)[origin]
    base = base * pick(origin != Origin.DOMESTIC, 1.0 - pol.talent.residence_facilitation, 1.0)
    base = base * m.state.places.attraction ** (-lab.exit_cost_elasticity)
    base = base * pick(_DEP_EQUITY, 1.0 - lab.equity_retention, 1.0)
    base = base * np.where(_DEP_EMPLOYED, 1.0, lab.unemployed_exit_mult)
    return cast(np.ndarray, hazard(base, m.dt))


def departure_hazard(m: EcosystemModel) -> np.ndarray:
    """Chance of each talent row leaving the region within the step.

    The yearly rate is the origin's exit rate, times (1 - residence facilitation) for
    returnees and foreigners, times attraction^-elasticity, times (1 - equity retention) at
    an employer granting equity, times the multiplier for people between jobs. It depends
    only on origin (3 codes), equity and being employed, so it is computed on the 12
    combinations, with the per-person operations in the same order, and looked up: the same
    numbers as the per-person formula, for a fraction of the work.
    """
    tl = m.talent
    table = departure_table(m)
    # per organisation row: 2 * equity + 1 (employed); the extra last entry, 0, is what
    # employer -1 (between jobs) reads
    n_o = m.orgs.n
    org_key = np.zeros(n_o + 1, np.uint8)
    np.left_shift(m.orgs["equity"].view(np.uint8), 1, out=org_key[:n_o])
    org_key[:n_o] += 1
    key = org_key.take(tl["employer"])
    key += np.left_shift(tl["origin"].view(np.uint8), 2)
    p: np.ndarray = table.take(key)
    return p


#: largest candidate probability for which thinning beats one uniform per row here. Above the
#: shared sampler's 0.1: thinning also skips the per-row look-up of the hazard, and measured on
#: departures at the default scale it stays cheaper up to about 0.3
THIN_MAX_P = 0.25
#: fewest rows for which thinning pays its fixed cost (a few numpy calls, about 25 us), as
#: measured: slower at 1,300 rows (scale 0.01), faster by about 3.6 ns a row at 75,000
THIN_MIN_ROWS = 8192


def _thinning_bound(table: np.ndarray, n: int) -> float:
    """The candidate probability for ``n`` rows' hazards looked up in ``table``: its largest
    entry when small and the rows many, else 1 (every row a candidate: one uniform per row,
    the plain trial). It depends only on the inputs: the same state draws the same way."""
    q = float(table.max())
    return q if q <= THIN_MAX_P and n >= THIN_MIN_ROWS else 1.0  # NaN: every row


def _trial_rows(rng: np.random.Generator, q: float, n: int) -> np.ndarray:
    """Rows (ascending) among ``0..n-1`` where independent trials of probability ``q`` succeed.

    The gap to the next success is geometric: ``ceil(E / -log1p(-q))`` with ``E`` standard
    exponential has ``P(gap > k) = P(E > k * -log1p(-q)) = (1 - q)^k`` (numpy's own
    ``geometric`` computes it so for ``q < 1/3``, one draw at a time, about 4 times slower):
    :func:`sampling.geometric_positions`. ``q >= 1`` makes every row a candidate."""
    if q >= 1.0:
        return np.arange(n)
    if not q > 0.0 or n == 0:
        return np.zeros(0, np.intp)
    rows: np.ndarray = sampling.geometric_positions(rng, q, n)
    return rows


def _departures(m: EcosystemModel) -> None:
    """People leave the region with the hazard of :func:`departure_hazard`, else retire at the
    retirement age; both end the row (in place in ``active``).

    Leaving is one independent trial per active row. It is drawn by thinning: candidate rows
    are trials at ``q``, the table's largest hazard (:func:`_trial_rows`), and a candidate
    leaves when its uniform ``u`` has ``u * q < p``, its own hazard (chance ``p / q``): each
    row leaves with chance ``q * p / q = p``, independently, the law of one uniform per row,
    with draws for about ``q * n`` rows only. Ended rows never leave (as before). Both paths
    draw the same candidates and uniforms and compare them with the same table entries."""
    tl, lab, rng = m.talent, m.p.labour, m.rng
    act = tl["active"]
    table = departure_table(m)
    q = _thinning_bound(table, tl.n)
    cand = _trial_rows(rng, q, tl.n)
    u = rng.random(cand.size)
    if jit.ENABLED and q == 1.0:  # every row a candidate: one pass, row i has u[i]
        w_leave = np.empty(tl.n)
        k = _departures_kernel(
            act, tl["employer"], m.orgs["equity"], tl["origin"], tl["age"],
            float(lab.retirement_age), table, u, tl["weight"], w_leave,
        )  # fmt: skip
        m.flows.talent_outflow += float(w_leave[:k].sum())
        return
    if jit.ENABLED:
        w_leave = np.empty(cand.size)
        k = _leavers_kernel(
            cand, u, q, act, tl["employer"], m.orgs["equity"], tl["origin"], table,
            tl["weight"], w_leave,
        )  # fmt: skip
        m.flows.talent_outflow += float(w_leave[:k].sum())
        _retire_kernel(act, tl["age"], float(lab.retirement_age))
        return
    leave = cand[act.take(cand) & (u * q < departure_hazard(m).take(cand))]
    m.flows.talent_outflow += float(tl["weight"].take(leave).sum())
    act[leave] = False  # act is the column itself
    np.logical_and(act, ~(tl["age"] >= lab.retirement_age), out=act)


@jit.kernel
def _departures_kernel(
    active: np.ndarray,
    employer: np.ndarray,
    equity: np.ndarray,
    origin: np.ndarray,
    age: np.ndarray,
    retirement_age: float,
    table: np.ndarray,
    u: np.ndarray,
    weight: np.ndarray,
    w_leave: np.ndarray,
) -> int:
    """:func:`_departures` with every row a candidate, in one pass: each active person leaves
    when ``u[i]`` (``u[i] * 1.0``, the same number) is below the hazard of their key, else
    retires at the retirement age; both end the row. The leavers' weights go into
    ``w_leave`` (row order, for numpy's sum); returns their number."""
    k = 0
    for i in range(active.size):
        if not active[i]:
            continue
        e = employer[i]
        key = 4 * origin[i]
        if e >= 0:
            key += 3 if equity[e] else 1
        if u[i] < table[key]:
            w_leave[k] = weight[i]
            k += 1
            active[i] = False
        elif age[i] >= retirement_age:
            active[i] = False
    return k


@jit.kernel
def _leavers_kernel(
    cand: np.ndarray,
    u: np.ndarray,
    q: float,
    active: np.ndarray,
    employer: np.ndarray,
    equity: np.ndarray,
    origin: np.ndarray,
    table: np.ndarray,
    weight: np.ndarray,
    w_leave: np.ndarray,
) -> int:
    """The candidates of :func:`_departures` that leave: active, with ``u * q`` below the
    hazard of their key (4 x origin + 2 x equity at the employer + employed,
    :func:`departure_hazard`). Ends their rows; their weights go into ``w_leave`` (row order,
    for numpy's sum); returns their number."""
    k = 0
    for j in range(cand.size):
        i = cand[j]
        if not active[i]:
            continue
        e = employer[i]
        key = 4 * origin[i]
        if e >= 0:
            key += 3 if equity[e] else 1
        if u[j] * q < table[key]:
            w_leave[k] = weight[i]
            k += 1
            active[i] = False
    return k


@jit.kernel
def _retire_kernel(active: np.ndarray, age: np.ndarray, retirement_age: float) -> None:
    """End the rows of active people at the retirement age."""
    for i in range(active.size):
        if active[i] and age[i] >= retirement_age:
            active[i] = False


def _arrive(
    m: EcosystemModel,
    people: float,
    origin: Origin,
    bachelor_share: float,
    age_mean: float,
    age_sd: float,
) -> None:
    rng = m.rng
    k = stochastic_round(people / m.talent_weight, rng)
    if k <= 0:
        return
    m.talent.add(
        k,
        active=True,
        weight=m.talent_weight,
        origin=origin,
        edu=rng.random(k) < bachelor_share,
        age=np.clip(rng.normal(age_mean, age_sd, k), 18, m.p.labour.retirement_age - 1),
    )
    m.flows.talent_inflow += k * m.talent_weight


def firm_employment(m: EcosystemModel, firms: np.ndarray | None = None) -> float:
    """Persons employed by active firms (universities aside): the sum of weight x headcount
    over firm rows, in row order. ``firms``:
    the active-firm mask, when the caller has it."""
    o = m.orgs
    if jit.ENABLED:
        terms = np.empty(o.n)
        if firms is None:  # the mask is read row by row, never built
            k = _unmasked_employment_terms(o["active"], o["is_univ"], o["weight"], o["emp"], terms)
        else:
            k = employment_terms(firms, o["weight"], o["emp"], terms)
        return float(terms[:k].sum())
    if firms is None:
        firms = o["active"] & ~o["is_univ"]
    rows = firms.nonzero()[0]
    return float((o["weight"].take(rows) * o["emp"].take(rows)).sum())


@jit.kernel
def employment_terms(firms: np.ndarray, w: np.ndarray, emp: np.ndarray, terms: np.ndarray) -> int:
    """``w[rows] * emp[rows]`` over the rows marked in ``firms``, in row order, into ``terms``
    in one pass; returns their number: the terms :func:`firm_employment` sums (numpy sums
    them, pairwise, as before)."""
    k = 0
    for i in range(firms.size):  # written always, kept by the count (no branch)
        terms[k] = w[i] * emp[i]
        k += firms[i]
    return k


@jit.kernel
def _unmasked_employment_terms(
    active: np.ndarray, is_univ: np.ndarray, w: np.ndarray, emp: np.ndarray, terms: np.ndarray
) -> int:
    """:func:`employment_terms` of the active firms (universities aside), without the mask."""
    k = 0
    for i in range(active.size):  # written always, kept by the count (no branch)
        terms[k] = w[i] * emp[i]
        k += active[i] & (not is_univ[i])
    return k


def pool_room(m: EcosystemModel, employment: float | None = None) -> float:
    """Share of new labour demand the city can still staff under its population cap.

    Beijing's master plan (2016-2035) caps the city's residents at 23 million, enforced by
    residence permits, school places and housing, so the zone's firms draw on a bounded
    labour pool (``labour_pool_cap``, the part of the capped labour force they can employ).
    The room left is 1 - (employment / cap)^steepness (1 with no cap): it scales migrants'
    arrivals, firms' hiring and the staff new firms start with, so employment approaches the
    cap smoothly and wages (through tightness) rise on the way.

    ``employment``: the firms' employment (:func:`firm_employment`) when the caller already
    has it (the sum over all firms is the costly part).
    """
    lab = m.p.labour
    if lab.labour_pool_cap <= 0:
        return 1.0
    if employment is None:
        employment = firm_employment(m)
    return max(0.0, 1.0 - float((employment / lab.labour_pool_cap) ** lab.pool_cap_steepness))


def _arrivals(m: EcosystemModel) -> None:
    lab, pol, dt = m.p.labour, m.policy, m.dt
    o = m.orgs
    employment = firm_employment(m)
    pull = m.state.places.attraction**lab.arrival_attraction_elasticity
    decouple = pol.shocks.decoupling
    fa = pol.talent.foreign_attraction
    sd = lab.arrival_age_sd
    domestic = lab.vacancy_fill * m.state.firms.unmet_demand * dt * pull * pool_room(m, employment)
    _arrive(m, domestic, Origin.DOMESTIC, lab.migrant_bachelor_share, lab.arrival_age, sd)
    returnees = (
        lab.returnee_arrival
        * employment
        * pull
        * fa
        * (1 - lab.decoupling_returnee_effect * decouple)
        * dt
    )
    _arrive(m, returnees, Origin.RETURNEE, lab.returnee_bachelor_share, lab.arrival_age, sd)
    foreign = lab.foreign_arrival * employment * pull * fa * (1 - decouple) * dt
    _arrive(m, foreign, Origin.FOREIGN, lab.foreign_bachelor_share, lab.arrival_age, sd)
    u = o["active"] & o["is_univ"]
    graduates = lab.graduates_per_researcher * float(o["emp"][u].sum()) * dt
    _arrive(m, graduates, Origin.DOMESTIC, 1.0, lab.graduate_age, sd / 2)


#: the 4 (equity, university) combinations of :func:`_job_moves`, key 2q + u
_MOVE_EQUITY = np.array([False, False, True, True])
_MOVE_UNIV = np.array([False, True, False, True])


def job_move_table(m: EcosystemModel) -> np.ndarray:
    """The hazard of :func:`job_move_hazard` for each (equity, university) combination,
    key 2 x equity + university."""
    lab, pol = m.p.labour, m.policy
    rate = lab.job_mobility * pick(_MOVE_EQUITY, 1.0 - lab.equity_retention, 1.0)
    rate = rate * np.where(_MOVE_UNIV, pol.talent.researcher_mobility, 1.0)
    return cast(np.ndarray, hazard(rate, m.dt))


def job_move_hazard(m: EcosystemModel, idx: np.ndarray) -> np.ndarray:
    """Chance of each employed talent row ``idx`` changing jobs within the step.

    The yearly rate is the job mobility, times (1 - equity retention) at an employer granting
    equity, times the researcher mobility at a university: four combinations, computed with
    the per-person operations in the same order (key 2q + u) and looked up.
    """
    o = m.orgs
    table = job_move_table(m)
    org_key = np.left_shift(o["equity"].view(np.uint8), 1)
    org_key += o["is_univ"].view(np.uint8)
    p: np.ndarray = table.take(org_key.take(m.talent["employer"].take(idx)))
    return p


def _job_moves(m: EcosystemModel) -> None:
    if jit.ENABLED:
        _job_moves_compiled(m)
        return
    tl, o, rng = m.talent, m.orgs, m.rng
    emp = tl["employer"]
    movers = _draw_movers(m)
    if movers.size == 0:
        return
    f = (o["active"] & ~o["is_univ"]).nonzero()[0]
    rel = np.clip(o["log_prod"].take(f) - m.state.production.mean_log_prod, -3, 3)
    attract = o["weight"].take(f) * o["emp"].take(f) * np.exp(rel)
    dest = choose(rng, f, attract, movers.size)
    old = emp[movers]
    keep = dest != old
    movers, old, dest = movers[keep], old[keep], dest[keep]
    tl["alumni"][movers] = old
    tl["employer"][movers] = dest
    # knowledge carried to the new employer, in proportion to the mover's workforce share
    share = np.minimum(1.0, m.talent_weight / np.maximum(o["weight"][dest] * o["emp"][dest], 1.0))
    gap = np.maximum(o["log_prod"][old] - o["log_prod"][dest], 0.0)
    gain = m.p.knowledge.mobility_transfer * share * gap
    # several movers into one firm do not stack: the firm takes the largest single gain
    np.maximum.at(o["log_prod"], dest, o["log_prod"][dest] + gain)
    m.flows.job_moves += float(tl["weight"][movers].sum())


def _job_moves_compiled(m: EcosystemModel) -> None:
    """:func:`_job_moves` as compiled passes, ``exp`` left to numpy, the same draws in the
    same order (the destination draw is ``choose``'s, on the same weights), numpy's sum."""
    tl, o, rng = m.talent, m.orgs, m.rng
    movers = _draw_movers(m)
    km = movers.size
    if km == 0:
        return
    f, rel, mass = np.empty(o.n, np.int64), np.empty(o.n), np.empty(o.n)
    mean = float(m.state.production.mean_log_prod)
    nf = _attraction_kernel(
        o["active"], o["is_univ"], o["log_prod"], mean, o["weight"], o["emp"], f, rel, mass
    )
    f, rel, mass = f[:nf], rel[:nf], mass[:nf]
    np.exp(rel, out=rel)
    np.multiply(mass, rel, out=mass)  # weight x headcount x exp(rel), as numpy multiplies
    dest = choose(rng, f, mass, km)
    w_moved = np.empty(km)
    n_moved = _move_kernel(
        movers,
        dest,
        tl["employer"],
        tl["alumni"],
        o["weight"],
        o["emp"],
        o["log_prod"],
        float(m.talent_weight),
        float(m.p.knowledge.mobility_transfer),
        tl["weight"],
        w_moved,
        np.empty(km),
    )
    m.flows.job_moves += float(w_moved[:n_moved].sum())


def _draw_movers(m: EcosystemModel) -> np.ndarray:
    """The employed people (rows, ascending) who change jobs in the step.

    Moving is one independent trial per employed person at :func:`job_move_hazard`. It is
    drawn by thinning, as :func:`_departures` draws leaving: candidate rows are trials at
    ``q``, the table's largest hazard, and an employed candidate moves when ``u * q`` is below
    its own hazard (chance ``p / q``): each employed person moves with chance ``p``,
    independently, the law of one uniform per person; everyone else never moves. Both paths
    draw the same candidates and uniforms and compare them with the same table entries."""
    tl, o, rng = m.talent, m.orgs, m.rng
    table = job_move_table(m)
    q = _thinning_bound(table, tl.n)
    cand = _trial_rows(rng, q, tl.n)
    u = rng.random(cand.size)
    if jit.ENABLED:
        out = np.empty(cand.size, np.int64)
        k = _movers_kernel(
            cand, u, q, tl["active"], tl["employer"], o["equity"], o["is_univ"], table, out
        )
        return out[:k]
    ok = tl["active"].take(cand) & (tl["employer"].take(cand) >= 0)
    cand, u = cand[ok], u[ok]
    movers: np.ndarray = cand[u * q < job_move_hazard(m, cand)]
    return movers


@jit.kernel
def _movers_kernel(
    cand: np.ndarray,
    u: np.ndarray,
    q: float,
    active: np.ndarray,
    employer: np.ndarray,
    equity: np.ndarray,
    is_univ: np.ndarray,
    table: np.ndarray,
    movers: np.ndarray,
) -> int:
    """The candidates of :func:`_draw_movers` who move: active, employed, with ``u * q`` below
    the hazard of their key (2 x equity + university at the employer,
    :func:`job_move_hazard`), into ``movers``; returns their number."""
    k = 0
    for j in range(cand.size):
        i = cand[j]
        e = employer[i]
        if not (active[i] and e >= 0):
            continue
        if u[j] * q < table[(2 if equity[e] else 0) + (1 if is_univ[e] else 0)]:
            movers[k] = i
            k += 1
    return k


@jit.kernel
def _attraction_kernel(
    active: np.ndarray,
    is_univ: np.ndarray,
    log_prod: np.ndarray,
    mean_log_prod: float,
    w: np.ndarray,
    emp: np.ndarray,
    f: np.ndarray,
    rel: np.ndarray,
    mass: np.ndarray,
) -> int:
    """Active firm rows into ``f`` with ``clip(log_prod - mean, -3, 3)`` (before numpy's
    ``exp``) and weight x headcount; returns their number. ``np.clip`` keeps NaN and -0.0:
    the comparisons are false for NaN and -0.0 is inside the bounds."""
    k = 0
    for i in range(active.size):
        if active[i] and not is_univ[i]:
            r = log_prod[i] - mean_log_prod
            if r < -3.0:
                r = -3.0
            elif r > 3.0:
                r = 3.0
            f[k] = i
            rel[k] = r
            mass[k] = w[i] * emp[i]
            k += 1
    return k


@jit.kernel
def _move_kernel(
    movers: np.ndarray,
    dest: np.ndarray,
    employer: np.ndarray,
    alumni: np.ndarray,
    w: np.ndarray,
    emp: np.ndarray,
    log_prod: np.ndarray,
    talent_weight: float,
    transfer: float,
    t_weight: np.ndarray,
    w_moved: np.ndarray,
    gain: np.ndarray,
) -> int:
    """The moves to a new employer (movers drawn to their own employer stay): alumni tie,
    employer, and the knowledge carried, ``log_prod[dest] + transfer * share * gap`` with
    every ``log_prod`` read before any is raised (numpy gathers first), then raised to the
    largest value per firm in mover order (``np.maximum.at``: the old value unless it is
    above the new one or NaN). The movers' weights go into ``w_moved`` (for numpy's sum);
    returns their number. ``np.maximum``/``np.minimum`` give their second argument on ties
    and NaN of the first: the comparisons below repeat that."""
    k = 0
    for j in range(movers.size):
        r = movers[j]
        old = employer[r]
        d = dest[j]
        if d == old:
            continue
        x = w[d] * emp[d]
        share = talent_weight / (1.0 if x <= 1.0 else x)
        share = 1.0 if share > 1.0 else share
        gap = log_prod[old] - log_prod[d]
        gap = 0.0 if gap <= 0.0 else gap
        gain[k] = log_prod[d] + transfer * share * gap
        movers[k] = r
        dest[k] = d
        w_moved[k] = t_weight[r]
        k += 1
    for j in range(k):
        r = movers[j]
        d = dest[j]
        alumni[r] = employer[r]
        employer[r] = d
        cur = log_prod[d]
        v = gain[j]
        if not (cur > v or cur != cur):
            log_prod[d] = v
    return k


def step(m: EcosystemModel) -> None:
    _departures(m)
    _arrivals(m)
    _job_moves(m)
    tl = m.talent
    np.add(tl["age"], m.dt, out=tl["age"])


@dataclass
class TalentState:
    """Talent keeps no scalar state: people are rows of the talent population."""


MECHANISM = Mechanism(
    name="talent",
    columns=COLUMNS,
    summary="departures, arrivals, graduates, job moves, ageing",
    params=("labour", "knowledge"),
    state=TalentState,
    step=step,
)
