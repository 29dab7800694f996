"""Samplers for many rare independent events, exact in distribution and cheaper than one draw
per row.

A step asks, for tens of thousands of rows at a time, "how many events of rate ``lam_i``?"
(Poisson counts: patents, ties, founders) or "does the event of probability ``p_i`` happen?"
(Bernoulli trials: exits, departures, tie decay). Drawing one variate per row costs 4-18 ns a row
whatever the rates; when the events are rare, almost all of that is spent on rows where nothing
happens. Both samplers below draw only about as many variates as there are events:

- :func:`poisson_counts`: independent Poisson counts are a Poisson total scattered over the rows
  in proportion to their rates (the superposition property of Poisson processes). The total is
  one Poisson draw; each event picks its row by inverse-CDF look-up of one uniform.
- :func:`bernoulli_rows`: independent trials with probabilities ``p_i <= p_max`` are candidate
  rows drawn as independent trials at ``p_max`` (geometric gaps between candidates), each kept
  with probability ``p_i / p_max`` (thinning).

Both give exactly the joint distribution of the one-draw-per-row version, not an approximation;
only the random stream differs (different numbers are drawn for the same seed). When the events
are not rare (mean count per row or ``p_max`` above a cut-off) they fall back to one draw per
row, which is then cheaper. The cut-off is a property of the inputs, so the same seed still gives
the same numbers.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model import jit
from sim.model.util import _cumulate_kernel

#: mean Poisson count per row above which one draw per row is cheaper than scattering
POISSON_SCATTER_MAX_MEAN = 1.5
#: largest probability for which thinning beats one uniform per row
BERNOULLI_THIN_MAX_P = 0.1


def poisson_counts(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Independent Poisson counts with means ``lam`` (non-negative, finite), as int64.

    The same distribution as ``rng.poisson(lam)``. With ``T = sum(lam)`` small against the
    number of rows, draws ``N ~ Poisson(T)`` and gives each of the ``N`` events the row ``i``
    with probability ``lam_i / T``: ``N`` uniforms and look-ups instead of one Poisson draw per
    row. Rows with ``lam_i == 0`` never receive an event.
    """
    lam = np.asarray(lam, dtype=np.float64)
    n = lam.size
    if n == 0:
        return np.zeros(0, np.int64)
    cdf = _running_total(lam)
    total = float(cdf[-1])
    if not (0.0 <= total <= POISSON_SCATTER_MAX_MEAN * n) or lam.min() < 0.0:
        direct: np.ndarray = rng.poisson(lam).astype(np.int64, copy=False)  # rejects NaN, < 0
        return direct
    return np.bincount(_scatter(rng, cdf, total), minlength=n).astype(np.int64, copy=False)


