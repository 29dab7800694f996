"""How close a run comes to the observed values of ``targets.csv``.

The fit table is the project's one place where a simulated number meets an observed one, so its
arithmetic is spelled out per target ``kind`` and kept free of judgement: a target that the run
cannot be compared with (year not simulated, indicator not produced) is left out rather than
guessed, and the report colours the rest by closeness.

Kinds (see the domain brief, section 7):

* ``level``, ``share``, ``index``: ``simulated`` is the mean over replicates in that year;
  ``ratio = simulated / observed``.
* ``ratio_to:YYYY``: the observed value is a multiple of year YYYY; ``simulated`` is the same
  multiple of the replicate means, ``mean(year) / mean(YYYY)``; ``ratio = simulated / observed``.
  The ratio of means rather than the mean of ratios keeps a replicate with a tiny base year from
  dominating.
* ``lower_bound`` / ``upper_bound``: ``simulated`` is the mean in that year; ``ratio`` is 1.0
  when the bound holds (``simulated >= observed``, resp. ``<=``) and 0.0 when it is violated, so
  it reads as pass/fail rather than as a distance.
* ``cumulative_5yr``: ``simulated`` is the sum of the yearly means over the five years ending at
  ``year``, all of which the run must cover; ``ratio = simulated / observed``.

``ratio`` is NaN when it cannot be formed (observed 0, simulated missing).
"""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

#: columns of the fit table
FIT_COLUMNS = ["indicator", "year", "kind", "observed", "simulated", "ratio", "quality", "source"]

#: prefix of target rows that refer to the ZGC Index rather than to ``indicators.csv``
INDEX_PREFIX = "zgc_index."

#: closeness bands of the report: within x1.25 is good, within x1.5 fair, beyond poor
GOOD_FACTOR = 1.25
FAIR_FACTOR = 1.5

TARGET_COLUMNS = [
    "region",
    "indicator",
    "year",
    "value",
    "unit",
    "kind",
    "source",
    "note",
    "quality",
]


def load_targets(path: Path | None = None) -> pd.DataFrame:
    """The observed targets: the packaged ``sim/data/targets.csv`` unless ``path`` is given."""
    source = path if path is not None else files("sim").joinpath("data", "targets.csv")
    with source.open("r", encoding="utf-8") as fh:
        targets = pd.read_csv(fh)
    missing = [c for c in TARGET_COLUMNS if c not in targets.columns]
    if missing:
        raise ValueError(f"targets file lacks column(s) {missing}")
    targets["year"] = targets["year"].astype(int)
    targets["value"] = targets["value"].astype(float)
    return targets


def _yearly_means(
    indicators_long: pd.DataFrame, index_wide: pd.DataFrame | None
) -> dict[str, pd.Series]:
    """Every comparable series by name: year -> mean over replicates."""
    series: dict[str, pd.Series] = {}
    if not indicators_long.empty:
        means = indicators_long.groupby(["indicator", "year"])["value"].mean()
        for name, s in means.groupby(level="indicator"):
            series[str(name)] = s.droplevel("indicator").astype(float)
    if index_wide is not None and not index_wide.empty:
        wide = index_wide.set_index("year")
        for col in wide.columns:
            series[INDEX_PREFIX + str(col)] = wide[col].astype(float)
    return series


def _divide(a: float, b: float) -> float:
    if not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        return math.nan
    return a / b


def _compare(kind: str, year: int, observed: float, s: pd.Series) -> tuple[float, float] | None:
    """``(simulated, ratio)`` for one target, or None when the run does not cover it."""
    if kind in ("level", "share", "index", "lower_bound", "upper_bound"):
        if year not in s.index:
            return None
        sim = float(s.loc[year])
        if kind == "lower_bound":
            return sim, (math.nan if math.isnan(sim) else float(sim >= observed))
        if kind == "upper_bound":
            return sim, (math.nan if math.isnan(sim) else float(sim <= observed))
        return sim, _divide(sim, observed)
    if kind.startswith("ratio_to:"):
        base = int(kind.split(":", 1)[1])
        if year not in s.index or base not in s.index:
            return None
        sim = _divide(float(s.loc[year]), float(s.loc[base]))
        return sim, _divide(sim, observed)
    if kind == "cumulative_5yr":
        window = range(year - 4, year + 1)
        if any(y not in s.index for y in window):
            return None
        sim = float(sum(float(s.loc[y]) for y in window))
        return sim, _divide(sim, observed)
    raise ValueError(f"unknown target kind {kind!r}")


