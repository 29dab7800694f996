"""Scenario layer: the YAML schema, loading with ``extends``, overrides and validation."""

from __future__ import annotations

from pathlib import Path

from sim.scenario.loader import SourceMap, load_scenario
from sim.scenario.schema import Scenario

SCENARIO_DIR_NAME = "scenarios"


def load(path: str | Path, overrides: list[str] | None = None) -> tuple[Scenario, SourceMap]:
    """Read, override and validate a scenario file (every input problem is a UserError)."""
    return load_scenario(path, Scenario, overrides)


__all__ = ["Scenario", "SourceMap", "load"]
