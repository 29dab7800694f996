"""The rare-event samplers draw the same joint distribution as one draw per row.

Each law is checked by moments over many repetitions, with tolerances of about 5 standard
errors (a false alarm is rarer than one in a million per check), and the compiled and numpy
paths are checked to give the same numbers from the same generator state.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import jit, sampling


def _rates(n: int = 120) -> np.ndarray:
    lam = np.linspace(0.0, 0.4, n)
    lam[::5] = 0.0  # rows that must never receive an event
    lam[7] = 3.0  # one busy row among rare ones
    return lam


def _mask(n: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _repeat(draw, reps: int, seed: int) -> np.ndarray:
    rng = np.random.Generator(np.random.SFC64(seed))
    return np.stack([draw(rng) for _ in range(reps)])


@pytest.mark.parametrize("scatter", [True, False])
def test_poisson_counts_law(monkeypatch: pytest.MonkeyPatch, scatter: bool) -> None:
    if not scatter:  # the one-draw-per-row fallback
        monkeypatch.setattr(sampling, "POISSON_SCATTER_MAX_MEAN", 0.0)
    lam = _rates()
    reps = 3000
    x = _repeat(lambda g: sampling.poisson_counts(g, lam), reps, 11)
    assert x.dtype == np.int64 and x.shape == (reps, lam.size)
    assert not x[:, lam == 0].any()
    # per-row means: z-scores of Poisson means
    z = (x.mean(0) - lam)[lam > 0] / np.sqrt(lam[lam > 0] / reps)
    assert np.abs(z).max() < 5.0
    # independence across rows: the total's variance is the sum of the rows' (Poisson)
    tot = x.sum(1)
    se_var = lam.sum() * np.sqrt(2.0 / reps) * 1.2
    assert abs(tot.var(ddof=1) - lam.sum()) < 5 * se_var
    # the busy row's zero frequency is exp(-3)
    p0 = np.exp(-3.0)
    assert abs((x[:, 7] == 0).mean() - p0) < 5 * np.sqrt(p0 * (1 - p0) / reps)


def test_poisson_events_match_counts() -> None:
    lam = _rates()
    for seed in range(5):
        g1 = np.random.Generator(np.random.SFC64(seed))
        g2 = np.random.Generator(np.random.SFC64(seed))
        counts = sampling.poisson_counts(g1, lam)
        rows, c = sampling.poisson_events(g2, lam)
        assert np.array_equal(rows, counts.nonzero()[0])
        assert np.array_equal(c, counts[rows])


def test_poisson_edges() -> None:
    g = np.random.Generator(np.random.SFC64(0))
    assert sampling.poisson_counts(g, np.zeros(0)).size == 0
    assert not sampling.poisson_counts(g, np.zeros(50)).any()
    rows, counts = sampling.poisson_events(g, np.zeros(50))
    assert rows.size == 0 and counts.size == 0
    only = np.zeros(40)
    only[-3] = 0.5  # rows after the last positive one never get events (rounding included)
    x = _repeat(lambda r: sampling.poisson_counts(r, only), 400, 3)
    assert x[:, -3].sum() > 0 and x.sum() == x[:, -3].sum()
    with pytest.raises(ValueError):
        sampling.poisson_counts(g, np.array([0.1, -0.1, 0.2]))
    with pytest.raises(ValueError):
        sampling.poisson_counts(g, np.array([0.1, np.nan]))


@pytest.mark.parametrize("thin", [True, False])
def test_bernoulli_rows_law(monkeypatch: pytest.MonkeyPatch, thin: bool) -> None:
    if not thin:
        monkeypatch.setattr(sampling, "BERNOULLI_THIN_MAX_P", -1.0)
    p = np.linspace(0.0, 0.08, 150)
    p[::6] = 0.0
    reps = 4000
    x = _repeat(lambda g: _mask(p.size, sampling.bernoulli_rows(g, p)), reps, 5)
    assert not x[:, p == 0].any()
    freq = x.mean(0)
    pos = p > 0
    z = (freq - p)[pos] / np.sqrt(p[pos] * (1 - p[pos]) / reps)
    assert np.abs(z).max() < 5.0
    tot = x.sum(1)
    v = float((p * (1 - p)).sum())
    assert abs(tot.var(ddof=1) - v) < 5 * v * np.sqrt(2.0 / reps) * 1.2
    rows = sampling.bernoulli_rows(np.random.Generator(np.random.SFC64(1)), p)
    assert np.all(np.diff(rows) > 0)


def test_bernoulli_edges() -> None:
    g = np.random.Generator(np.random.SFC64(0))
    assert sampling.bernoulli_rows(g, np.zeros(0)).size == 0
    assert sampling.bernoulli_rows(g, np.zeros(30)).size == 0
    p = np.array([1.0, 0.0, 2.0, np.nan, -1.0, 0.5])
    for _ in range(50):
        rows = set(sampling.bernoulli_rows(g, p).tolist())
        assert {0, 2} <= rows and not rows & {1, 3, 4}
    # a long run of rare trials reaches the last row (batches of gaps are extended)
    p = np.full(20000, 1e-4)
    p[-1] = 0.1
    hits = sum(19999 in sampling.bernoulli_rows(g, p) for _ in range(2000))
    assert abs(hits / 2000 - 0.1) < 5 * np.sqrt(0.09 / 2000)


def test_compiled_and_numpy_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    if not jit._numba_available():
        pytest.skip("numba is not installed")
    lam = np.abs(np.random.default_rng(4).standard_normal(5000)) * 0.05
    lam[100:200] = 0.0
    lam[-50:] = 0.0
    for seed in range(20):
        monkeypatch.setattr(jit, "ENABLED", True)
        a = sampling.poisson_counts(np.random.Generator(np.random.SFC64(seed)), lam)
        monkeypatch.setattr(jit, "ENABLED", False)
        b = sampling.poisson_counts(np.random.Generator(np.random.SFC64(seed)), lam)
        assert np.array_equal(a, b)


@pytest.mark.parametrize("q", [1e-4, 0.02, 0.1, 0.3, 0.5])
def test_geometric_positions_are_numpys_geometric_gaps(q: float) -> None:
    """The positions are the running sums of ``rng.geometric`` gaps from the same state (below
    q = 1/3 computed from exponentials, bit for bit as numpy does; above, numpy's own)."""
    n = 50_000
    got = sampling.geometric_positions(np.random.Generator(np.random.SFC64(9)), q, n)
    g = np.random.Generator(np.random.SFC64(9))
    batch = int(n * q + 4.0 * np.sqrt(n * q) + 16)
    pos = np.cumsum(g.geometric(q, size=batch)) - 1
    want = pos[pos < n]
    if pos[-1] < n:  # a short first batch: the comparison covers only what it reached
        got = got[: want.size]
    assert np.array_equal(got, want)