def poisson_events(rng: np.random.Generator, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of :func:`poisson_counts` with at least one event (ascending) and their counts:
    what most callers need, without a pass over all rows when events are rare."""
    lam = np.asarray(lam, dtype=np.float64)
    n = lam.size
    if n == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.int64)
    cdf = _running_total(lam)
    total = float(cdf[-1])
    if not (0.0 <= total <= POISSON_SCATTER_MAX_MEAN * n) or lam.min() < 0.0:
        counts = rng.poisson(lam).astype(np.int64, copy=False)
        rows = counts.nonzero()[0]
        return rows, counts[rows]
    rows = _scatter(rng, cdf, total)
    if rows.size == 0:
        return rows, np.zeros(0, np.int64)
    first = np.empty(rows.size, dtype=bool)  # rows come sorted: runs of one row are its count
    first[0] = True
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    starts = first.nonzero()[0]
    counts = np.diff(starts, append=rows.size).astype(np.int64, copy=False)
    return rows[starts], counts


def _running_total(lam: np.ndarray) -> np.ndarray:
    """Running totals of the rates: numpy's ``cumsum`` adds in index order, as the compiled
    loop does, so both give the same bits; the loop is about 4 times faster. (A negative or
    NaN rate sends the caller to ``rng.poisson``, which rejects it.)"""
    if jit.ENABLED:
        running: np.ndarray = _cumulate_kernel(np.ascontiguousarray(lam))
        return running
    cdf: np.ndarray = np.maximum(lam, 0.0)
    cdf.cumsum(out=cdf)
    return cdf


def _scatter(rng: np.random.Generator, cdf: np.ndarray, total: float) -> np.ndarray:
    """The rows (ascending) of ``Poisson(total)`` events, each in row ``i`` with probability
    proportional to ``cdf[i] - cdf[i-1]``.

    The events' uniforms are drawn already sorted, as the normalised running sums of ``k + 1``
    standard exponentials (the order statistics of ``k`` uniforms), so one walk along the table
    finds every row. Each event lands in the first row whose running total exceeds its point,
    which is never a row of zero rate; a point rounded up to ``total`` itself goes to the last
    row of positive rate."""
    k = int(rng.poisson(total)) if total > 0.0 else 0
    if k == 0:
        return np.zeros(0, np.intp)
    points = rng.standard_exponential(k + 1)
    if jit.ENABLED:
        walked: np.ndarray = walk_kernel(cdf, points, total)
        return walked
    points.cumsum(out=points)
    points *= total / points[-1]
    rows: np.ndarray = cdf.searchsorted(points[:k], "right")
    if rows[-1] >= cdf.size:
        np.minimum(rows, _last_positive(cdf), out=rows)
    return rows


def _last_positive(cdf: np.ndarray) -> int:
    return int(np.flatnonzero(np.diff(cdf, prepend=0.0) > 0.0)[-1])


@jit.kernel
def walk_kernel(cdf: np.ndarray, points: np.ndarray, total: float) -> np.ndarray:
    """The numpy path of :func:`_scatter` in one pass: the running sum of ``points`` (added in
    index order, as ``cumsum`` does), each scaled by the same factor, then a merge walk along
    ``cdf`` in place of ``searchsorted(..., 'right')`` on the sorted points."""
    k = points.size - 1
    for i in range(1, points.size):
        points[i] += points[i - 1]
    scale = total / points[k]
    rows = np.empty(k, np.intp)
    n = cdf.size
    j = 0
    for e in range(k):
        x = points[e] * scale
        while j < n and cdf[j] <= x:
            j += 1
        rows[e] = j
    if k > 0 and rows[k - 1] >= n:
        last = n - 1  # the last row of positive rate, as _last_positive finds it
        while last > 0 and not (cdf[last] > cdf[last - 1]):
            last -= 1
        for e in range(k):
            if rows[e] > last:
                rows[e] = last
    return rows


def bernoulli_rows(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Rows (ascending) where independent events of probabilities ``p`` happen.

    The same distribution as ``(rng.random(p.size) < p).nonzero()[0]``: probabilities at or
    below 0 never fire, at or above 1 always do, NaN never does. When the largest probability
    ``p_max`` is small, candidates are drawn as trials at ``p_max`` (gaps between successive
    candidates are geometric) and each is kept with probability ``p_i / p_max``: about
    ``2 * n * p_max`` draws instead of ``n``.
    """
    p = np.asarray(p, dtype=np.float64)
    n = p.size
    if n == 0:
        return np.zeros(0, np.intp)
    p_max = float(np.max(p))  # NaN if any is NaN
    if not (p_max <= BERNOULLI_THIN_MAX_P):  # large, or NaN present: one uniform per row
        return (rng.random(n) < p).nonzero()[0]
    if p_max <= 0.0:
        return np.zeros(0, np.intp)
    cand = geometric_positions(rng, p_max, n)
    if cand.size == 0:
        return cand
    keep = rng.random(cand.size) * p_max < p[cand]
    rows: np.ndarray = cand[keep]
    return rows


def geometric_positions(rng: np.random.Generator, q: float, n: int) -> np.ndarray:
    """Positions in ``0..n-1`` (ascending) of independent trials of probability ``q`` that
    succeed: the gap to the next success is geometric. Gaps are drawn in batches sized to reach
    past ``n`` with high probability; a rare short batch is followed by another.

    For ``q < 1/3`` the gaps are ``ceil(E / -log1p(-q))`` with ``E`` standard exponential,
    which is how numpy's ``Generator.geometric`` computes them (its inversion method), to the
    bit and from the same draws; doing it here with ``log1p`` taken once rather than per draw
    is about 4 times cheaper. Larger ``q`` use ``rng.geometric`` itself.
    """
    mean = n * q
    parts: list[np.ndarray] = []
    start = -1  # position of the last success so far
    scale = -math.log1p(-q) if q < 1.0 / 3.0 else 0.0  # libm's log1p, as numpy's C code calls
    while True:
        batch = int(mean + 4.0 * math.sqrt(mean) + 16)
        if scale > 0.0 and jit.ENABLED:
            pos = _gap_positions_kernel(rng.standard_exponential(batch), scale, start)
        else:
            if scale > 0.0:
                gaps = rng.standard_exponential(batch)
                np.divide(gaps, scale, out=gaps)
                np.ceil(gaps, out=gaps)
                np.maximum(gaps, 1.0, out=gaps)  # E == 0 (chance 2^-64): still a gap of one
                pos = gaps.astype(np.int64)
            else:
                pos = rng.geometric(q, size=batch)
            np.cumsum(pos, out=pos)
            pos += start
        if pos[-1] >= n:
            parts.append(pos[: int(pos.searchsorted(n, "left"))])
            break
        parts.append(pos)
        start = int(pos[-1])
        mean = (n - 1 - start) * q
    out = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return out.astype(np.intp, copy=False)


@jit.kernel
def _gap_positions_kernel(e: np.ndarray, scale: float, start: int) -> np.ndarray:
    """The positions :func:`geometric_positions` forms from a batch of exponentials ``e``, in
    one pass: each gap ``max(ceil(e / scale), 1)`` (the same IEEE division and rounding),
    added up from ``start`` in order (integer sums: any order gives the same)."""
    pos = np.empty(e.size, np.int64)
    at = start
    for i in range(e.size):
        g = np.ceil(e[i] / scale)
        if g < 1.0:  # E == 0 (chance about 2^-64): still a gap of one
            g = 1.0
        at += int(g)
        pos[i] = at
    return pos
