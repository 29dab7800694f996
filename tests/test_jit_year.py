"""The year-end kernels (indicators, compaction) give the numpy path's numbers bit for bit.

Each test runs a small model and, at every year end, computes the kernel's result and the
numpy path's result on the same state (compaction on a copy of the model), then compares
them byte for byte.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.model import EcosystemModel, ecosystem, jit
from sim.model.indicators import (
    CLUSTERING_NODES,
    YearEnd,
    giant_component_share,
    giant_share_from_ties,
    record_year,
)
from sim.model.network import TieStore, average_clustering, clustering_from_lists
from sim.model.state import Population, compact
from tests.conftest import small_config

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="numba absent or ECOSIM_JIT=0")


def _run_with_hook(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    hook: Callable[[EcosystemModel, Callable[[EcosystemModel], Any]], Any],
    scale: float = 0.03,
) -> int:
    """Run a short model whose year-end step ``name`` (``record_year`` or ``compact_model``)
    goes through ``hook(model, original)``; return the number of year ends seen."""
    original = getattr(ecosystem, name)
    seen = 0

    def wrapped(m: EcosystemModel) -> Any:
        nonlocal seen
        seen += 1
        return hook(m, original)

    monkeypatch.setattr(ecosystem, name, wrapped)
    EcosystemModel(small_config(scale=scale, end_year=2014), rng=5).run()
    return seen


def _both_paths(monkeypatch: pytest.MonkeyPatch, fn: Callable[[], Any]) -> tuple[Any, Any]:
    monkeypatch.setattr(jit, "ENABLED", True)
    fast = fn()
    monkeypatch.setattr(jit, "ENABLED", False)
    slow = fn()
    monkeypatch.setattr(jit, "ENABLED", True)
    return fast, slow


def _columns(pop: Population) -> list[tuple[str, bytes]]:
    """Every column's whole buffer (rows beyond ``n`` too: they must hold the defaults)."""
    return [(name, arr.tobytes()) for name, arr in pop._data.items()] + [("n", bytes(pop.n))]


def test_network_indicators(monkeypatch: pytest.MonkeyPatch) -> None:
    """Giant component, clustering and mean degree from the partner lists (kernels) and
    from the sparse matrix (numpy path), on the model's graph at every year end."""
    values: list[tuple[float, float, float]] = []

    def hook(m: EcosystemModel, original: Callable[[EcosystemModel], Any]) -> Any:
        def read() -> tuple[float, float, float]:
            view = YearEnd(m)
            return view.giant_share, view.clustering, view.mean_degree

        fast, slow = _both_paths(monkeypatch, read)
        assert np.array(fast).tobytes() == np.array(slow).tobytes()
        values.append(fast)
        return original(m)

    assert _run_with_hook(monkeypatch, "record_year", hook) == 5
    giant, clustering, _ = np.array(values).T
    assert giant.min() > 0.0 and giant.max() < 1.0  # a giant component, not all or none
    assert clustering.min() > 0.0


