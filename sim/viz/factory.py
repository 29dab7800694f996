"""Build the demo model from a scenario file and the values of the page's controls.

Mesa's SolaraViz re-creates the model on *Reset* as ``type(model)(**slider_values)``, so the
model shown on the page must be constructible from plain keyword values. :class:`DemoModel`
is that thin shim: it turns the values into ``--set`` style overrides, lets the scenario
loader validate them exactly as it validates a file (same bounds, same messages), and builds
the ordinary :class:`~sim.model.EcosystemModel` from the resulting config. The model core
stays free of YAML and of the visual server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.model import EcosystemModel, RunConfig
from sim.model.policy import LEVERS as LEVER_REGISTRY
from sim.scenario import Scenario, load

#: fraction of the real population simulated in the demo: a step takes a few milliseconds and
#: the collaboration graph has ~5,000 nodes, so drawing, not simulating, sets the pace
DEMO_SCALE = 0.02

#: scales offered by the page's picker (strings, because Mesa's Select passes them back as-is)
SCALE_CHOICES = ("0.01", "0.02", "0.05", "0.1")

#: the policy levers, as (scenario key, label on the page), from the lever registry
LEVERS: tuple[tuple[str, str], ...] = tuple((s.name, s.title) for s in LEVER_REGISTRY.values())

SCENARIO_SUFFIXES = (".yaml", ".yml")


def scenario_choices(directory: Path) -> list[str]:
    """File names of the scenarios in ``directory`` (the page's picker), sorted."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.suffix in SCENARIO_SUFFIXES)


def moved_levers(values: dict[str, Any], opening: dict[str, Any]) -> dict[str, Any]:
    """The lever sliders the user moved away from where the page opened.

    A slider left at its opening position means "as the scenario says", so that picking
    another scenario file keeps that file's own levers. When either slider of a lever moved,
    both of its values apply (moving the strength of a lever the scenario schedules after the
    run's end means "from the year on the start slider").
    """
    out: dict[str, Any] = {}
    for key, _ in LEVERS:
        names = (f"{key}_strength", f"{key}_start")
        if any(values.get(n) is not None and values.get(n) != opening.get(n) for n in names):
            out.update({n: values[n] for n in names if values.get(n) is not None})
    return out


def lever_overrides(values: dict[str, Any]) -> list[str]:
    """``--set`` overrides for the lever sliders (``<lever>_strength``, ``<lever>_start``)."""
    out: list[str] = []
    for key, _ in LEVERS:
        strength = values.get(f"{key}_strength")
        start = values.get(f"{key}_start")
        if strength is not None:
            out.append(f"levers.{key}.strength={float(strength)}")
        if start is not None:
            out.append(f"levers.{key}.start_year={int(start)}")
    return out


def _parse_seed(seed: Any) -> int | None:
    """Seed from the page's text box: blank means "the scenario's seed"."""
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return None
    try:
        return int(str(seed).strip())
    except ValueError:
        raise UserError(
            f"the seed must be a whole number from 0 to 4294967295, got {seed!r}", field="seed"
        ) from None


def load_demo(
    path: Path, *, seed: Any = None, scale: Any = DEMO_SCALE, levers: dict[str, Any] | None = None
) -> tuple[Scenario, RunConfig, int]:
    """Load ``path`` with the controls' values as overrides; return scenario, config and seed.

    Raises:
        UserError: the file or a value is invalid (the loader's message names the field).
    """
    overrides = [f"scale={float(scale)}"]
    parsed = _parse_seed(seed)
    if parsed is not None:
        overrides.append(f"seed={parsed}")
    overrides += lever_overrides(levers or {})
    scenario, _ = load(path, overrides)
    return scenario, scenario.to_run_config(), int(scenario.seed)


@dataclass
class DemoInfo:
    """What the page says about the model it shows."""

    scenario_name: str
    scenario_file: str
    seed: int
    scale: float
    currency: str = "CNY"
    region: str = "ZGC"
    problem: str = ""  # why the requested settings were not used, when they were not
    levers: dict[str, Any] = field(default_factory=dict)


class DemoModel(EcosystemModel):
    """:class:`EcosystemModel` built from a scenario file plus the page's control values.

    Invalid values never take the page down: the model falls back to the scenario as written
    (or, when the file itself is broken, to the first scenario that loads) and keeps the
    reason in ``demo.problem`` for the page to show.
    """

    def __init__(
        self,
        scenario_dir: str = "scenarios",
        scenario_file: str = "zgc_baseline.yaml",
        seed: Any = "",
        scale: Any = DEMO_SCALE,
        talent_reform_strength: float | None = None,
        talent_reform_start: int | None = None,
        equity_incentives_strength: float | None = None,
        equity_incentives_start: int | None = None,
        relocation_pressure_strength: float | None = None,
        relocation_pressure_start: int | None = None,
        funding_mix_strength: float | None = None,
        funding_mix_start: int | None = None,
        opening: dict[str, Any] | None = None,
    ) -> None:
        values = {k: v for k, v in locals().items() if k.endswith(("_strength", "_start"))}
        levers = moved_levers(values, opening or {})
        directory = Path(scenario_dir)
        path = directory / scenario_file
        problem = ""
        try:
            scenario, config, root_seed = load_demo(path, seed=seed, scale=scale, levers=levers)
        except UserError as exc:
            problem = exc.render()
            scenario, config, root_seed, path = _fallback(directory, path, scale)
        super().__init__(config, rng=root_seed)
        self.demo = DemoInfo(
            scenario_name=scenario.name,
            scenario_file=path.name,
            seed=root_seed,
            scale=float(config.scale),
            currency=scenario.currency.code,
            region=scenario.region,
            problem=problem,
            levers=levers,
        )
        self.step_started = time.perf_counter()

    def step(self) -> None:
        """One step; remembers when it began so the page can show step + drawing time."""
        self.step_started = time.perf_counter()
        super().step()


def _fallback(directory: Path, wanted: Path, scale: Any) -> tuple[Scenario, RunConfig, int, Path]:
    """The wanted file without the controls' values, else the first scenario that loads."""
    candidates = [wanted] + [directory / n for n in scenario_choices(directory)]
    for candidate in candidates:
        for sc in (scale, DEMO_SCALE):
            try:
                scenario, config, seed = load_demo(candidate, scale=sc)
            except (UserError, ValueError):
                continue
            return scenario, config, seed, candidate
    raise UserError(f"no scenario in {directory} can be loaded", file=str(wanted))


def page_params(path: Path, scale: float = DEMO_SCALE) -> dict[str, Any]:
    """Mesa ``model_params`` for the page: the picker, seed, scale and the lever sliders.

    Defaults come from the scenario (its seed, its levers' strength and start year), so the
    page opens on the scenario as written. Start-year sliders span the scenario's years; a
    lever whose start lies outside that span opens at a year inside it (with strength 0 the
    start year changes nothing, see the blending rule in :mod:`sim.model.policy`).
    """
    scenario, _, seed = load_demo(path, scale=scale)
    lo, hi = scenario.start_year, scenario.end_year
    choices = scenario_choices(path.parent) or [path.name]
    params: dict[str, Any] = {
        "scenario_dir": str(path.parent),
        "opening": {},  # filled below: where the lever sliders open (fixed, not a control)
        "scenario_file": {
            "type": "Select",
            "value": path.name,
            "values": choices,
            "label": "Scenario",
        },
        "seed": {"type": "InputText", "value": str(seed), "label": "Seed"},
        "scale": {
            "type": "Select",
            "value": _scale_choice(scale),
            "values": sorted({*SCALE_CHOICES, _scale_choice(scale)}, key=float),
            "label": "Scale (share of real population)",
        },
    }
    for key, label in LEVERS:
        lever = getattr(scenario.levers, key)
        start = lever.start_year if lo <= lever.start_year <= hi else max(lo, hi - 5)
        params[f"{key}_strength"] = {
            "type": "SliderFloat",
            "value": float(lever.strength),
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
            "label": f"{label}: strength",
        }
        params[f"{key}_start"] = {
            "type": "SliderInt",
            "value": int(start),
            "min": lo,
            "max": hi,
            "step": 1,
            "label": f"{label}: start year",
        }
    params["opening"] = {
        k: v["value"] for k, v in params.items() if k.endswith(("_strength", "_start"))
    }
    return params


def _scale_choice(scale: float) -> str:
    return f"{float(scale):g}"
