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

from sim.model import jit
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


def departure_hazard(m: EcosystemModel) -> np.ndarray:
    """Chance of each talent row leaving the region within the step.

    The yearly rate is the origin's exit rate, times (1 - residence facilitation) for
    returnees and foreigners, times attraction^-elasticity, times (1 - equity retention) at
    an employer granting equity, times the multiplier for people between jobs. It depends
    only on origin (3 codes), equity and being employed, so it is computed on the 12
    combinations, with the per-person operations in the same order, and looked up: the same
    numbers as the per-person formula, for a fraction of the work.
    """
    tl, lab, pol, dt = m.talent, m.p.labour, m.policy, m.dt
    origin = _DEP_ORIGIN
    base = np.array([lab.exit_domestic, lab.exit_returnee, lab.exit_foreign], np.float64)[origin]
    base = base * pick(origin != Origin.DOMESTIC, 1.0 - pol.talent.residence_facilitation, 1.0)
    base = base * m.state.places.attraction ** (-lab.exit_cost_elasticity)
    base = base * pick(_DEP_EQUITY, 1.0 - lab.equity_retention, 1.0)
    base = base * np.where(_DEP_EMPLOYED, 1.0, lab.unemployed_exit_mult)
    table = cast(np.ndarray, hazard(base, dt))
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


def _departures(m: EcosystemModel) -> None:
    tl, lab, rng = m.talent, m.p.labour, m.rng
    act = tl["active"]
    leave = act & (rng.random(tl.n) < departure_hazard(m))
    retire = act & ~leave & (tl["age"] >= lab.retirement_age)
    out = leave | retire
    m.flows.talent_outflow += float(tl["weight"].take(leave.nonzero()[0]).sum())
    np.logical_and(act, ~out, out=act)  # act is the column itself


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
    if firms is None:
        firms = o["active"] & ~o["is_univ"]
    if jit.ENABLED:
        return float(employment_terms(firms, o["weight"], o["emp"]).sum())
    rows = firms.nonzero()[0]
    return float((o["weight"].take(rows) * o["emp"].take(rows)).sum())


@jit.kernel
def employment_terms(firms: np.ndarray, w: np.ndarray, emp: np.ndarray) -> np.ndarray:
    """``w[rows] * emp[rows]`` over the rows marked in ``firms``, in row order, in one pass:
    the terms :func:`firm_employment` sums (numpy sums them, pairwise, as before)."""
    terms = np.empty(int(np.count_nonzero(firms)))
    j = 0
    for i in range(firms.size):
        if firms[i]:
            terms[j] = w[i] * emp[i]
            j += 1
    return terms


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


def job_move_hazard(m: EcosystemModel, idx: np.ndarray) -> np.ndarray:
    """Chance of each employed talent row ``idx`` changing jobs within the step.

    The yearly rate is the job mobility, times (1 - equity retention) at an employer granting
    equity, times the researcher mobility at a university: four combinations, computed with
    the per-person operations in the same order (key 2q + u) and looked up.
    """
    o, lab, pol = m.orgs, m.p.labour, m.policy
    rate = lab.job_mobility * pick(_MOVE_EQUITY, 1.0 - lab.equity_retention, 1.0)
    rate = rate * np.where(_MOVE_UNIV, pol.talent.researcher_mobility, 1.0)
    table = cast(np.ndarray, hazard(rate, m.dt))
    org_key = np.left_shift(o["equity"].view(np.uint8), 1)
    org_key += o["is_univ"].view(np.uint8)
    p: np.ndarray = table.take(org_key.take(m.talent["employer"].take(idx)))
    return p


def _job_moves(m: EcosystemModel) -> None:
    tl, o, rng = m.talent, m.orgs, m.rng
    emp = tl["employer"]
    employed = tl["active"] & (emp >= 0)
    idx = employed.nonzero()[0]
    if idx.size == 0:
        return
    movers = idx[rng.random(idx.size) < job_move_hazard(m, idx)]
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
