"""The one pure function between experiments and the model: parameters + seed -> results.

Everything else (replications, comparisons, sweeps, calibration, the CLI) is built on
:func:`simulate`. It returns plain data, so it can cross process boundaries cheaply, and it
is deterministic: the same config and seed give the same results, bit for bit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.model import EcosystemModel, RunConfig
from sim.model.codes import TieKind


@dataclass
class SimResult:
    """Yearly indicator records of one run, with what is needed to describe it."""

    seed: int
    records: list[dict[str, float]]
    agent_counts: dict[str, int]
    steps: int
    build_seconds: float
    run_seconds: float
    agent_steps: int
    snapshot: dict[str, Any] = field(default_factory=dict)
    #: with a snapshot: ``firms`` (last two years), ``ties`` and ``deals`` columns (see
    #: :func:`firm_table`), written as Parquet into the run folder for the stylised facts
    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


class EmptyPopulation(UserError):
    """The scale leaves an agent population empty: the run would describe no one."""


def _check_populations(model: EcosystemModel, config: RunConfig) -> None:
    empty = [name for name, n in model.agent_counts().items() if n == 0]
    if empty:
        raise EmptyPopulation(
            f"at scale {config.scale:g} the {', '.join(empty)} population is empty, so the "
            "run would describe no one; raise the scale",
            field="scale",
        )


def simulate(
    config: RunConfig,
    seed: int,
    *,
    snapshot: bool = False,
    on_year: Callable[[int], None] | None = None,
) -> SimResult:
    """Run one simulation from ``config`` with root ``seed``; return its yearly records.

    Args:
        config: validated run configuration.
        seed: root seed; every draw of the run comes from one generator seeded with it.
        snapshot: also return end-of-run distributions (firm sizes, degrees, a network
            sample) for reports.
        on_year: called with each finished year (progress display).
    """
    t0 = time.perf_counter()
    model = EcosystemModel(config, rng=int(seed))
    _check_populations(model, config)
    t1 = time.perf_counter()
    agent_steps = 0
    year_before: dict[str, np.ndarray] = {}
    while model.running:
        agent_steps += model.n_agents()
        n_before = len(model.records)
        model.step()
        if len(model.records) > n_before:
            year = int(model.records[-1]["year"])
            if snapshot and year == model.end_year - 1:
                year_before = firm_table(model, year)
            if on_year is not None:
                on_year(year)
    t2 = time.perf_counter()
    return SimResult(
        seed=int(seed),
        records=model.records,
        agent_counts=model.agent_counts(),
        steps=int(model.steps),
        build_seconds=t1 - t0,
        run_seconds=t2 - t1,
        agent_steps=agent_steps,
        snapshot=take_snapshot(model) if snapshot else {},
        tables=fact_tables(model, year_before) if snapshot else {},
    )


def firm_table(model: EcosystemModel, year: int) -> dict[str, np.ndarray]:
    """Active firms at a year end (after compaction: rows of that year's survivors)."""
    o = model.orgs
    f = o["active"] & ~o["is_univ"]
    return {
        "year": np.full(int(f.sum()), year, np.int64),
        "fid": o["fid"][f].copy(),
        "root": o["root"][f].copy(),
        "weight": o["weight"][f].copy(),
        "emp": o["emp"][f].copy(),
        "rev": o["rev"][f].copy(),
        "age": (model.t - o["born"][f]).astype(np.float64),
        "valuation": o["valuation"][f].copy(),
        "post_money": o["post_money"][f].copy(),
        "listed": o["listed"][f].copy(),
        "vc_backed": o["vc_backed"][f].copy(),
        "sector": o["sector"][f].astype(np.int64),
        "park": o["park"][f].astype(np.int64),
        "kind": o["kind"][f].astype(np.int64),
    }


def fact_tables(model: EcosystemModel, year_before: dict[str, np.ndarray]) -> dict[str, Any]:
    """The firm tables of the last two years, the R&D ties and the venture deals."""
    end = firm_table(model, model.year - 1)
    firms = {k: np.concatenate([year_before[k], end[k]]) for k in end} if year_before else end
    o, ties = model.orgs, model.ties
    a, b = ties.a[: ties.n], ties.b[: ties.n]
    live = o["active"][a] & o["active"][b]
    value: dict[int, float] = {}
    for fid, v in zip(end["fid"].tolist(), end["valuation"].tolist(), strict=True):
        value.setdefault(fid, v)  # a private firm's residual value (parts of a split: the first)
    return {
        "firms": firms,
        "ties": {
            "a": o["fid"][a[live]].copy(),
            "b": o["fid"][b[live]].copy(),
            "kind": ties.kind[: ties.n][live].astype(np.int64),
        },
        "deals": model.deal_log.columns(value),
    }


def take_snapshot(model: EcosystemModel, max_nodes: int = 400) -> dict[str, Any]:
    """End-of-run distributions and a small network sample (for reports and plots)."""
    o = model.orgs
    f = o["active"] & ~o["is_univ"]
    adj = model.ties.adjacency(o.n)
    deg = np.asarray(adj.sum(axis=1)).ravel()[o["active"]].astype(int)
    hist = np.bincount(deg) if deg.size else np.zeros(1, int)
    sample = _sample_from_arrays(model, max_nodes)
    return {
        "year": model.year - 1,
        "firm_revenue": o["rev"][f].tolist(),
        "firm_weight": o["weight"][f].tolist(),
        "firm_employees": o["emp"][f].tolist(),
        "degree_histogram": hist.tolist(),
        "network_sample": sample if sample is not None else _sample_from_graph(model, max_nodes),
    }


def _pick_nodes(org_nodes: list[int], degree: Any, max_nodes: int) -> set[int]:
    """The sampled organisations: the best connected half, and a random draw of the rest."""
    rng = np.random.default_rng(0)  # sampling for display only, not part of the dynamics
    core = sorted(org_nodes, key=lambda u: -degree(u))[: max_nodes // 2]
    in_core = set(core)
    others = [u for u in org_nodes if u not in in_core]
    pick = (
        list(rng.choice(others, size=min(len(others), max_nodes - len(core)), replace=False))
        if others
        else []
    )
    return set(core) | {int(u) for u in pick}


def _sample_from_graph(model: EcosystemModel, max_nodes: int) -> dict[str, Any]:
    """The network sample read from ``model.graph`` (which builds every face and edge)."""
    o = model.orgs
    g = model.graph
    org_nodes = [int(u) for u in o["uid"][o["active"]]]
    sub = g.subgraph(_pick_nodes(org_nodes, g.degree, max_nodes))
    return {
        "nodes": [
            {"id": int(n), "kind": d.get("kind", "?"), "park": d.get("park", "")}
            for n, d in sub.nodes(data=True)
        ],
        "edges": [[int(u), int(v), d.get("kind", "")] for u, v, d in sub.edges(data=True)],
        "sampled_from": len(org_nodes),
    }


def _sample_from_arrays(model: EcosystemModel, max_nodes: int) -> dict[str, Any] | None:
    """The same sample as :func:`_sample_from_graph`, read from the arrays; None when the
    shortcut does not apply.

    At the end of a headless run (every row live after the last compaction, no face ever
    made) building ``model.graph`` would give every agent a face and the graph an edge for
    every employment: far more work than the run's last years. Here the unique ids those
    faces would get (Mesa numbers agents in creation order, and ``_sync_faces`` creates
    parks, organisations, talent, investors, each in row order), the graph degrees (the
    distinct partners over all edge kinds) and the induced subgraph are computed directly,
    listed in the order networkx's subgraph view lists them: nodes in the order of the
    view's node set when it is less than half the graph, else in graph order (ascending
    ids); each node's partners in ascending id order (the order the edges were added),
    each edge once, from the end listed first.
    """
    o, tl, iv, pk = model.orgs, model.talent, model.investors, model.parks
    pops = (pk, o, tl, iv)
    counter = getattr(model, "agent_id_counter", None)
    if (
        not isinstance(counter, int)
        or model._by_uid
        or any(not p["active"].all() or (p["uid"] != -1).any() for p in pops)
    ):
        return None
    n_org = o.n
    first_id = counter + pk.n  # unique id of organisation row 0
    emp, alum = tl["employer"], tl["alumni"]
    alum_ok = (alum >= 0) & (alum != emp)
    ties_a, ties_b = model.ties.a[: model.ties.n], model.ties.b[: model.ties.n]
    degree = np.bincount(emp[emp >= 0], minlength=n_org)
    degree += np.bincount(alum[alum_ok], minlength=n_org)
    degree += np.bincount(ties_a, minlength=n_org) + np.bincount(ties_b, minlength=n_org)
    if len(model.investments):
        pairs = np.unique(model.investments.vc * n_org + model.investments.firm)
        degree += np.bincount(pairs % n_org, minlength=n_org)
    org_nodes = list(range(first_id, first_id + n_org))
    deg_of = degree.tolist()
    nodes = _pick_nodes(org_nodes, lambda u: deg_of[u - first_id], max_nodes)

    graph_size = o.n + tl.n + iv.n
    shown = set(n for n in nodes)  # as networkx builds its node filter (the order counts)
    order = list(shown) if 2 * len(shown) < graph_size else sorted(shown)
    rows = np.asarray(order, np.int64) - first_id
    park_ids = model.park_ids
    is_univ, park = o["is_univ"][rows].tolist(), o["park"][rows].tolist()
    node_list = [
        {"id": n, "kind": "university" if u else "firm", "park": park_ids[p]}
        for n, u, p in zip(order, is_univ, park, strict=True)
    ]
    # ties between sampled organisations, both ways, by node then ascending partner
    in_sample = np.zeros(n_org, bool)
    in_sample[rows] = True
    both = in_sample[ties_a] & in_sample[ties_b]
    a, b = ties_a[both], ties_b[both]
    kind = np.where(
        model.ties.kind[: model.ties.n][both] == TieKind.CONTRACT,
        "tech_contract",
        "rd_collaboration",
    )
    partners: dict[int, list[tuple[int, str]]] = {}
    for u, v, k in zip(
        np.concatenate([a, b]).tolist(),
        np.concatenate([b, a]).tolist(),
        np.concatenate([kind, kind]).tolist(),
        strict=True,
    ):
        partners.setdefault(u, []).append((v, k))
    seen: set[int] = set()
    edges = []
    for n in order:
        for v, k in sorted(partners.get(n - first_id, ())):
            if v + first_id not in seen:
                edges.append([n, v + first_id, k])
        seen.add(n)
    return {"nodes": node_list, "edges": edges, "sampled_from": n_org}
