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
from sim.model.processes.places import wage_premium, weighted_mean
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


def update_accounts(m: EcosystemModel, f: np.ndarray | None = None) -> None:
    """Revenue, value added, R&D and rent bills of every firm at the current state.

    ``f`` is the firm mask (:func:`firm_mask`) when the caller has it. Rows outside it get
    zeros: the products below are finite and non-negative, so multiplying by the 0/1 mask
    gives what ``np.where(f, x, 0.0)`` gives, in one pass and without a temporary.
    """
    o, pr = m.orgs, m.p.production
    if f is None:
        f = firm_mask(m)
    rd_trend = np.exp(pr.rd_intensity_trend * (m.t - m.t0))
    emp, rev = o["emp"], o["rev"]
    x = np.exp(o["log_prod"])
    x *= emp
    np.multiply(x, f, out=rev)
    np.multiply(rev, pr.va_share, out=o["va"])
    np.multiply(o["rd"], rd_trend, out=x)
    np.minimum(x, pr.max_rd_intensity, out=x)
    np.multiply(rev, x, out=o["rd_spend"])
    np.multiply(emp, pr.floor_per_employee, out=x)
    x *= m.parks["rent"].take(o["park"])  # take: faster than indexing with int16 rows
    x *= 12.0
    np.multiply(x, f, out=o["rent_bill"])


def applications_rate(m: EcosystemModel) -> np.ndarray:
    """Expected patent applications per year of each organisation (real, per entity)."""
    o, kp = m.orgs, m.p.knowledge
    years = min(max(m.t - m.t0, 0.0), kp.patent_trend_years)
    propensity = np.exp(kp.patent_trend * years)
    recombination = np.log1p(o["partners"])
    recombination *= kp.spillover_patent_gain
    recombination += 1.0
    base = np.where(
        o["is_univ"], kp.univ_patents_per_budget * o["budget"], kp.patents_per_rd * o["rd_spend"]
    )
    # rates are finite and non-negative: times the 0/1 activity mask is the np.where
    base *= propensity
    base *= recombination
    base *= o["active"]
    return base


