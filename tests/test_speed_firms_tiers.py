"""The kernels that find :func:`firms._trial_rows`' tiers while they compute the
probabilities must find exactly what :func:`firms._tiers_kernel` finds on their output
(NaN, -0.0, zeros and rows on either side of the cut included), and ``hire``'s
compiled assignment must be the numpy code's."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import jit
from sim.model.processes import firms

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="the compiled kernels are off")


def _probabilities(rng: np.random.Generator, n: int) -> np.ndarray:
    p = rng.random(n) * 0.02  # about half below the cut of 0.01
    p[rng.random(n) < 0.1] = 0.0
    p[rng.random(n) < 0.02] = -0.0
    p[rng.random(n) < 0.01] = np.nan
    p[rng.random(n) < 0.05] = rng.random() * 0.5
    return p


def test_move_hazards_kernel_finds_the_tiers_of_its_output() -> None:
    rng = np.random.default_rng(3)
    n = 5000
    p = _probabilities(rng, n)
    f, listed = rng.random(n) < 0.8, rng.random(n) < 0.1
    costly = np.sort(rng.choice(n, 300, replace=False)).astype(np.int64)
    costly_expm1 = -_probabilities(rng, costly.size)
    above = np.empty(n, np.intp)
    k, mx = firms._move_hazards_kernel(f, listed, costly, costly_expm1, p, 0.01, above, 0)
    want_above, want_max = firms._tiers_kernel(p, 0.01)
    assert np.array_equal(above[:k], want_above) and k > 0
    assert mx == want_max and mx > 0


def test_lookup_tiers_kernel_is_take_and_the_tiers() -> None:
    rng = np.random.default_rng(4)
    n = 5000
    table = np.zeros(256)
    table[:3] = [0.004, 0.02, np.nan]
    key = rng.integers(0, 3, n).astype(np.uint8)
    key[rng.random(n) < 0.3] = 255
    out, above = np.empty(n), np.empty(n, np.intp)
    k, mx = firms._lookup_tiers_kernel(table, key, out, 0.01, above, 0)
    expected = table.take(key)
    assert np.array_equal(out, expected, equal_nan=True)
    want_above, want_max = firms._tiers_kernel(expected, 0.01)
    assert np.array_equal(above[:k], want_above) and mx == want_max == 0.004


def test_trial_rows_tiered_draws_as_trial_rows() -> None:
    p = np.abs(_probabilities(np.random.default_rng(6), 40000))
    above, mx = firms._tiers_kernel(p, firms._RARE_MAX_P)
    a = firms._trial_rows(np.random.Generator(np.random.SFC64(9)), p)
    b = firms._trial_rows_tiered(np.random.Generator(np.random.SFC64(9)), p, above, mx)
    assert np.array_equal(a, b) and a.size > 0


def test_assign_kernel_is_the_numpy_assignment() -> None:
    rng = np.random.default_rng(8)
    nt = 2000
    employer = rng.integers(-1, 50, nt)
    alumni = rng.integers(-1, 50, nt)
    chosen = rng.choice(nt, 700, replace=False)
    employers = rng.integers(0, 50, chosen.size)
    e1, a1 = employer.copy(), alumni.copy()
    e1[chosen] = employers
    a1[chosen[a1[chosen] == e1[chosen]]] = -1
    firms._assign_kernel(chosen, employers, employer, alumni)
    assert np.array_equal(employer, e1) and np.array_equal(alumni, a1)
    assert (a1[chosen] == -1).any()


def test_tier_kernels_below_min_rows_give_the_same_probabilities() -> None:
    rng = np.random.default_rng(9)
    n = 3000
    p, f, listed = _probabilities(rng, n), rng.random(n) < 0.8, rng.random(n) < 0.1
    costly, costly_expm1 = np.arange(0, n, 37, dtype=np.int64), -_probabilities(rng, 82)
    q, above = p.copy(), np.empty(n, np.intp)
    firms._move_hazards_kernel(f, listed, costly, costly_expm1, p, 0.01, above, 0)
    assert firms._move_hazards_kernel(f, listed, costly, costly_expm1, q, 0.01, above, n + 1) == (
        0,
        0.0,
    )
    assert np.array_equal(p, q, equal_nan=True)
    table = np.zeros(256)
    table[:3] = [0.004, 0.02, 0.5]
    key = rng.integers(0, 3, n).astype(np.uint8)
    out = np.empty(n)
    firms._lookup_tiers_kernel(table, key, out, 0.01, above, n + 1)
    assert np.array_equal(out, table.take(key))
