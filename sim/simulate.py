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
    rng = np.random.default_rng(0)  # sampling for display only, not part of the dynamics
    g = model.graph
    org_nodes = [int(u) for u in o["uid"][o["active"]]]
    core = sorted(org_nodes, key=lambda u: -g.degree(u))[: max_nodes // 2]
    in_core = set(core)
    others = [u for u in org_nodes if u not in in_core]
    pick = (
        list(rng.choice(others, size=min(len(others), max_nodes - len(core)), replace=False))
        if others
        else []
    )
    nodes = set(core) | {int(u) for u in pick}
    sub = g.subgraph(nodes)
    return {
        "year": model.year - 1,
        "firm_revenue": o["rev"][f].tolist(),
        "firm_weight": o["weight"][f].tolist(),
        "firm_employees": o["emp"][f].tolist(),
        "degree_histogram": hist.tolist(),
        "network_sample": {
            "nodes": [
                {"id": int(n), "kind": d.get("kind", "?"), "park": d.get("park", "")}
                for n, d in sub.nodes(data=True)
            ],
            "edges": [[int(u), int(v), d.get("kind", "")] for u, v, d in sub.edges(data=True)],
            "sampled_from": len(org_nodes),
        },
    }