def step(m: EcosystemModel) -> None:
    # Each array below is made once and, where it is not read again, updated in place; every
    # element goes through the same floating-point operations, in the same order, as the
    # plain expressions in the comments, so the results are the same numbers.
    o, pr, kp, dt, rng, pol = m.orgs, m.p.production, m.p.knowledge, m.dt, m.rng, m.policy
    s, fl = m.state.production, m.flows
    f = firm_mask(m)
    update_accounts(m, f)
    w, emp, rev, lp = o["weight"], o["emp"], o["rev"], o["log_prod"]
    gap = lp - s.mean_log_prod  # the productivity gap to the mean, read three times below
    # firms share part of their productivity lead or lag with their staff (rent sharing)
    # (normalised so that the mean wage stays the wage index: sharing only redistributes)
    # sharing = exp(rent_sharing * clip(gap, -5, 5)); staff = where(f, w * emp, 0)
    sharing = np.clip(gap, -5, 5)
    sharing *= m.p.labour.rent_sharing
    np.exp(sharing, out=sharing)
    wf = w * f  # the weight of firms, 0 elsewhere
    staff = wf * emp  # finite and non-negative: w * emp, and 0 outside the firms
    staff_total = staff.sum()
    sharing /= max(float((staff * sharing).sum()) / max(float(staff_total), 1e-9), 1e-9)
    wage = sharing
    wage *= m.state.places.wage_index * wage_premium(m)
    # profit = va - emp * wage - rent_bill + other_income_share * rev
    profit = emp * wage
    np.subtract(o["va"], profit, out=profit)
    profit -= o["rent_bill"]
    profit += pr.other_income_share * rev
    # cash = where(f, cash + profit * dt, cash)
    cash = profit * dt
    cash += o["cash"]
    np.copyto(o["cash"], cash, where=f)

    wf_rev = wf * rev
    va_total = (wf * o["va"]).sum()
    fl.revenue += float(wf_rev.sum() * dt)
    fl.value_added += float(va_total * dt)
    fl.profit += float((wf * profit).sum() * dt)
    fl.rd_spend += float((wf * o["rd_spend"]).sum() * dt)
    fl.tax += float(va_total * pr.tax_share * dt)
    # export share of a firm: min(export_share * (mult if foreign else 1), 1) * (1 - cut),
    # one of two numbers
    cut = 1.0 - pr.decoupling_export_effect * pol.shocks.decoupling
    export = pick(
        o["kind"] == Ownership.FOREIGN_INVESTED,
        min(pr.export_share * pr.foreign_firm_export_mult, 1.0) * cut,
        min(pr.export_share * 1.0, 1.0) * cut,
    )
    wf_rev *= export
    fl.overseas_revenue += float(wf_rev.sum() * dt)
    staff_f = staff[f]  # the weights of the mean productivity below
    staff *= wage  # w * f * emp * wage (w * f * emp is staff)
    fl.wage_bill += float(staff.sum() * dt)
    fl.employee_years += float(staff_total * dt)

    # productivity (log revenue per employee)
    n = o.n
    density = _park_knowledge_density(m)
    # drift = productivity_drift + macro_growth
    #   + rd_return * min(rd, max_rd_intensity) * exp(-max(gap, 0) / rd_lead_scale)
    #   + spillover_return * exposure + agglomeration * density[park] + ai - reversion(gap)
    # (R&D extends a lead ever more slowly: diminishing returns above the mean)
    lead = np.maximum(gap, 0.0)
    np.negative(lead, out=lead)
    lead /= pr.rd_lead_scale
    np.exp(lead, out=lead)
    drift = np.minimum(o["rd"], pr.max_rd_intensity)
    drift *= pr.rd_return
    drift *= lead
    drift += pr.productivity_drift + pol.shocks.macro_growth
    drift += pr.spillover_return * o["exposure"]
    spill = density.take(o["park"])
    spill *= pr.agglomeration
    drift += spill
    if pol.shocks.ai_wave != 0:
        drift += (o["sector"] == pr.ai_code) * pol.shocks.ai_wave
    else:  # the AI term is +0.0 everywhere
        drift += 0.0
    drift -= reversion(pr, gap)
    # shock = productivity_noise * sqrt(dt) * N(0, 1), damped by size
    shock = rng.standard_normal(n)
    shock *= pr.productivity_noise * np.sqrt(dt)
    if pr.noise_size_elasticity > 0:  # a large firm averages its units' shocks (Amaral 1997)
        rel = np.maximum(emp, 1.0)
        rel /= m.p.growth.noise_reference_employees
        np.log(rel, out=rel)
        rel *= -pr.noise_size_elasticity
        np.exp(rel, out=rel)
        shock *= rel
    old_mean = s.mean_log_prod
    # log_prod = where(f, log_prod + drift * dt + shock, log_prod)
    drift *= dt
    drift += lp
    drift += shock
    np.copyto(lp, drift, where=f)
    if f.any():
        log_prod_f = drift[f]
        s.mean_log_prod = weighted_mean(log_prod_f, staff_f)
        frontier = quantile(log_prod_f, pr.university_frontier)
        np.copyto(lp, frontier, where=o["is_univ"])
    s.prod_growth = (s.mean_log_prod - old_mean) / dt

    # universities: research budgets grow; their staff target follows
    u = (o["active"] & o["is_univ"]).nonzero()[0]
    budget = o["budget"]
    budget[u] *= np.exp(m.p.population.univ_budget_growth * dt)
    quality = np.exp(kp.research_quality_trend * (m.t - m.t0))
    fl.papers += float(budget[u].sum() * kp.papers_per_budget * quality * dt)

    # patents: applications now, grants from the pipeline
    lam = applications_rate(m)
    lam *= dt
    np.minimum(lam, 1e9, out=lam)
    apps = rng.poisson(lam) * w
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
    sold = np.where(
        o["is_univ"],
        cp.contract_per_univ_budget * budget * (1.0 + cp.income_share_contract_gain * income),
        cp.contract_per_rd * o["rd_spend"],
    )
    sold *= o["active"]
    sold *= w
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
    share = pr.lead_reversion_share
    if pr.productivity_reversion >= 0 and share >= 0:
        # pull * where(gap > 0, share, 1): with a non-negative rate and a share in [0, 1), the
        # pull has the gap's sign, so scaling by the share shrinks exactly the positive pulls
        # and the smaller of the two is the scaled pull for a lead and the pull for a lag
        np.minimum(pull, pull * share, out=pull)
        return pull
    pull *= pick(gap > 0, share, 1.0)
    return pull


def _park_knowledge_density(m: EcosystemModel) -> np.ndarray:
    """R&D spending per km2 of each park relative to the densest (0..1).

    Read right after :func:`update_accounts`, which gives every row outside the firms
    (ended organisations, universities) zero R&D spending: summing all rows adds only zeros
    to what the active rows sum to, in the same order, so no mask is needed.
    """
    o = m.orgs
    rd = np.bincount(o["park"], weights=o["weight"] * o["rd_spend"], minlength=m.parks.n)
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
