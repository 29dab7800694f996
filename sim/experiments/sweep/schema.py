"""The experiment file: which factors to vary, how to sample them and which outputs to read.

An experiment is validated like a scenario (same loader, same ``file:line: field: message``
errors, exit 2). Factor paths are checked against the :class:`~sim.scenario.Scenario` schema
itself, so a factor cannot name a field that does not exist, a non-numeric field, or bounds
outside the range the field declares (``ge``/``le`` of its pydantic ``FieldInfo``). Nothing
here touches the base scenario file: that happens when a sweep starts, which keeps
``ecosim analyze`` independent of files outside the sweep folder.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo

from sim.indices import FIRST_LEVEL, SECOND_LEVEL
from sim.model.indicators import EXTRA, REQUIRED
from sim.scenario import introspect
from sim.scenario.loader import SourceMap, load_scenario
from sim.scenario.schema import Scenario

#: prefix of outputs read from the ZGC Index instead of the raw indicators
INDEX_PREFIX = "zgc_index."
#: dimensions of the ZGC Index an output may name
INDEX_DIMENSIONS: tuple[str, ...] = ("composite", *FIRST_LEVEL, *SECOND_LEVEL)
#: every indicator name the model writes each year
INDICATORS: tuple[str, ...] = (*REQUIRED, *EXTRA)
#: name of the dummy factor that stands for the model's own randomness
SEED_FACTOR = "replicate_seed"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- factor paths


def resolve_field(path: str, root: type[BaseModel] = Scenario) -> tuple[FieldInfo, type]:
    """The FieldInfo and numeric type (int or float) at a dotted path of the scenario schema
    (raises ValueError naming the allowed keys at the first step that does not exist)."""
    return introspect.resolve_field(path, root)


def field_range(info: FieldInfo) -> tuple[float | None, float | None, bool, bool]:
    """(low, high, low_open, high_open) from the field's ge/gt/le/lt metadata."""
    b = introspect.Bounds.of(info)
    lo = float(b.lo) if b.lo is not None else None
    hi = float(b.hi) if b.hi is not None else None
    return lo, hi, b.lo_open, b.hi_open


def default_factor_name(path: str) -> str:
    """``levers.talent_reform.strength`` -> ``talent_reform.strength``."""
    parts = path.split(".")
    return ".".join(parts[1:]) if len(parts) > 2 else path


# --------------------------------------------------------------------------- blocks


class Factor(_Strict):
    """One input varied by the sweep: a numeric scenario field and the range it spans."""

    path: str = Field(
        description="dotted path of a numeric scenario field, e.g. "
        "levers.talent_reform.strength or parameters.labour.job_mobility"
    )
    name: str | None = Field(
        None,
        description="label in tables (default: the path without its first block)",
        pattern=r"^[A-Za-z0-9_.-]{1,80}$",
    )
    bounds: tuple[float, float] = Field(
        description="[low, high]: the range sampled; must lie in the field's allowed range"
    )
    dist: Literal["unif", "triang", "norm", "lognorm"] = Field(
        "unif",
        description="distribution over the bounds (always truncated to them): unif, triang "
        "(needs mode), norm (needs mean and sd), lognorm (needs median and log_sd)",
    )
    mode: float | None = Field(None, description="triang: most likely value, inside bounds")
    mean: float | None = Field(None, description="norm: mean before truncation to bounds")
    sd: float | None = Field(None, gt=0, description="norm: standard deviation (> 0)")
    median: float | None = Field(None, gt=0, description="lognorm: median (> 0)")
    log_sd: float | None = Field(None, gt=0, description="lognorm: sd of the log (> 0)")

    @field_validator("path")
    @classmethod
    def _path_exists(cls, value: str) -> str:
        resolve_field(value)
        return value

    @field_validator("bounds")
    @classmethod
    def _bounds_allowed(cls, value: tuple[float, float], info: Any) -> tuple[float, float]:
        lo, hi = value
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"bounds must be two finite numbers, low < high (got {list(value)})")
        path = info.data.get("path")
        if path is None:  # the path itself failed; its own error says why
            return value
        field, _ = resolve_field(path)
        flo, fhi, lo_open, hi_open = field_range(field)
        bad_lo = flo is not None and (lo < flo or (lo_open and lo <= flo))
        bad_hi = fhi is not None and (hi > fhi or (hi_open and hi >= fhi))
        if bad_lo or bad_hi:
            allowed = f"{'(' if lo_open else '['}{flo}, {fhi}{')' if hi_open else ']'}"
            raise ValueError(f"bounds {list(value)} leave the allowed range {allowed} of {path}")
        return value

    @model_validator(mode="after")
    def _dist_params(self) -> Factor:
        need = {"unif": (), "triang": ("mode",), "norm": ("mean", "sd"),
                "lognorm": ("median", "log_sd")}[self.dist]  # fmt: skip
        extra = [k for k in ("mode", "mean", "sd", "median", "log_sd")
                 if getattr(self, k) is not None and k not in need]  # fmt: skip
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"dist {self.dist} needs {', '.join(missing)}")
        if extra:
            raise ValueError(f"{', '.join(extra)} do(es) not apply to dist {self.dist}")
        if self.mode is not None and not self.bounds[0] <= self.mode <= self.bounds[1]:
            raise ValueError(f"mode {self.mode} must lie within bounds {list(self.bounds)}")
        return self

    @property
    def label(self) -> str:
        return self.name or default_factor_name(self.path)

    @property
    def is_int(self) -> bool:
        return resolve_field(self.path)[1] is int


