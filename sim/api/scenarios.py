"""Scenarios for Python callers: by shipped name or path, with validated overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.scenario import Scenario, load
from sim.scenario.checks import check_levers_can_act
from sim.scenario.library import shipped_names


def load_scenario(
    name_or_path: str | Path | Scenario,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Scenario:
    """A validated scenario from a shipped name (``"zgc_baseline"``) or a YAML path.

    ``overrides`` maps dotted paths to values (``{"parameters.labour.job_mobility": 0.2}``)
    or lists ``"path=value"`` texts like ``--set``; both are validated like the file. A
    lever with strength above 0 and no settings is refused, as by ``ecosim run``. Every
    problem is a :class:`sim.errors.UserError` naming the file, the field and what is allowed.
    """
    if isinstance(name_or_path, Scenario):
        scenario = name_or_path.with_overrides(overrides) if overrides else name_or_path
    elif isinstance(name_or_path, str | Path):
        if overrides is None or isinstance(overrides, Mapping):
            scenario, _ = load(name_or_path)
            if overrides:
                scenario = scenario.with_overrides(overrides)
        else:
            scenario, _ = load(name_or_path, [str(o) for o in overrides])
    else:
        raise UserError(
            f"expected a scenario name, a path or a Scenario, got {type(name_or_path).__name__}",
            field="scenario",
        )
    check_levers_can_act(scenario, getattr(scenario, "_source", None))
    return scenario


def scenario_names() -> list[str]:
    """Names of the scenarios shipped with ecosim (usable wherever a path is)."""
    return shipped_names()
