"""Sub-park rents, the cost of living and the regional wage (mechanisms 4, 6, 8).

Rents rise with occupancy (floor demand over floor space) and, in core parks, with the
relocation lever's rent escalation; the floor-space cap slows core floor growth. Housing
costs follow office rents; the talent housing subsidy lowers what talent pays. The wage
follows productivity and labour-market tightness. Attraction compares the real wage here
with wages in the regions talent could go to instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import jit
from sim.model.codes import Origin
from sim.model.protocol import Mechanism
from sim.model.schemas import columns

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


@dataclass
class PlacesState:
    """Regional prices: the wage index, average office rent, cost of living, attraction."""

    wage_index: float = 0.0  # regional wage index, currency/yr per employee (before premia)
    wage_index0: float = 0.0  # its start value
    rent_avg0: float = 0.0  # floor-demand weighted rent at the start, currency/m2/month
    rent_avg: float = 0.0  # the same now
    cost_of_living: float = 1.0  # relative to the start, what a non-subsidised employee faces
    attraction: float = 1.0  # real wage here relative to the regions talent could go to
    work: np.ndarray | None = None  # the employees' wage premia (compiled path), kept


#: the parks' market: rents, escalation by policy, floor space and its use
COLUMNS = {
    "parks": columns(
        {
            "rent": (np.float64, 0.0),  # currency/m2/month
            "escalation": (np.float64, 1.0),  # policy rent escalation so far (core parks)
            "capacity": (np.float64, 0.0),  # floor space, m2
            "occupancy0": (np.float64, 0.9),  # occupancy at the start
            "occupancy": (np.float64, 0.9),
        }
    )
}


def wage_premium(m: EcosystemModel) -> float:
    """Mean wage of an employee relative to the wage index (education and origin premia)."""
    tl = m.talent
    lab = m.p.labour
    # 1 + education premium * edu + foreign premium * not domestic, per employee: a look-up
    # in the table of its four values, each computed as the elementwise sum would compute it
    ep, fp = lab.education_premium, lab.foreign_premium
    table = np.array([1.0 + ep * e + fp * f for f in (0.0, 1.0) for e in (0.0, 1.0)])
    if jit.ENABLED:
        s = m.state.places
        if s.work is None or s.work.size < tl.n:
            s.work = np.empty(max(tl.n, 2 * (s.work.size if s.work is not None else 0), 1024))
        k = _premium_kernel(
            tl["active"],
            tl["employer"],
            tl["edu"],
            tl["origin"],
            int(Origin.DOMESTIC),
            table,
            s.work,
        )
        return float(s.work[:k].mean()) if k else 1.0
    act = tl["active"] & (tl["employer"] >= 0)
    code = tl["edu"].view(np.uint8) + 2 * (tl["origin"] != Origin.DOMESTIC).view(np.uint8)
    prem = table.take(code[act])
    return float(prem.mean()) if prem.size else 1.0


@jit.kernel
def _premium_kernel(
    active: np.ndarray,
    employer: np.ndarray,
    edu: np.ndarray,
    origin: np.ndarray,
    domestic: int,
    table: np.ndarray,
    out: np.ndarray,
) -> int:
    """The premia of the employees (active talent with an employer) in talent order, as
    ``table.take(code[act])`` gathers them, into the start of ``out``; returns how many."""
    k = 0
    for i in range(active.size):
        if active[i] and employer[i] >= 0:
            out[k] = table[(1 if edu[i] else 0) + (2 if origin[i] != domestic else 0)]
            k += 1
    return k


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """``np.average(values, weights=weights)`` of 1-D float arrays: the same operations (a
    weight total, then the sum of products over it), without the checks around them."""
    total = weights.sum()
    if total == 0.0:
        return float(np.average(values, weights=weights))  # numpy's error for zero weights
    return float(np.multiply(values, weights).sum() / total)


def floor_demand(m: EcosystemModel) -> np.ndarray:
    """Floor space asked for in each park (m2): the staff of its active organisations."""
    o = m.orgs
    if jit.ENABLED:
        demand = _floor_kernel(o["park"], o["weight"], o["emp"], o["active"], m.parks.n)
        return demand * m.p.production.floor_per_employee
    # ended rows weigh 0 (finite non-negative products times the 0/1 mask): they add zeros,
    # so the sums are those over the active rows, in the same order, without gathering them
    weights = o["weight"] * o["emp"]
    weights *= o["active"]
    demand = np.bincount(o["park"], weights=weights, minlength=m.parks.n)
    return demand * m.p.production.floor_per_employee


@jit.kernel
def _floor_kernel(
    park: np.ndarray, w: np.ndarray, emp: np.ndarray, active: np.ndarray, n_parks: int
) -> np.ndarray:
    """``bincount(park, weights=w * emp * active, minlength=n_parks)``: the same products,
    added in row order."""
    size = n_parks
    for i in range(park.size):
        if park[i] + 1 > size:
            size = park[i] + 1
    out = np.zeros(size)
    for i in range(park.size):
        out[park[i]] += w[i] * emp[i] * (1.0 if active[i] else 0.0)
    return out


def initialise(m: EcosystemModel) -> None:
    """Wage index from the scenario's mean wage; floor space from the start demand."""
    s = m.state.places
    # the wage index is set so that the mean wage (with premia) equals the scenario's wage
    s.wage_index = m.p.labour.wage / wage_premium(m)
    s.wage_index0 = s.wage_index
    demand = floor_demand(m)
    m.parks["capacity"] = np.maximum(demand / m.parks["occupancy0"], 1.0)
    m.parks["occupancy"] = m.parks["occupancy0"]
    s.rent_avg0 = float(np.average(m.parks["rent0"], weights=np.maximum(demand, 1e-9)))
    s.rent_avg = s.rent_avg0


