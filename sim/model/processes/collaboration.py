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

from sim.model import jit, sampling
from sim.model.codes import TieKind
from sim.model.protocol import Mechanism
from sim.model.schemas import columns
from sim.model.util import _search_kernel, choose, hazard, median

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

    # partner lists of the year: (year, organisations then, indptr, indices, padded degrees)
    neighbour_cache: tuple[int, int, np.ndarray, np.ndarray, np.ndarray] | None = None
    # work arrays of update_exposure: source rows, gaps, real-partner weights
    exposure_bufs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def _neighbours(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Partner lists for triadic closure and preferential attachment, rebuilt once a year:
    firms search their partners' partners among the ties that stood at the start of the year
    (rebuilding them every step would cost a sort of all ties per step).

    Returns ``(indptr, indices, deg)``: ``deg`` covers every current row (organisations
    founded since the lists were built have degree 0), ``indptr`` only the rows listed then,
    which are the only ones with a positive degree (the only ones looked up)."""
    n = m.orgs.n
    cache = m.state.collaboration.neighbour_cache
    if cache is None or cache[0] != m.year or cache[1] > n:
        indptr, indices = m.ties.neighbour_lists(n)
        # degrees in a zero-padded buffer: rows added during the year read 0 without a copy
        deg = np.zeros(max(2 * n, 1024), np.int64)
        np.subtract(indptr[1:], indptr[:-1], out=deg[:n])
        cache = (m.year, n, indptr, indices, deg)
        m.state.collaboration.neighbour_cache = cache
    _, n0, indptr, indices, deg = cache
    if n > deg.size:  # more new organisations than the padding holds
        deg = np.concatenate([deg, np.zeros(n - deg.size + n0, np.int64)])
        m.state.collaboration.neighbour_cache = (m.year, n0, indptr, indices, deg)
    return indptr, indices, deg[:n]


def _tie_rates(m: EcosystemModel, firms: np.ndarray, dt: float, scale_rate: float) -> np.ndarray:
    """Expected new ties of each firm in the step (both paths of :func:`form_ties`):
    ``tie_rate * (emp / median emp) ** elasticity * scale_rate * dt``, the same operations in
    order, in place in a fresh gather (the operator ``**=`` keeps numpy's scalar-power
    shortcuts)."""
    cp = m.p.collaboration
    rate: np.ndarray = m.orgs["emp"][firms]
    ref = median(rate)
    np.divide(rate, ref, out=rate)
    rate **= cp.tie_size_elasticity
    np.multiply(rate, cp.tie_rate, out=rate)
    rate *= scale_rate
    rate *= dt
    return rate


def _contract_partners(
    m: EcosystemModel, univs: np.ndarray, initiators: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The new ties' partners and kinds (both paths of :func:`form_ties`), with the
    technology contracts drawn: a share of initiators ties to a university chosen by its
    budget; the other partners are left at -1 for closure and attachment."""
    o, cp, rng = m.orgs, m.p.collaboration, m.rng
    k = initiators.size
    partners = np.full(k, -1, np.int64)
    kinds = np.full(k, TieKind.RD, np.int8)
    to_univ = (rng.random(k) < cp.university_tie_share) & (univs.size > 0)
    if to_univ.any():
        partners[to_univ] = choose(rng, univs, o["budget"][univs], int(to_univ.sum()))
        kinds[to_univ] = TieKind.CONTRACT
    return partners, kinds, to_univ


def form_ties(m: EcosystemModel, dt: float, scale_rate: float = 1.0) -> None:
    if jit.ENABLED:
        _form_ties_compiled(m, dt, scale_rate)
        return
    o, cp, rng = m.orgs, m.p.collaboration, m.rng
    act = o["active"]
    firms = (act & ~o["is_univ"]).nonzero()[0]
    univs = (act & o["is_univ"]).nonzero()[0]
    if firms.size < 2:
        return
    rows, counts = sampling.poisson_events(rng, _tie_rates(m, firms, dt, scale_rate))
    initiators = np.repeat(firms[rows], counts)
    k = initiators.size
    if k == 0:
        return
    # 1) universities (technology contracts)
    partners, kinds, to_univ = _contract_partners(m, univs, initiators)

    # 2) triadic closure through the current adjacency
    if m.ties.n:
        indptr, indices, deg = _neighbours(m)
        tri = (~to_univ) & (rng.random(k) < cp.triadic_closure) & (deg[initiators] > 0)
        if tri.any():
            src = initiators[tri]
            j = indices[indptr[src] + (rng.random(src.size) * deg[src]).astype(np.int64)]
            has = deg[j] > 0
            kk = np.full(src.size, -1, np.int64)
            jj = j[has]
            kk[has] = indices[indptr[jj] + (rng.random(jj.size) * deg[jj]).astype(np.int64)]
            partners[tri] = kk
        pa_weight = deg[firms] + 1.0
    else:
        pa_weight = np.ones(firms.size)  # (0 + 1.0) for every firm

    # 3) preferential attachment, in the same park with some probability
    rest = (partners < 0).nonzero()[0]
    if rest.size:
        same = rng.random(rest.size) < cp.same_park_bias
        pa_weight *= o["weight"][firms]
        far = rest[~same]
        partners[far] = choose(rng, firms, pa_weight, far.size)
        near = rest[same]
        if near.size:
            _choose_in_parks(m, firms, pa_weight, initiators, near, partners)
    ok = (partners >= 0) & (partners != initiators)
    ok[ok] &= o["active"][partners[ok]]  # yearly neighbour lists may name ended partners
    m.ties.add(initiators[ok], partners[ok], kinds[ok])


def _form_ties_compiled(m: EcosystemModel, dt: float, scale_rate: float) -> None:
    """:func:`form_ties` with its chains of array passes in kernels: the same draws from the
    generator in the same order and sizes, the same arithmetic per element (the power stays
    numpy's), the same ties added in the same order.

    The firms' numbers of new ties are independent Poisson counts of means ``_tie_rates``;
    ``sampling.poisson_events`` draws them as one Poisson total scattered over the firms in
    proportion to their rates (superposition: the same joint law as one ``rng.poisson`` per
    firm) and returns the firms with at least one tie, ascending, with their counts, so the
    initiators come in the same order (firm rows, each repeated by its count)."""
    o, cp, rng = m.orgs, m.p.collaboration, m.rng
    firms, univs = _split_orgs(o["active"], o["is_univ"])
    if firms.size < 2:
        return
    rows, counts = sampling.poisson_events(rng, _tie_rates(m, firms, dt, scale_rate))
    initiators = _repeat(firms[rows], counts)
    k = initiators.size
    if k == 0:
        return
    partners, kinds, to_univ = _contract_partners(m, univs, initiators)
    has_ties = m.ties.n > 0
    if has_ties:
        indptr, indices, deg = _neighbours(m)
        tri = _triadic_sources(to_univ, rng.random(k), cp.triadic_closure, deg, initiators)
        if tri.size:
            first, n_second = _triadic_first(
                tri, initiators, indptr, indices, deg, rng.random(tri.size)
            )
            _triadic_second(tri, first, indptr, indices, deg, rng.random(n_second), partners)
    else:
        deg = np.zeros(0, np.int64)
    rest = (partners < 0).nonzero()[0]
    if rest.size:
        same = rng.random(rest.size) < cp.same_park_bias
        pa_weight = _attachment_weights(firms, deg, o["weight"], has_ties)
        far = rest[~same]
        partners[far] = choose(rng, firms, pa_weight, far.size)
        near = rest[same]
        if near.size:
            _choose_in_parks(m, firms, pa_weight, initiators, near, partners)
    a, b, kk = _new_pairs(initiators, partners, kinds, o["active"])
    m.ties.add(a, b, kk)


@jit.kernel
def _split_orgs(active: np.ndarray, is_univ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the active firms and of the active universities, in row order (what
    ``nonzero`` of the two masks gives)."""
    n_firms = 0
    n_univs = 0
    for i in range(active.size):
        if active[i]:
            if is_univ[i]:
                n_univs += 1
            else:
                n_firms += 1
    firms = np.empty(n_firms, np.int64)
    univs = np.empty(n_univs, np.int64)
    f = 0
    v = 0
    for i in range(active.size):
        if active[i]:
            if is_univ[i]:
                univs[v] = i
                v += 1
            else:
                firms[f] = i
                f += 1
    return firms, univs


@jit.kernel
def _repeat(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``np.repeat(values, counts)`` (counts from a Poisson draw: never negative)."""
    total = 0
    for i in range(counts.size):
        total += counts[i]
    out = np.empty(total, np.int64)
    w = 0
    for i in range(counts.size):
        v = values[i]
        for _ in range(counts[i]):
            out[w] = v
            w += 1
    return out


@jit.kernel
def _triadic_sources(
    to_univ: np.ndarray, draws: np.ndarray, p: float, deg: np.ndarray, initiators: np.ndarray
) -> np.ndarray:
    """Positions of the draws that try triadic closure: not to a university, the draw below
    the closure probability, an initiator with partners (``nonzero`` of the numpy mask)."""
    count = 0
    for i in range(draws.size):
        if not to_univ[i] and draws[i] < p and deg[initiators[i]] > 0:
            count += 1
    out = np.empty(count, np.int64)
    w = 0
    for i in range(draws.size):
        if not to_univ[i] and draws[i] < p and deg[initiators[i]] > 0:
            out[w] = i
            w += 1
    return out


@jit.kernel
def _triadic_first(
    tri: np.ndarray,
    initiators: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    deg: np.ndarray,
    draws: np.ndarray,
) -> tuple[np.ndarray, int]:
    """A partner of each closing initiator, ``indices[indptr[src] + int(draw * deg[src])]``
    (the float product truncated, as ``astype(np.int64)`` does), and how many of those
    partners have partners themselves (the size of the next draw)."""
    first = np.empty(tri.size, np.int64)
    n_second = 0
    for t in range(tri.size):
        src = initiators[tri[t]]
        j = indices[indptr[src] + np.int64(draws[t] * deg[src])]
        first[t] = j
        if deg[j] > 0:
            n_second += 1
    return first, n_second


@jit.kernel
def _triadic_second(
    tri: np.ndarray,
    first: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    deg: np.ndarray,
    draws: np.ndarray,
    partners: np.ndarray,
) -> None:
    """The partner's partner, drawn as above, for the first partners that have partners
    (the draws taken in their order); -1 for the others."""
    c = 0
    for t in range(tri.size):
        j = first[t]
        if deg[j] > 0:
            partners[tri[t]] = indices[indptr[j] + np.int64(draws[c] * deg[j])]
            c += 1
        else:
            partners[tri[t]] = -1


@jit.kernel
def _attachment_weights(
    firms: np.ndarray, deg: np.ndarray, weight: np.ndarray, has_ties: bool
) -> np.ndarray:
    """Preferential-attachment weights ``(deg + 1.0) * weight`` of the firms (``1.0 *
    weight`` before any tie): the int-to-float conversion, the sum and the product of the
    numpy path, in its order."""
    out = np.empty(firms.size)
    for i in range(firms.size):
        f = firms[i]
        base = np.float64(deg[f]) + 1.0 if has_ties else 1.0
        out[i] = base * weight[f]
    return out


@jit.kernel
def _new_pairs(
    initiators: np.ndarray, partners: np.ndarray, kinds: np.ndarray, active: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs to add, in draw order: a partner found, not the initiator itself, and
    still active (yearly neighbour lists may name ended organisations)."""
    count = 0
    for i in range(partners.size):
        p = partners[i]
        if p >= 0 and p != initiators[i] and active[p]:
            count += 1
    a = np.empty(count, np.int64)
    b = np.empty(count, np.int64)
    kk = np.empty(count, np.int8)
    w = 0
    for i in range(partners.size):
        p = partners[i]
        if p >= 0 and p != initiators[i] and active[p]:
            a[w] = initiators[i]
            b[w] = p
            kk[w] = kinds[i]
            w += 1
    return a, b, kk


def _choose_in_parks(
    m: EcosystemModel,
    firms: np.ndarray,
    pa_weight: np.ndarray,
    initiators: np.ndarray,
    near: np.ndarray,
    partners: np.ndarray,
) -> None:
    """Partners of the draws ``near`` (positions in ``initiators``) among the firms of the
    initiator's park, by weight: for each park in increasing order, what
    ``choose(rng, firms of the park in row order, their weights, number of its draws)`` gives
    (the same draws from the generator, the same cumulative sums, the same look-ups), with
    the draws of all parks taken in one call and the firms grouped by park once."""
    park = m.orgs["park"]
    if jit.ENABLED:
        u = m.rng.random(near.size)
        _in_parks_kernel(park, firms, pa_weight, initiators, near, u, partners)
        return
    firm_parks = park[firms]
    order = np.argsort(firm_parks, kind="stable")  # firms by park, row order within a park
    firms_by_park = firms[order]
    cdf = np.maximum(pa_weight[order], 0.0)  # cumulated in place park by park below
    size = np.bincount(firm_parks)
    parks_of = park[initiators[near]]
    wanted = np.bincount(parks_of, minlength=size.size)
    by_park = np.argsort(parks_of, kind="stable")  # draws by park, in order within a park
    u = m.rng.random(near.size)  # one call: the same numbers as one call per park in order
    idx = np.empty(near.size, np.int64)
    lo = np.zeros(size.size + 1, np.int64)
    np.cumsum(size, out=lo[1:])
    first = np.zeros(size.size + 1, np.int64)
    np.cumsum(wanted, out=first[1:])
    lo_l, first_l = lo.tolist(), first.tolist()
    for p in np.flatnonzero(wanted).tolist():
        a, b, s0, s1 = lo_l[p], lo_l[p + 1], first_l[p], first_l[p + 1]
        c = cdf[a:b]
        np.cumsum(c, out=c)
        if c[-1] <= 0:
            c[:] = np.arange(1, b - a + 1, dtype=np.float64)
        uu = u[s0:s1]
        uu *= c[-1]
        got = c.searchsorted(uu, "right")
        np.minimum(got, b - a - 1, out=got)
        got += a
        idx[s0:s1] = got
    partners[near[by_park]] = firms_by_park[idx]


@jit.kernel
def _in_parks_kernel(
    park: np.ndarray,
    firms: np.ndarray,
    pa_weight: np.ndarray,
    initiators: np.ndarray,
    near: np.ndarray,
    u: np.ndarray,
    partners: np.ndarray,
) -> None:
    """The numpy path of :func:`_choose_in_parks` without its loop over parks.

    The two stable argsorts by park are counting sorts (a stable sort has one result);
    the clipped weights are cumulated park by park from the park's first firm, as
    ``np.cumsum`` of the park's slice does; each draw is multiplied by its park's total and
    searched in its park's run by ``util._search_kernel`` (guide table, the same positions as
    ``searchsorted``; see ``util._cumulate_kernel`` and ``util.searchsorted_right`` for why the
    clipping and the search give numpy's numbers)."""
    nf = firms.size
    n_parks = 0
    for i in range(nf):
        p = int(park[firms[i]])
        if p + 1 > n_parks:
            n_parks = p + 1
    lo = np.zeros(n_parks + 1, np.int64)
    for i in range(nf):
        lo[int(park[firms[i]]) + 1] += 1
    for p in range(n_parks):
        lo[p + 1] += lo[p]
    fill = lo[:n_parks].copy()
    firms_by_park = np.empty(nf, np.int64)
    cdf = np.empty(nf)
    for i in range(nf):
        p = int(park[firms[i]])
        j = fill[p]
        fill[p] = j + 1
        firms_by_park[j] = firms[i]
        x = pa_weight[i]
        if x <= 0.0:  # np.maximum(x, 0.0): NaN kept, -0.0 made 0.0
            x = 0.0
        cdf[j] = x
    # the draws grouped by park, in their order within a park
    nn = near.size
    first = np.zeros(n_parks + 1, np.int64)
    for s in range(nn):
        first[int(park[initiators[near[s]]]) + 1] += 1
    for p in range(n_parks):
        first[p + 1] += first[p]
    slot = first[:n_parks].copy()
    target = np.empty(nn, np.int64)
    for s in range(nn):
        p = int(park[initiators[near[s]]])
        target[slot[p]] = near[s]
        slot[p] += 1
    for p in range(n_parks):
        s0, s1 = first[p], first[p + 1]
        if s0 == s1:
            continue
        a, b = lo[p], lo[p + 1]
        total = cdf[a]
        for i in range(a + 1, b):
            total = total + cdf[i]
            cdf[i] = total
        if total <= 0.0:  # all weights zero: equal chances (1, 2, ..., b - a)
            for i in range(a, b):
                cdf[i] = np.float64(i - a + 1)
            total = cdf[b - 1]
        got = _search_kernel(cdf[a:b], u[s0:s1], b - a - 1)
        for s in range(s0, s1):
            partners[target[s]] = firms_by_park[a + got[s - s0]]


def decay_ties(m: EcosystemModel) -> None:
    """Ties end with a constant hazard (and with either end); alumni ties fade likewise.

    Each tie, co-investment tie and talent row meets its end independently with the same
    probability in the step, so the rows that end are drawn by :func:`_rows_at_rate`
    (geometric gaps between successive ending rows) rather than one uniform per row: the
    same independent trials, exact in law, with about ``n * p`` draws instead of ``n``."""
    o, cp, dt, rng = m.orgs, m.p.collaboration, m.dt, m.rng
    n = m.ties.n
    if n:
        ended = _rows_at_rate(rng, float(hazard(1.0 / cp.tie_duration, dt)), n)
        m.ties.keep_alive(o["active"], ended)  # ties with an ended organisation go too
    n = m.coinvest.n
    if n:
        stay = np.ones(n, bool)
        stay[_rows_at_rate(rng, float(hazard(1.0 / cp.tie_duration, dt)), n)] = False
        m.coinvest.keep(stay)
    # alumni ties fade (rows without a former employer hold -1 already: setting them to -1
    # again changes nothing, so every row may be drawn)
    tl = m.talent
    fade = _rows_at_rate(rng, float(hazard(1.0 / cp.alumni_duration, dt)), tl.n)
    tl["alumni"][fade] = -1


#: below this many rows one uniform per row costs less than drawing the gaps (measured:
#: 3 against 5.5 us at 500 rows, 7 against 7 at 2,000, 200 against 47 at 80,000)
_GAPS_MIN_ROWS = 2048


def _rows_at_rate(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    """Rows (ascending) of ``n`` independent trials of the same probability ``p`` that
    succeed: the law of ``(rng.random(n) < p).nonzero()[0]``. For a small ``p`` the gaps
    between successes are drawn (geometric, as ``sampling.bernoulli_rows`` draws its
    candidates; with one probability for all rows every candidate is a success, so no
    thinning draw is needed); above the sampler's cut-off, or for a few rows (small runs),
    one uniform per row is cheaper. (Both cut-offs are properties of the inputs: the same seed
    gives the same numbers.)"""
    if not p > 0.0:
        return np.zeros(0, np.intp)
    if p > sampling.BERNOULLI_THIN_MAX_P or n < _GAPS_MIN_ROWS:
        return (rng.random(n) < p).nonzero()[0]
    return sampling.geometric_positions(rng, p, n)


def update_exposure(m: EcosystemModel) -> None:
    """Mean positive knowledge gap to partners, and partner counts, of every organisation."""
    o, tl = m.orgs, m.talent
    if jit.ENABLED:
        o["partners"], o["exposure"] = _exposure_kernel(
            m.ties.a[: m.ties.n],
            m.ties.b[: m.ties.n],
            tl["employer"],
            tl["alumni"],
            tl["active"],
            o["active"],
            o["log_prod"],
            o["weight"],
            m.talent_weight / m.p.population.people_per_talent_agent,
            o.n,
        )
        return
    n = o.n
    a, b = m.ties.a[: m.ties.n], m.ties.b[: m.ties.n]
    e, al = tl["employer"], tl["alumni"]
    # alumni bridges: active people employed elsewhere than their former employer (the
    # conditions combined in place, in two work arrays)
    bridge = e >= 0
    bridge &= tl["active"]
    cond = al >= 0
    bridge &= cond
    bridge &= np.not_equal(e, al, out=cond)
    rows = bridge.nonzero()[0]
    ea, eb = e[rows], al[rows]
    ok = o["active"][eb]
    ea, eb = ea[ok], eb[ok]
    na, nt = a.size, 2 * a.size + ea.size
    src, gap, real = _exposure_buffers(m, nt)
    # each tie counts both ways, its two ends side by side (tie 0's a end, its b end, tie 1's
    # a end, ...): bincount then adds in the order of the kernel's single pass over the ties
    src[: 2 * na : 2], src[1 : 2 * na : 2], src[2 * na :] = a, b, ea
    lp = o["log_prod"]
    la, lb = lp[a], lp[b]  # gather both ends once
    np.subtract(lb, la, out=gap[: 2 * na : 2])
    np.subtract(la, lb, out=gap[1 : 2 * na : 2])
    np.subtract(lp[eb], lp[ea], out=gap[2 * na :])
    np.maximum(gap, 0.0, out=gap)
    # counts in real-world partners, so that results do not depend on the sampling scale: a
    # tie started by a (standing for w[a] firms) gives each of a's firms one partner and each
    # of b's w[a] / w[b]; an alumni bridge (a talent agent) stands for 1 / scale groups of
    # `people_per_talent_agent` people, spread over the w[e] firms its employer stands for
    w = o["weight"]
    people = m.talent_weight / m.p.population.people_per_talent_agent
    real[: 2 * na : 2] = 1.0
    np.divide(w[a], w[b], out=real[1 : 2 * na : 2])
    np.divide(people, w[ea], out=real[2 * na :])
    cnt = np.bincount(src, weights=real, minlength=n)
    tot = np.bincount(src, weights=np.multiply(gap, real, out=gap), minlength=n)
    o["partners"] = cnt
    # the mean gap over partners; below one real partner (a sampled small firm tied to a
    # large one) the expected gap, partner share times gap; no partners: 0.0 / 1.0 = 0.0
    np.maximum(cnt, 1.0, out=cnt)  # (the partner counts are stored already)
    o["exposure"] = np.divide(tot, cnt, out=tot)


@jit.kernel
def _exposure_kernel(
    a: np.ndarray,
    b: np.ndarray,
    employer: np.ndarray,
    alumni: np.ndarray,
    talent_active: np.ndarray,
    org_active: np.ndarray,
    log_prod: np.ndarray,
    w: np.ndarray,
    people: float,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The numpy path of :func:`update_exposure` in one pass per source.

    ``bincount`` adds its weights in the order of the source array: each tie from its ``a``
    end then from its ``b`` end, tie after tie, then the alumni bridges in talent order.
    The two loops keep that order, so every sum is the same number; ``max(gap, 0)`` of a
    difference is never -0.0, so the comparison below is ``np.maximum``. (One pass over the
    ties reads each end's values once: about a fifth faster than a pass per end.)
    """
    cnt = np.zeros(n)
    tot = np.zeros(n)
    for i in range(a.size):
        ai = a[i]
        bi = b[i]
        la = log_prod[ai]
        lb = log_prod[bi]
        gap = lb - la
        if gap < 0.0:
            gap = 0.0
        cnt[ai] += 1.0
        tot[ai] += gap * 1.0
        gap = la - lb
        if gap < 0.0:
            gap = 0.0
        real = w[ai] / w[bi]
        cnt[bi] += real
        tot[bi] += gap * real
    for j in range(employer.size):
        e = employer[j]
        al = alumni[j]
        if e >= 0 and talent_active[j] and al >= 0 and e != al and org_active[al]:
            gap = log_prod[al] - log_prod[e]
            if gap < 0.0:
                gap = 0.0
            real = people / w[e]
            cnt[e] += real
            tot[e] += gap * real
    partners = cnt.copy()
    for k in range(n):
        c = cnt[k]
        if c < 1.0:
            c = 1.0
        tot[k] = tot[k] / c
    return partners, tot


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
