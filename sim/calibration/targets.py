"""Target rows of a calibration: which observations, on what scale, with which errors.

Every target is compared on the log scale: the rows span ten orders of magnitude (shares of a
few per mille to trillions of yuan) and their errors are relative, so ``log(simulated) -
log(observed)`` makes a 10 % miss mean the same everywhere. A relative error ``e`` becomes the
log-scale standard deviation ``log(1 + e)``. A simulated value at or below zero (no unicorn in
a small run) is floored at a thousandth of the observation, a clear miss rather than minus
infinity.

Per run, a target's value follows the kinds of :mod:`sim.fit`: a level (``level``, ``share``,
``index`` and the bounds) in its year; ``ratio_to:YYYY`` the run's value over its value in YYYY;
``cumulative_5yr`` the sum over the five years to the target year. Each is read through the
sweep machinery's :class:`~sim.experiments.sweep.execute.OutputSpec`, so a calibration run is a
sweep task.

Pattern targets (``targets.patterns`` in the spec) summarise one indicator over a span of years
(growth or mean); they are how the stylised facts plug in, as bounds or wide-error levels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.spec import CalibrationSpec
from sim.errors import UserError
from sim.experiments.sweep.execute import OutputSpec
from sim.experiments.sweep.schema import INDEX_DIMENSIONS, INDICATORS
from sim.fit import INDEX_PREFIX, load_targets
from sim.scenario.schema import Scenario

#: floor of a simulated value, as a share of the observed value, before taking logs
FLOOR = 1e-3
#: the year the ZGC Index is based on (a run must cover it to compute the index)
INDEX_BASE_YEAR = 2013
BOUND_KINDS = ("lower_bound", "upper_bound")


@dataclass(frozen=True)
class Target:
    """One observation the calibration fits."""

    key: str  #: unique label, e.g. ``patents_granted@2015:ratio_to:2010``
    indicator: str
    year: int
    kind: str
    observed: float
    quality: str
    obs_sd: float  #: log-scale observation error
    disc_sd: float  #: log-scale model discrepancy
    outputs: tuple[OutputSpec, ...] = field(default=())
    used: bool = True  #: False: forecast only (after the time split)

    @property
    def z(self) -> float:
        """The observation on the log scale."""
        return math.log(self.observed)

    @property
    def is_bound(self) -> bool:
        return self.kind in BOUND_KINDS

    def value(self, outputs: dict[str, float]) -> float:
        """The run's value of this target (raw units) from its output dict."""
        main = float(outputs.get(self.outputs[0].label, math.nan))
        if len(self.outputs) == 2:  # ratio_to:YYYY rows and growth patterns
            base = float(outputs.get(self.outputs[1].label, math.nan))
            return main / base if base not in (0.0,) and math.isfinite(base) else math.nan
        if self.kind == "cumulative_5yr":
            return main * 5.0
        return main

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Raw simulated values to the log scale, floored (NaN stays NaN)."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.log(np.where(np.isnan(v), np.nan, np.maximum(v, FLOOR * self.observed)))


def selector_matches(sel: str, indicator: str, year: int) -> bool:
    if "@" in sel:
        name, y = sel.split("@", 1)
        return name == indicator and y.strip().isdigit() and int(y) == year
    return sel == indicator


def _known(indicator: str) -> bool:
    if indicator.startswith(INDEX_PREFIX):
        return indicator[len(INDEX_PREFIX) :] in INDEX_DIMENSIONS
    return indicator in INDICATORS


def _outputs(key: str, indicator: str, year: int, kind: str) -> tuple[OutputSpec, ...] | None:
    """The outputs a run must report for this row, or None when the kind cannot be read."""
    if kind in ("level", "share", "index", *BOUND_KINDS):
        return (OutputSpec(key, indicator, None, year, year),)
    if kind.startswith("ratio_to:"):
        base = int(kind.split(":", 1)[1])
        return (
            OutputSpec(key, indicator, None, year, year),
            OutputSpec(key + "#base", indicator, None, base, base),
        )
    if kind == "cumulative_5yr":
        return (OutputSpec(key, indicator, "mean", year - 4, year),)
    return None


def _covered(outs: tuple[OutputSpec, ...], indicator: str, start: int, end: int) -> bool:
    first = min(o.first for o in outs)
    last = max(o.last for o in outs)
    if indicator.startswith(INDEX_PREFIX) and start > INDEX_BASE_YEAR:
        return False
    return start <= first and last <= end


