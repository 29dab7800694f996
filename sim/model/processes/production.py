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

from sim.model import jit, sampling, sfc64
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
    # work rows of the compiled step (see _work), kept between steps
    work: np.ndarray | None = None


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


def update_accounts(
    m: EcosystemModel, f: np.ndarray | None = None, x: np.ndarray | None = None
) -> None:
    """Revenue, value added, R&D and rent bills of every firm at the current state.

    ``f`` is the firm mask (:func:`firm_mask`) when the caller has it; ``x`` a work array of
    the organisations' count (the compiled step's). Rows outside the firms get
    zeros: the products below are finite and non-negative, so multiplying by the 0/1 mask
    gives what ``np.where(f, x, 0.0)`` gives, in one pass and without a temporary.
    """
    o, pr = m.orgs, m.p.production
    if f is None:
        f = firm_mask(m)
    rd_trend = np.exp(pr.rd_intensity_trend * (m.t - m.t0))
    emp, rev = o["emp"], o["rev"]
    x = np.exp(o["log_prod"], out=x)
    if jit.ENABLED:
        _accounts_kernel(
            x,
            emp,
            f,
            o["rd"],
            o["park"],
            m.parks["rent"],
            float(rd_trend),
            pr.va_share,
            pr.max_rd_intensity,
            pr.floor_per_employee,
            rev,
            o["va"],
            o["rd_spend"],
            o["rent_bill"],
        )
        return
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


@jit.kernel
def _accounts_kernel(
    x: np.ndarray,
    emp: np.ndarray,
    f: np.ndarray,
    rd: np.ndarray,
    park: np.ndarray,
    rent: np.ndarray,
    rd_trend: float,
    va_share: float,
    max_rd: float,
    floor_per_employee: float,
    rev: np.ndarray,
    va: np.ndarray,
    rd_spend: np.ndarray,
    rent_bill: np.ndarray,
) -> None:
    """The numpy path of :func:`update_accounts` after ``x = exp(log_prod)``, one pass.

    Each product is formed in the numpy path's order; the 0/1 mask is a multiplication by
    1.0 or 0.0, as numpy multiplies by the boolean array. ``np.minimum(k, max_rd)`` returns
    its second operand on a tie and keeps a NaN first operand: so does the comparison below.
    """
    for i in range(x.size):
        fi = 1.0 if f[i] else 0.0
        r = x[i] * emp[i]
        r = r * fi
        rev[i] = r
        va[i] = r * va_share
        k = rd[i] * rd_trend
        if max_rd <= k:
            k = max_rd
        rd_spend[i] = r * k
        b = emp[i] * floor_per_employee
        b = b * rent[park[i]]
        b = b * 12.0
        rent_bill[i] = b * fi


def applications_rate(m: EcosystemModel) -> np.ndarray:
    """Expected patent applications per year of each organisation (real, per entity)."""
    o, kp = m.orgs, m.p.knowledge
    years = min(max(m.t - m.t0, 0.0), kp.patent_trend_years)
    propensity = np.exp(kp.patent_trend * years)
    recombination = np.log1p(o["partners"])
    if jit.ENABLED:
        return _applications_kernel(
            o["is_univ"],
            o["budget"],
            o["rd_spend"],
            o["active"],
            recombination,
            kp.univ_patents_per_budget,
            kp.patents_per_rd,
            float(propensity),
            kp.spillover_patent_gain,
            1.0,
            np.inf,
            np.empty(o.n),
        )
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


@jit.kernel
def _applications_kernel(
    is_univ: np.ndarray,
    budget: np.ndarray,
    rd_spend: np.ndarray,
    active: np.ndarray,
    recombination: np.ndarray,
    per_budget: float,
    per_rd: float,
    propensity: float,
    gain: float,
    dt: float,
    cap: float,
    out: np.ndarray,
) -> np.ndarray:
    """:func:`applications_rate` after ``log1p(partners)`` (given in ``recombination``),
    times ``dt`` and capped at ``cap`` (the step's ``lam``; 1 and inf leave every value as
    it is): the numpy path's operations in its order. ``np.minimum`` returns its second
    operand on a tie and keeps a NaN first one, as the comparison below does. Written into
    ``out`` (which may be ``recombination`` itself), returned."""
    for i in range(is_univ.size):
        b = per_budget * budget[i] if is_univ[i] else per_rd * rd_spend[i]
        b = b * propensity
        r = recombination[i] * gain
        r = r + 1.0
        b = b * r
        b = b * (1.0 if active[i] else 0.0)
        b = b * dt
        if cap <= b:
            b = cap
        out[i] = b
    return out


