"""EMA Workbench adapter: an ``ema_workbench`` model of an ecosim scenario.

``ecosim.ema.model(scenario, uncertainties=[paths], levers=[paths], outcomes=["name@year"])``
returns an EMA :class:`~ema_workbench.ReplicatorModel`. EMA 3 wants Python identifiers as
names, so each name is its path or outcome spec with every other character turned into ``_``
(``parameters.labour.job_mobility`` -> ``parameters_labour_job_mobility``,
``revenue_total@2020`` -> ``revenue_total_2020``; :func:`ema_name`), and the path itself is
the variable the model receives (EMA's ``variable_name``). Bounds and defaults come from
:func:`ecosim.parameter_space` (the shipped experiments' sweep range where there is one, else
the schema range), and every value EMA samples reaches the model as a validated override.
The model's noise is handled as EMA replications: each experiment runs once per replicate
seed, the seeds ``ecosim run`` would use (``replications=``), and each outcome is aggregated
over them (``aggregate=``, the mean by default).

Outcomes are ``indicator@year`` (any yearly indicator, see ``ecosim.indicator_table()``) or
``zgc_index.<dimension>@year`` (the Zhongguancun Index, for runs covering 2013).

Needs the optional extra: ``pip install ecosim[explore]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.api.params import parameter_space
from sim.api.scenarios import load_scenario
from sim.errors import UserError
from sim.experiments.replicate import indicators_frame, replicate_seeds
from sim.indicator_info import CATALOGUE
from sim.indices import FIRST_LEVEL, SECOND_LEVEL, zgc_index
from sim.scenario import Scenario
from sim.simulate import simulate

INDEX_PREFIX = "zgc_index."


def ema_name(text: str) -> str:
    """The EMA name of a path or outcome spec, a Python identifier: ``a.b@2020`` -> ``a_b_2020``."""
    return re.sub(r"\W", "_", text)


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome: an indicator (or index dimension) in one year."""

    name: str
    indicator: str
    year: int

    @property
    def is_index(self) -> bool:
        return self.indicator.startswith(INDEX_PREFIX)


def parse_outcome(text: str, scenario: Scenario) -> OutcomeSpec:
    """``"revenue_total@2020"`` -> OutcomeSpec; a UserError for an unknown name or year."""
    name, sep, year_text = str(text).partition("@")
    if not sep or not year_text.strip().isdigit():
        raise UserError(
            "expected 'indicator@year', e.g. 'revenue_total@2020' or 'zgc_index.composite@2023'",
            field=f"outcomes: {text}",
        )
    year = int(year_text)
    name = name.strip()
    dimensions = ["composite", *FIRST_LEVEL, *SECOND_LEVEL]
    if name.startswith(INDEX_PREFIX):
        if name[len(INDEX_PREFIX) :] not in dimensions:
            raise UserError(
                f"unknown index dimension; allowed: {', '.join(dimensions)}",
                field=f"outcomes: {text}",
            )
        if scenario.start_year > 2013:
            raise UserError("the index is 2013-based: the run must cover 2013", field=text)
    elif name not in CATALOGUE:
        raise UserError(
            "unknown indicator; see ecosim.indicator_table() for the names",
            field=f"outcomes: {text}",
        )
    if not scenario.start_year <= year <= scenario.end_year:
        raise UserError(
            f"year outside the run ({scenario.start_year}-{scenario.end_year})",
            field=f"outcomes: {text}",
        )
    return OutcomeSpec(str(text), name, year)


def evaluate(
    base: Scenario, outcomes: Sequence[OutcomeSpec], seed: int, **values: Any
) -> dict[str, float]:
    """One run of ``base`` with ``values`` (dotted path -> value) and ``seed``: the outcomes."""
    config = base.with_overrides(values).to_run_config() if values else base.to_run_config()
    res = simulate(config, int(seed))
    by_year = {int(r["year"]): r for r in res.records}
    out: dict[str, float] = {}
    index = None
    for spec in outcomes:
        if spec.is_index:
            if index is None:
                long = zgc_index(indicators_frame([res]))
                index = long.set_index(["dimension", "year"])["value"]
            key = (spec.indicator[len(INDEX_PREFIX) :], spec.year)
            out[spec.name] = float(index.get(key, math.nan))
        else:
            out[spec.name] = float(by_year[spec.year][spec.indicator])
    return out


