"""The design: SALib sample, factor values, per-run seeds and each point's scenario.

SALib samples the unit hypercube (every factor on [0, 1]); each column is then mapped to its
factor through the inverse CDF of the factor's distribution truncated to its bounds. Sampling
in unit space keeps Morris steps comparable across factors and guarantees that no sampled value
leaves the range the scenario schema allows (SALib's own norm and lognorm are unbounded).

Seeds. Each run's seed is a pure function of the experiment seed and of the point's *content*
(the seed dummy factor's level and, for Morris, the trajectory), never of the order or the
worker that runs it; so results do not depend on the worker count, and a resumed sweep runs
exactly the runs an uninterrupted one would. When ``seed_factor`` is on, the replicate seed is
an extra SALib factor (SALib issue #292: give the noise its own factor so its share of the
variance is estimated like any other input); points that share its level share their seeds
(common random numbers inside a Saltelli block or a Morris trajectory).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.errors import UserError
from sim.experiments.sweep.schema import (
    INDEX_PREFIX,
    Experiment,
    Factor,
    FastOptions,
    MorrisOptions,
    SobolOptions,
)
from sim.scenario.loader import SourceMap, load_scenario_dict, validate
from sim.scenario.schema import Scenario

#: the seed factor's unit level is mapped to an integer key with this resolution
_SEED_LEVELS = 2**31


@dataclass
class Design:
    """The sampled design: one row per point."""

    names: list[str]  #: SALib factor names (the seed dummy last when on)
    unit: np.ndarray  #: (points, len(names)) sample in unit space
    values: np.ndarray  #: (points, factors) factor values in scenario units
    blocks: np.ndarray  #: Morris trajectory of each point (0 for other methods)

    @property
    def points(self) -> int:
        return int(self.unit.shape[0])


def problem(exp: Experiment) -> dict[str, Any]:
    """The SALib problem in unit space."""
    names = exp.factor_names
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def sample_unit(exp: Experiment) -> tuple[np.ndarray, np.ndarray]:
    """SALib's sample of the unit hypercube and the Morris trajectory of each row."""
    from SALib.sample import fast_sampler, morris, sobol

    prob = problem(exp)
    opts = exp.options
    d = prob["num_vars"]
    if isinstance(opts, MorrisOptions):
        x = morris.sample(
            prob, opts.trajectories, num_levels=opts.levels,
            optimal_trajectories=opts.optimal_trajectories, seed=exp.seed,
        )  # fmt: skip
        blocks = np.arange(x.shape[0]) // (d + 1)
    elif isinstance(opts, SobolOptions):
        x = sobol.sample(prob, opts.N, calc_second_order=opts.calc_second_order, seed=exp.seed)
        blocks = np.zeros(x.shape[0], dtype=int)
    else:
        assert isinstance(opts, FastOptions)
        x = fast_sampler.sample(prob, opts.N, M=opts.M, seed=exp.seed)
        blocks = np.zeros(x.shape[0], dtype=int)
    return np.clip(np.asarray(x, dtype=float), 0.0, 1.0), blocks.astype(int)