class Output(_Strict):
    """A number read from each run: an indicator (or index dimension) at a year, or a summary."""

    name: str | None = Field(
        None,
        description="column name (default built from indicator and year)",
        pattern=r"^[A-Za-z0-9_.-]{1,80}$",
    )
    indicator: str = Field(
        description="an indicator of the run (e.g. foreign_employee_share) or a ZGC Index "
        "dimension as zgc_index.<dimension> (e.g. zgc_index.composite)"
    )
    year: int | None = Field(None, ge=1980, le=2100, description="the year read (no summary)")
    summary: Literal["growth", "change", "mean"] | None = Field(
        None,
        description="over the years from..to: growth (ratio to/from), change (to - from) "
        "or mean (average of the yearly values)",
    )
    from_: int | None = Field(
        None, alias="from", ge=1980, le=2100, description="first year of the summary"
    )
    to: int | None = Field(None, ge=1980, le=2100, description="last year of the summary")
    log: bool = Field(
        False,
        description="analyse log10 of the value (results.csv keeps the raw value): for "
        "heavy-tailed, multiplicative outputs whose variance a few runs would dominate",
    )

    @field_validator("indicator")
    @classmethod
    def _known(cls, value: str) -> str:
        if value.startswith(INDEX_PREFIX):
            dim = value[len(INDEX_PREFIX) :]
            if dim not in INDEX_DIMENSIONS:
                raise ValueError(
                    f"unknown ZGC Index dimension '{dim}'; allowed: {', '.join(INDEX_DIMENSIONS)}"
                )
        elif value not in INDICATORS:
            raise ValueError(f"unknown indicator '{value}'; allowed: {', '.join(INDICATORS)}")
        return value

    @model_validator(mode="after")
    def _when(self) -> Output:
        if self.summary is None:
            if self.year is None or self.from_ is not None or self.to is not None:
                raise ValueError("give either year, or summary with from and to")
        else:
            if self.year is not None or self.from_ is None or self.to is None:
                raise ValueError(f"summary {self.summary} needs from and to (and no year)")
            if self.to <= self.from_:
                raise ValueError(f"to ({self.to}) must be after from ({self.from_})")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        base = self.indicator.replace(".", "_")
        if self.summary is None:
            return f"{base}_{self.year}"
        return f"{base}_{self.summary}_{self.from_}_{self.to}"

    @property
    def years(self) -> tuple[int, int]:
        """First and last year this output reads."""
        if self.summary is None:
            return int(self.year), int(self.year)  # type: ignore[arg-type]
        return int(self.from_), int(self.to)  # type: ignore[arg-type]


class MorrisOptions(_Strict):
    """Morris elementary effects: ``trajectories * (factors + 1)`` design points."""

    trajectories: int = Field(10, ge=2, le=10_000, description="trajectories (SALib's N)")
    levels: int = Field(4, ge=2, le=100, description="grid levels per factor (even is best)")
    optimal_trajectories: int | None = Field(
        None, ge=2, le=1000,
        description="keep this many most spread-out of the trajectories (Campolongo); "
        "must be fewer than trajectories",
    )  # fmt: skip

    @model_validator(mode="after")
    def _fewer(self) -> MorrisOptions:
        if self.optimal_trajectories is not None and (
            self.optimal_trajectories >= self.trajectories
        ):
            raise ValueError(
                f"optimal_trajectories ({self.optimal_trajectories}) must be fewer than "
                f"trajectories ({self.trajectories})"
            )
        return self


class SobolOptions(_Strict):
    """Sobol/Saltelli: ``N * (factors + 2)`` points (``N * (2 factors + 2)`` with 2nd order)."""

    N: int = Field(64, ge=4, le=2**20, description="base sample size, a power of 2")
    calc_second_order: bool = Field(False, description="also estimate pairwise indices S2")

    @field_validator("N")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError(f"N must be a power of 2 (got {value}); e.g. 64, 128, 256")
        return value