@pytest.mark.parametrize("n", [1, 5, 40, 300, 6000])
def test_network_kernels_on_random_graphs(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Edge cases: no ties, isolated rows between components, ties to the last row, hubs,
    and more nodes than the clustering sample (the fixed-seed draw of nodes)."""
    g = np.random.default_rng(n)
    for n_ties in (0, n // 3, 2 * n, 6 * n):
        ties = TieStore(16)
        hub = g.integers(0, n, n_ties // 4)  # some rows gather many partners
        ties.add(
            np.concatenate([g.integers(0, n, n_ties - hub.size), np.full(hub.size, n // 2)]),
            np.concatenate([g.integers(0, n, n_ties - hub.size), hub]),
            0,
        )
        if n > 1:
            ties.add(np.array([0]), np.array([n - 1]), 0)
        adj = ties.adjacency(n)
        indptr, indices = ties.neighbour_lists(n)
        fast_giant = giant_share_from_ties(ties.a[: ties.n], ties.b[: ties.n], n)
        fast = [
            clustering_from_lists(indptr, indices, CLUSTERING_NODES, seed) for seed in (0, 2023)
        ]
        with monkeypatch.context() as numpy_path:  # the sparse-matrix reference
            numpy_path.setattr(jit, "ENABLED", False)
            slow_giant = giant_component_share(adj)
            slow = [average_clustering(adj, max_nodes=CLUSTERING_NODES, seed=s) for s in (0, 2023)]
        assert fast_giant == slow_giant
        assert np.array(fast).tobytes() == np.array(slow).tobytes(), n_ties


def test_workforce_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    def hook(m: EcosystemModel, original: Callable[[EcosystemModel], Any]) -> Any:
        fast, slow = _both_paths(monkeypatch, lambda: YearEnd(m).workforce)
        assert pickle.dumps(fast) == pickle.dumps(slow)
        assert 0.0 < fast["foreign"] < fast["returnee_or_foreign"] < 1.0
        assert 0.0 < fast["young"] < 1.0 and 0.0 < fast["bachelor"] < 1.0
        return original(m)

    assert _run_with_hook(monkeypatch, "record_year", hook) == 5


def test_whole_year_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every indicator of the year with and without kernels."""

    def hook(m: EcosystemModel, original: Callable[[EcosystemModel], Any]) -> Any:
        fast, slow = _both_paths(monkeypatch, lambda: record_year(m))
        assert pickle.dumps(fast) == pickle.dumps(slow)
        return fast

    assert _run_with_hook(monkeypatch, "record_year", hook) == 5


def test_compaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compacted populations (whole buffers), remapped references and ties."""

    def hook(m: EcosystemModel, original: Callable[[EcosystemModel], Any]) -> Any:
        twin = pickle.loads(pickle.dumps(m))
        assert int((~m.orgs["active"]).sum()) > 0 and int((~m.talent["active"]).sum()) > 0
        monkeypatch.setattr(jit, "ENABLED", False)
        original(twin)
        monkeypatch.setattr(jit, "ENABLED", True)
        original(m)
        for pop, other in ((m.orgs, twin.orgs), (m.talent, twin.talent)):
            assert _columns(pop) == _columns(other)
        ties = m.ties
        assert ties.n == twin.ties.n
        assert ties.a[: ties.n].tobytes() == twin.ties.a[: ties.n].tobytes()
        assert ties.b[: ties.n].tobytes() == twin.ties.b[: ties.n].tobytes()
        assert m.investments.firm.tobytes() == twin.investments.firm.tobytes()
        assert m.investments.vc.tobytes() == twin.investments.vc.tobytes()

    assert _run_with_hook(monkeypatch, "compact_model", hook) == 5


@pytest.mark.parametrize("capacity", [16, 1000])
def test_compact_on_every_dtype(monkeypatch: pytest.MonkeyPatch, capacity: int) -> None:
    """Columns of each item size, keeps with runs and gaps at both ends."""
    schema = {
        "active": (bool, False),
        "i1": (np.int8, -1),
        "i2": (np.int16, 7),
        "i4": (np.int32, -3),
        "f8": (np.float64, np.nan),
        "i8": (np.int64, -1),
    }
    g = np.random.default_rng(2)
    for keep_share in (0.0, 0.3, 0.9, 1.0):
        pops = []
        for _ in range(2):
            pop = Population(schema, capacity)
            pop.add(
                500,
                active=True,
                i1=g.integers(-100, 100, 500),
                i2=g.integers(-1000, 1000, 500),
                i4=g.integers(-(10**6), 10**6, 500),
                f8=g.normal(size=500),
                i8=g.integers(-(10**12), 10**12, 500),
            )
            pops.append(pop)
        pops[1]._data = {k: v.copy() for k, v in pops[0]._data.items()}
        pops[1]._refresh()
        keep = g.random(500) < keep_share
        keep[:3] = keep_share == 1.0
        monkeypatch.setattr(jit, "ENABLED", True)
        fast = compact(pops[0], keep)
        monkeypatch.setattr(jit, "ENABLED", False)
        slow = compact(pops[1], keep)
        assert fast.tobytes() == slow.tobytes()
        assert _columns(pops[0]) == _columns(pops[1])
