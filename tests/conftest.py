"""Shared fixtures: a small, short version of the Zhongguancun baseline for fast tests."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from sim.experiments.replicate import run_replicates
from sim.model import RunConfig
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "zgc_baseline.yaml"


def small_config(
    overrides: list[str] | None = None, scale: float = 0.02, end_year: int = 2016
) -> RunConfig:
    sc, _ = load(BASELINE, [f"scale={scale}", f"end_year={end_year}", *(overrides or [])])
    return sc.to_run_config()


def mean_at(results, indicator: str, year: int) -> tuple[float, float]:
    """Mean and standard error over replicates of one indicator in one year."""
    vals = np.array(
        [next(r[indicator] for r in res.records if r["year"] == year) for res in results]
    )
    return float(vals.mean()), float(vals.std(ddof=1) / np.sqrt(len(vals))) if len(
        vals
    ) > 1 else 0.0


def paired_effect(
    base: RunConfig, other: RunConfig, indicator: str, year: int, reps: int = 4, seed: int = 7
) -> tuple[float, float]:
    """Mean and standard error of the paired difference other - base (same seeds)."""
    a = run_replicates(base, seed, reps)
    b = run_replicates(other, seed, reps)
    va = np.array([next(r[indicator] for r in x.records if r["year"] == year) for x in a])
    vb = np.array([next(r[indicator] for r in x.records if r["year"] == year) for x in b])
    d = vb - va
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(reps))


@pytest.fixture(scope="session")
def baseline_small() -> RunConfig:
    return small_config()


def pickled_states(
    specs: list[tuple[str, list[str], int]], seed: int, scale: float = 0.03
) -> list[bytes]:
    """Pickled model states, one per ``(scenario, overrides, steps)``: the scenario at
    ``scale`` to 2016 with ``overrides``, stepped ``steps`` times (for tests that run one
    mechanism twice from the same state)."""
    from sim.model import EcosystemModel

    out = []
    for name, overrides, steps in specs:
        sc, _ = load(name, [f"scale={scale}", "end_year=2016", *overrides])
        m = EcosystemModel(sc.to_run_config(), rng=seed)
        for _ in range(steps):
            m.step()
        out.append(pickle.dumps(m))
    return out


def model_digest(m, *, with_state: bool = False) -> bytes:
    """The bytes of a model's rows (organisations and people), its generator's state, its
    flows, its R&D ties and, ``with_state``, the mechanisms' scalar state: what two runs of
    a mechanism from one state must leave the same."""
    parts: list[object] = []
    for pop in (m.orgs, m.talent):
        parts.append(pop.n)
        parts.extend((name, pop[name].tobytes()) for name in sorted(pop.schema))
    parts.append(m.rng.bit_generator.state)
    parts.append(repr(m.flows))
    if with_state:
        parts.append(repr(m.state))
    parts.append(m.ties.a[: m.ties.n].tobytes() + m.ties.b[: m.ties.n].tobytes())
    return pickle.dumps(parts)
