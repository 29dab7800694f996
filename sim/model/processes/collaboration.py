"""R&D collaboration and technology-contract ties: formation, decay, spillover exposure.

New ties follow three rules that together give the stylised network of BRIEF 6.2
(heavy-tailed degree, high clustering, a giant component): triadic closure (a partner's
partner), preferential attachment (well-connected organisations attract more partners) and
proximity (a partner in the same park). Ties with universities are technology contracts.
Each tie ends with a constant hazard. Spillover exposure of an organisation is the mean
positive knowledge gap to its partners: R&D partners and the former employers of its staff
(alumni bridges left by job moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.codes import TieKind
from sim.model.protocol import Mechanism
from sim.model.schemas import columns
from sim.model.util import choose, hazard, median

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


#: what an organisation gets from its partners
COLUMNS = {
    "orgs": columns(
        {
            "exposure": (np.float64, 0.0),  # spillover exposure (mean positive knowledge gap)
            "partners": (np.float64, 0.0),  # R&D partners plus alumni bridges
        }
    )
}


@dataclass
class CollaborationState:
    """Work kept between steps for speed (not model state: results do not depend on it)."""

    # partner lists of the year: (year, organisations then, indptr, indices)
    neighbour_cache: tuple[int, int, np.ndarray, np.ndarray] | None = None
    # work arrays of update_exposure: source rows, gaps, real-partner weights
    exposure_bufs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _neighbours(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray]:
    """Partner lists for triadic closure and preferential attachment, rebuilt once a year:
    firms search their partners' partners among the ties that stood at the start of the year
    (rebuilding them every step would cost a sort of all ties per step)."""
    n = m.orgs.n
    cache = m.state.collaboration.neighbour_cache
    if cache is None or cache[0] != m.year or cache[1] > n:
        indptr, indices = m.ties.neighbour_lists(n)
        cache = (m.year, n, indptr, indices)
        m.state.collaboration.neighbour_cache = cache
    _, n0, indptr, indices = cache
    if n > n0:  # organisations founded since: no partners listed yet
        indptr = np.concatenate([indptr, np.full(n - n0, indptr[-1])])
    return indptr, indices


def form_ties(m: EcosystemModel, dt: float, scale_rate: float = 1.0) -> None:
    o, cp, rng = m.orgs, m.p.collaboration, m.rng
    act = o["active"]
    firms = (act & ~o["is_univ"]).nonzero()[0]
    univs = (act & o["is_univ"]).nonzero()[0]
    if firms.size < 2:
        return
    emp = o["emp"][firms]
    ref = median(emp)
    rate = cp.tie_rate * (emp / ref) ** cp.tie_size_elasticity * scale_rate
    counts = rng.poisson(rate * dt)
    initiators = np.repeat(firms, counts)
    k = initiators.size
    if k == 0:
        return
    partners = np.full(k, -1, np.int64)
    kinds = np.full(k, TieKind.RD, np.int8)
    u = rng.random(k)

    # 1) universities (technology contracts)
    to_univ = (u < cp.university_tie_share) & (univs.size > 0)
    if to_univ.any():
        partners[to_univ] = choose(rng, univs, o["budget"][univs], int(to_univ.sum()))
        kinds[to_univ] = TieKind.CONTRACT

    # 2) triadic closure through the current adjacency
    deg = np.zeros(o.n, np.int64)
    if m.ties.n:
        indptr, indices = _neighbours(m)
        deg = np.diff(indptr)
        tri = (~to_univ) & (rng.random(k) < cp.triadic_closure) & (deg[initiators] > 0)
        if tri.any():
            src = initiators[tri]
            j = indices[indptr[src] + (rng.random(src.size) * deg[src]).astype(np.int64)]
            has = deg[j] > 0
            kk = np.full(src.size, -1, np.int64)
            jj = j[has]
            kk[has] = indices[indptr[jj] + (rng.random(jj.size) * deg[jj]).astype(np.int64)]
            partners[tri] = kk

    # 3) preferential attachment, in the same park with some probability
    rest = (partners < 0).nonzero()[0]
    if rest.size:
        same = rng.random(rest.size) < cp.same_park_bias
        pa_weight = (deg[firms] + 1.0) * o["weight"][firms]
        far = rest[~same]
        partners[far] = choose(rng, firms, pa_weight, far.size)
        near = rest[same]
        if near.size:
            parks_of = o["park"][initiators[near]]
            # firms grouped by park, in row order within a park (as a mask would select them)
            firm_parks = o["park"][firms]
            order = np.argsort(firm_parks, kind="stable")
            firms_by_park, weight_by_park = firms[order], pa_weight[order]
            starts = np.searchsorted(firm_parks[order], np.arange(m.parks.n + 1))
            for p in np.unique(parks_of).tolist():
                sel = near[parks_of == p]
                lo, hi = starts[p], starts[p + 1]
                partners[sel] = choose(rng, firms_by_park[lo:hi], weight_by_park[lo:hi], sel.size)
    ok = (partners >= 0) & (partners != initiators)
    ok[ok] &= o["active"][partners[ok]]  # yearly neighbour lists may name ended partners
    m.ties.add(initiators[ok], partners[ok], kinds[ok])


def decay_ties(m: EcosystemModel) -> None:
    o, cp, dt, rng = m.orgs, m.p.collaboration, m.dt, m.rng
    n = m.ties.n
    if n:
        a, b = m.ties.a[:n], m.ties.b[:n]
        alive = o["active"][a] & o["active"][b]
        alive &= rng.random(n) >= hazard(1.0 / cp.tie_duration, dt)
        m.ties.keep(alive)
    n = m.coinvest.n
    if n:
        m.coinvest.keep(rng.random(n) >= hazard(1.0 / cp.tie_duration, dt))
    # alumni ties fade
    tl = m.talent
    has = tl["alumni"] >= 0
    fade = has & (rng.random(tl.n) < hazard(1.0 / cp.alumni_duration, dt))
    tl["alumni"][fade.nonzero()[0]] = -1


def update_exposure(m: EcosystemModel) -> None:
    """Mean positive knowledge gap to partners, and partner counts, of every organisation."""
    o, tl = m.orgs, m.talent
    n = o.n
    a, b = m.ties.a[: m.ties.n], m.ties.b[: m.ties.n]
    act = tl["active"]
    e, al = tl["employer"], tl["alumni"]
    bridge = act & (e >= 0) & (al >= 0) & (e != al)
    bridge = bridge.nonzero()[0]
    ea, eb = e[bridge], al[bridge]
    ok = o["active"][eb]
    ea, eb = ea[ok], eb[ok]
    na, nt = a.size, 2 * a.size + ea.size
    src, gap, real = _exposure_buffers(m, nt)
    src[:na], src[na : 2 * na], src[2 * na :] = a, b, ea
    lp = o["log_prod"]
    la, lb = lp[a], lp[b]  # each tie counts both ways: gather both ends once
    np.subtract(lb, la, out=gap[:na])
    np.subtract(la, lb, out=gap[na : 2 * na])
    np.subtract(lp[eb], lp[ea], out=gap[2 * na :])
    np.maximum(gap, 0.0, out=gap)
    # counts in real-world partners, so that results do not depend on the sampling scale: a
    # tie started by a (standing for w[a] firms) gives each of a's firms one partner and each
    # of b's w[a] / w[b]; an alumni bridge (a talent agent) stands for 1 / scale groups of
    # `people_per_talent_agent` people, spread over the w[e] firms its employer stands for
    w = o["weight"]
    people = m.talent_weight / m.p.population.people_per_talent_agent
    real[:na] = 1.0
    np.divide(w[a], w[b], out=real[na : 2 * na])
    np.divide(people, w[ea], out=real[2 * na :])
    cnt = np.bincount(src, weights=real, minlength=n)
    tot = np.bincount(src, weights=np.multiply(gap, real, out=gap), minlength=n)
    o["partners"] = cnt
    # the mean gap over partners; below one real partner (a sampled small firm tied to a
    # large one) the expected gap, partner share times gap; no partners: 0.0 / 1.0 = 0.0
    o["exposure"] = tot / np.maximum(cnt, 1.0)


def _exposure_buffers(m: EcosystemModel, size: int) -> tuple[np.ndarray, ...]:
    """Work arrays of ``update_exposure`` (source rows, gaps, weights), kept between steps:
    fresh arrays of this size cost more in page faults than the arithmetic done in them."""
    bufs = m.state.collaboration.exposure_bufs
    if bufs is None or bufs[0].size < size:
        cap = max(size, 2 * (bufs[0].size if bufs is not None else 0))
        bufs = (np.empty(cap, np.int64), np.empty(cap), np.empty(cap))
        m.state.collaboration.exposure_bufs = bufs
    return tuple(buf[:size] for buf in bufs)


def step(m: EcosystemModel) -> None:
    decay_ties(m)
    form_ties(m, m.dt)
    update_exposure(m)


MECHANISM = Mechanism(
    name="collaboration",
    columns=COLUMNS,
    summary="R&D ties grow and decay, spillover exposure",
    params=("collaboration", "population"),
    state=CollaborationState,
    step=step,
)