def fit_table(
    indicators_long: pd.DataFrame,
    index_wide: pd.DataFrame | None,
    region: str,
    targets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Observed against simulated for every target of ``region`` that the run covers.

    ``indicators_long`` is ``indicators.csv``; ``index_wide`` the mean ZGC Index table (None or
    empty when there is none, e.g. for Silicon Valley runs); ``targets`` defaults to the
    packaged file. Columns: :data:`FIT_COLUMNS`. See the module docstring for each kind.
    """
    if targets is None:
        targets = load_targets()
    series = _yearly_means(indicators_long, index_wide)
    rows = []
    for t in targets[targets["region"] == region].itertuples(index=False):
        s = series.get(str(t.indicator))
        if s is None:
            continue
        got = _compare(str(t.kind), int(t.year), float(t.value), s)
        if got is None:
            continue
        sim, ratio = got
        rows.append(
            {
                "indicator": t.indicator,
                "year": int(t.year),
                "kind": t.kind,
                "observed": float(t.value),
                "simulated": sim,
                "ratio": ratio,
                "quality": t.quality,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows, columns=FIT_COLUMNS)


def closeness(kind: str, ratio: float) -> str:
    """A verdict for one fit row: ``good``/``fair``/``poor``, ``pass``/``fail`` or ``n/a``."""
    if ratio is None or not np.isfinite(ratio):
        return "n/a"
    if kind in ("lower_bound", "upper_bound"):
        return "pass" if ratio >= 0.5 else "fail"
    if ratio <= 0:
        return "poor"
    factor = max(ratio, 1.0 / ratio)
    if factor <= GOOD_FACTOR:
        return "good"
    if factor <= FAIR_FACTOR:
        return "fair"
    return "poor"


#: columns of :func:`dimension_growth`
GROWTH_COLUMNS = ["dimension", "year", "observed", "simulated", "observed_rank", "simulated_rank"]


def dimension_growth(fit: pd.DataFrame, dimensions: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """The index dimensions ranked by their growth since 2013, observed and simulated.

    The published index judges a zone as much by which dimensions grow fastest as by their
    levels, so the ranking is checked on its own. It uses the latest year in which the fit table
    holds an ``index`` row for every one of ``dimensions`` (2023 with the packaged targets);
    rank 1 is the fastest. Empty (with :data:`GROWTH_COLUMNS`) when no year has all of them.
    """
    rows = fit[
        (fit["kind"] == "index") & fit["indicator"].isin(INDEX_PREFIX + d for d in dimensions)
    ]
    counts = rows.groupby("year")["indicator"].nunique()
    complete = counts[counts == len(dimensions)].index
    if len(complete) == 0:
        return pd.DataFrame(columns=GROWTH_COLUMNS)
    year = int(max(complete))
    out = rows[rows["year"] == year].copy()
    out["dimension"] = out["indicator"].str.removeprefix(INDEX_PREFIX)
    out["observed_rank"] = out["observed"].rank(ascending=False, method="min").astype(int)
    out["simulated_rank"] = out["simulated"].rank(ascending=False, method="min").astype(int)
    out = out.sort_values("observed_rank")
    return out[GROWTH_COLUMNS].reset_index(drop=True)


def ranking_disagreements(growth: pd.DataFrame, tie: float = 0.02) -> list[tuple[str, str]]:
    """Pairs ``(a, b)`` observed to grow faster in the order a > b that the run reverses.

    Observed values within ``tie`` (relative) of each other count as tied and are not judged:
    the published 2023 innovation leadership (478.0) and entrepreneurship (477.9) are one.
    """
    out = []
    recs = list(growth.itertuples(index=False))
    for a in recs:
        for b in recs:
            if a.observed > b.observed * (1 + tie) and a.simulated < b.simulated:
                out.append((str(a.dimension), str(b.dimension)))
    return out
