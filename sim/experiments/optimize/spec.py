"""The optimisation spec: decision variables (levers), objectives, constraints and budget.

Validated like a scenario (same loader, ``file:line: field: message`` errors, exit 2), and
``--set`` overrides any field of it (``--set generations=2 --set population=8``). Variable
paths are checked against the scenario schema with the sweep's own helpers, and their bounds
default to the range the field declares (``ge``/``le`` of its pydantic ``FieldInfo``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.experiments.sweep.schema import Output, field_range, resolve_field
from sim.scenario.loader import SourceMap, load_scenario

#: funding-mix source shares: must add up to 1, so the free ones fill what the chosen leave
FUNDING_SHARES = tuple(
    f"levers.funding_mix.share_{s}" for s in ("government", "soe", "private", "foreign", "angel")
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Variable(_Strict):
    """A decision variable: one numeric lever field and the range the search may use."""

    path: str = Field(
        description="dotted path of a numeric lever field, e.g. levers.talent_reform.strength, "
        "levers.equity_incentives.start_year, levers.funding_mix.share_government"
    )
    name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.-]{1,80}$",
        description="column name (default: the path without 'levers.')",
    )  # fmt: skip
    bounds: tuple[float, float] | None = Field(
        None, description="[low, high] searched (default: the field's allowed range)"
    )

    @field_validator("path")
    @classmethod
    def _lever(cls, value: str) -> str:
        if not value.startswith("levers."):
            raise ValueError(
                f"'{value}' is not a lever field: decision variables are policy choices "
                "(levers.<lever>.<field>); parameters are uncertainties (use --ensemble)"
            )
        resolve_field(value)
        return value

    @model_validator(mode="after")
    def _bounds(self) -> Variable:
        info, _ = resolve_field(self.path)
        flo, fhi, _, _ = field_range(info)
        if self.bounds is None:
            if flo is None or fhi is None:
                raise ValueError(f"{self.path} has no finite allowed range; give bounds")
            return self
        lo, hi = self.bounds
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"bounds must be two finite numbers, low < high (got {[lo, hi]})")
        if (flo is not None and lo < flo) or (fhi is not None and hi > fhi):
            raise ValueError(
                f"bounds {[lo, hi]} leave the allowed range [{flo}, {fhi}] of {self.path}"
            )
        return self

    @property
    def label(self) -> str:
        return self.name or self.path.removeprefix("levers.")

    @property
    def range(self) -> tuple[float, float]:
        if self.bounds is not None:
            return float(self.bounds[0]), float(self.bounds[1])
        lo, hi, _, _ = field_range(resolve_field(self.path)[0])
        return float(lo), float(hi)  # type: ignore[arg-type]

    @property
    def is_int(self) -> bool:
        return resolve_field(self.path)[1] is int


class Objective(Output):
    """An output to maximise or minimise, and how its spread over draws is summarised."""

    direction: Literal["max", "min"] = Field(description="max or min")
    robustness: Literal["mean", "p10", "satisficing"] = Field(
        "mean",
        description="what is optimised over the draws (members x replicates): mean, p10 "
        "(the value 90% of draws do at least as well as) or satisficing (share of draws "
        "meeting satisfice); regret is reported, not optimised (it depends on the others)",
    )
    satisfice: float | None = Field(
        None, description="threshold a draw must reach (>= for max, <= for min)"
    )

    @model_validator(mode="after")
    def _need_threshold(self) -> Objective:
        if self.robustness == "satisficing" and self.satisfice is None:
            raise ValueError("robustness satisficing needs satisfice (the threshold)")
        if self.log:
            raise ValueError("log does not apply to objectives")
        return self


class Constraint(Output):
    """An output whose mean over the draws must stay at or above ``min`` / at or below ``max``."""

    min: float | None = Field(None, description="floor of the mean over draws")
    max: float | None = Field(None, description="ceiling of the mean over draws")

    @model_validator(mode="after")
    def _one_side(self) -> Constraint:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if self.log:
            raise ValueError("log does not apply to constraints")
        return self


class OptimizeSpec(_Strict):
    """An optimisation file: base scenario, levers to choose, goals, budget."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$", description="short name (folder)")
    description: str = Field("", description="the policy question")
    scenario: str = Field(description="base scenario file, relative to this file")
    fixed: dict[str, float | int | bool | str] = Field(
        default_factory=dict, description="dotted scenario paths set before the variables"
    )
    scale: float = Field(0.02, gt=0, le=1, description="fraction of the population simulated")
    end_year: int | None = Field(None, ge=1980, le=2100, description="last simulated year")
    seed: int = Field(2026, ge=0, le=2**32 - 1, description="root seed of search and runs")
    algorithm: Literal["nsga2", "nsga3"] = Field("nsga2", description="pymoo algorithm")
    generations: int = Field(10, ge=1, le=10_000, description="generations (the first is the "
                             "initial population)")  # fmt: skip
    population: int = Field(20, ge=4, le=10_000, description="candidates per generation")
    replicates: int = Field(3, ge=1, le=1000, description="seeds per candidate (shared by all "
                            "candidates: common random numbers)")  # fmt: skip
    members: int = Field(5, ge=1, le=1000, description="posterior members used with --ensemble")
    variables: list[Variable] = Field(min_length=1, max_length=100, description="levers chosen")
    objectives: list[Objective] = Field(min_length=2, max_length=10, description="goals")
    constraints: list[Constraint] = Field(default_factory=list, max_length=20,
                                          description="outputs kept within limits")  # fmt: skip

    @model_validator(mode="after")
    def _unique(self) -> OptimizeSpec:
        for what, labels in (
            ("variable", [v.label for v in self.variables]),
            ("objective/constraint", [o.label for o in (*self.objectives, *self.constraints)]),
        ):
            dup = sorted({n for n in labels if labels.count(n) > 1})
            if dup:
                raise ValueError(f"{what} names must be unique; repeated: {dup} (set name:)")
        paths = [v.path for v in self.variables]
        if len(set(paths)) != len(paths):
            raise ValueError("a lever path may appear in only one variable")
        clash = sorted(set(paths) & set(self.fixed))
        if clash:
            raise ValueError(f"paths both fixed and chosen: {clash}")
        return self

    @property
    def outputs(self) -> list[Output]:
        return [*self.objectives, *self.constraints]


def load_spec(path: str | Path, overrides: list[str] | None = None) -> tuple[OptimizeSpec, Any]:
    """Read, override and validate a spec (every problem is a UserError naming file/line)."""
    spec, source = load_scenario(path, OptimizeSpec, overrides)
    assert isinstance(source, SourceMap)
    return spec, source
