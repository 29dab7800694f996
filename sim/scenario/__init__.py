"""Scenario layer: the YAML schema, loading with ``extends``, overrides and validation."""

from __future__ import annotations

import contextlib
from pathlib import Path

from sim.scenario.library import resolve
from sim.scenario.loader import SourceMap, load_scenario
from sim.scenario.schema import Scenario

SCENARIO_DIR_NAME = "scenarios"


def load(path: str | Path, overrides: list[str] | None = None) -> tuple[Scenario, SourceMap]:
    """Read, override and validate a scenario file (every input problem is a UserError).

    ``path`` may also name a shipped scenario (``zgc_baseline``); a path that exists wins.
    """
    resolved = resolve(path)
    label: str | Path = path
    if resolved != Path(path):  # a shipped name: show the file, relative when it is close
        label = resolved
        with contextlib.suppress(ValueError):
            label = resolved.relative_to(Path.cwd())
    scenario, source = load_scenario(label, Scenario, overrides)
    scenario._source = source
    return scenario, source


__all__ = ["Scenario", "SourceMap", "load"]
