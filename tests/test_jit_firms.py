"""The compiled kernels of firms, talent and entry give the numpy path's numbers bit for bit.

Each mechanism function runs twice from the same model state (a pickled copy, the
generator included), once with the kernels and once with the numpy reference path, and
every column, the generator's state, the flows and the mechanisms' scalar state must be
the same bytes afterwards.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable

import numpy as np
import pytest

from sim.model import EcosystemModel, jit
from sim.model.processes import entry, firms, talent
from tests.conftest import model_digest, pickled_states

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="numba absent or ECOSIM_JIT=0")


def _active_firms(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray]:
    o = m.orgs
    f = o["active"] & ~o["is_univ"]
    young = np.exp(-np.maximum(m.t - o["born"], 0.0) / m.p.growth.young_age_scale)
    return f, young


CALLS: dict[str, Callable[[EcosystemModel], object]] = {
    "grow": lambda m: firms._grow(m, *_active_firms(m)),
    "exits": lambda m: firms._exits(m, *_active_firms(m)),
    "equity": lambda m: firms._equity(m, _active_firms(m)[0]),
    "equity_share": lambda m: setattr(m.state.firms, "unmet_demand", firms.equity_share(m)),
    "firm_employment": lambda m: setattr(m.state.firms, "unmet_demand", talent.firm_employment(m)),
    "departures": talent._departures,
    "job_moves": talent._job_moves,
    "entry": entry.step,
}


@pytest.fixture(scope="module")
def states() -> list[bytes]:
    """Pickled model states at a small scale: early (few firms), mid-year (ended rows not
    yet dropped) a few years in, strong growth (more hires wanted than people available:
    hiring is rationed), a binding labour-pool cap (hiring scaled by the pool's room) and
    relocation pressure (the push on core manufacturing and the neighbours' pull on)."""
    fast = ["parameters.growth.employment_drift=0.3"]
    capped = ["parameters.labour.labour_pool_cap=1.2e6"]
    pressed = ["levers.relocation_pressure.start_year=2011"]
    return pickled_states(
        [
            ("zgc_baseline", [], 3),
            ("zgc_baseline", [], 14),
            ("zgc_baseline", fast, 5),
            ("zgc_baseline", capped, 10),
            ("relocation_pressure", pressed, 10),
        ],
        seed=3,
    )


@pytest.mark.parametrize("name", sorted(CALLS))
def test_kernels_match_numpy(
    name: str, states: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    for blob in states:
        with_kernels = pickle.loads(blob)
        CALLS[name](with_kernels)
        monkeypatch.setattr(jit, "ENABLED", False)
        reference = pickle.loads(blob)
        CALLS[name](reference)
        monkeypatch.setattr(jit, "ENABLED", True)
        assert model_digest(with_kernels, with_state=True) == model_digest(
            reference, with_state=True
        )


@pytest.mark.parametrize("name", ["exits", "equity"])
def test_thinned_draws_match_numpy(
    name: str, states: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiered thinning of firms._trial_rows (used from 16,384 rows, more than these
    small states have) finds the same tiers and draws the same rows on both paths."""
    monkeypatch.setattr(firms, "_THIN_MIN_ROWS", 0)
    test_kernels_match_numpy(name, states, monkeypatch)