class FastOptions(_Strict):
    """Extended FAST: ``N * factors`` points; N must exceed 4 M^2."""

    N: int = Field(129, ge=65, le=1_000_000, description="samples per factor (> 4 M^2)")
    M: int = Field(4, ge=1, le=20, description="interference parameter (harmonics)")

    @model_validator(mode="after")
    def _enough(self) -> FastOptions:
        if self.N <= 4 * self.M**2:
            raise ValueError(f"N ({self.N}) must be greater than 4 M^2 = {4 * self.M**2}")
        return self


#: scenario keys the experiment sets itself, so a ``fixed:`` value for them would be ignored
_OWN_KEYS = {
    "scale": "the experiment's own 'scale:' key sets it (default 0.02); set it there",
    "seed": "each run's seed derives from the experiment's 'seed:' key; set it there",
    "end_year": "the experiment's own 'end_year:' key sets it",
}


class Experiment(_Strict):
    """An experiment file: a base scenario, factors with ranges, a sampling method, outputs."""

    name: str = Field(description="short name, used for the output folder",
                      pattern=r"^[A-Za-z0-9_.-]{1,80}$")  # fmt: skip
    description: str = Field("", description="the question the sweep answers")
    scenario: str = Field(description="base scenario file, relative to this experiment file")
    fixed: dict[str, float | int | bool | str] = Field(
        default_factory=dict,
        description="dotted scenario paths set for every design point before the factors "
        "(e.g. levers.talent_reform.start_year: 2026)",
    )
    method: Literal["morris", "sobol", "fast"] = Field(description="morris, sobol or fast")
    morris: MorrisOptions | None = Field(None, description="options of method morris")
    sobol: SobolOptions | None = Field(None, description="options of method sobol")
    fast: FastOptions | None = Field(None, description="options of method fast")
    replications: int = Field(2, ge=1, le=1000, description="runs per design point (averaged)")
    seed: int = Field(12345, ge=0, le=2**32 - 1, description="root seed of sample and runs")
    scale: float = Field(0.02, gt=0, le=1, description="fraction of the population simulated")
    end_year: int | None = Field(
        None, ge=1980, le=2100, description="last simulated year (default: the base's)"
    )
    seed_factor: bool = Field(
        True,
        description="add the replicate seed as a dummy factor (the SALib maintainers' advice "
        "for noisy models); off: every point uses the same seeds (common random numbers)",
    )
    precision: float = Field(
        0.05, gt=0, le=1,
        description="target standard error of a point's mean, as a share of the output's "
        "between-point SD, for the replications-needed advice",
    )  # fmt: skip
    ci_warn: float = Field(
        0.1, gt=0, le=2, description="warn when a Sobol/FAST confidence interval is wider"
    )
    factors: list[Factor] = Field(min_length=1, max_length=200, description="inputs varied")
    outputs: list[Output] = Field(min_length=1, max_length=200, description="numbers read")

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        for other in ("morris", "sobol", "fast"):
            if other != self.method and getattr(self, other) is not None:
                raise ValueError(f"block '{other}' does not apply to method {self.method}")
        labels = [f.label for f in self.factors]
        dup = sorted({n for n in labels if labels.count(n) > 1})
        if dup:
            raise ValueError(f"factor names must be unique; repeated: {dup} (set name:)")
        if SEED_FACTOR in labels:
            raise ValueError(f"'{SEED_FACTOR}' is reserved for the seed dummy factor")
        paths = [f.path for f in self.factors]
        if len(set(paths)) != len(paths):
            raise ValueError("a scenario path may appear in only one factor")
        clash = sorted(set(paths) & set(self.fixed))
        if clash:
            raise ValueError(f"paths both fixed and varied: {clash}")
        own = {"scale", "seed"} | ({"end_year"} if self.end_year is not None else set())
        for key in sorted(set(self.fixed) & own):
            raise ValueError(f"fixed: {key!r} would be overridden: {_OWN_KEYS[key]}")
        if "seed" in paths:
            raise ValueError(f"a factor cannot vary 'seed': {_OWN_KEYS['seed']}")
        outs = [o.label for o in self.outputs]
        dup = sorted({n for n in outs if outs.count(n) > 1})
        if dup:
            raise ValueError(f"output names must be unique; repeated: {dup} (set name:)")
        return self

    @property
    def options(self) -> MorrisOptions | SobolOptions | FastOptions:
        """The chosen method's options (defaults when the block is left out)."""
        block = getattr(self, self.method)
        if block is not None:
            return block
        return {"morris": MorrisOptions, "sobol": SobolOptions, "fast": FastOptions}[self.method]()

    @property
    def factor_names(self) -> list[str]:
        """Factor labels as in the analysis, the seed dummy last when it is on."""
        names = [f.label for f in self.factors]
        return [*names, SEED_FACTOR] if self.seed_factor else names


def load_experiment(path: str | Path) -> tuple[Experiment, SourceMap]:
    """Read and validate an experiment file (every problem is a UserError naming file/line)."""
    return load_scenario(path, Experiment)
