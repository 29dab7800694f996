"""The two yearly shape indicators read by calibration pattern targets (F1 and F2 stand-ins)."""

import numpy as np
import pytest

from sim.model.indicators import excess_kurtosis, tail_exponent


def test_tail_exponent_recovers_a_pareto_exponent() -> None:
    rng = np.random.default_rng(3)
    for alpha in (0.8, 1.0, 1.5):
        x = 250.0 * (1.0 + rng.pareto(alpha, 20_000))
        below = rng.uniform(1.0, 249.0, 5_000)  # ignored: under the cut-off
        est = tail_exponent(np.r_[x, below], np.ones(25_000), 250.0)
        assert est == pytest.approx(alpha, rel=0.03)


def test_tail_exponent_uses_weights_like_repeated_rows() -> None:
    x = np.array([300.0, 1000.0, 5000.0])
    weighted = tail_exponent(x, np.array([2.0, 1.0, 3.0]), 250.0)
    repeated = tail_exponent(np.repeat(x, [2, 1, 3]), np.ones(6), 250.0)
    assert weighted == pytest.approx(repeated)
    assert tail_exponent(x, np.ones(3), 1e6) == 0.0  # nothing above the cut-off


def test_excess_kurtosis_tells_a_tent_from_a_normal() -> None:
    rng = np.random.default_rng(4)
    w = np.ones(200_000)
    assert excess_kurtosis(rng.normal(0, 0.3, w.size), w) == pytest.approx(0.0, abs=0.1)
    assert excess_kurtosis(rng.laplace(0, 0.3, w.size), w) == pytest.approx(3.0, abs=0.3)
    assert excess_kurtosis(np.zeros(10), np.ones(10)) == 0.0  # no spread
    assert excess_kurtosis(np.ones(3), np.ones(3)) == 0.0  # too few
