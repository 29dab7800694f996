"""Small vectorised helpers shared by the mechanisms."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from sim.model import jit


def hazard(rate: np.ndarray | float, dt: float) -> np.ndarray | float:
    """Probability of an event within ``dt`` years at a yearly ``rate`` (rate may be an array)."""
    if not isinstance(rate, np.ndarray) and 0.0 < rate < math.inf and 0.0 < dt < math.inf:
        return _scalar_hazard(rate, dt)  # equal positive finite numbers have the same bits
    x = np.maximum(rate, 0.0)
    if not isinstance(x, np.ndarray):
        q: float = -np.expm1(-x * dt)
        return q
    # -expm1(-max(rate, 0) * dt), the same operations in place: one array, not four
    np.negative(x, out=x)
    x *= dt
    np.expm1(x, out=x)
    return np.negative(x, out=x)


@functools.lru_cache(maxsize=4096, typed=True)
def _scalar_hazard(rate: float, dt: float) -> float:
    """``hazard`` of a positive finite scalar rate, remembered: mechanisms ask for the same
    few every step."""
    p: float = -np.expm1(-np.maximum(rate, 0.0) * dt)
    return p


def stochastic_round(x: float, rng: np.random.Generator) -> int:
    """Round ``x`` up with probability equal to its fractional part (unbiased integer)."""
    if x <= 0:
        return 0
    base = np.floor(x)
    return int(base + (rng.random() < x - base))


def choose(
    rng: np.random.Generator,
    candidates: np.ndarray,
    weights: np.ndarray,
    k: int,
    replace: bool = True,
) -> np.ndarray:
    """Draw ``k`` of ``candidates`` with probability proportional to ``weights``."""
    if k <= 0 or candidates.size == 0:
        return np.empty(0, dtype=candidates.dtype)
    if not replace:
        w = np.maximum(np.asarray(weights, np.float64), 0.0)
        total = w.sum()
        if total <= 0:
            w = np.ones_like(w)
        k = min(k, int((w > 0).sum()))
        return rng.choice(candidates, size=k, replace=False, p=w / w.sum())
    return _draw(rng, candidates, cumulative_weights(weights), k)


def cumulative_weights(weights: np.ndarray) -> np.ndarray:
    """The look-up table of :func:`choose_cumulative`: running totals of the weights clipped
    at zero (all-zero weights count as equal weights). A caller drawing several times from
    the same weights in a step can make it once; ``choose`` makes it on every call."""
    if jit.ENABLED:
        cdf = _cumulate_kernel(np.ascontiguousarray(weights, np.float64))
    else:  # a fresh array (the clipped weights), cumulated in place
        cdf = np.maximum(np.asarray(weights, np.float64), 0.0)
        cdf.cumsum(out=cdf)
    if cdf.size and cdf[-1] <= 0:
        cdf = np.arange(1, cdf.size + 1, dtype=np.float64)
    return cdf


def choose_cumulative(
    rng: np.random.Generator, candidates: np.ndarray, cdf: np.ndarray, k: int
) -> np.ndarray:
    """Draw ``k`` of ``candidates`` with replacement, ``cdf`` being
    ``cumulative_weights(weights)``: the same draws and the same result as
    ``choose(rng, candidates, weights, k)``."""
    if k <= 0 or candidates.size == 0:
        return np.empty(0, dtype=candidates.dtype)
    return _draw(rng, candidates, cdf, k)


def _draw(rng: np.random.Generator, candidates: np.ndarray, cdf: np.ndarray, k: int) -> np.ndarray:
    """Inverse-CDF sampling: the same distribution as rng.choice(p=...), without its checks
    (array methods rather than numpy functions: small draws are dominated by call costs)."""
    total = cdf[-1]
    if k == 1:  # one number from the generator, as rng.random(1) draws it
        i = min(int(cdf.searchsorted(rng.random() * total, "right")), candidates.size - 1)
        return candidates[i : i + 1].copy()
    u = rng.random(k)
    if jit.ENABLED:
        idx = _search_kernel(np.ascontiguousarray(cdf, np.float64), u, candidates.size - 1)
        drawn: np.ndarray = candidates[idx]
        return drawn
    u *= total
    if k >= 256 and cdf.size >= 4096:  # sorted look-ups: each search starts at the last
        order = u.argsort()
        idx = np.empty(k, np.intp)
        idx[order] = cdf.searchsorted(u[order], "right")
    else:
        idx = cdf.searchsorted(u, "right")
    np.minimum(idx, candidates.size - 1, out=idx)
    return candidates[idx]


@jit.kernel
def _cumulate_kernel(weights: np.ndarray) -> np.ndarray:
    """``np.cumsum(np.maximum(weights, 0.0))`` in one pass. ``np.maximum`` keeps a NaN and
    turns -0.0 into 0.0 (numpy returns its second argument on a tie): ``x <= 0.0`` is false
    for NaN and true for -0.0, so the test below gives the same bits. ``cumsum`` adds in
    index order, starting from the first element, as the loop does."""
    n = weights.size
    cdf = np.empty(n)
    total = 0.0
    for i in range(n):
        x = weights[i]
        if x <= 0.0:
            x = 0.0
        total = x if i == 0 else total + x
        cdf[i] = total
    return cdf


@jit.kernel
def searchsorted_right(cdf: np.ndarray, lo: int, hi: int, x: float) -> int:
    """``lo + cdf[lo:hi].searchsorted(x, "right")`` on a sorted run of ``cdf``, with numpy's
    comparison (NaN above every number, equal to itself): the first position whose value
    is above ``x``, one position whatever path a binary search takes to it."""
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        c = cdf[mid]
        if x < c or (c != c and x == x):
            hi = mid
        else:
            lo = mid + 1
    return lo


@jit.kernel
def _count_at_most(cdf: np.ndarray, lo: int, hi: int, x: float) -> int:
    """``lo`` plus the number of values of the sorted run ``cdf[lo:hi]`` at most ``x``, for
    numbers without NaN (there numpy's comparison is IEEE's): the same position as
    :func:`searchsorted_right`, found in a fixed number of halvings whose choice compiles to
    a conditional move rather than a branch (draws are random: branches mispredict)."""
    n = hi - lo
    if n <= 0:
        return lo
    base = lo
    while n > 1:
        half = n >> 1
        base = base + half if cdf[base + half] <= x else base
        n -= half
    return base + 1 if cdf[base] <= x else base


#: :func:`_search_kernel` walks along the totals to place its guide table's edges while the
#: totals are at most this many times the edges (a walk reads each total once, in order; a
#: binary search per edge reads about log2(n) totals out of order)
_GUIDE_WALK_RATIO = 128


@jit.kernel
def _search_kernel(cdf: np.ndarray, u: np.ndarray, last: int) -> np.ndarray:
    """The positions :func:`_draw` takes, ``min(cdf.searchsorted(u * cdf[-1], "right"),
    last)``: the same product per draw and the one position ``searchsorted`` finds for it
    (numpy sorts large batches of draws first only to search faster).

    With a finite positive total (no NaN, no infinity in the running totals) the search
    starts from a guide table: the totals are cut at ``m`` evenly spaced edges, each edge's
    position found once, and a draw is searched only between the positions of the two edges
    around it (the edges around it are found by comparisons, so rounding in picking the
    first guess cannot misplace it). Otherwise, a plain search with numpy's comparison."""
    n = cdf.size
    total = cdf[n - 1]
    k = u.size
    idx = np.empty(k, np.int64)
    if not (total > 0.0 and total < np.inf):
        for j in range(k):
            i = searchsorted_right(cdf, 0, n, u[j] * total)
            idx[j] = last if i > last else i
        return idx
    # one edge per draw: buckets of a few totals, searched in one or two halvings (measured
    # on the draws of a default-scale run: about a quarter faster than k // 4 edges)
    m = max(k, 2)
    step = total / m
    edge = np.empty(m + 1)
    table = np.empty(m + 1, np.int64)
    at = 0
    # the edges' positions: a walk along the totals (sequential reads) unless the totals
    # outnumber the edges by far, where a search per edge reads fewer of them
    walk = n <= _GUIDE_WALK_RATIO * m
    for b in range(m + 1):
        e = b * step  # non-decreasing in b
        edge[b] = e
        if walk:
            while at < n and cdf[at] <= e:
                at += 1
        else:
            at = _count_at_most(cdf, at, n, e)
        table[b] = at
    inv = m / total
    for j in range(k):
        x = u[j] * total
        b = int(x * inv)  # truncated; corrected by the comparisons below
        if b > m:
            b = m
        while b > 0 and edge[b] > x:
            b -= 1
        while b < m and edge[b + 1] <= x:
            b += 1
        i = _count_at_most(cdf, table[b], n if b == m else table[b + 1], x)
        idx[j] = last if i > last else i
    return idx


