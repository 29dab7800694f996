"""The calibration spec: scenario, parameters with priors, targets with errors, waves.

A spec is validated like a scenario or an experiment file (same loader, ``file:line: field:
message`` errors, exit 2). Parameter paths are checked against the scenario schema, so a prior
cannot name a field that does not exist or leave the range the field allows; target rows are
checked against the packaged targets when the spec is resolved (:mod:`sim.calibration.targets`).
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.experiments.sweep.schema import field_range, resolve_field
from sim.scenario.loader import SourceMap, load_scenario

#: qualities of targets.csv rows and the default relative observation error of each
DEFAULT_OBSERVATION_ERROR = {"good": 0.1, "approx": 0.2, "derived": 0.25, "ambiguous": 0.5}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Prior(_Strict):
    """One calibrated parameter: a numeric scenario field and its prior range."""

    path: str = Field(description="dotted path of a numeric scenario field, e.g. "
                      "parameters.labour.job_mobility")  # fmt: skip
    bounds: tuple[float, float] = Field(
        description="[low, high] of the prior; must lie inside the field's allowed range"
    )
    dist: Literal["unif", "logunif"] = Field(
        "unif", description="uniform, or uniform in log (for positive rates spanning a factor)"
    )

    @field_validator("path")
    @classmethod
    def _path_exists(cls, value: str) -> str:
        _, kind = resolve_field(value)
        if kind is int:
            raise ValueError(f"'{value}' is an integer field; calibrate continuous fields only")
        return value

    @model_validator(mode="after")
    def _bounds_allowed(self) -> Prior:
        lo, hi = self.bounds
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"bounds must be two finite numbers, low < high (got {[lo, hi]})")
        if self.dist == "logunif" and lo <= 0:
            raise ValueError(f"dist logunif needs positive bounds (got {[lo, hi]})")
        flo, fhi, lo_open, hi_open = field_range(resolve_field(self.path)[0])
        bad_lo = flo is not None and (lo < flo or (lo_open and lo <= flo))
        bad_hi = fhi is not None and (hi > fhi or (hi_open and hi >= fhi))
        if bad_lo or bad_hi:
            allowed = f"{'(' if lo_open else '['}{flo}, {fhi}{')' if hi_open else ']'}"
            raise ValueError(f"prior {[lo, hi]} leaves the allowed range {allowed} of {self.path}")
        return self


class TargetOverride(_Strict):
    """Errors for one target row, replacing the defaults by quality."""

    error: float | None = Field(None, gt=0, le=5, description="relative observation error")
    discrepancy: float | None = Field(None, ge=0, le=5, description="relative model discrepancy")


class Pattern(_Strict):
    """A pattern target on a summary of one indicator (the stylised facts plug in here).

    ``value`` is the observed or asserted value of ``summary`` of ``indicator`` over
    ``from``..``to``; ``kind`` says whether it is a level or a bound. Errors are relative.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$", description="label of the pattern")
    indicator: str = Field(description="indicator (or zgc_index.<dimension>) summarised")
    summary: Literal["growth", "mean"] = Field(description="growth (to/from) or mean")
    from_: int = Field(alias="from", ge=1980, le=2100, description="first year")
    to: int = Field(ge=1980, le=2100, description="last year")
    value: float = Field(gt=0, description="observed or asserted value (> 0)")
    kind: Literal["level", "lower_bound", "upper_bound"] = Field("level", description="kind")
    error: float = Field(0.5, gt=0, le=5, description="relative error (wide: a shape, not a level)")

    @model_validator(mode="after")
    def _years(self) -> Pattern:
        if self.to <= self.from_:
            raise ValueError(f"to ({self.to}) must be after from ({self.from_})")
        return self


class Targets(_Strict):
    """Which rows of the packaged targets to fit, and with what errors."""

    file: str | None = Field(
        None,
        description="targets CSV relative to the spec, same columns as the packaged "
        "targets.csv (default: the packaged file); for synthetic-data checks",
    )
    include: Literal["all"] | list[str] = Field(
        "all",
        description="'all' rows of the scenario's region the model produces, or a list of "
        "selectors 'indicator' or 'indicator@year' (e.g. zgc_index.composite@2023)",
    )
    exclude: list[str] = Field(default_factory=list, description="selectors left out")
    qualities: list[Literal["good", "approx", "derived", "ambiguous"]] = Field(
        default_factory=lambda: ["good", "approx", "derived", "ambiguous"],  # type: ignore[arg-type]
        description="qualities of rows used",
    )
    until: int | None = Field(
        None, ge=1980, le=2100,
        description="use only rows up to this year (a time split: later rows are forecast)",
    )  # fmt: skip
    observation_error: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_OBSERVATION_ERROR),
        description="relative observation error by quality (good, approx, derived, ambiguous)",
    )
    discrepancy: float = Field(
        0.1, ge=0, le=5, description="relative model discrepancy of every row (default 0.1)"
    )
    overrides: dict[str, TargetOverride] = Field(
        default_factory=dict, description="per-selector error or discrepancy"
    )
    patterns: list[Pattern] = Field(default_factory=list, description="pattern targets")

    @field_validator("observation_error")
    @classmethod
    def _errors(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(DEFAULT_OBSERVATION_ERROR))
        if unknown:
            raise ValueError(
                f"unknown quality {unknown}; allowed: {', '.join(DEFAULT_OBSERVATION_ERROR)}"
            )
        bad = {k: v for k, v in value.items() if not (0 < v <= 5)}
        if bad:
            raise ValueError(f"errors must be in (0, 5]: {bad}")
        return {**DEFAULT_OBSERVATION_ERROR, **value}