def step(m: EcosystemModel) -> None:
    if jit.ENABLED:
        _step_compiled(m)
        return
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

    # the flows' sums add in row order (``_in_order``), as the compiled step's one pass does
    wf_rev = wf * rev
    va_total = _in_order(wf * o["va"])
    fl.revenue += float(_in_order(wf_rev) * dt)
    fl.value_added += float(va_total * dt)
    fl.profit += float(_in_order(wf * profit) * dt)
    fl.rd_spend += float(_in_order(wf * o["rd_spend"]) * dt)
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
    fl.overseas_revenue += float(_in_order(wf_rev) * dt)
    staff_f = staff[f]  # the weights of the mean productivity below
    staff *= wage  # w * f * emp * wage (w * f * emp is staff)
    fl.wage_bill += float(_in_order(staff) * dt)
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
        s.mean_log_prod = _mean_in_order(log_prod_f, staff_f)
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
    apps = patent_counts(rng, lam) * w
    total_apps = float(apps.sum())
    _book_patents(m, total_apps)
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
    _book_contracts(m, value)


#: rows of the compiled step's work block (see :func:`_work`)
_WAGE, _STAFF, _LEAD, _REL, _FREE = range(5)
_LP_F, _X, _LAM, _APPS, _LEADERS, _SOLD, _BUDGET_U = range(5, 12)
_WORK_ROWS = 12


def _in_order(x: np.ndarray) -> float:
    """The sum of ``x`` added in row order (``cumsum``'s order; 0.0 for no rows): the order
    in which the compiled step's one pass adds the flows' summands. (numpy's ``sum`` adds
    pairwise: a different rounding of the same sum.)"""
    return float(np.cumsum(x)[-1]) if x.size else 0.0


def _mean_in_order(values: np.ndarray, weights: np.ndarray) -> float:
    """``np.average(values, weights=weights)`` with both sums added in row order (see
    :func:`_in_order`); numpy's error for weights that sum to zero."""
    total = _in_order(weights)
    if total == 0.0:
        return float(np.average(values, weights=weights))
    return _in_order(values * weights) / total


def _work(m: EcosystemModel, n: int) -> np.ndarray:
    """The compiled step's work arrays, one row each, kept between steps: a fresh array of
    100,000 rows costs more in page faults (when several are alive at once the allocator
    hands back memory and maps it again) than the arithmetic done in it."""
    s = m.state.production
    if s.work is None or s.work.shape[1] < n:
        cap = max(n, 2 * (s.work.shape[1] if s.work is not None else 0), 1024)
        s.work = np.empty((_WORK_ROWS, cap))
    return s.work