def in_codes(values: np.ndarray, codes: Iterable[int]) -> np.ndarray:
    """``np.isin(values, codes)`` for small non-negative integer codes (a table look-up,
    no sort); ``values`` must be an integer array with entries in ``[0, 127]``."""
    table = np.zeros(128, bool)
    table[np.asarray(list(codes), np.int64)] = True
    found: np.ndarray = table.take(values)  # take: about twice as fast as table[values]
    return found


def stable_argsort_rows(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys below 2**32, as
    two 16-bit radix passes (numpy radix-sorts 16-bit keys; wider keys get a merge sort)."""
    if keys.size == 0:
        return np.empty(0, np.intp)
    top = int(keys.max())
    if top >= 1 << 32 or int(keys.min()) < 0:
        return np.argsort(keys, kind="stable")
    if top < 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((keys >> 16).astype(np.uint16)[low], kind="stable")
    return low[high]


def pick(cond: np.ndarray, if_true: float, if_false: float) -> np.ndarray:
    """``np.where(cond, if_true, if_false)`` for a boolean array and two numbers, the same
    values bit for bit: on large arrays the bits of ``if_false`` flipped where ``cond`` holds
    by the bits in which the two numbers differ (one integer multiply and one xor, as fast for
    scattered conditions as for long runs; numpy's ``where`` slows down several-fold when
    the condition flips at random, and a table look-up first widens the condition to
    indices)."""
    c = np.asarray(cond, bool)
    if c.size <= _PICK_WHERE_MAX:  # small: call costs rule, and ``where`` has the fewest
        out: np.ndarray = np.where(c, np.float64(if_true), np.float64(if_false))
        return out
    pair = np.array([if_false, if_true], np.float64).view(np.int64)
    bits = np.multiply(c.view(np.uint8), pair[0] ^ pair[1], dtype=np.int64)
    bits ^= pair[0]
    values: np.ndarray = bits.view(np.float64)
    return values


#: up to this size ``pick`` uses ``np.where``
_PICK_WHERE_MAX = 2048


#: below this size a full partition is as cheap as finding the neighbourhood first
_SELECT_MIN_SIZE = 4096

#: below this size ``median`` and ``quantile`` partition a copy rather than bracket: up to
#: here the bracket's sample (every ``n // 2048``-th value) costs more to sort than the
#: whole copy to partition (measured: 13 us against 56 us at 4,800 values, 44 against 63
#: at 16,000; 250 against 77 at 30,000)
_PARTITION_MAX = 16384


def order_pair(x: np.ndarray, k: int) -> tuple[float, float] | None:
    """The ``k``-th and ``k+1``-th smallest values of ``x`` (0-based), exactly.

    ``np.partition`` reorders all of ``x``; here a sorted sample of about 2,000 values
    brackets the two ranks, one pass counts the values below the bracket and gathers those
    inside it, and only those are partitioned: the same two values, read from a few hundred
    rather than a hundred thousand. Equal values are the same number (a zero aside: 0.0 and
    -0.0 tie), so the result is numpy's. Returns None when the bracket misses, ``x`` holds NaN
    or a selected value is zero, or ``x`` is small: the caller then asks numpy (or, for a
    small array, partitions a copy).
    """
    n = x.size
    if n < _SELECT_MIN_SIZE or not 0 <= k < n - 1:
        return None
    sample = np.sort(x[:: n // 2048])
    m = sample.size
    p = (k + 0.5) / n
    centre = int(p * m)
    # six standard deviations of a sample quantile's rank: the bracket almost never misses
    margin = int(6.0 * math.sqrt(m * p * (1.0 - p))) + 2
    lo = sample[max(centre - margin, 0)]
    hi = sample[min(centre + margin, m - 1)]
    if jit.ENABLED and x.dtype == np.float64 and x.flags.c_contiguous:
        below, _, inside, nan = _bracket_kernel(x, lo, hi)
        j = k - below
        if j < 0 or j + 1 >= inside.size or nan:
            return None
        return _pair_inside(inside, j, float(lo), float(hi))
    out = x < lo
    below = int(np.count_nonzero(out))
    above_mask = x > hi
    np.logical_or(out, above_mask, out=out)
    inside = x[np.logical_not(out, out=out)]  # NaN lands here: neither below nor above
    j = k - below
    if j < 0 or j + 1 >= inside.size:
        return None  # the ranks fell outside the bracket
    if np.isnan(inside).any():
        return None
    return _pair_inside(inside, j, float(lo), float(hi))


def _pair_inside(inside: np.ndarray, j: int, lo: float, hi: float) -> tuple[float, float] | None:
    if lo == hi:  # a bracket of one value (many ties): no need to partition
        a = b = lo
    else:
        inside.partition((j, j + 1))
        a, b = float(inside[j]), float(inside[j + 1])
    return _nonzero_pair(a, b)


@jit.kernel
def _bracket_kernel(x: np.ndarray, lo: float, hi: float) -> tuple[int, int, np.ndarray, bool]:
    """:func:`order_pair`'s pass over ``x`` in two loops instead of seven array passes: the
    numbers below ``lo``, the numbers above ``hi``, the values in between in their order
    (NaN lands there, compared neither below nor above), and whether one of them is NaN."""
    below = 0
    above = 0
    nan = 0
    for i in range(x.size):  # sums of comparisons, no branches (a median's are coin flips)
        v = x[i]
        below += v < lo
        above += v > hi
        nan += v != v
    size = x.size - below - above
    inside = np.empty(size + 1)  # one spare slot: every value is written, the inside kept
    w = 0
    for i in range(x.size):
        v = x[i]
        inside[w] = v
        w += 1 - ((v < lo) | (v > hi))
    return below, above, inside[:size], nan > 0


def _small_pair(x: np.ndarray, k: int) -> tuple[float, float] | None:
    """:func:`order_pair` of an array below its size limit, from a partitioned copy: a
    median or quantile of a few thousand values costs several times more in numpy's calls
    than in the partition. None in the same cases (NaN, a zero, ranks out of range)."""
    n = x.size
    if not 0 <= k < n - 1:
        return None
    last = n - 1
    y = np.partition(x, (k, k + 1, last) if k + 1 < last else (k, k + 1))
    if y[last] != y[last]:  # NaN (partitioned to the end): numpy's own affair
        return None
    return _nonzero_pair(float(y[k]), float(y[k + 1]))


def _nonzero_pair(a: float, b: float) -> tuple[float, float] | None:
    if a == 0.0 or b == 0.0:  # 0.0 and -0.0 tie: which one numpy lands on is its own affair
        return None
    return a, b


def _pair(x: np.ndarray, k: int) -> tuple[float, float] | None:
    return _small_pair(x, k) if x.size < _PARTITION_MAX else order_pair(x, k)


def median(x: np.ndarray) -> np.float64:
    """``np.median(x)`` of a 1-D float array, the same number (see :func:`order_pair`)."""
    n = x.size
    k = n // 2 - 1 if n % 2 == 0 else (n - 1) // 2
    pair = _pair(x, k) if n % 2 == 0 else _pair(x, k - 1)
    if pair is None:
        return np.float64(np.median(x))
    if n % 2 == 0:  # numpy: the mean of the two middle values, a sum started at 0.0
        return np.float64((0.0 + pair[0] + pair[1]) / 2.0)
    return np.float64((0.0 + pair[1]) / 1.0)


def quantile(x: np.ndarray, q: float) -> float:
    """``float(np.quantile(x, q))`` (linear method) of a 1-D float array, the same number,
    without reordering ``x`` (see :func:`order_pair`)."""
    n = x.size
    virtual = (n - 1) * q
    below = int(np.floor(virtual))
    pair = _pair(x, below) if 0 <= virtual < n - 1 else None
    if pair is None:
        return float(np.quantile(x, q))
    a, b = pair
    gamma = float(virtual - below)
    diff = b - a  # numpy's _lerp
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