class Wave(_Strict):
    """One wave of history matching: how many points, replicates and at what scale."""

    runs: int = Field(ge=4, le=100_000, description="design points of the wave")
    replicates: int = Field(2, ge=1, le=100, description="runs per point (mean and variance)")
    scale: float = Field(gt=0, le=1, description="fraction of the population simulated")


class Posterior(_Strict):
    """ABC rejection on the simulator inside the final non-implausible space."""

    candidates: int = Field(150, ge=4, le=100_000, description="points simulated")
    replicates: int = Field(1, ge=1, le=100, description="runs per candidate")
    members: int = Field(100, ge=2, le=100_000, description="least posterior members kept")
    scale: float | None = Field(None, gt=0, le=1, description="default: the last wave's")

    @model_validator(mode="after")
    def _enough(self) -> Posterior:
        if self.members > self.candidates:
            raise ValueError(
                f"members ({self.members}) cannot exceed candidates ({self.candidates})"
            )
        return self


class CalibrationSpec(_Strict):
    """A calibration file (see docs/CALIBRATION.md)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,80}$", description="short name")
    description: str = Field("", description="what is calibrated and why")
    scenario: str = Field(description="scenario file, relative to this spec")
    end_year: int | None = Field(None, ge=1980, le=2100, description="last simulated year")
    fixed: dict[str, float | int | bool | str] = Field(
        default_factory=dict, description="scenario paths set before the priors"
    )
    seed: int = Field(14, ge=0, le=2**32 - 1, description="root seed of designs and runs")
    parameters: list[Prior] = Field(min_length=1, max_length=200, description="priors")
    targets: Targets = Field(default_factory=Targets, description="targets and errors")
    waves: list[Wave] = Field(min_length=1, max_length=20, description="history-matching waves")
    cutoff: float = Field(3.0, gt=0, le=20, description="implausibility cut-off")
    rank: Literal["auto", 1, 2, 3] = Field(
        "auto",
        description="which largest implausibility is cut: 1, 2, 3, or auto (1 with up to 10 "
        "targets, 2 up to 20, 3 beyond; as hmer advises for many outputs)",
    )
    candidates: int = Field(
        20_000, ge=100, le=1_000_000,
        description="prior points screened by the emulators per wave (and for the share)",
    )  # fmt: skip
    stop_share: float = Field(
        0.0, ge=0, le=1,
        description="stop the waves early once the non-implausible share falls below this",
    )  # fmt: skip
    stop_shrink: float = Field(
        0.9, gt=0, le=1,
        description="stop early when a wave keeps more than this share of the previous space",
    )  # fmt: skip
    posterior: Posterior = Field(default_factory=Posterior, description="posterior step")

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationSpec:
        paths = [p.path for p in self.parameters]
        dup = sorted({p for p in paths if paths.count(p) > 1})
        if dup:
            raise ValueError(f"a parameter may appear once; repeated: {dup}")
        clash = sorted(set(paths) & set(self.fixed))
        if clash:
            raise ValueError(f"paths both fixed and calibrated: {clash}")
        if isinstance(self.targets.include, list):
            both = sorted(set(self.targets.include) & set(self.targets.exclude))
            if both:
                raise ValueError(f"targets both included and excluded: {both}")
            if not self.targets.include:
                raise ValueError("targets.include is empty: name rows or use 'all'")
        bad = sorted(set(self.targets.overrides) & set(self.targets.exclude))
        if bad:
            raise ValueError(f"errors given for excluded targets: {bad}")
        scales = [w.scale for w in self.waves]
        if any(b < a for a, b in itertools.pairwise(scales)):
            raise ValueError(f"wave scales must not decrease (got {scales})")
        return self

    @property
    def posterior_scale(self) -> float:
        return self.posterior.scale or self.waves[-1].scale

    def rank_for(self, n_targets: int) -> int:
        if self.rank != "auto":
            return int(self.rank)
        return 1 if n_targets <= 10 else (2 if n_targets <= 20 else 3)


def load_spec(path: str | Path) -> tuple[CalibrationSpec, SourceMap]:
    """Read and validate a calibration spec (every problem is a UserError naming file/line)."""
    return load_scenario(path, CalibrationSpec)
