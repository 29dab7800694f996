"""From a candidate (one value per decision variable) to runs, and from runs to objectives.

* Draws. A candidate is run for every (member, replicate): ``members`` posterior members with
  ``--ensemble`` (one "member", the base, without), ``replicates`` seeds each. The seed of a
  draw is a pure function of the spec seed and (member, replicate), so every candidate sees the
  same seeds (common random numbers): differences between candidates are the levers', not the
  dice's, and nothing depends on worker count or order.
* Funding shares. The five source shares of the funding mix must add up to 1. The shares that
  are decision variables take their value; the others keep their proportions in the base and
  fill what is left (if the chosen ones exceed 1 together, they are scaled to 1).
* Robustness per objective over the draws: mean; p10 (the value 90% of the draws do at least
  as well as: the 10th percentile for a maximised output, the 90th for a minimised one);
  satisficing (share of draws meeting the objective's threshold); regret (largest shortfall,
  over members, of the candidate's replicate mean against the best candidate evaluated for
  that member). Regret depends on every candidate, so it is computed at the end and reported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.experiments.ensemble import Member
from sim.experiments.optimize.spec import FUNDING_SHARES, OptimizeSpec
from sim.experiments.sweep.design import _set
from sim.experiments.sweep.execute import OutputSpec, Task
from sim.experiments.sweep.schema import INDEX_PREFIX
from sim.scenario.loader import SourceMap, apply_overrides, load_scenario_dict, validate
from sim.scenario.schema import Scenario

#: penalty objective/constraint value for a candidate whose every draw failed to give a value
_PENALTY = 1e12


@dataclass
class Base:
    """The base scenario as data (fixed values, scale, end year applied) and validated."""

    data: dict[str, Any]
    source: SourceMap
    scenario: Scenario


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for step in path.split("."):
        if not isinstance(node, dict) or step not in node:
            return None
        node = node[step]
    return node


def base_scenario(spec: OptimizeSpec, spec_path: Path, source: SourceMap | None) -> Base:
    """Load the spec's base and apply ``fixed``, scale and end year; check output years."""
    path = (Path(spec_path).parent / spec.scenario).resolve()
    if not path.is_file():
        raise UserError(
            f"base scenario '{spec.scenario}' not found (looked at {path.name} next to the "
            "spec file)", file=str(spec_path), field="scenario",
        )  # fmt: skip
    data, src = load_scenario_dict(path)
    data = copy.deepcopy(data)
    for key, value in spec.fixed.items():
        _set(data, key, value)
        src.drop_under(key)
        line = source.locate(f"fixed.{key}")[1] if source is not None else None
        src[key] = (str(spec_path), line)
    _set(data, "scale", spec.scale)
    if spec.end_year is not None:
        _set(data, "end_year", spec.end_year)
    sc = validate(data, Scenario, src)
    for i, out in enumerate(spec.outputs):
        kind = "objectives" if i < len(spec.objectives) else "constraints"
        j = i if i < len(spec.objectives) else i - len(spec.objectives)
        first, last = out.years
        where = f"{kind}[{j}]"
        line = source.locate(where)[1] if source is not None else None
        if first < sc.start_year or last > sc.end_year:
            raise UserError(
                f"{out.label} reads {first}-{last} but the runs cover {sc.start_year}-"
                f"{sc.end_year} (set end_year)", file=str(spec_path), line=line, field=where,
            )  # fmt: skip
        if out.indicator.startswith(INDEX_PREFIX) and sc.start_year > 2013:
            raise UserError(
                f"{out.label} needs the 2013-based ZGC Index but runs start in "
                f"{sc.start_year}", file=str(spec_path), line=line, field=where,
            )  # fmt: skip
    if any(v.path in FUNDING_SHARES for v in spec.variables):
        missing = [p for p in FUNDING_SHARES if _get(data, p) is None]
        if missing:
            raise UserError(
                "a funding-mix share is a decision variable, so the base must give all five "
                f"source shares (missing: {', '.join(missing)}); set them in fixed",
                file=str(spec_path), field="variables",
            )  # fmt: skip
    return Base(data, src, sc)


def normalise_shares(values: dict[str, float], chosen: set[str]) -> dict[str, float]:
    """The five funding shares adding up to 1: chosen ones kept, the others rescaled."""
    picked = sum(values[p] for p in FUNDING_SHARES if p in chosen)
    rest = sum(values[p] for p in FUNDING_SHARES if p not in chosen)
    out = dict(values)
    if picked > 1 or (rest <= 0 and picked > 0):
        for p in FUNDING_SHARES:
            out[p] = values[p] / picked if p in chosen else 0.0
    elif rest > 0:
        for p in FUNDING_SHARES:
            if p not in chosen:
                out[p] = values[p] * (1 - picked) / rest
    return out


def candidate_values(spec: OptimizeSpec, base: Base, x: np.ndarray) -> dict[str, float | int]:
    """Dotted path -> value the candidate sets (ints rounded, funding shares normalised)."""
    vals: dict[str, float | int] = {}
    for v, xi in zip(spec.variables, x, strict=True):
        vals[v.path] = round(float(xi)) if v.is_int else float(xi)
    chosen = {p for p in vals if p in FUNDING_SHARES}
    if chosen:
        shares = {p: float(vals.get(p, _get(base.data, p))) for p in FUNDING_SHARES}
        vals.update(normalise_shares(shares, chosen))
    return vals


