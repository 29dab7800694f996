"""Agent faces and the graph view stay true to the arrays, however and whenever they are read."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.agents import EndedAgentError, Firm, Talent, University
from sim.model.network import EDGE_KINDS, pair_keys
from tests.conftest import small_config


def _array_kinds(m: EcosystemModel) -> dict[tuple[int, int], str]:
    """Edge kinds straight from the arrays (the first listed kind wins for a pair)."""
    _, _, u, v, k = m.graph_arrays()
    keys = pair_keys(u, v)
    keys, first = np.unique(keys, return_index=True)
    return {
        (int(key >> 31), int(key & ((1 << 31) - 1))): EDGE_KINDS[int(k[i])]
        for key, i in zip(keys, first, strict=True)
    }


def _graph_kinds(g: nx.Graph) -> dict[tuple[int, int], str]:
    return {(min(a, b), max(a, b)): d["kind"] for a, b, d in g.edges(data=True)}


def test_edge_kinds_match_the_arrays_read_every_step_or_once():
    every = EcosystemModel(small_config(end_year=2013), rng=5)
    once = EcosystemModel(small_config(end_year=2013), rng=5)
    for _ in range(16):
        every.step()
        every.graph  # noqa: B018 - read every step, like the visual server
        once.step()
    g_every, g_once = every.graph, once.graph
    truth = _array_kinds(every)
    assert _graph_kinds(g_every) == truth
    assert _graph_kinds(g_once) == _array_kinds(once)
    # node ids differ (faces are made when first read), the typed structure may not
    assert Counter(_graph_kinds(g_every).values()) == Counter(_graph_kinds(g_once).values())
    kinds = set(truth.values())
    assert {"employment", "alumni"} <= kinds  # the kinds that change between reads


def test_graph_is_read_only_and_copies_are_independent():
    m = EcosystemModel(small_config(end_year=2011), rng=3)
    for _ in range(4):
        m.step()
    g = m.graph
    hub = max(g.degree, key=lambda nd: nd[1])[0]
    with pytest.raises(nx.NetworkXError):
        g.remove_node(hub)
    h = m.graph.copy()
    h.remove_node(hub)
    assert hub in m.graph and hub not in h
    agent = m.agent_by_id(hub)
    assert agent.unique_id == hub and agent.active
    with pytest.raises(KeyError):
        m.agent_by_id(-12345)


def test_node_park_follows_relocation():
    m = EcosystemModel(small_config(end_year=2014), rng=8)
    m.graph  # noqa: B018
    for _ in range(16):
        m.step()
    g = m.graph
    for firm in m.agents_by_type[Firm]:
        assert g.nodes[firm.unique_id]["park"] == firm.park


def test_agent_types_are_synced_before_agents_are_read():
    m = EcosystemModel(small_config(end_year=2011), rng=2)
    types = m.agent_types  # first thing a DataCollector reads
    assert Firm in types and University in types and Talent in types
    n_univ = int((m.orgs["active"] & m.orgs["is_univ"]).sum())
    assert len(m.agents_by_type[University]) == n_univ
    assert all(type(a) is Firm for a in m.agents_by_type[Firm])


def test_ended_faces_are_marked_and_refuse_reads():
    m = EcosystemModel(small_config(end_year=2013), rng=7)
    kept = list(m.agents_by_type[Firm])
    talent = list(m.agents_by_type[Talent])
    revenue_before = {}
    for _ in range(3):  # mid-year: some firms close, rows not yet compacted
        m.step()
    ended_mid = [f for f in kept if not m.orgs["active"][f.row]]
    assert ended_mid, "expected some firm to close within three quarters"
    for f in ended_mid:
        assert f.active is False
        with pytest.raises(EndedAgentError):
            _ = f.revenue
    for f in kept:
        if f.active:
            revenue_before[f.unique_id] = f.revenue
    m.step()  # year end: compaction hands rows to other firms
    for f in kept:
        if f.active:
            assert m.orgs["uid"][f.row] == f.unique_id  # still its own row
            _ = f.revenue
        else:
            with pytest.raises(EndedAgentError, match="left the model"):
                _ = f.revenue
    assert any(not t.active for t in talent)
    assert sum(f.active for f in kept) < len(kept)
