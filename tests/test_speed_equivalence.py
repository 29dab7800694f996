"""Speed-ups that must give numpy's numbers exactly: the outputs stay byte-identical."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.codes import Origin
from sim.model.policy import PolicySchedule, schedule_for
from sim.model.processes.places import wage_premium
from sim.model.util import median, order_pair, quantile
from tests.conftest import small_config


def _arrays(seed: int):
    rng = np.random.default_rng(seed)
    for n in (10, 4095, 4096, 5001, 20_000, 100_001):
        yield rng.normal(0.0, 1.0, n)
        yield np.exp(rng.normal(2.0, 2.0, n))  # heavy right tail
        yield np.round(rng.normal(0.0, 3.0, n))  # many ties, zeros of both signs
        yield np.maximum(rng.normal(0.0, 1.0, n), 0.5)  # a mass at the floor
        yield rng.standard_cauchy(n)


@pytest.mark.parametrize("seed", [1, 2])
def test_median_and_quantile_are_numpys(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    for x in _arrays(seed):
        before = x.copy()
        assert repr(median(x)) == repr(np.median(x))
        assert type(median(x)) is type(np.median(x))
        for q in (0.0, 0.5, 0.9, 0.95, float(rng.random()), 0.999999, 1.0):
            assert repr(quantile(x, q)) == repr(float(np.quantile(x, q))), (x.size, q)
        assert np.array_equal(x, before)  # the input is not reordered


def test_order_pair_falls_back_on_nan_and_small_arrays() -> None:
    x = np.random.default_rng(0).normal(size=10_000)
    assert order_pair(x, 5000) == tuple(np.partition(x, (5000, 5001))[[5000, 5001]])
    x[17] = np.nan
    assert order_pair(x, 5000) is None
    assert np.isnan(median(x)) and np.isnan(quantile(x, 0.9))
    assert order_pair(np.arange(100.0), 50) is None


def test_policy_schedule_reuses_only_identical_states() -> None:
    """The cached state at any time equals a fresh blend at that time."""
    cfg = small_config(["levers.talent_reform.strength=1.0", "levers.talent_reform.ramp_years=2"])
    sched = schedule_for(cfg.params, cfg.history, cfg.levers, cfg.shocks)
    fresh = schedule_for(cfg.params, cfg.history, cfg.levers, cfg.shocks)
    assert isinstance(sched, PolicySchedule)
    for t in np.arange(2010.0, 2030.0, 0.25):
        assert sched.at(float(t)) == fresh._blend_at(float(t))


def test_wage_premium_table_is_the_elementwise_formula() -> None:
    m = EcosystemModel(small_config(end_year=2011), rng=3)
    m.run()
    tl, lab = m.talent, m.p.labour
    act = tl["active"] & (tl["employer"] >= 0)
    prem = (
        1.0
        + lab.education_premium * tl["edu"][act]
        + lab.foreign_premium * (tl["origin"][act] != Origin.DOMESTIC)
    )
    assert repr(wage_premium(m)) == repr(float(prem.mean()))
