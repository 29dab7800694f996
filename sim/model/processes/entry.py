"""Founding of new firms by employees and spin-offs from universities (mechanism 2).

Founding hazards per person rise with the share of firms granting equity (people who hold
or expect equity found more), with early-stage capital per employee relative to the start
(funding access), and with incubator and registration support (the mass-entrepreneurship
wave). Researchers spin off firms more often when they keep a larger share of
commercialisation income and when they may move freely between institutes and firms. A new
firm inherits part of its origin's knowledge, settles in a park chosen by specialisation,
rent and amenities, and starts small with some cash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model import jit, sfc64
from sim.model.codes import Cluster, Ownership, TieKind
from sim.model.init import manufacturing_share, new_fids
from sim.model.processes.firms import equity_share, volatility_draw
from sim.model.processes.funding import early_capital_rate
from sim.model.processes.talent import firm_employment, pool_room
from sim.model.protocol import Mechanism
from sim.model.sampling import poisson_events
from sim.model.util import choose

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


def location_weights(m: EcosystemModel, sector: int) -> np.ndarray:
    """Attraction of each park for a new firm of ``sector``: its share of firms, a gain where
    the sector is one of its clusters, amenities and (relative) rent."""
    weights: np.ndarray = location_weight_table(m)[sector]
    return weights


def location_weight_table(m: EcosystemModel) -> np.ndarray:
    """:func:`location_weights` of every sector at once, one row per sector (the same
    operations on each element, the sector-independent factors computed once)."""
    pk, pp = m.parks, m.p.parks
    match = np.where(m.park_clusters.T, pp.cluster_match_gain, 1.0)
    rent = pk["rent"] / max(float(pk["rent"].mean()), 1e-9)
    table: np.ndarray = (
        pk["firm_share"]
        * match
        * (1.0 + pp.amenity_gain * pk["amenity"])
        * rent ** (-pp.location_rent_elasticity)
    )
    return table


def _run_tables(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray]:
    """Per-run constants of founding, computed at the first step: the normalised cumulative
    sector shares of new firms without a parent sector (what ``rng.choice`` builds from
    ``population.sector_shares`` at every call) and the manufacturing share of each cluster."""
    s = m.state.entry
    if s.tables is None:
        pp = m.p.population
        shares = np.asarray(pp.sector_shares) / np.sum(pp.sector_shares)
        cdf = shares.cumsum()
        cdf /= cdf[-1]
        s.tables = (cdf, manufacturing_share(pp, np.arange(len(Cluster), dtype=np.int8)))
    return s.tables


def founding_rates(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The employed people (rows, ascending), whether each works at a university, and their
    expected number of new firm agents in the step (founding or spin-off)."""
    o, tl = m.orgs, m.talent
    if jit.ENABLED:
        return _founding_rates_compiled(m)
    act = tl["active"] & (tl["employer"] >= 0)
    idx = act.nonzero()[0]
    if idx.size == 0:
        return idx, np.zeros(0, bool), np.zeros(0)
    firms = o["active"] & ~o["is_univ"]
    share_equity = equity_share(m, firms)
    employed = firm_employment(m, firms)  # funding.employment(m), the same sum
    lam = _founding_lambdas(m, share_equity, employed)
    is_res = o["is_univ"].take(tl["employer"].take(idx))
    rates = lam.take(is_res.view(np.uint8))
    return idx, is_res, rates


def _founding_lambdas(m: EcosystemModel, share_equity: float, employed: float) -> np.ndarray:
    """Expected new firm *agents* per talent agent in the step (firms founded by its group,
    times scale): employees of firms, researchers."""
    ep, pol, dt = m.p.entrepreneurship, m.policy, m.dt
    access = early_capital_rate(m) / max(employed, 1.0) / max(m.state.funding.early_capital0, 1e-12)
    founding = (
        pool_room(m, employed)  # founders and their first staff come from the capped labour pool
        * ep.founding_rate
        * (1.0 + ep.equity_founding_gain * share_equity)
        * access**ep.funding_access_elasticity
        * (1.0 + ep.incubator_gain * pol.funding.incubator_support)
    )
    spinoff = (
        ep.spinoff_rate
        * (1.0 + ep.income_share_spinoff_gain * pol.equity.researcher_income_share)
        * (1.0 + ep.mobility_founding_gain * (pol.talent.researcher_mobility - 1.0))
    )
    lam: np.ndarray = np.array([founding, spinoff]) * dt * m.talent_weight * m.scale
    return lam


