"""What ``run.json`` records about a run: scenario, files, parameters, seeds, provenance.

Shared by ``ecosim run`` and the Python API (``ecosim.run(...).save(dir)``), so a run folder
reads the same whichever wrote it.
"""

from __future__ import annotations

import datetime as dt
import platform

from sim import __version__
from sim.indicator_info import indicator_units
from sim.io import git_commit
from sim.scenario import Scenario
from sim.scenario.checks import lever_warnings


def run_metadata(
    scenario: Scenario,
    path: str,
    source,
    overrides: list[str],
    seeds: list[int],
    results: list,
    wall: float,
) -> dict:
    first = results[0]
    return {
        "scenario": {
            "name": scenario.name,
            "file": str(path),
            "description": scenario.description,
            "region": scenario.region,
            "currency": scenario.currency.code,
            "usd_rate": scenario.currency.per_usd,
            "start_year": scenario.start_year,
            "end_year": scenario.end_year,
            "scale": scenario.scale,
        },
        "files": [str(f) for f in getattr(source, "files", [path])],
        "overrides": overrides,
        "parameters": scenario.model_dump(mode="json"),
        "history": [s.model_dump(mode="json") for s in scenario.history],
        "levers": {
            k: v
            for k, v in scenario.levers.model_dump(mode="json").items()
            if v.get("strength", 0) > 0
        },
        "shocks": scenario.shocks.model_dump(mode="json"),
        "seeds": {"root": scenario.seed, "replicates": seeds},
        "units": indicator_units(scenario.currency.code),
        "warnings": lever_warnings(scenario),
        "replications": len(results),
        "version": __version__,
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "wall_time_s": round(wall, 3),
        "simulation_seconds": [round(r.build_seconds + r.run_seconds, 3) for r in results],
        "steps": first.steps,
        "agent_counts": first.agent_counts,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