def _check_levers_act(base: Scenario, paths: Sequence[str]) -> None:
    """A varied lever field of a lever that starts after the run ends would vary nothing."""
    for path in paths:
        parts = path.split(".")
        if len(parts) != 3 or parts[0] != "levers" or f"levers.{parts[1]}.start_year" in paths:
            continue
        lever = getattr(base.levers, parts[1], None)
        if lever is not None and lever.start_year > base.end_year:
            raise UserError(
                f"levers.{parts[1]} starts in {lever.start_year}, after the run's last year "
                f"{base.end_year}: varying it would change nothing (raise end_year, or vary "
                f"levers.{parts[1]}.start_year too)",
                field=path,
            )


def _bounds_of(row: pd.Series, override: tuple[float, float] | None) -> tuple[float, float]:
    if override is not None:
        return float(override[0]), float(override[1])
    if not (math.isnan(row["sweep_low"]) or math.isnan(row["sweep_high"])):
        return float(row["sweep_low"]), float(row["sweep_high"])
    if math.isnan(row["low"]) or math.isnan(row["high"]):
        raise UserError(
            "has no finite range; give bounds={path: (low, high)}", field=str(row["path"])
        )
    return float(row["low"]), float(row["high"])


def _parameters(
    paths: Sequence[str],
    space: pd.DataFrame,
    bounds: Mapping[str, tuple[float, float]],
) -> list[Any]:
    from ema_workbench import IntegerParameter, RealParameter

    table = space.set_index("path")
    out = []
    for path in paths:
        if path not in table.index:
            raise UserError(
                "not a numeric scenario parameter; see ecosim.parameter_space()", field=path
            )
        row = table.loc[path]
        row["path"] = path
        lo, hi = _bounds_of(row, bounds.get(path))
        default = None if math.isnan(row["default"]) else row["default"]
        if default is not None and not lo <= default <= hi:
            default = None
        if row["type"] == "int":
            out.append(
                IntegerParameter(
                    ema_name(path),
                    int(lo),
                    int(hi),
                    default=None if default is None else int(default),
                    variable_name=path,
                )
            )
        else:
            out.append(RealParameter(ema_name(path), lo, hi, default=default, variable_name=path))
    return out


def model(
    scenario: str | Path | Scenario = "zgc_baseline",
    uncertainties: Sequence[str] = (),
    levers: Sequence[str] = (),
    outcomes: Sequence[str] = ("revenue_total@2025",),
    *,
    replications: int = 1,
    scale: float | None = None,
    end_year: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    aggregate: Callable[[Sequence[float]], float] = np.mean,
    name: str = "ecosim",
) -> Any:
    """An EMA ``ReplicatorModel`` over ``scenario`` (see the module docstring).

    ``bounds`` overrides the range of any path; ``scale``, ``end_year`` and ``seed`` act like
    the CLI flags; ``overrides`` sets fixed values first (``{"dotted.path": value}``).
    Replicate ``i`` of every experiment uses the ``i``-th replicate seed of ``ecosim run``
    (common random numbers across experiments).
    """
    try:
        from ema_workbench import ReplicatorModel, ScalarOutcome
    except ImportError as exc:  # the optional extra is missing
        raise UserError(
            "the EMA adapter needs ema_workbench: pip install 'ecosim[explore]'"
        ) from exc
    extra = {
        k: v for k, v in (("seed", seed), ("scale", scale), ("end_year", end_year)) if v is not None
    }
    base = load_scenario(scenario, {**dict(overrides or {}), **extra} or None)
    if int(replications) < 1:
        raise UserError("replications must be at least 1", field="replications")
    both = set(uncertainties) & set(levers)
    if both:
        raise UserError("a path cannot be both uncertainty and lever", field=sorted(both)[0])
    _check_levers_act(base, [*uncertainties, *levers])
    specs = [parse_outcome(o, base) for o in outcomes]
    if not specs:
        raise UserError("give at least one outcome ('indicator@year')", field="outcomes")
    space = parameter_space(scenario=base)
    em = ReplicatorModel(name, function=partial(evaluate, base, specs))
    em.uncertainties = _parameters(list(uncertainties), space, bounds or {})
    em.levers = _parameters(list(levers), space, bounds or {})
    em.outcomes = [
        ScalarOutcome(ema_name(s.name), variable_name=s.name, function=aggregate) for s in specs
    ]
    em.replications = [{"seed": s} for s in replicate_seeds(base.seed, int(replications))]
    return em
