"""The cheaper draws of talent and entry keep each mechanism's law.

Departures and job moves are drawn by thinning (candidates at the hazard table's largest entry,
kept with chance p / q), founders' new firms by Poisson superposition. Each test repeats the
draw many times on one model state, on both paths (kernels and numpy), and compares what
happens with what the hazards and rates say: counts per hazard class within 5 standard errors,
and never an event where the hazard is zero.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import pytest

from sim.model import EcosystemModel, jit
from sim.model.processes import entry, talent
from sim.scenario import load

PATHS = [pytest.param(True, id="kernels"), pytest.param(False, id="numpy")]


@pytest.fixture(scope="module")
def blob() -> bytes:
    """A model state mid-year a few years in (ended rows not yet dropped), scale 0.03."""
    sc, _ = load("zgc_baseline", ["scale=0.03", "end_year=2016"])
    m = EcosystemModel(sc.to_run_config(), rng=11)
    for _ in range(14):
        m.step()
    return pickle.dumps(m)


@pytest.fixture
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    compiled = bool(request.param)
    if compiled and not jit.ENABLED:
        pytest.skip("numba absent or ECOSIM_JIT=0")
    monkeypatch.setattr(jit, "ENABLED", compiled)
    return compiled


def _reseed(m: EcosystemModel, seed: int) -> None:
    m.rng.bit_generator.state = np.random.SFC64(seed).state


def _within(observed: float, expected: float, variance: float, what: str) -> None:
    sd = float(np.sqrt(max(variance, 1e-12)))
    assert abs(observed - expected) < 5.0 * sd + 1e-9, (what, observed, expected, sd)


def test_trial_rows_are_independent_trials_at_q() -> None:
    rng = np.random.Generator(np.random.SFC64(1))
    n, q, reps = 300, 0.05, 4000
    hits = np.zeros(n)
    pairs = 0
    for _ in range(reps):
        rows = talent._trial_rows(rng, q, n)
        assert np.all(np.diff(rows) > 0) and (rows.size == 0 or 0 <= rows[0] <= rows[-1] < n)
        hits[rows] += 1
        pairs += int(np.count_nonzero(np.diff(rows) == 1))  # neighbours both hit: q^2
    for i in range(n):
        _within(hits[i], reps * q, reps * q * (1 - q), f"row {i}")
    _within(hits.sum(), reps * n * q, reps * n * q * (1 - q), "all rows")
    _within(pairs, reps * (n - 1) * q * q, reps * (n - 1) * q * q, "neighbour pairs")
    assert np.array_equal(talent._trial_rows(rng, 1.0, 7), np.arange(7))
    assert talent._trial_rows(rng, 0.0, 7).size == 0
    assert talent._trial_rows(rng, float("nan"), 7).size == 0
    many = talent.THIN_MIN_ROWS
    assert talent._thinning_bound(np.array([0.01, float("nan")]), many) == 1.0
    assert talent._thinning_bound(np.array([0.01, 0.5]), many) == 1.0  # above the cut-off
    assert talent._thinning_bound(np.array([0.01, 0.03]), many) == 0.03
    assert talent._thinning_bound(np.array([0.01, 0.03]), many - 1) == 1.0  # too few rows


def test_trial_rows_continue_past_a_short_batch() -> None:
    """A long table with a tiny mean still reaches its end: the batch loop goes on."""
    rng = np.random.Generator(np.random.SFC64(2))
    n, q, reps = 200_000, 1e-4, 400
    total = sum(talent._trial_rows(rng, q, n).size for _ in range(reps))
    _within(total, reps * n * q, reps * n * q, "events")


def _state_thinned_or_not(
    blob: bytes,
    thin: bool,
    table: Callable[[EcosystemModel], np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> EcosystemModel:
    """The pickled state, with talent's draws from ``table`` thinned (``thin``) or one
    uniform per row (thinning switched off), checked to take that path."""
    monkeypatch.setattr(talent, "THIN_MIN_ROWS", 0)  # the test state has a few thousand rows
    if not thin:
        monkeypatch.setattr(talent, "THIN_MAX_P", 0.0)
    m: EcosystemModel = pickle.loads(blob)
    assert (talent._thinning_bound(table(m), m.talent.n) < 1.0) == thin
    return m


@pytest.mark.parametrize("thin", [True, False], ids=["thinned", "every-row"])
@pytest.mark.parametrize("path", PATHS, indirect=True)
def test_departures_follow_the_hazards(
    blob: bytes, path: bool, thin: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _state_thinned_or_not(blob, thin, talent.departure_table, monkeypatch)
    tl = m.talent
    act0 = tl["active"].copy()
    assert (~act0).any()  # ended rows present: they must never leave
    retiring = tl["age"] >= m.p.labour.retirement_age
    p = talent.departure_hazard(m)
    watch = act0 & ~retiring  # whoever of these ends, left
    reps = 300
    gone = np.zeros(tl.n)
    outflow = 0.0
    for rep in range(reps):
        _reseed(m, rep)
        tl["active"][:] = act0
        before = m.flows.talent_outflow
        talent._departures(m)
        after = tl["active"]
        assert not (after & ~act0).any()
        assert not (after & act0 & retiring).any()  # everyone at the retirement age ends
        left = watch & ~after
        gone += left
        if not (act0 & retiring).any():
            assert m.flows.talent_outflow - before == pytest.approx(tl["weight"][left].sum())
        outflow += m.flows.talent_outflow - before
    classes = np.unique(p[watch])
    assert classes.size >= 3
    for c in classes:
        rows = watch & (p == c)
        _within(gone[rows].sum(), reps * c * rows.sum(), reps * c * (1 - c) * rows.sum(), str(c))
    expected_w = reps * float((tl["weight"] * p)[watch].sum())
    assert outflow >= float(gone @ tl["weight"]) - 1e-6
    _within(
        float(gone @ tl["weight"]),
        expected_w,
        reps * float((tl["weight"] ** 2 * p)[watch].sum()),
        "w",
    )


@pytest.mark.parametrize("thin", [True, False], ids=["thinned", "every-row"])
@pytest.mark.parametrize("path", PATHS, indirect=True)
def test_job_moves_follow_the_hazards(
    blob: bytes, path: bool, thin: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = _state_thinned_or_not(blob, thin, talent.job_move_table, monkeypatch)
    tl = m.talent
    employed = tl["active"] & (tl["employer"] >= 0)
    idx = employed.nonzero()[0]
    p = np.zeros(tl.n)
    p[idx] = talent.job_move_hazard(m, idx)
    reps = 400
    moved = np.zeros(tl.n)
    for rep in range(reps):
        _reseed(m, 1000 + rep)
        movers = talent._draw_movers(m)
        assert np.all(np.diff(movers) > 0)
        moved[movers] += 1
    assert not moved[~employed].any()
    classes = np.unique(p[employed])
    assert classes.size >= 2
    for c in classes:
        rows = employed & (p == c)
        _within(moved[rows].sum(), reps * c * rows.sum(), reps * c * (1 - c) * rows.sum(), str(c))


@pytest.mark.parametrize("path", PATHS, indirect=True)
def test_founders_follow_the_rates(blob: bytes, path: bool) -> None:
    """New firms and spin-offs per step are Poisson with the summed rates of employees and of
    researchers; the number of founding people is the sum of 1 - exp(-rate)."""
    m0 = pickle.loads(blob)
    _, is_res, rates = entry.founding_rates(m0)
    assert rates.size > 0 and is_res.any()
    n0 = m0.orgs.n
    reps = 200
    firms = spinoffs = people = 0
    for rep in range(reps):
        m = pickle.loads(blob)
        _reseed(m, 5000 + rep)
        entry.step(m)
        firms += round((m.flows.new_tech_firms - m0.flows.new_tech_firms) * m.scale)
        spinoffs += round((m.flows.spinoffs - m0.flows.spinoffs) * m.scale)
        people += int(np.count_nonzero(m.talent["employer"][: m0.talent.n] >= n0))
        assert m.orgs.n - n0 == round((m.flows.new_tech_firms - m0.flows.new_tech_firms) * m.scale)
    total, res = float(rates.sum()), float(rates[is_res].sum())
    _within(firms, reps * total, reps * total, "new firms")
    _within(spinoffs, reps * res, reps * res, "spin-offs")
    q = -np.expm1(-rates)
    _within(people, reps * float(q.sum()), reps * float((q * (1 - q)).sum()), "founders")