def resolve_targets(
    spec: CalibrationSpec, scenario: Scenario, spec_file: str, targets: pd.DataFrame | None = None
) -> tuple[list[Target], list[str]]:
    """The spec's targets as :class:`Target` rows, and the region's rows left out (why).

    Unknown selectors, an explicitly named row the model cannot produce, and an empty result
    are user errors; with ``include: all`` rows that cannot be compared are listed, not fatal.
    """
    if targets is None and spec.targets.file is not None:
        path = Path(spec_file).parent / spec.targets.file
        try:
            targets = load_targets(path)
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(f"cannot read targets file {spec.targets.file!r}: {exc}",
                            file=spec_file, field="targets.file") from None  # fmt: skip
    table = load_targets() if targets is None else targets
    rows = table[table["region"] == scenario.region]
    tsp = spec.targets
    explicit = isinstance(tsp.include, list)
    selectors = list(tsp.include) if explicit else []
    for where, sels in (("include", selectors), ("exclude", tsp.exclude),
                        ("overrides", list(tsp.overrides))):  # fmt: skip
        for sel in sels:
            if not any(selector_matches(sel, r.indicator, int(r.year)) for r in rows.itertuples()):
                names = sorted(set(rows["indicator"]))
                raise UserError(
                    f"unknown target {sel!r} for region {scenario.region}; give 'indicator' or "
                    f"'indicator@year' of targets.csv; indicators: {', '.join(names)}",
                    file=spec_file, field=f"targets.{where}",
                )  # fmt: skip
    out: list[Target] = []
    skipped: list[str] = []
    seen: dict[str, int] = {}
    for r in rows.itertuples(index=False):
        ind, year, kind = str(r.indicator), int(r.year), str(r.kind)
        if explicit and not any(selector_matches(s, ind, year) for s in selectors):
            continue
        if any(selector_matches(s, ind, year) for s in tsp.exclude):
            continue
        if r.quality not in tsp.qualities:
            continue
        key = f"{ind}@{year}" if kind in ("level", "share", "index") else f"{ind}@{year}:{kind}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        outs = _outputs(key, ind, year, kind)
        problem = None
        if not _known(ind):
            problem = "the model has no such indicator"
        elif outs is None:
            problem = f"kind {kind} is not supported"
        elif not _covered(outs, ind, scenario.start_year, scenario.end_year):
            problem = f"the run ({scenario.start_year}-{scenario.end_year}) does not cover it"
        elif not float(r.value) > 0:
            problem = "observed value is not positive"
        if problem:
            if explicit and any("@" in sel and selector_matches(sel, ind, year)
                                for sel in selectors):  # fmt: skip
                raise UserError(
                    f"target {key} cannot be fitted: {problem}",
                    file=spec_file, field="targets.include",
                )  # fmt: skip
            skipped.append(f"{key}: {problem}")
            continue
        err = tsp.observation_error[str(r.quality)]
        disc = tsp.discrepancy
        for sel, ov in tsp.overrides.items():
            if selector_matches(sel, ind, year):
                err = ov.error if ov.error is not None else err
                disc = ov.discrepancy if ov.discrepancy is not None else disc
        used = tsp.until is None or year <= tsp.until
        out.append(
            Target(key, ind, year, kind, float(r.value), str(r.quality), math.log1p(err),
                   math.log1p(disc), outs, used)  # type: ignore[arg-type]
        )  # fmt: skip
    for p in tsp.patterns:
        if not _known(p.indicator):
            raise UserError(f"pattern {p.name}: unknown indicator {p.indicator!r}",
                            file=spec_file, field="targets.patterns")  # fmt: skip
        key = f"pattern:{p.name}"
        if p.summary == "growth":
            outs = (OutputSpec(key, p.indicator, None, p.to, p.to),
                    OutputSpec(key + "#base", p.indicator, None, p.from_, p.from_))  # fmt: skip
            kind = "growth" if p.kind == "level" else p.kind
        else:
            outs = (OutputSpec(key, p.indicator, "mean", p.from_, p.to),)
            kind = p.kind
        if not _covered(outs, p.indicator, scenario.start_year, scenario.end_year):
            raise UserError(
                f"pattern {p.name} reads {p.from_}-{p.to} but the runs cover "
                f"{scenario.start_year}-{scenario.end_year} (set end_year)",
                file=spec_file, field="targets.patterns",
            )  # fmt: skip
        out.append(Target(key, p.indicator, p.to, kind, p.value, "pattern",
                          math.log1p(p.error), 0.0, outs))  # fmt: skip
    if not any(t.used for t in out):
        raise UserError(
            "the spec selects no target the model can be compared with"
            + (f" (left out: {'; '.join(skipped[:5])})" if skipped else ""),
            file=spec_file, field="targets",
        )  # fmt: skip
    return out, skipped


def all_outputs(targets: list[Target]) -> tuple[OutputSpec, ...]:
    return tuple(o for t in targets for o in t.outputs)
