"""Speed-ups of the year-end and bookkeeping code that must not change any output."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.mechanisms import ORG_SCHEMA
from sim.model.state import Population, compact
from sim.simulate import _sample_from_arrays, _sample_from_graph, take_snapshot
from tests.conftest import small_config


@pytest.mark.parametrize("scale", [0.002, 0.01])
def test_network_sample_from_arrays_is_the_graphs(scale: float) -> None:
    """The snapshot's network sample read from the arrays equals the one read from
    ``model.graph``, node order and edge order included, in both of networkx's orders
    (a sample under half the graph, and one that is most of it)."""
    model = EcosystemModel(small_config(scale=scale, end_year=2012), rng=3)
    model.run()
    sizes = (1, 10, 400, 2000, 100_000)
    from_arrays = {n: _sample_from_arrays(model, n) for n in sizes}
    for n in sizes:
        assert from_arrays[n] is not None
        assert json.dumps(from_arrays[n]) == json.dumps(_sample_from_graph(model, n)), n
    # once faces exist the shortcut steps aside, and the snapshot still has its sample
    assert _sample_from_arrays(model, 400) is None
    assert json.dumps(take_snapshot(model)["network_sample"]) == json.dumps(from_arrays[400])


def test_population_rows_beyond_n_hold_defaults() -> None:
    """``add`` writes only the given columns: every other column of new rows must read its
    default, after growth and after a compaction freed rows."""
    pop = Population(ORG_SCHEMA, 16)
    rng = np.random.default_rng(0)
    for _ in range(3):
        rows = pop.add(40, active=True, emp=rng.random(40), uid=7)
        pop["cash"][rows] = 5.0
        pop["last_round"][rows] = 1.0
        compact(pop, rng.random(pop.n) < 0.5)
    fresh = pop.add(100, active=True)
    for name, col in pop.schema.items():
        if name != "active":
            expected = np.full(100, col.default, dtype=col.dtype)
            assert np.array_equal(pop[name][fresh], expected), name
    with pytest.raises(KeyError, match="unknown columns"):
        pop.add(1, no_such_column=1.0)