def _ppf(f: Factor, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of the factor's distribution truncated to its bounds."""
    lo, hi = f.bounds
    if f.dist == "unif":
        return lo + u * (hi - lo)
    if f.dist == "triang":
        c = (float(f.mode) - lo) / (hi - lo)  # type: ignore[arg-type]
        return stats.triang.ppf(u, c, loc=lo, scale=hi - lo)
    if f.dist == "norm":
        dist = stats.norm(loc=f.mean, scale=f.sd)
    else:
        dist = stats.lognorm(s=f.log_sd, scale=f.median)
    a, b = dist.cdf(lo), dist.cdf(hi)
    if b - a < 1e-12:
        raise UserError(
            f"factor {f.label}: the distribution puts no mass inside bounds {list(f.bounds)}"
        )
    return np.clip(dist.ppf(a + u * (b - a)), lo, hi)


def make_design(exp: Experiment) -> Design:
    """Sample and map to scenario units; integer fields are rounded."""
    unit, blocks = sample_unit(exp)
    cols = []
    for j, f in enumerate(exp.factors):
        v = _ppf(f, unit[:, j])
        cols.append(np.round(v) if f.is_int else v)
    values = np.column_stack(cols) if cols else np.empty((unit.shape[0], 0))
    return Design(exp.factor_names, unit, values, blocks)


def run_seed(exp: Experiment, design: Design, point: int, rep: int) -> int:
    """The seed of one run: a function of the experiment seed and the point's seed key."""
    if exp.seed_factor:
        level = round(float(design.unit[point, -1]) * _SEED_LEVELS)
        key = (int(design.blocks[point]), level, rep)
    else:
        key = (0, 0, rep)  # common random numbers: every point sees the same seeds
    seq = np.random.SeedSequence(exp.seed, spawn_key=key)
    return int(seq.generate_state(1, dtype=np.uint32)[0])


# --------------------------------------------------------------------------- scenarios


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    steps = path.split(".")
    for step in steps[:-1]:
        nxt = node.get(step)
        if not isinstance(nxt, dict):
            nxt = {}
            node[step] = nxt
        node = nxt
    node[steps[-1]] = value


@dataclass
class Base:
    """The base scenario as data (fixed values, scale and end year applied) and validated."""

    data: dict[str, Any]
    source: SourceMap
    scenario: Scenario


def base_scenario(exp: Experiment, exp_path: Path, exp_source: SourceMap | None = None) -> Base:
    """Load the base named by the experiment and apply fixed values, scale and end year.

    Values set by the experiment are mapped to the experiment file's lines, so a fixed value
    the scenario schema rejects is reported where the user wrote it.
    """
    path = (exp_path.parent / exp.scenario).resolve()
    if not path.is_file():
        raise UserError(
            f"base scenario '{exp.scenario}' not found (looked at {path.name} next to the "
            "experiment file)", file=str(exp_path), field="scenario",
        )  # fmt: skip
    data, source = load_scenario_dict(path)
    data = copy.deepcopy(data)
    label = str(exp_path)
    for key, value in exp.fixed.items():
        _set(data, key, value)
        source.drop_under(key)
        line = exp_source.locate(f"fixed.{key}")[1] if exp_source is not None else None
        source[key] = (label, line)
    _set(data, "scale", exp.scale)
    source["scale"] = (label, None)
    if exp.end_year is not None:
        _set(data, "end_year", exp.end_year)
        source["end_year"] = (label, None)
    scenario = validate(data, Scenario, source)
    _check_years(exp, scenario, exp_path, exp_source)
    return Base(data, source, scenario)


def _check_years(
    exp: Experiment, sc: Scenario, exp_path: Path, exp_source: SourceMap | None
) -> None:
    for i, out in enumerate(exp.outputs):
        line = exp_source.locate(f"outputs[{i}]")[1] if exp_source is not None else None
        first, last = out.years
        if first < sc.start_year or last > sc.end_year:
            raise UserError(
                f"output {out.label} reads {first}-{last} but the runs cover "
                f"{sc.start_year}-{sc.end_year} (set end_year)",
                file=str(exp_path), line=line, field=f"outputs[{i}]",
            )  # fmt: skip
        if out.indicator.startswith(INDEX_PREFIX) and sc.start_year > 2013:
            raise UserError(
                f"output {out.label} needs the 2013-based ZGC Index but runs start in "
                f"{sc.start_year}", file=str(exp_path), line=line, field=f"outputs[{i}]",
            )  # fmt: skip


def point_scenario(exp: Experiment, base: Base, values: np.ndarray) -> Scenario:
    """The base with one design point's factor values set, validated like a file."""
    data = copy.deepcopy(base.data)
    source = copy.copy(base.source)
    for f, v in zip(exp.factors, values, strict=True):
        _set(data, f.path, int(v) if f.is_int else float(v))
        source[f.path] = (f"factor {f.label}", None)
    return validate(data, Scenario, source)