def _step_compiled(m: EcosystemModel) -> None:
    """:func:`step` with its chains of element-wise passes as compiled kernels: the same
    numbers, the same draws in the same order. What stays numpy's between the kernels:
    ``exp``/``log``/``log1p`` (numpy's SIMD versions), every ``sum`` (pairwise) and the
    draws; the kernels write the arrays those read into the rows of :func:`_work`."""
    o, pr, kp, dt, rng, pol = m.orgs, m.p.production, m.p.knowledge, m.dt, m.rng, m.policy
    s, fl = m.state.production, m.flows
    n = o.n
    work = _work(m, n)
    row = [work[j, :n] for j in range(_WORK_ROWS)]
    f = firm_mask(m)
    update_accounts(m, f, row[_X])
    w, emp, rev, lp = o["weight"], o["emp"], o["rev"], o["log_prod"]
    sized = pr.noise_size_elasticity > 0
    rd_park = np.zeros(m.parks.n)
    _gap_kernel(
        lp,
        s.mean_log_prod,
        f,
        w,
        emp,
        o["park"],
        o["rd_spend"],
        m.p.labour.rent_sharing,
        pr.rd_lead_scale,
        m.p.growth.noise_reference_employees,
        rd_park,
        work,
    )
    sharing, staff, lead, rel = row[_WAGE], row[_STAFF], row[_LEAD], row[_REL]
    np.exp(sharing, out=sharing)
    staff_total = staff.sum()
    weighted = np.multiply(staff, sharing, out=row[_FREE])
    norm = max(float(weighted.sum()) / max(float(staff_total), 1e-9), 1e-9)
    wage_scale = m.state.places.wage_index * wage_premium(m)
    dens = rd_park / m.parks["area"]
    top = dens.max()
    density = dens / top if top > 0 else dens
    np.exp(lead, out=lead)
    cut = 1.0 - pr.decoupling_export_effect * pol.shocks.decoupling
    if pr.lead_reversion_share >= 1.0:
        pull_mode = 0
    elif pr.productivity_reversion >= 0 and pr.lead_reversion_share >= 0:
        pull_mode = 1
    else:
        pull_mode = 2
    shock = sfc64.standard_normal(rng, n)
    if sized:
        np.log(rel, out=rel)
        rel *= -pr.noise_size_elasticity
        np.exp(rel, out=rel)
    ai_wave = float(pol.shocks.ai_wave) if pol.shocks.ai_wave != 0 else 0.0
    k, rev_sum, va_sum, profit_sum, rd_sum, export_sum, wage_sum, total, lp_staff = _drift_kernel(
        norm,
        float(wage_scale),
        s.mean_log_prod,
        w,
        emp,
        o["va"],
        o["rent_bill"],
        rev,
        o["rd_spend"],
        pr.other_income_share,
        dt,
        o["cash"],
        f,
        o["kind"],
        int(Ownership.FOREIGN_INVESTED),
        min(pr.export_share * pr.foreign_firm_export_mult, 1.0) * cut,
        min(pr.export_share * 1.0, 1.0) * cut,
        o["rd"],
        pr.max_rd_intensity,
        pr.rd_return,
        pr.productivity_drift + pol.shocks.macro_growth,
        pr.spillover_return,
        o["exposure"],
        density,
        o["park"],
        pr.agglomeration,
        o["sector"],
        int(pr.ai_code),
        ai_wave,
        pull_mode,
        pr.productivity_reversion,
        pr.lead_reversion_share,
        shock,
        float(pr.productivity_noise * np.sqrt(dt)),
        sized,
        lp,
        work,
    )
    va_total = va_sum
    fl.revenue += float(rev_sum * dt)
    fl.value_added += float(va_total * dt)
    fl.profit += float(profit_sum * dt)
    fl.rd_spend += float(rd_sum * dt)
    fl.tax += float(va_total * pr.tax_share * dt)
    fl.overseas_revenue += float(export_sum * dt)
    fl.wage_bill += float(wage_sum * dt)
    fl.employee_years += float(staff_total * dt)
    old_mean = s.mean_log_prod
    if k:
        lp_f = row[_LP_F][:k]
        if total == 0.0:  # numpy's error for zero weights
            s.mean_log_prod = float(np.average(lp_f, weights=row[_STAFF][f]))
        else:
            s.mean_log_prod = float(lp_staff / total)
        frontier = quantile(lp_f, pr.university_frontier)
        np.copyto(lp, frontier, where=o["is_univ"])
    s.prod_growth = (s.mean_log_prod - old_mean) / dt

    # universities: research budgets grow; their staff target follows
    budget = o["budget"]
    growth = float(np.exp(m.p.population.univ_budget_growth * dt))
    ku = _grow_budgets_kernel(o["active"], o["is_univ"], budget, growth, row[_BUDGET_U])
    quality = np.exp(kp.research_quality_trend * (m.t - m.t0))
    fl.papers += float(row[_BUDGET_U][:ku].sum() * kp.papers_per_budget * quality * dt)

    # patents: applications now, grants from the pipeline
    years = min(max(m.t - m.t0, 0.0), kp.patent_trend_years)
    lam = row[_LAM]
    _applications_kernel(
        o["is_univ"],
        budget,
        o["rd_spend"],
        o["active"],
        np.log1p(o["partners"], out=lam),
        kp.univ_patents_per_budget,
        kp.patents_per_rd,
        float(np.exp(kp.patent_trend * years)),
        kp.spillover_patent_gain,
        dt,
        1e9,
        lam,
    )
    events, big, big_counts = _patent_events(rng, lam, row[_APPS])
    cp = m.p.collaboration
    income = pol.equity.researcher_income_share
    kl = _patents_kernel(
        events,
        big,
        big_counts,
        w,
        f,
        rev,
        kp.standards_leader_revenue_usd * m.usd_rate,
        o["is_univ"],
        o["active"],
        budget,
        o["rd_spend"],
        cp.contract_per_univ_budget,
        1.0 + cp.income_share_contract_gain * income,
        cp.contract_per_rd,
        work,
    )
    total_apps = float(row[_APPS].sum())
    _book_patents(m, total_apps)
    s.cum_standards += float(row[_LEADERS][:kl].sum()) * kp.standards_per_application

    value = float(row[_SOLD].sum()) * dt
    _book_contracts(m, value)


