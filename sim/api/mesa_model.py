"""The model for Mesa users: keyword construction, ``batch_run``, DataCollector, Scenario.

:class:`sim.model.EcosystemModel` (the core) takes a validated :class:`RunConfig` and knows
nothing of files. This subclass adds what Mesa tools expect from a model class: keyword
parameters with defaults (``mesa.batch_run`` calls ``EcosystemModel(**params, rng=...)``), a
scenario given by shipped name, path, ecosim :class:`~sim.scenario.Scenario` or Mesa's own
``Scenario`` object, and an opt-in ``datacollector`` filled once per simulated year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mesa

from sim.errors import UserError
from sim.model import RunConfig
from sim.model.ecosystem import EcosystemModel as CoreModel
from sim.scenario import Scenario

#: yearly indicators the built-in DataCollector reports (last finished year)
COLLECTED = (
    "employment",
    "firms_active",
    "new_tech_firms",
    "revenue_total",
    "patents_granted",
    "vc_investment_total",
    "unicorns",
    "foreign_employee_share",
    "collaboration_edges",
)
#: attributes of a Mesa Scenario that mean something here besides ``rng`` (dotted paths too)
MESA_SCENARIO_KEYS = ("scenario", "scale", "end_year", "overrides", "collect")


def _is_mesa_scenario(obj: Any) -> bool:
    """Duck-typed Mesa ``Scenario`` (3.5 experimental, 4.x): attributes, ``rng``, ``to_dict``."""
    return (
        not isinstance(obj, str | Path | Scenario | RunConfig)
        and callable(getattr(obj, "to_dict", None))
        and hasattr(obj, "rng")
    )


def _from_mesa_scenario(obj: Any) -> dict[str, Any]:
    """Our keyword arguments from a Mesa Scenario's attributes; dotted names are overrides."""
    data = {
        k: v
        for k, v in obj.to_dict().items()
        if k not in ("model", "rng") and not k.startswith("_")
    }
    out: dict[str, Any] = {"overrides": dict(data.pop("overrides", None) or {})}
    for key in ("scenario", "scale", "end_year", "collect"):
        if key in data:
            out[key] = data.pop(key)
    for key in list(data):
        if "." in key:
            out["overrides"][key] = data.pop(key)
    if data:
        raise UserError(
            f"unknown Mesa Scenario attribute(s) {', '.join(sorted(data))}; allowed: "
            f"{', '.join(MESA_SCENARIO_KEYS)} and dotted parameter paths such as "
            "'parameters.labour.job_mobility'",
            field="scenario",
        )
    return out


def resolve_config(
    scenario: str | Path | Scenario | RunConfig,
    *,
    scale: float | None = None,
    end_year: int | None = None,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> tuple[RunConfig, Scenario | None]:
    """A validated RunConfig (and the scenario it came from) for the model."""
    from sim.api.scenarios import load_scenario

    extra = {k: v for k, v in (("scale", scale), ("end_year", end_year)) if v is not None}
    if isinstance(scenario, RunConfig):
        if overrides:
            raise UserError(
                "overrides need a scenario (name, path or Scenario), not a RunConfig",
                field="overrides",
            )
        return (scenario.model_copy(update=extra) if extra else scenario), None
    resolved = load_scenario(scenario, overrides)
    if extra:
        resolved = resolved.with_overrides(extra)
    return resolved.to_run_config(), resolved


class EcosystemModel(CoreModel):
    """The ecosystem model with Mesa-style keyword parameters.

    Args:
        scenario: a shipped scenario name (``"zgc_baseline"``), a YAML path, a
            :class:`~sim.scenario.Scenario`, a :class:`~sim.model.RunConfig`, or a Mesa
            ``Scenario`` whose attributes are these keywords (and dotted parameter paths).
        scale: fraction of the real population simulated (default: the scenario's).
        end_year: last simulated year (default: the scenario's).
        overrides: ``{"dotted.path": value}``, validated like ``--set``.
        rng: seed or numpy Generator; None draws fresh entropy, as in Mesa (give the
            scenario's ``seed`` to reproduce ``ecosim run``'s numbers with ``simulate``).
        collect: build ``self.datacollector`` and collect once per simulated year.

    ``model.time`` counts steps (quarters by default): ``run_for(4)`` advances one year;
    steps after ``end_year`` do nothing (``running`` is False).
    """

    def __init__(
        self,
        scenario: Any = "zgc_baseline",
        *,
        scale: float | None = None,
        end_year: int | None = None,
        overrides: Mapping[str, Any] | Iterable[str] | None = None,
        rng: Any = None,
        collect: bool = False,
    ) -> None:
        mesa_scenario = None
        if _is_mesa_scenario(scenario):
            mesa_scenario = scenario
            given = _from_mesa_scenario(scenario)
            if rng is not None and scenario.rng is not None and rng != scenario.rng:
                raise ValueError("rng and scenario.rng must be the same")
            rng = scenario.rng if rng is None else rng
            scenario = given.get("scenario", "zgc_baseline")
            scale = given.get("scale", scale)
            end_year = given.get("end_year", end_year)
            overrides = {**dict(overrides or {}), **given["overrides"]} or None  # type: ignore[arg-type]
            collect = bool(given.get("collect", collect))
        config, resolved = resolve_config(
            scenario, scale=scale, end_year=end_year, overrides=overrides
        )
        super().__init__(config, rng=rng)
        #: the validated ecosim scenario (None when built from a RunConfig)
        self.ecosim_scenario = resolved
        if mesa_scenario is not None:
            self.scenario = mesa_scenario  # Mesa's property: also sets scenario.model
        self._collect = bool(collect)
        if self._collect:
            self.datacollector = mesa.DataCollector(
                model_reporters={
                    "year": lambda m: m.records[-1]["year"] if m.records else None,
                    **{name: _last(name) for name in COLLECTED},
                }
            )

    def step(self) -> None:
        """One step of the core model; collect data when a year has just been recorded."""
        n_before = len(self.records)
        super().step()
        if self._collect and len(self.records) > n_before:
            self.datacollector.collect(self)


def _last(name: str):
    """A model reporter: the indicator's value in the last finished year."""

    def report(model: CoreModel) -> float | None:
        return float(model.records[-1][name]) if model.records else None

    report.__name__ = f"last_{name}"
    return report
