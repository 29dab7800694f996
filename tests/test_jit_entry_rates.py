"""Founding rates: the fused kernels (one pass over firms, one over people) give the numpy
path's rows, flags and rates bit for bit, on the states of a short run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sim.model import EcosystemModel, jit
from sim.model.processes import entry
from tests.conftest import small_config

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="numba absent or ECOSIM_JIT=0")


def test_founding_rates_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    original = entry.founding_rates
    checked = 0

    def wrapped(m: EcosystemModel) -> Any:
        nonlocal checked
        monkeypatch.setattr(jit, "ENABLED", False)
        slow = original(m)
        monkeypatch.setattr(jit, "ENABLED", True)
        fast = original(m)
        for a, b in zip(fast, slow, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
            assert a.tobytes() == b.tobytes()
        checked += int(fast[0].size > 0)
        return fast

    monkeypatch.setattr(entry, "founding_rates", wrapped)
    EcosystemModel(small_config(scale=0.03, end_year=2013), rng=3).run()
    assert checked > 4


def test_people_kernel_without_organisations() -> None:
    """No organisation: no one is employed (no out-of-range read)."""
    rows, is_res, rates = entry._founding_people_kernel(
        np.ones(3, bool), np.full(3, -1, np.int32), np.zeros(0, bool), np.array([1.0, 2.0])
    )
    assert rows.size == is_res.size == rates.size == 0


def test_firm_employment_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """talent.firm_employment, with and without the caller's mask, equals the numpy path's sum."""
    from sim.model.processes import talent

    original = talent.firm_employment
    checked = 0

    def wrapped(m: EcosystemModel, firms: np.ndarray | None = None) -> float:
        nonlocal checked
        monkeypatch.setattr(jit, "ENABLED", False)
        slow = original(m, firms)
        monkeypatch.setattr(jit, "ENABLED", True)
        fast = original(m, firms)
        mask = m.orgs["active"] & ~m.orgs["is_univ"]
        assert fast == slow == original(m, mask)
        checked += 1
        return fast

    monkeypatch.setattr(talent, "firm_employment", wrapped)
    EcosystemModel(small_config(scale=0.03, end_year=2012), rng=4).run()
    assert checked > 4