@jit.kernel
def _gap_kernel(
    lp: np.ndarray,
    mean: float,
    f: np.ndarray,
    w: np.ndarray,
    emp: np.ndarray,
    park: np.ndarray,
    rd_spend: np.ndarray,
    rent_sharing: float,
    rd_lead_scale: float,
    reference_employees: float,
    rd_park: np.ndarray,
    work: np.ndarray,
) -> None:
    """The arrays of :func:`step` made from the productivity gap and the accounts, before
    the ``exp``/``log`` numpy applies to three of them, into rows of ``work``: the
    rent-sharing exponent ``clip(gap, -5, 5) * rent_sharing``; the staff ``w * f * emp``;
    the R&D lead exponent ``-max(gap, 0) / rd_lead_scale``; the
    size ratio ``max(emp, 1) / reference``. Adds each row's ``w * rd_spend`` to its park's
    total in ``rd_park`` (zeros), in row order as ``bincount`` does.

    ``np.clip`` keeps NaN and is not tied at its bounds (-5, 5) by a zero; ``np.maximum``
    keeps a NaN first operand and returns the second on a tie, as written below; the sign of
    a zero exponent does not matter to ``exp``.
    """
    for i in range(lp.size):
        g = lp[i] - mean
        c = g
        if c < -5.0:
            c = -5.0
        elif c > 5.0:
            c = 5.0
        work[_WAGE, i] = c * rent_sharing
        x = w[i] * (1.0 if f[i] else 0.0)
        work[_STAFF, i] = x * emp[i]
        a = 0.0 if g <= 0.0 else g
        work[_LEAD, i] = -a / rd_lead_scale
        e = emp[i]
        e = 1.0 if e <= 1.0 else e
        work[_REL, i] = e / reference_employees
        rd_park[park[i]] += w[i] * rd_spend[i]