def _founding_rates_compiled(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`founding_rates` with one pass over the organisations (the terms of the equity
    share and of firm employment, as ``firms.equity_share`` and ``talent.firm_employment``
    write them; numpy adds them as before) and one over the people (rows, sector of origin,
    rates). The rates depend on the sums only, so the people are read after them; nothing is
    drawn, so the order is free."""
    o, tl = m.orgs, m.talent
    w = o["weight"]
    w_granting, w_firms, terms = np.empty(o.n), np.empty(o.n), np.empty(o.n)
    a, b = _firm_terms_kernel(
        o["active"], o["is_univ"], o["equity"], w, o["emp"], w_granting, w_firms, terms
    )
    share_equity = float(w_granting[:a].sum() / max(w_firms[:b].sum(), 1e-9))
    employed = float(terms[:b].sum())
    lam = _founding_lambdas(m, share_equity, employed)
    return _founding_people_kernel(tl["active"], tl["employer"], o["is_univ"], lam)


def step(m: EcosystemModel) -> None:
    o, tl, ep, pol, rng = m.orgs, m.talent, m.p.entrepreneurship, m.policy, m.rng
    idx, is_res, rates = founding_rates(m)
    # Each person's number of new firms is Poisson(rate), independently: poisson_events draws
    # the same joint law (the Poisson total scattered over the rows in proportion to their
    # rates, superposition) with one variate per event instead of one per person; both paths
    # pass it the same rates, so they draw the same numbers
    has, n_born = poisson_events(rng, rates)
    if has.size == 0:
        return
    uniq_f = idx.take(has)  # the founding people, ascending, and their number of new firms
    founders = np.repeat(uniq_f, n_born)  # one entry per new firm, in row order
    founder_res = np.repeat(is_res.take(has), n_born)  # is_res of each founder
    first = np.cumsum(n_born) - n_born  # each founding person's first firm: its run's start
    k = founders.size
    src = tl["employer"][founders]
    gp, pp = m.p.growth, m.p.production
    inherit = rng.random(k) < ep.sector_inheritance
    sector_cdf, manuf_share = _run_tables(m)
    # rng.choice(len(Cluster), size=k, p=shares / sum): numpy draws k uniforms and looks
    # them up in the normalised cumulative shares; the same, without its per-call checks
    drawn = sector_cdf.searchsorted(rng.random(k), side="right")
    sector = np.where(inherit, o["sector"][src], drawn).astype(np.int8)
    # one draw per sector present, in sector order, for its founders in row order (a
    # stable sort of the small sector codes lists each sector's founders in row order)
    park = np.empty(k, np.int16)
    by_sector = np.argsort(sector, kind="stable")
    counts = np.bincount(sector, minlength=len(Cluster))
    ends = np.cumsum(counts)
    parks = np.arange(m.parks.n)
    weights = location_weight_table(m)
    for s in counts.nonzero()[0].tolist():
        these = by_sector[ends[s] - counts[s] : ends[s]]
        park[these] = choose(rng, parks, weights[s], int(counts[s]))
    emp0 = gp.startup_employees * np.exp(ep.startup_size_sigma * sfc64.standard_normal(rng, k))
    log_prod = (
        np.minimum(
            o["log_prod"][src], m.state.production.mean_log_prod + ep.startup_productivity_gap
        )
        - ep.startup_productivity_gap
        + m.p.production.productivity_noise * sfc64.standard_normal(rng, k)
    )
    z_rd = sfc64.standard_normal(rng, k)
    rd = (
        pp.rd_intensity
        * ep.startup_rd_mult
        * np.exp(pp.rd_intensity_sigma * z_rd - pp.rd_intensity_sigma**2 / 2)
    )
    wage = m.state.places.wage_index
    rows = o.add(
        k,
        active=True,
        weight=1.0 / m.scale,
        park=park,
        sector=sector,
        kind=np.where(founder_res, Ownership.SPINOFF, Ownership.PRIVATE).astype(np.int8),
        manuf=rng.random(k) < manuf_share.take(sector),
        born=m.t,
        emp=emp0,
        log_prod=log_prod,
        rd=np.minimum(rd, 0.5),
        cash=gp.startup_cash_years * emp0 * wage,
        equity=rng.random(k) < pol.equity.equity_firm_share,
    )
    new_fids(m, rows)
    o["vol"][rows] = volatility_draw(m, k)
    m.flows.new_tech_firms += float(k / m.scale)
    m.flows.spinoffs += float(founder_res.sum() / m.scale)
    # founders join their firm; the old employer keeps an alumni tie (founders are sorted:
    # each founding talent row's first firm is at the start of its run)
    tl["alumni"][uniq_f] = tl["employer"][uniq_f]
    tl["employer"][uniq_f] = rows[first]
    # knowledge tie between the new firm and its origin (a spin-off keeps its lab)
    kind = np.where(founder_res, TieKind.CONTRACT, TieKind.RD).astype(np.int8)  # is_univ[src]
    m.ties.add(rows, src, kind)


@jit.kernel
def _firm_terms_kernel(
    active: np.ndarray,
    is_univ: np.ndarray,
    equity: np.ndarray,
    w: np.ndarray,
    emp: np.ndarray,
    w_granting: np.ndarray,
    w_firms: np.ndarray,
    terms: np.ndarray,
) -> tuple[int, int]:
    """In row order over the active firms (universities aside): the weights of those granting
    equity and of all (``firms._equity_weights_kernel``) and weight x headcount
    (``talent.employment_terms``); returns the counts (granting, firms)."""
    a = 0
    b = 0
    for i in range(active.size):  # written always, kept by the count (no branch)
        x = w[i]
        f = active[i] & (not is_univ[i])
        w_firms[b] = x
        terms[b] = x * emp[i]
        w_granting[a] = x
        b += f
        a += f & equity[i]
    return a, b


@jit.kernel
def _founding_people_kernel(
    active: np.ndarray, employer: np.ndarray, is_univ: np.ndarray, lam: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The employed people (rows, ascending), whether each works at a university and their
    rate (``lam``: employees of firms, researchers), in one pass."""
    rows = np.empty(active.size, np.int64)
    is_res = np.empty(active.size, np.bool_)
    rates = np.empty(active.size)
    firm_rate, spinoff_rate = lam[0], lam[1]
    k = 0
    if is_univ.size == 0:  # no organisation: no one is employed
        return rows[:0], is_res[:0], rates[:0]
    last = is_univ.size - 1  # (people without an employer read some row, then are not kept)
    for i in range(active.size):  # written always, kept by the count (no branch)
        e = employer[i]
        r = is_univ[min(max(e, 0), last)]
        rows[k] = i
        is_res[k] = r
        rates[k] = spinoff_rate if r else firm_rate
        k += active[i] & (e >= 0)
    return rows[:k], is_res[:k], rates[:k]


@dataclass
class EntryState:
    """Entry keeps no scalar state: founding reads the other mechanisms' state. It keeps
    per-run tables for speed (results do not depend on them), see :func:`_run_tables`."""

    tables: tuple[np.ndarray, np.ndarray] | None = None


MECHANISM = Mechanism(
    name="entry",
    summary="founding and spin-offs",
    params=("entrepreneurship", "growth", "production", "parks", "population"),
    state=EntryState,
    step=step,
)
