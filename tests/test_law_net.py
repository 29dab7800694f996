"""The network area's draw sites keep their law when their sampling changes.

Each test repeats one draw site on a real model state (or on its real rates) many times with
the old way of drawing (kept here as the reference) and with the model's way, and compares
counts and frequencies within five standard errors: a wrong law (a missed row, a biased rate,
dependent rows) fails, seed luck does not. Both ways use their own generator, so the test
checks distributions, not numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import jit, sampling
from sim.model.ecosystem import EcosystemModel
from sim.model.processes import collaboration
from sim.model.util import hazard
from tests.conftest import small_config

Z = 5.0  # standard errors allowed


@pytest.fixture(scope="module")
def model() -> EcosystemModel:
    """A Zhongguancun baseline state after three years (scale 0.03)."""
    m = EcosystemModel(small_config(scale=0.03, end_year=2015), rng=11)
    while m.year < 2013:
        m.step()
    return m


def _close(a: np.ndarray, b: np.ndarray, var: np.ndarray) -> None:
    """Totals ``a`` and ``b`` of independent repetitions agree within ``Z`` standard errors
    of their difference (``var``: the variance of one total)."""
    assert np.all(np.abs(a - b) <= Z * np.sqrt(2.0 * var) + 1e-9), (a, b, np.sqrt(var))


def test_tie_counts_keep_the_poisson_law(model: EcosystemModel) -> None:
    """New ties per firm: ``poisson_events`` against one ``rng.poisson`` per firm, on the
    model's rates; totals by rate class, and the frequency of firms with two ties or more."""
    o = model.orgs
    firms = (o["active"] & ~o["is_univ"]).nonzero()[0]
    lam = collaboration._tie_rates(model, firms, model.dt, 1.0)
    classes = np.minimum((np.argsort(np.argsort(lam)) * 4) // lam.size, 3)  # rate quartiles
    reps = 400
    old_rng = np.random.Generator(np.random.SFC64(1))
    new_rng = np.random.Generator(np.random.SFC64(2))
    old = np.zeros(4)
    new = np.zeros(4)
    old_two = 0
    new_two = 0
    for _ in range(reps):
        counts = old_rng.poisson(lam)
        old += np.bincount(classes, weights=counts, minlength=4)
        old_two += int((counts >= 2).sum())
        rows, got = sampling.poisson_events(new_rng, lam)
        assert np.all(got >= 1) and np.all(np.diff(rows) > 0)
        new += np.bincount(classes[rows], weights=got, minlength=4)
        new_two += int((got >= 2).sum())
    mean = np.bincount(classes, weights=lam, minlength=4) * reps
    _close(old, new, mean)  # a Poisson total's variance is its mean
    _close(new, mean, mean / 2.0)
    p_two = 1.0 - np.exp(-lam) * (1.0 + lam)
    two = reps * p_two.sum()
    _close(np.array([old_two]), np.array([new_two]), np.array([two]))


@pytest.mark.parametrize("p", [0.0, 0.03, 0.0490, 0.2])
def test_rows_at_rate_are_independent_trials(p: float) -> None:
    """``_rows_at_rate`` against ``rng.random(n) < p``: ending rows per block of rows, and
    pairs of neighbouring rows ending together (independence), below and above the cut-off."""
    n, reps, blocks = 5000, 300, 10  # above the size cut-off
    old_rng = np.random.Generator(np.random.SFC64(3))
    new_rng = np.random.Generator(np.random.SFC64(4))
    block = np.arange(n) * blocks // n
    old = np.zeros(blocks)
    new = np.zeros(blocks)
    old_pairs = 0
    new_pairs = 0
    for _ in range(reps):
        hit = old_rng.random(n) < p
        old += np.bincount(block, weights=hit, minlength=blocks)
        old_pairs += int((hit[1:] & hit[:-1]).sum())
        rows = collaboration._rows_at_rate(new_rng, p, n)
        assert np.all(np.diff(rows) > 0) and (rows.size == 0 or (rows[0] >= 0 and rows[-1] < n))
        mask = np.zeros(n, bool)
        mask[rows] = True
        new += np.bincount(block, weights=mask, minlength=blocks)
        new_pairs += int((mask[1:] & mask[:-1]).sum())
    var = np.full(blocks, reps * (n / blocks) * p * (1.0 - p))
    _close(old, new, var)
    expected = reps * (n / blocks) * p
    _close(new, np.full(blocks, expected), var / 2.0)
    pairs = reps * (n - 1) * p * p
    _close(np.array([old_pairs]), np.array([new_pairs]), np.array([pairs * 3.0]))
    if p == 0.0:
        assert new.sum() == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_decay_ties_ends_ties_and_alumni_at_their_hazards(
    model: EcosystemModel, enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole of ``decay_ties`` on the model state: among ties with both ends active, the
    share that ends; the share of alumni ties that fade; ties with an ended end always go.
    (Both paths: they draw the same numbers, checked in test_jit_net.)"""
    monkeypatch.setattr(jit, "ENABLED", enabled and jit.ENABLED)
    cp, dt = model.p.collaboration, model.dt
    p_end = float(hazard(1.0 / cp.tie_duration, dt))
    p_fade = float(hazard(1.0 / cp.alumni_duration, dt))
    n = model.ties.n
    a, b = model.ties.a[:n].copy(), model.ties.b[:n].copy()
    act = model.orgs["active"]
    live = act[a] & act[b]
    keys = _pair_keys(a, b)
    alumni = model.talent["alumni"].copy()
    has = alumni >= 0
    reps = 200
    ended = 0
    faded = 0
    rng = np.random.Generator(np.random.SFC64(5))
    for _ in range(reps):
        m = _light_copy(model, rng)
        collaboration.decay_ties(m)
        kept = np.isin(keys, _pair_keys(m.ties.a[: m.ties.n], m.ties.b[: m.ties.n]))
        assert not kept[~live].any()
        ended += int(live.sum() - kept[live].sum())
        faded += int((m.talent["alumni"][has] < 0).sum())
    n_live, n_has = int(live.sum()), int(has.sum())
    assert n_live > 100 and n_has > 100
    _close(np.array([ended]), np.array([reps * n_live * p_end]), np.array([reps * n_live * p_end]))
    _close(np.array([faded]), np.array([reps * n_has * p_fade]), np.array([reps * n_has * p_fade]))


def _pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.minimum(a, b) * (1 << 31) + np.maximum(a, b)


class _Light:
    """The parts of a model ``decay_ties`` reads and writes, fresh copies of the mutable ones."""

    def __init__(self, m: EcosystemModel, rng: np.random.Generator) -> None:
        import copy

        self.orgs = m.orgs
        self.p = m.p
        self.dt = m.dt
        self.rng = rng
        self.ties = copy.deepcopy(m.ties)
        self.coinvest = copy.deepcopy(m.coinvest)
        self.talent = _Talent(m.talent)


class _Talent:
    def __init__(self, tl: object) -> None:
        self.n = tl.n  # type: ignore[attr-defined]
        self._alumni = tl["alumni"].copy()  # type: ignore[index]

    def __getitem__(self, name: str) -> np.ndarray:
        assert name == "alumni"
        return self._alumni


def _light_copy(m: EcosystemModel, rng: np.random.Generator) -> EcosystemModel:
    return _Light(m, rng)  # type: ignore[return-value]
