"""Production, productivity growth, patents and technology contracts (mechanisms 1, 7, 9).

Revenue is headcount times revenue per employee. Productivity grows with a trend, with the
firm's R&D intensity, with knowledge spillover from better partners on the collaboration
graph (catch-up, mechanism 1), in the most knowledge-dense park (agglomeration) and with
shocks. Patent applications come from R&D spending and rise with the number of partners a
firm recombines knowledge with. Technology contracts are sold by firms and universities to
local or outside buyers in proportion to local and outside demand; outside demand grows with
branches and relocated firms outside (mechanism 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.codes import Ownership
from sim.model.processes.places import wage_premium
from sim.model.protocol import Mechanism
from sim.model.schemas import columns
from sim.model.util import pick, quantile

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel
    from sim.model.params import ProductionParams


def firm_mask(m: EcosystemModel) -> np.ndarray:
    o = m.orgs
    mask: np.ndarray = o["active"] & ~o["is_univ"]
    return mask


#: what firms and universities produce, spend and know
COLUMNS = {
    "orgs": columns(
        {
            "log_prod": (np.float64, 0.0),  # log revenue per employee (knowledge level)
            "rd": (np.float64, 0.0),  # R&D intensity
            "rev": (np.float64, 0.0),  # revenue rate, currency/yr
            "va": (np.float64, 0.0),  # value added, currency/yr
            "rd_spend": (np.float64, 0.0),  # currency/yr
            "rent_bill": (np.float64, 0.0),  # currency/yr
            "cash": (np.float64, 0.0),  # currency
            "budget": (np.float64, 0.0),  # research budget of a university, currency/yr
        }
    )
}


@dataclass
class ProductionState:
    """Knowledge and patent pipeline of the region."""

    mean_log_prod: float = 0.0  # employment-weighted mean log revenue per employee of firms
    prod_growth: float = 0.0  # its growth in the last step, 1/yr
    pending_patents: float = 0.0  # applications awaiting a decision
    cum_standards: float = 0.0  # international standards led since the start
    pre_start_standards: float = 0.0  # standards led before the start (fixed in year one)


def initialise(m: EcosystemModel) -> None:
    """Accounts, mean productivity and the patent pipeline at the start."""
    s = m.state.production
    update_accounts(m)
    f = firm_mask(m)
    o = m.orgs
    w = o["weight"][f]
    s.mean_log_prod = float(np.average(o["log_prod"][f], weights=w * o["emp"][f]))
    from sim.model.processes.collaboration import update_exposure

    update_exposure(m)  # partners count toward patenting from the first step
    # patents in the pipeline: the steady state of the start year's filing rate
    s.pending_patents = applications_rate(m).sum() * m.p.knowledge.grant_lag


def close_year(m: EcosystemModel) -> None:
    """Fix the pre-start stock of standards when the first year closes: ZGC firms led
    standards long before the start, taken as ``standards_history_years`` first-year flows."""
    s = m.state.production
    if not m.records:
        s.pre_start_standards = s.cum_standards * m.p.knowledge.standards_history_years


def update_accounts(m: EcosystemModel) -> None:
    """Revenue, value added, R&D and rent bills of every firm at the current state."""
    o, pr = m.orgs, m.p.production
    f = firm_mask(m)
    rd_trend = np.exp(pr.rd_intensity_trend * (m.t - m.t0))
    o["rev"] = np.where(f, o["emp"] * np.exp(o["log_prod"]), 0.0)
    o["va"] = o["rev"] * pr.va_share
    o["rd_spend"] = o["rev"] * np.minimum(o["rd"] * rd_trend, pr.max_rd_intensity)
    rent = m.parks["rent"][o["park"]]
    o["rent_bill"] = np.where(f, o["emp"] * pr.floor_per_employee * rent * 12.0, 0.0)


def applications_rate(m: EcosystemModel) -> np.ndarray:
    """Expected patent applications per year of each organisation (real, per entity)."""
    o, kp = m.orgs, m.p.knowledge
    years = min(max(m.t - m.t0, 0.0), kp.patent_trend_years)
    propensity = np.exp(kp.patent_trend * years)
    recombination = 1.0 + kp.spillover_patent_gain * np.log1p(o["partners"])
    base = np.where(
        o["is_univ"], kp.univ_patents_per_budget * o["budget"], kp.patents_per_rd * o["rd_spend"]
    )
    return np.where(o["active"], base * propensity * recombination, 0.0)


def step(m: EcosystemModel) -> None:
    o, pr, kp, dt, rng, pol = m.orgs, m.p.production, m.p.knowledge, m.dt, m.rng, m.policy
    s, fl = m.state.production, m.flows
    update_accounts(m)
    f = firm_mask(m)
    w = o["weight"]
    # firms share part of their productivity lead or lag with their staff (rent sharing)
    # (normalised so that the mean wage stays the wage index: sharing only redistributes)
    sharing = np.exp(m.p.labour.rent_sharing * np.clip(o["log_prod"] - s.mean_log_prod, -5, 5))
    staff = np.where(f, w * o["emp"], 0.0)
    sharing /= max(float((staff * sharing).sum()) / max(float(staff.sum()), 1e-9), 1e-9)
    wage = m.state.places.wage_index * wage_premium(m) * sharing
    profit = o["va"] - o["emp"] * wage - o["rent_bill"] + pr.other_income_share * o["rev"]
    o["cash"] = np.where(f, o["cash"] + profit * dt, o["cash"])

    wf = w * f
    fl.revenue += float((wf * o["rev"]).sum() * dt)
    fl.value_added += float((wf * o["va"]).sum() * dt)
    fl.profit += float((wf * profit).sum() * dt)
    fl.rd_spend += float((wf * o["rd_spend"]).sum() * dt)
    fl.tax += float((wf * o["va"]).sum() * pr.tax_share * dt)
    foreign = o["kind"] == Ownership.FOREIGN_INVESTED
    export = pr.export_share * pick(foreign, pr.foreign_firm_export_mult, 1.0)
    export = np.minimum(export, 1.0) * (1.0 - pr.decoupling_export_effect * pol.shocks.decoupling)
    fl.overseas_revenue += float((wf * o["rev"] * export).sum() * dt)
    fl.wage_bill += float((wf * o["emp"] * wage).sum() * dt)
    fl.employee_years += float((wf * o["emp"]).sum() * dt)

    # productivity (log revenue per employee)
    n = o.n
    density = _park_knowledge_density(m)
    ai = (o["sector"] == pr.ai_code) * pol.shocks.ai_wave
    drift = (
        pr.productivity_drift
        + pol.shocks.macro_growth
        # R&D extends a lead ever more slowly (diminishing returns above the mean)
        + pr.rd_return
        * np.minimum(o["rd"], pr.max_rd_intensity)
        * np.exp(-np.maximum(o["log_prod"] - s.mean_log_prod, 0.0) / pr.rd_lead_scale)
        + pr.spillover_return * o["exposure"]
        + pr.agglomeration * density[o["park"]]
        + ai
        - reversion(pr, o["log_prod"] - s.mean_log_prod)
    )
    shock = pr.productivity_noise * np.sqrt(dt) * rng.standard_normal(n)
    if pr.noise_size_elasticity > 0:  # a large firm averages its units' shocks (Amaral 1997)
        rel = np.log(np.maximum(o["emp"], 1.0) / m.p.growth.noise_reference_employees)
        shock = shock * np.exp(-pr.noise_size_elasticity * rel)
    old_mean = s.mean_log_prod
    o["log_prod"] = np.where(f, o["log_prod"] + drift * dt + shock, o["log_prod"])
    if f.any():
        log_prod_f = o["log_prod"][f]
        s.mean_log_prod = float(np.average(log_prod_f, weights=(w * o["emp"])[f]))
        frontier = quantile(log_prod_f, pr.university_frontier)
        o["log_prod"] = np.where(o["is_univ"], frontier, o["log_prod"])
    s.prod_growth = (s.mean_log_prod - old_mean) / dt

    # universities: research budgets grow; their staff target follows
    u = o["active"] & o["is_univ"]
    o["budget"] = np.where(
        u, o["budget"] * np.exp(m.p.population.univ_budget_growth * dt), o["budget"]
    )
    quality = np.exp(kp.research_quality_trend * (m.t - m.t0))
    fl.papers += float(o["budget"][u].sum() * kp.papers_per_budget * quality * dt)

    # patents: applications now, grants from the pipeline
    lam = applications_rate(m) * dt
    apps = rng.poisson(np.minimum(lam, 1e9)) * w
    total_apps = float(apps.sum())
    # firms file abroad more and shift towards invention patents as they mature
    years = m.t - m.t0
    pct_share = min(kp.pct_share * np.exp(kp.pct_share_trend * years), 1.0)
    pct = total_apps * pct_share * (1.0 - kp.decoupling_pct_effect * pol.shocks.decoupling)
    decided = s.pending_patents * -np.expm1(-dt / kp.grant_lag)
    s.pending_patents += total_apps - decided
    granted = decided * kp.grant_rate
    invention_share = min(kp.invention_share * np.exp(kp.invention_share_trend * years), 1.0)
    fl.patent_applications += total_apps
    fl.pct_applications += pct
    fl.patents_granted += granted
    fl.invention_patents_granted += granted * invention_share
    # international standards: led by the firms large enough to sit on standard bodies,
    # in proportion to their patenting (the technology they bring to the table)
    leaders = f & (o["rev"] >= kp.standards_leader_revenue_usd * m.usd_rate)
    s.cum_standards += float(apps[leaders].sum()) * kp.standards_per_application

    # technology contracts: firm and university sellers; local or outside buyers
    cp = m.p.collaboration
    income = pol.equity.researcher_income_share
    sold = (
        np.where(
            o["is_univ"],
            cp.contract_per_univ_budget
            * o["budget"]
            * (1.0 + cp.income_share_contract_gain * income),
            cp.contract_per_rd * o["rd_spend"],
        )
        * o["active"]
        * w
    )
    value = float(sold.sum()) * dt
    outside_pull = cp.outside_demand * (
        1.0
        + cp.branch_demand_gain
        * (m.state.firms.cum_branches + m.state.firms.cum_relocated)
        / 1000.0
    )
    outside_share = outside_pull / (1.0 + outside_pull)
    fl.tech_contract_value += value
    fl.tech_contract_outside_value += value * outside_share


def reversion(pr: ProductionParams, gap: np.ndarray) -> np.ndarray:
    """Pull of a firm's productivity toward the mean: competition erodes lags fully and leads
    by ``lead_reversion_share`` (below 1, leaders keep part of their lead: scale economies,
    network effects and market power keep the largest firms large rather than thinning
    them back toward the mean; Axtell 2001)."""
    pull: np.ndarray = pr.productivity_reversion * gap
    if pr.lead_reversion_share >= 1.0:
        return pull
    scaled: np.ndarray = pull * np.where(gap > 0, pr.lead_reversion_share, 1.0)
    return scaled


def _park_knowledge_density(m: EcosystemModel) -> np.ndarray:
    """R&D spending per km2 of each park relative to the densest (0..1)."""
    o = m.orgs
    act = o["active"]
    rd = np.bincount(
        o["park"][act], weights=(o["weight"] * o["rd_spend"])[act], minlength=m.parks.n
    )
    dens = rd / m.parks["area"]
    top = dens.max()
    density: np.ndarray = dens / top if top > 0 else dens
    return density


MECHANISM = Mechanism(
    name="production",
    columns=COLUMNS,
    summary="revenue, value added, profit, productivity, patents, technology contracts",
    params=("production", "knowledge", "labour", "collaboration", "population"),
    state=ProductionState,
    init=initialise,
    step=step,
    close_year=close_year,
)
