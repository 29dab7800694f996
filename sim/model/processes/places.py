"""Sub-park rents, the cost of living and the regional wage (mechanisms 4, 6, 8).

Rents rise with occupancy (floor demand over floor space) and, in core parks, with the
relocation lever's rent escalation; the floor-space cap slows core floor growth. Housing
costs follow office rents; the talent housing subsidy lowers what talent pays. The wage
follows productivity and labour-market tightness. Attraction compares the real wage here
with wages in the regions talent could go to instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


def floor_demand(m: EcosystemModel) -> np.ndarray:
    o = m.orgs
    act = o["active"]
    demand = np.bincount(
        o["park"][act], weights=o["weight"][act] * o["emp"][act], minlength=m.parks.n
    )
    return demand * m.p.production.floor_per_employee


def initialise(m: EcosystemModel) -> None:
    demand = floor_demand(m)
    m.parks["capacity"] = np.maximum(demand / m.parks["occupancy0"], 1.0)
    m.parks["occupancy"] = m.parks["occupancy0"]
    m.rent_avg0 = float(np.average(m.parks["rent0"], weights=np.maximum(demand, 1e-9)))
    m.rent_avg = m.rent_avg0


def step(m: EcosystemModel) -> None:
    pk, pp, pol, dt = m.parks, m.p.parks, m.policy, m.dt
    if not hasattr(m, "rent_avg0"):
        initialise(m)
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
    m.rent_avg = float(np.average(pk["rent"], weights=np.maximum(demand, 1e-9)))

    lab = m.p.labour
    housing = lab.housing_cost_share * (m.rent_avg / m.rent_avg0) ** lab.rent_passthrough
    prices = (1.0 - lab.housing_cost_share) * np.exp(lab.price_inflation * (m.t - m.t0))
    m.cost_of_living = float(housing + prices)  # what a non-subsidised employee faces
    talent_cost = housing * (1.0 - pol.talent.housing_subsidy) + prices
    real_wage = (m.wage_index / m.wage_index0) / talent_cost
    outside = np.exp((lab.outside_wage_growth - lab.price_inflation) * (m.t - m.t0))
    m.attraction = float(real_wage / outside)

    # wages: prices, productivity pass-through and labour-market slack
    g_prod = getattr(m, "prod_growth", 0.0)
    slack = (lab.natural_unemployment - m.unemployed_share) / lab.natural_unemployment
    growth = (
        lab.price_inflation
        + lab.wage_productivity_passthrough * g_prod
        + lab.wage_tightness * np.clip(slack, -1.0, 1.0)
    )
    # nominal wages are sticky downward: slack slows their growth but does not cut them
    m.wage_index *= float(np.exp(max(growth, 0.0) * dt))
