"""Talent's thinned draws give the numpy path's numbers bit for bit on the kernel path.

tests/test_jit_firms.py compares departures and job moves on small states, where talent draws
one uniform per row (fewer rows than ``THIN_MIN_ROWS``); here thinning is forced on the same
kind of state, so the candidates, the uniforms and what follows must match too.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from sim.model import EcosystemModel, jit
from sim.model.processes import entry, talent
from sim.scenario import load

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="numba absent or ECOSIM_JIT=0")

CALLS: dict[str, Callable[[EcosystemModel], object]] = {
    "departures": talent._departures,
    "job_moves": talent._job_moves,
    "talent.step": talent.step,
    "entry.step": entry.step,
}


@pytest.fixture(scope="module")
def states() -> list[bytes]:
    """Early, mid-year a few years in (ended rows present), and with hazards above the
    thinning cut-off for the departures of people between jobs."""
    out = []
    for overrides, steps in (
        ([], 3),
        ([], 14),
        (["parameters.labour.unemployed_exit_mult=12"], 6),
    ):
        sc, _ = load("zgc_baseline", ["scale=0.03", "end_year=2016", *overrides])
        m = EcosystemModel(sc.to_run_config(), rng=5)
        for _ in range(steps):
            m.step()
        out.append(pickle.dumps(m))
    return out


def _digest(m: EcosystemModel) -> bytes:
    parts: list[object] = []
    for pop in (m.orgs, m.talent):
        parts.append(pop.n)
        parts.extend((name, pop[name].tobytes()) for name in sorted(pop.schema))
    parts.append(m.rng.bit_generator.state)
    parts.append(repr(m.flows))
    parts.append(m.ties.a[: m.ties.n].tobytes() + m.ties.b[: m.ties.n].tobytes())
    return pickle.dumps(parts)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_thinned_draws_match(
    name: str, states: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(talent, "THIN_MIN_ROWS", 0)
    for blob in states:
        digests = []
        for enabled in (True, False):
            monkeypatch.setattr(jit, "ENABLED", enabled)
            m = pickle.loads(blob)
            CALLS[name](m)
            digests.append(_digest(m))
        assert digests[0] == digests[1], name


def test_the_states_cover_both_regimes(states: list[bytes]) -> None:
    qs = []
    for blob in states:
        m = pickle.loads(blob)
        qs.append(talent._thinning_bound(talent.departure_table(m), 10**9))
    assert min(qs) < 1.0 and max(qs) == 1.0
