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
from tests.conftest import model_digest, pickled_states

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
    return pickled_states(
        [
            ("zgc_baseline", [], 3),
            ("zgc_baseline", [], 14),
            ("zgc_baseline", ["parameters.labour.unemployed_exit_mult=12"], 6),
        ],
        seed=5,
    )


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
            digests.append(model_digest(m))
        assert digests[0] == digests[1], name


def test_the_states_cover_both_regimes(states: list[bytes]) -> None:
    qs = []
    for blob in states:
        m = pickle.loads(blob)
        qs.append(talent._thinning_bound(talent.departure_table(m), 10**9))
    assert min(qs) < 1.0 and max(qs) == 1.0
