"""Yearly indicators in real-world units, read from the arrays and the year's flow totals.

Stocks (employment, firms, unicorns, shares of the workforce) are read at year end; flows
(revenue, patents, VC, talent in- and outflow, relocations) are the sums over the year's
steps. Every count is weighted by what each agent stands for, so indicators do not depend on
the scale of the simulation. The names are the output contract of ``ecosim run``.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse.csgraph import connected_components

from sim.model.network import average_clustering
from sim.model.processes.funding import UNICORN_USD, update_valuations

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel

REQUIRED = (
    "employment",
    "firms_active",
    "new_tech_firms",
    "firm_deaths",
    "revenue_total",
    "value_added_total",
    "profit_total",
    "value_added_per_employee",
    "rd_spend_total",
    "rd_intensity",
    "patent_applications",
    "patents_granted",
    "invention_patents_granted",
    "invention_patents_per_10k_employees",
    "pct_applications",
    "tech_contract_value",
    "tech_contract_outside_share",
    "vc_investment_total",
    "vc_deals",
    "vc_megadeal_share",
    "vc_government_share",
    "unicorns",
    "listed_firms",
    "ipos",
    "market_cap_total",
    "firms_relocated_out",
    "branches_outside_region",
    "talent_inflow",
    "talent_outflow",
    "foreign_employees",
    "foreign_employee_share",
    "returnee_and_foreign_employees",
    "bachelor_plus_employees",
    "young_employee_share",
    "avg_wage",
    "avg_office_rent",
    "firms_revenue_over_1e8",
    "firms_revenue_over_1e9",
    "firms_revenue_over_1e10",
    "firms_revenue_over_1e11",
    "collaboration_edges",
    "network_clustering",
)

EXTRA = (
    "overseas_revenue",
    "tax_total",
    "land_output_per_km2",
    "profit_margin",
    "tech_contract_outside_value",
    "cost_of_living_index",
    "real_wage",
    "talent_outflow_rate",
    "rent_burden",
    "incubator_graduates",
    "university_research_output",
    "top_scientists",
    "international_standards_led",
    "branches_outside_stock",
    "listed_firm_market_cap_share",
    "spinoffs",
    "equity_firm_share",
    "vc_megadeals",
    "job_moves",
    "network_giant_component_share",
    "network_mean_degree",
    "core_revenue_share",
    "investor_confidence",
    "unemployed_share",
)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def collaboration_layer(m: EcosystemModel):
    """Sparse adjacency of the R&D / technology-contract layer over active organisations."""
    return m.ties.adjacency(m.orgs.n)


def giant_component_share(adj) -> float:
    """Share of the organisations with ties that sit in the largest component."""
    adj.sum_duplicates()  # canonical (a no-op for the tie store's matrix): entries are edges
    deg = np.diff(adj.indptr)
    nodes = np.flatnonzero(deg > 0)
    if nodes.size == 0:
        return 0.0
    # components of the whole graph: isolated rows are singletons, so the components of
    # rows with ties are those of the subgraph over them (without copying it out); the
    # matrix is symmetric, so its strong components are the undirected ones (and need no
    # transposed copy)
    _, labels = connected_components(adj, directed=True, connection="strong")
    return float(np.bincount(labels[nodes]).max() / nodes.size)


def _top_scientists(m: EcosystemModel) -> float:
    """Researchers above a fixed world-top bar (the tail of a lognormal productivity spread).

    Every researcher's productivity rises with research quality; the bar stays where the
    start year put it (``top_scientist_share`` clear it then), so the count grows with staff
    and, faster, with the thinning of the tail: how ranking lists of top scientists behave.
    """
    kp, o = m.p.knowledge, m.orgs
    u = o["active"] & o["is_univ"]
    staff = float(np.sum(o["weight"][u] * o["emp"][u]))
    bar = NormalDist().inv_cdf(1.0 - kp.top_scientist_share)
    shift = kp.research_quality_trend * (m.t - m.t0) / kp.research_productivity_sd
    return staff * NormalDist().cdf(shift - bar)


def _with_pre_start(m: EcosystemModel, name: str, since_start: float, years: float) -> float:
    """A cumulative count since the start plus the stock built before it, taken as ``years``
    flows of the first simulated year (fixed when that year is recorded)."""
    if not m.records:
        m.pre_start[name] = since_start * years
    return since_start + m.pre_start[name]


def record_year(m: EcosystemModel) -> dict[str, float]:
    o, tl, acc = m.orgs, m.talent, m.acc
    update_valuations(m)
    f = o["active"] & ~o["is_univ"]
    w = o["weight"]
    wf = np.where(f, w, 0.0)
    employment = float(np.sum(wf * o["emp"]))

    # workforce composition from the talent sample employed by firms
    emp_rows = tl["employer"]
    at_firm = tl["active"] & (emp_rows >= 0)
    at_firm[at_firm] = ~o["is_univ"][emp_rows[at_firm]]
    tw = tl["weight"][at_firm]
    tot = max(float(tw.sum()), 1e-9)
    origin = tl["origin"][at_firm]
    foreign_share = float(tw[origin == 2].sum()) / tot
    ret_for_share = float(tw[origin > 0].sum()) / tot
    bachelor_share = float(tw[tl["edu"][at_firm]].sum()) / tot
    young_share = float(tw[tl["age"][at_firm] < 30.0].sum()) / tot
    avg_wage = _ratio(acc["wage_bill"], acc["employee_years"])

    rev = o["rev"]
    usd = m.usd_rate
    vc_value = o["post_money"]  # valued at the last round, as unicorn lists do
    unicorn = (
        f
        & ~o["listed"]
        & o["vc_backed"]
        & (vc_value >= UNICORN_USD * usd)
        & (m.t - o["born"] <= m.p.funding.unicorn_max_age)
    )
    listed = f & o["listed"]
    # public markets price the same climate that drives venture funding, less steeply
    fp = m.p.funding
    sentiment = max(0.05, 1.0 + m.policy.shocks.funding_climate) ** fp.market_sentiment_elasticity
    listed_value = float(np.sum(w[listed] * o["valuation"][listed]))
    mcap = listed_value * fp.listing_premium * sentiment

    adj = collaboration_layer(m)
    a, b = m.ties.a[: m.ties.n], m.ties.b[: m.ties.n]
    edges = float(np.sum((w[a] + w[b]) / 2.0))
    pk = m.parks
    demand = np.bincount(o["park"][f], weights=(w * o["emp"])[f], minlength=pk.n)
    rent = float(np.average(pk["rent"], weights=np.maximum(demand, 1e-9)))
    core_rev = float(np.sum((wf * rev)[pk["core"][o["park"]]]))
    unemployed = tl["active"] & (emp_rows < 0)
    n_active_talent = max(float(tl["weight"][tl["active"]].sum()), 1e-9)
    age = m.t - o["born"]
    new_grads = f & ~o["aged3_counted"] & (age >= 3.0)
    o["aged3_counted"] = o["aged3_counted"] | new_grads
    deg = np.diff(adj.indptr).astype(np.float64)  # row sums of a canonical 0/1 matrix
    org_act = o["active"]

    rec = {
        "year": m.year,
        "employment": employment,
        "firms_active": float(wf.sum()),
        "new_tech_firms": acc["new_tech_firms"],
        "firm_deaths": acc["firm_deaths"],
        "revenue_total": acc["revenue"],
        "value_added_total": acc["value_added"],
        "profit_total": acc["profit"],
        "value_added_per_employee": _ratio(acc["value_added"], employment),
        "rd_spend_total": acc["rd_spend"],
        "rd_intensity": _ratio(acc["rd_spend"], acc["revenue"]),
        "patent_applications": acc["patent_applications"],
        "patents_granted": acc["patents_granted"],
        "invention_patents_granted": acc["invention_patents_granted"],
        "invention_patents_per_10k_employees": _ratio(
            acc["invention_patents_granted"] * 1e4, employment
        ),
        "pct_applications": acc["pct_applications"],
        "tech_contract_value": acc["tech_contract_value"],
        "tech_contract_outside_share": _ratio(
            acc["tech_contract_outside_value"], acc["tech_contract_value"]
        ),
        "vc_investment_total": acc["vc_investment"],
        "vc_deals": acc["vc_deals"],
        "vc_megadeal_share": _ratio(acc["vc_megadeal_amount"], acc["vc_investment"]),
        "vc_government_share": _ratio(acc["vc_government_amount"], acc["vc_investment"]),
        "unicorns": float(w[unicorn].sum()),
        "listed_firms": float(w[listed].sum()),
        "ipos": acc["ipos"],
        "market_cap_total": mcap,
        "firms_relocated_out": acc["firms_relocated_out"],
        "branches_outside_region": m.cum_branches,
        "talent_inflow": acc["talent_inflow"],
        "talent_outflow": acc["talent_outflow"],
        "foreign_employees": foreign_share * employment,
        "foreign_employee_share": foreign_share,
        "returnee_and_foreign_employees": ret_for_share * employment,
        "bachelor_plus_employees": bachelor_share * employment,
        "young_employee_share": young_share,
        "avg_wage": avg_wage,
        "avg_office_rent": rent,
        "firms_revenue_over_1e8": float(wf[rev >= 1e8].sum()),
        "firms_revenue_over_1e9": float(wf[rev >= 1e9].sum()),
        "firms_revenue_over_1e10": float(wf[rev >= 1e10].sum()),
        "firms_revenue_over_1e11": float(wf[rev >= 1e11].sum()),
        "collaboration_edges": edges,
        "network_clustering": average_clustering(adj, seed=m.year),
        # extras
        "overseas_revenue": acc["overseas_revenue"],
        "tax_total": acc["tax"],
        "land_output_per_km2": _ratio(acc["revenue"], float(pk["area"].sum())),
        "profit_margin": _ratio(acc["profit"], acc["revenue"]),
        "tech_contract_outside_value": acc["tech_contract_outside_value"],
        "cost_of_living_index": m.cost_of_living,
        "real_wage": avg_wage / m.cost_of_living,
        "talent_outflow_rate": _ratio(acc["talent_outflow"], employment),
        "rent_burden": _ratio(float(np.sum(wf * o["rent_bill"])), float(np.sum(wf * o["va"]))),
        "incubator_graduates": float(w[new_grads].sum()),
        "university_research_output": acc["papers"],
        "top_scientists": _top_scientists(m),
        "international_standards_led": _with_pre_start(
            m, "standards", m.cum_standards, m.p.knowledge.standards_history_years
        ),
        "branches_outside_stock": _with_pre_start(
            m, "branches", m.cum_branches, m.p.relocation.branch_history_years
        ),
        "listed_firm_market_cap_share": _ratio(listed_value, float(np.sum(wf * o["valuation"]))),
        "spinoffs": acc["spinoffs"],
        "equity_firm_share": _ratio(float(wf[o["equity"]].sum()), float(wf.sum())),
        "vc_megadeals": acc["vc_megadeal_count"],
        "job_moves": acc["job_moves"],
        "network_giant_component_share": giant_component_share(adj),
        "network_mean_degree": float(deg[org_act].mean()) if org_act.any() else 0.0,
        "core_revenue_share": _ratio(core_rev, float(np.sum(wf * rev))),
        "investor_confidence": m.confidence,
        "unemployed_share": float(tl["weight"][unemployed].sum()) / n_active_talent,
    }
    return rec
