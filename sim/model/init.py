"""Initial population at the start year, consistent with the scenario's totals.

Firms are drawn as a stratified sample of the real firm population: large firms are all
simulated (weight 1), mid-sized firms with probability sqrt(scale), small firms with
probability ``scale`` (weight = 1 / inclusion probability). Totals are then exact in
expectation at every scale, while the few giants that dominate revenue are never lost to
sampling. Talent agents each stand for ``people_per_talent_agent / scale`` people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.codes import (
    FIRM_OWNERSHIP,
    MANUFACTURING_CLUSTERS,
    Cluster,
    Origin,
    Ownership,
    Source,
)
from sim.model.util import choose

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel
    from sim.model.params import PopulationParams


#: whether each cluster code is a manufacturing cluster (a look-up: ``np.isin`` costs far
#: more per call than the few new firms of a step it is applied to)
_IS_MANUFACTURING = np.isin(np.arange(len(Cluster)), MANUFACTURING_CLUSTERS)


#: rows reserved for organisations and for talent, per row at the start: the firm population
#: grows about fourfold over a run from 2010 (and holds a year's ended rows until the year's
#: compaction), the talent sample by about a third. Capacity only: a run that outgrows it
#: doubles its arrays as before; a reserve saves those doublings, each of which copies every
#: column, and costs nothing for the rows never written in the columns that default to zero.
ORG_RESERVE = 4
TALENT_RESERVE = 2


def manufacturing_share(pp: PopulationParams, sector: np.ndarray) -> np.ndarray:
    """Chance that a firm of each cluster has general manufacturing stages."""
    by_cluster = np.where(
        _IS_MANUFACTURING, pp.manufacturing_cluster_mult, pp.manufacturing_other_mult
    )
    share: np.ndarray = pp.manufacturing_stage_share * by_cluster[sector]
    return share


def tier_weights(m: EcosystemModel, emp: np.ndarray) -> np.ndarray:
    """Largest weight a firm of this size may carry (1 for large firms)."""
    pp = m.p.population
    w = np.full(emp.shape, 1.0 / m.scale)
    w[emp >= pp.mid_firm_employees] = 1.0 / np.sqrt(m.scale)
    w[emp >= pp.large_firm_employees] = 1.0
    return w


def new_fids(m: EcosystemModel, rows: np.ndarray, split: bool = False) -> None:
    """Give new organisation rows permanent ids (rows change at every compaction).

    A part split off a sampled firm (``split``) gets its own id, so that each part's growth
    is its own, and keeps the ``root`` of the firm it came from, so that a split is not
    mistaken for an exit.
    """
    o = m.orgs
    o["fid"][rows] = np.arange(m.next_fid, m.next_fid + rows.size)
    if not split:
        o["root"][rows] = o["fid"][rows]
    m.next_fid += int(rows.size)


def park_choice_weights(m: EcosystemModel, sector: int, large: bool) -> np.ndarray:
    parks = m.parks
    w = parks["firm_share"] * np.where(
        m.park_clusters[:, sector], m.p.parks.cluster_match_gain, 1.0
    )
    if large:
        w = w * parks["large_bias"]
    return w


def assign_parks(m: EcosystemModel, sector: np.ndarray, large: np.ndarray) -> np.ndarray:
    """Park of each new firm, drawn from share, specialisation and (for large firms) bias."""
    out = np.empty(sector.size, np.int16)
    n_parks = m.parks.n
    for s in np.unique(sector):
        for big in (False, True):
            idx = np.flatnonzero((sector == s) & (large == big))
            if idx.size:
                w = park_choice_weights(m, int(s), big)
                out[idx] = choose(m.rng, np.arange(n_parks), w, idx.size)
    return out


def initial_sizes(
    z: np.ndarray, sigma: float, tail_exponent: float, tail_share: float, span: float
) -> np.ndarray:
    """Relative firm sizes from normal scores ``z``: lognormal, with a Zipf upper tail.

    Firm sizes follow Zipf's law in their upper tail (Axtell 2001, Science 293:1818), which a
    lognormal thins. Above the ``1 - tail_share`` quantile the size is the quantile of a
    Pareto law with CCDF exponent ``tail_exponent`` truncated at ``span`` times the tail's
    start (a region's largest firm is finite), joined continuously to the lognormal body;
    the same scores keep the ranking, so the size-productivity correlation is unchanged.
    """
    from scipy.special import ndtr, ndtri

    emp = np.exp(sigma * z)
    if tail_exponent <= 0:
        return emp
    z_t = float(ndtri(1.0 - tail_share))
    tail = z > z_t
    within = 1.0 - (1.0 - ndtr(z[tail])) / tail_share  # position in the tail, 0..1
    reach = 1.0 - span ** (-tail_exponent)
    emp[tail] = np.exp(sigma * z_t) * (1.0 - within * reach) ** (-1.0 / tail_exponent)
    return emp


def populate(m: EcosystemModel) -> None:
    rng = m.rng
    pp = m.p.population
    prod = m.p.production

    # ---- firms: draw the real population's sizes, keep a stratified sample ------------
    n_real = round(pp.firms)
    z = rng.standard_normal(n_real)
    emp = initial_sizes(
        z, pp.firm_size_sigma, pp.size_tail_exponent, pp.size_tail_share, pp.size_tail_span
    )
    emp *= pp.employment / emp.sum()
    emp = np.maximum(emp, 1.0)
    cap = tier_weights(m, emp)
    keep = rng.random(n_real) < 1.0 / cap
    emp, z, w = emp[keep], z[keep], cap[keep]
    n = emp.size
    z2 = rng.standard_normal(n)
    rho = pp.size_productivity_corr
    log_prod = pp.productivity_sigma * (rho * z + np.sqrt(1 - rho**2) * z2)
    # level chosen so that the weighted revenue equals the scenario's start-year revenue
    log_prod += np.log(pp.revenue / np.sum(w * emp * np.exp(log_prod)))
    shares = np.asarray(pp.sector_shares) / np.sum(pp.sector_shares)
    sector = rng.choice(len(Cluster), size=n, p=shares).astype(np.int8)
    kind_p = np.array([0.0, pp.soe_share, pp.foreign_invested_share, pp.spinoff_share])
    kind_p[0] = max(0.0, 1.0 - kind_p[1:].sum())
    kind = rng.choice(len(FIRM_OWNERSHIP), size=n, p=kind_p / kind_p.sum()).astype(np.int8)
    large = emp >= pp.large_firm_employees
    park = assign_parks(m, sector, large)
    age = rng.exponential(pp.mean_firm_age, n)
    rd = prod.rd_intensity * np.exp(
        prod.rd_intensity_sigma * rng.standard_normal(n) - prod.rd_intensity_sigma**2 / 2
    )
    # room for the run's growth at once (see ORG_RESERVE), before the first rows are written
    m.orgs.reserve(ORG_RESERVE * (n + int(pp.universities)))
    rows = m.orgs.add(
        n,
        active=True,
        weight=w,
        park=park,
        sector=sector,
        kind=kind,
        manuf=rng.random(n) < manufacturing_share(pp, sector),
        born=m.t0 - age,
        emp=emp,
        log_prod=log_prod,
        rd=np.minimum(rd, 0.5),
        equity=rng.random(n) < pp.equity_firm_share,
        aged3_counted=age >= 3,
    )
    m.orgs["cash"][rows] = pp.cash_years * emp * m.p.labour.wage  # before premia are known
    from sim.model.processes.firms import volatility_draw

    m.orgs["vol"][rows] = volatility_draw(m, rows.size)
    new_fids(m, rows)

    # listed firms: the largest by revenue, up to the real count
    rev = emp * np.exp(log_prod)
    order = np.argsort(-rev)
    cum = np.cumsum(w[order])
    listed = order[cum <= pp.listed_firms]
    m.orgs["listed"][rows[listed]] = True

    # ---- universities and institutes ---------------------------------------------------
    nu = int(pp.universities)
    share = rng.lognormal(0.0, 0.8, nu)
    share /= share.sum()
    upark = choose(rng, np.arange(m.parks.n), m.parks["firm_share"] * m.parks["large_bias"], nu)
    frontier = float(np.quantile(log_prod, prod.university_frontier))
    urows = m.orgs.add(
        nu,
        active=True,
        is_univ=True,
        weight=1.0,
        park=upark,
        sector=rng.choice(len(Cluster), size=nu, p=shares).astype(np.int8),
        kind=Ownership.UNIVERSITY,
        born=m.t0 - 50,
        emp=pp.researchers * share,
        log_prod=frontier,
        budget=pp.univ_research_budget * share,
        equity=False,
        aged3_counted=True,
    )
    new_fids(m, urows)

    # ---- talent: a sample of the workforce and of university researchers ---------------
    tw = m.talent_weight
    n_emp = round(pp.employment / tw)
    n_res = round(pp.researchers / tw)
    firm_rows = rows
    employer = np.concatenate(
        [
            choose(rng, firm_rows, w * emp, n_emp),
            choose(rng, urows, m.orgs["emp"][urows], n_res),
        ]
    )
    nt = employer.size
    u = rng.random(nt)
    returnee = np.where(u < pp.foreign_share + pp.returnee_share, Origin.RETURNEE, Origin.DOMESTIC)
    origin = np.where(u < pp.foreign_share, Origin.FOREIGN, returnee)
    young = rng.random(nt) < pp.young_share
    age = np.where(young, rng.uniform(21, 30, nt), rng.uniform(30, m.p.labour.retirement_age, nt))
    edu = rng.random(nt) < pp.bachelor_share
    edu[n_emp:] = True  # researchers
    m.talent.reserve(TALENT_RESERVE * nt)
    m.talent.add(
        nt,
        active=True,
        weight=tw,
        employer=employer,
        origin=origin.astype(np.int8),
        edu=edu | (origin != Origin.DOMESTIC),
        age=age,
    )

    # ---- investors -----------------------------------------------------------------------
    fp = m.p.funding
    src_share = np.array(
        [fp.share_government, fp.share_soe, fp.share_private, fp.share_foreign, fp.share_angel]
    )
    for s, sh in zip(Source, src_share, strict=True):
        real = max(1.0, pp.investors * sh)
        k = max(3, round(real * m.scale))
        m.investors.add(k, active=True, weight=real / k, source=s)

    # ---- initial R&D ties: a few years of tie formation without other dynamics ----------
    from sim.model.processes.collaboration import form_ties

    target = pp.rd_degree * m.orgs.n / 2
    for _ in range(40):
        if m.ties.n >= target:
            break
        form_ties(m, dt=0.25, scale_rate=max(1.0, (target - m.ties.n) / max(1.0, target) * 8))