def step(m: EcosystemModel) -> None:
    pk, pp, pol, dt, s = m.parks, m.p.parks, m.policy, m.dt, m.state.places
    core = pk["core"]
    growth = np.where(
        core, pp.floor_growth * (1.0 - pol.relocation.floor_space_cap), pp.floor_growth
    )
    pk["capacity"] = pk["capacity"] * np.exp(growth * dt)
    pk["escalation"] = pk["escalation"] * np.where(
        core, np.exp(pol.relocation.rent_escalation * dt), 1.0
    )
    demand = floor_demand(m)
    occ = demand / pk["capacity"]
    pk["occupancy"] = occ
    inflation = np.exp(pp.rent_inflation * (m.t - m.t0))
    rel = np.maximum(occ / pk["occupancy0"], 1e-3)
    pk["rent"] = pk["rent0"] * rel**pp.rent_elasticity * inflation * pk["escalation"]
    s.rent_avg = weighted_mean(pk["rent"], np.maximum(demand, 1e-9))

    lab = m.p.labour
    housing = lab.housing_cost_share * (s.rent_avg / s.rent_avg0) ** lab.rent_passthrough
    prices = (1.0 - lab.housing_cost_share) * np.exp(lab.price_inflation * (m.t - m.t0))
    s.cost_of_living = float(housing + prices)  # what a non-subsidised employee faces
    talent_cost = housing * (1.0 - pol.talent.housing_subsidy) + prices
    real_wage = (s.wage_index / s.wage_index0) / talent_cost
    outside = np.exp((lab.outside_wage_growth - lab.price_inflation) * (m.t - m.t0))
    s.attraction = float(real_wage / outside)

    # wages: prices, productivity pass-through and labour-market slack
    g_prod = m.state.production.prod_growth
    slack = (lab.natural_unemployment - m.state.firms.unemployed_share) / lab.natural_unemployment
    wage_growth = (
        lab.price_inflation
        + lab.wage_productivity_passthrough * g_prod
        + lab.wage_tightness * min(max(float(slack), -1.0), 1.0)  # np.clip of one number
    )
    # nominal wages are sticky downward: slack slows their growth but does not cut them
    s.wage_index *= float(np.exp(max(wage_growth, 0.0) * dt))


MECHANISM = Mechanism(
    name="places",
    columns=COLUMNS,
    summary="rents, cost of living, wages",
    params=("parks", "labour", "production"),
    state=PlacesState,
    init=initialise,
    step=step,
)