@jit.kernel
def _drift_kernel(
    norm: float,
    wage_scale: float,
    mean: float,
    w: np.ndarray,
    emp: np.ndarray,
    va: np.ndarray,
    rent_bill: np.ndarray,
    rev: np.ndarray,
    rd_spend: np.ndarray,
    other_income_share: float,
    dt: float,
    cash: np.ndarray,
    f: np.ndarray,
    kind: np.ndarray,
    foreign: int,
    export_foreign: float,
    export_other: float,
    rd: np.ndarray,
    max_rd: float,
    rd_return: float,
    drift0: float,
    spillover_return: float,
    exposure: np.ndarray,
    density: np.ndarray,
    park: np.ndarray,
    agglomeration: float,
    sector: np.ndarray,
    ai_code: int,
    ai_wave: float,
    pull_mode: int,
    reversion_rate: float,
    lead_share: float,
    shock: np.ndarray,
    shock_scale: float,
    sized: bool,
    lp: np.ndarray,
    work: np.ndarray,
) -> tuple[int, float, float, float, float, float, float, float, float]:
    """Wages, profit, cash, the flows' sums and the productivity step of :func:`step`
    in one pass, each element through the numpy path's operations in its order.

    Reads the rows :func:`_gap_kernel` wrote (the wage row holds ``exp`` of the
    rent-sharing exponent; the lead and size rows hold their ``exp``) and forms the gap
    ``lp - mean`` and the firm weight ``w * f`` again, as that kernel forms them (two work
    rows fewer to write and read back).
    Returns how many firms, the sums of the flows' summands (firm-weighted revenue, value
    added, profit, R&D, exports, wage bill: added in row order, as :func:`_in_order` adds
    them), and the firms' staff total and staff-weighted log productivity total (the
    numerator and denominator of :func:`_mean_in_order`); writes the firms' new log
    productivity in row order (as ``x[f]`` gathers) into a row of ``work``. The AI term is
    ``(sector == ai) * ai_wave`` (``ai_wave`` 0.0 when there is no wave: the numpy path's
    ``+ 0.0``); the reversion pull is the three cases of :func:`reversion` (``pull_mode`` 0, 1, 2).
    ``np.minimum`` keeps a NaN first operand and returns the second on a tie, as the
    comparisons below do.
    """
    k = 0
    s_rev = s_va = s_profit = s_rd = s_export = s_wage = s_staff = s_lp = 0.0
    for i in range(emp.size):
        g = lp[i] - mean  # the gap and the firm weight as _gap_kernel forms them
        x = w[i] * (1.0 if f[i] else 0.0)
        wg = work[_WAGE, i] / norm
        wg = wg * wage_scale
        profit = emp[i] * wg
        profit = va[i] - profit
        profit = profit - rent_bill[i]
        profit = profit + other_income_share * rev[i]
        fi = f[i]
        if fi:
            cash[i] = profit * dt + cash[i]
        r = x * rev[i]
        first = i == 0  # the first summand itself, as cumsum starts
        s_rev = r if first else s_rev + r
        a = x * va[i]
        s_va = a if first else s_va + a
        a = x * profit
        s_profit = a if first else s_profit + a
        a = x * rd_spend[i]
        s_rd = a if first else s_rd + a
        a = r * (export_foreign if kind[i] == foreign else export_other)
        s_export = a if first else s_export + a
        st = work[_STAFF, i]
        a = st * wg
        s_wage = a if first else s_wage + a
        # productivity
        d = rd[i]
        if max_rd <= d:
            d = max_rd
        d = d * rd_return
        d = d * work[_LEAD, i]
        d = d + drift0
        d = d + spillover_return * exposure[i]
        d = d + density[park[i]] * agglomeration
        d = d + (1.0 if sector[i] == ai_code else 0.0) * ai_wave
        pull = reversion_rate * g
        if pull_mode == 1:
            scaled = pull * lead_share
            if scaled <= pull:
                pull = scaled
        elif pull_mode == 2:
            pull = pull * (lead_share if g > 0 else 1.0)
        d = d - pull
        sh = shock[i] * shock_scale
        if sized:
            sh = sh * work[_REL, i]
        d = d * dt
        d = d + lp[i]
        d = d + sh
        if fi:
            lp[i] = d
            work[_LP_F, k] = d
            a = d * st
            s_staff = st if k == 0 else s_staff + st
            s_lp = a if k == 0 else s_lp + a
            k += 1
    return k, s_rev, s_va, s_profit, s_rd, s_export, s_wage, s_staff, s_lp


@jit.kernel
def _grow_budgets_kernel(
    active: np.ndarray, is_univ: np.ndarray, budget: np.ndarray, growth: float, out: np.ndarray
) -> int:
    """``budget[u] *= growth`` for the active universities ``u``; ``budget[u]`` (in row
    order) into the start of ``out``; returns how many."""
    k = 0
    for i in range(budget.size):
        if active[i] and is_univ[i]:
            b = budget[i] * growth
            budget[i] = b
            out[k] = b
            k += 1
    return k