def candidate_scenario(
    base: Base, values: dict[str, float | int], member: Member | None = None
) -> Scenario:
    """The base with a posterior member's parameters and the candidate's levers, validated."""
    data = base.data
    source = copy.copy(base.source)
    if member is not None:
        data = apply_overrides(data, member.overrides(), source)
    data = copy.deepcopy(data)
    for path, value in values.items():
        _set(data, path, value)
        source[path] = ("candidate", None)
    return validate(data, Scenario, source)


def draw_seed(spec: OptimizeSpec, member: int, rep: int) -> int:
    """Seed of one draw: the same for every candidate (common random numbers)."""
    seq = np.random.SeedSequence(spec.seed, spawn_key=(member, rep))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def output_specs(spec: OptimizeSpec) -> tuple[OutputSpec, ...]:
    return tuple(OutputSpec(o.label, o.indicator, o.summary, *o.years) for o in spec.outputs)


def candidate_tasks(
    spec: OptimizeSpec, base: Base, members: list[Member | None], cid: int, x: np.ndarray
) -> list[Task]:
    """One task per draw; ``rep`` numbers the draw as member * replicates + replicate."""
    values = candidate_values(spec, base, x)
    specs = output_specs(spec)
    tasks = []
    for m, member in enumerate(members):
        try:
            config = candidate_scenario(base, values, member).to_run_config()
        except UserError as exc:
            raise UserError(f"candidate {values} is not a valid scenario: {exc.render()}",
                            field="variables") from None  # fmt: skip
        for r in range(spec.replicates):
            rep = m * spec.replicates + r
            tasks.append(Task(cid, rep, draw_seed(spec, m, r), config, specs))
    return tasks


# --------------------------------------------------------------------------- robustness


def draw_matrix(spec: OptimizeSpec, runs: list[dict[str, Any]], label: str, n_members: int):
    """(members, replicates) values of one output for one candidate's runs."""
    m = np.full((n_members, spec.replicates), np.nan)
    for run in runs:
        rep = int(run["rep"])
        m[rep // spec.replicates, rep % spec.replicates] = float(run["outputs"].get(label, np.nan))
    return m


def robust_stats(values: np.ndarray, direction: str, satisfice: float | None) -> dict[str, float]:
    """mean, p10 and satisficing share of one candidate's draws (NaN draws left out)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return {"mean": np.nan, "p10": np.nan, "satisficing": np.nan}
    p10 = np.percentile(v, 10 if direction == "max" else 90)
    sat = np.nan
    if satisfice is not None:
        sat = float(np.mean(v >= satisfice if direction == "max" else v <= satisfice))
    return {"mean": float(v.mean()), "p10": float(p10), "satisficing": sat}


def objective_values(spec: OptimizeSpec, stats: dict[str, dict[str, float]]) -> np.ndarray:
    """Objectives in pymoo's form: minimised, so maximised ones (and shares) negated."""
    f = []
    for o in spec.objectives:
        v = stats[o.label][o.robustness]
        if not np.isfinite(v):
            f.append(_PENALTY)
            continue
        better_high = o.direction == "max" or o.robustness == "satisficing"
        f.append(-v if better_high else v)
    return np.array(f, dtype=float)


def constraint_values(spec: OptimizeSpec, stats: dict[str, dict[str, float]]) -> np.ndarray:
    """pymoo inequality constraints (<= 0 is satisfied), on the mean over draws."""
    g = []
    for c in spec.constraints:
        mean = stats[c.label]["mean"]
        if c.min is not None:
            g.append(c.min - mean if np.isfinite(mean) else _PENALTY)
        if c.max is not None:
            g.append(mean - c.max if np.isfinite(mean) else _PENALTY)
    return np.array(g, dtype=float)


def n_constraints(spec: OptimizeSpec) -> int:
    return sum((c.min is not None) + (c.max is not None) for c in spec.constraints)


def regret(spec: OptimizeSpec, member_means: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per objective: each candidate's largest shortfall over members against the best.

    ``member_means[label]`` is (candidates, members): each candidate's replicate mean for each
    member. The best is taken over every candidate evaluated.
    """
    out = {}
    for o in spec.objectives:
        m = member_means[o.label]
        with np.errstate(all="ignore"):
            if o.direction == "max":
                short = np.nanmax(m, axis=0, keepdims=True) - m
            else:
                short = m - np.nanmin(m, axis=0, keepdims=True)
            out[o.label] = np.nanmax(short, axis=1)
    return out


def pareto_mask(f: np.ndarray) -> np.ndarray:
    """True for the rows of ``f`` (minimised objectives) that no other row dominates.

    pymoo's non-dominated sorting; duplicated rows are all kept.
    """
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    mask = np.zeros(len(f), dtype=bool)
    if len(f):
        front = NonDominatedSorting().do(np.asarray(f, float), only_non_dominated_front=True)
        mask[np.asarray(front, dtype=int)] = True
    return mask


def frame_of_stats(spec: OptimizeSpec, stats: list[dict[str, dict[str, float]]]) -> pd.DataFrame:
    rows = []
    for s in stats:
        row: dict[str, float] = {}
        for o in spec.objectives:
            for k in ("mean", "p10", "satisficing"):
                row[f"{o.label}_{k}"] = s[o.label][k]
        for c in spec.constraints:
            row[f"{c.label}_mean"] = s[c.label]["mean"]
        rows.append(row)
    return pd.DataFrame(rows)