def _patent_events(
    rng: np.random.Generator, lam: np.ndarray, cdf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`patent_counts` by its parts, with the same draws in the same order: the rows
    of the superposed events (ascending, a row once per event: ``bincount`` of them is the
    dense count), the rows above :data:`PATENT_DIRECT_RATE` and their own Poisson counts.
    One pass makes the split, the running totals (into ``cdf``, a work row) and the checks
    of ``sampling.poisson_counts``; its dense passes (copy, ``nonzero``, ``min``,
    ``bincount``) are left out."""
    n = lam.size
    big, total, negative = _split_rates_kernel(lam, PATENT_DIRECT_RATE, cdf)
    if n == 0:
        events = np.zeros(0, np.int64)
    elif not (0.0 <= total <= sampling.POISSON_SCATTER_MAX_MEAN * n) or negative:
        small = lam.copy()  # poisson_counts' direct draw (rejects NaN and negative rates)
        small[big] = 0.0
        counts = rng.poisson(small).astype(np.int64, copy=False)
        events = np.repeat(np.arange(n, dtype=np.int64), counts)
    else:
        k = int(rng.poisson(total)) if total > 0.0 else 0
        if k == 0:
            events = np.zeros(0, np.int64)
        else:
            events = sampling.walk_kernel(cdf, rng.standard_exponential(k + 1), total)
    return events, big, rng.poisson(lam[big])


@jit.kernel
def _split_rates_kernel(
    lam: np.ndarray, cut: float, cdf: np.ndarray
) -> tuple[np.ndarray, float, bool]:
    """:func:`patent_counts`' split and ``sampling.poisson_counts``' table in one pass: the
    rows whose rate is above ``cut`` (ascending, as ``nonzero`` gives them); into ``cdf``
    the running totals of the other rates (those rows count 0.0), each clipped at zero and
    added in row order as ``sampling``'s ``_cumulate_kernel`` adds them; the last total;
    and whether one of the other rates is negative (``min() < 0``). A NaN rate is not
    above the cut and makes the total NaN, as in the copy."""
    n = lam.size
    big = np.empty(n, np.int64)
    k = 0
    total = 0.0
    negative = False
    for i in range(n):
        x = lam[i]
        if x > cut:
            big[k] = i
            k += 1
            x = 0.0
        elif x < 0.0:
            negative = True
        if x <= 0.0:
            x = 0.0
        total = x if i == 0 else total + x
        cdf[i] = total
    return big[:k].copy(), total, negative


@jit.kernel
def _patents_kernel(
    events: np.ndarray,
    big: np.ndarray,
    big_counts: np.ndarray,
    w: np.ndarray,
    f: np.ndarray,
    rev: np.ndarray,
    leader_revenue: float,
    is_univ: np.ndarray,
    active: np.ndarray,
    budget: np.ndarray,
    rd_spend: np.ndarray,
    per_budget: float,
    income_gain: float,
    per_rd: float,
    work: np.ndarray,
) -> int:
    """Applications ``counts * w``, those of the standard leaders (firms with revenue at
    least ``leader_revenue``, in row order: returns how many) and the technology contracts
    sold, into rows of ``work``, as the numpy path forms them. The counts are
    :func:`patent_counts`' dense array given by the parts :func:`_patent_events` returns:
    how often a row is in ``events`` (ascending), overwritten by ``big_counts`` at the rows
    ``big`` (ascending), as ``counts[big] = ...`` does; 0 elsewhere."""
    k = 0
    p = 0
    q = 0
    for i in range(w.size):
        c = np.int64(0)
        while p < events.size and events[p] == i:
            c += 1
            p += 1
        if q < big.size and big[q] == i:
            c = big_counts[q]
            q += 1
        a = c * w[i]
        work[_APPS, i] = a
        if f[i] and rev[i] >= leader_revenue:
            work[_LEADERS, k] = a
            k += 1
        if is_univ[i]:
            v = per_budget * budget[i]
            v = v * income_gain
        else:
            v = per_rd * rd_spend[i]
        v = v * (1.0 if active[i] else 0.0)
        work[_SOLD, i] = v * w[i]
    return k


#: expected applications per step above which a row gets its own Poisson draw
PATENT_DIRECT_RATE = 1.0


def patent_counts(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Patent applications of each row this step: independent Poisson counts of means
    ``lam``, as ``rng.poisson(lam)`` gives them (both paths of :func:`step`).

    Most rows expect far fewer than one application a step, a few hundred large firms many
    (most of the total). The rows at or below :data:`PATENT_DIRECT_RATE` are drawn by
    Poisson superposition (``sampling.poisson_counts``, about as many draws as events), the
    others one Poisson draw each. The law is unchanged: the two sets of rows are disjoint and
    each row's count is an exact Poisson draw of its own mean, independent of all others; the
    split depends only on the rates. (A NaN rate is not above the cut: ``poisson_counts``
    then calls ``rng.poisson``, which rejects it as before.)"""
    big = (lam > PATENT_DIRECT_RATE).nonzero()[0]
    small = lam.copy()
    small[big] = 0.0
    counts = sampling.poisson_counts(rng, small)
    counts[big] = rng.poisson(lam[big])
    return counts


def _book_patents(m: EcosystemModel, total_apps: float) -> None:
    """The step's applications into the grant pipeline and the year's patent flows (both
    paths of :func:`step`): firms file abroad more and shift towards invention patents as
    they mature."""
    kp, s, fl, dt = m.p.knowledge, m.state.production, m.flows, m.dt
    pol = m.policy
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


def _book_contracts(m: EcosystemModel, value: float) -> None:
    """The step's technology-contract value, local or outside buyers by outside demand,
    which grows with branches and relocated firms (both paths of :func:`step`)."""
    cp, fl = m.p.collaboration, m.flows
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
