"""Sensitivity indices, noise decomposition and Sobol convergence from a sweep's results.

Everything is computed from the point means over replicates (SALib needs one value per
design point) plus the replicate spread for the noise table. SALib's bootstrap confidence
intervals are seeded with the experiment seed, so the same results give byte-identical
``sensitivity.csv`` whatever the order the runs finished in.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.experiments.sweep.design import problem
from sim.experiments.sweep.schema import SEED_FACTOR, Experiment, FastOptions, MorrisOptions

#: the columns of sensitivity.csv, in order (blank where a method has no such index)
SENSITIVITY_COLUMNS = [
    "output", "factor", "method", "S1", "S1_conf", "ST", "ST_conf",
    "mu_star", "mu_star_conf", "sigma",
]  # fmt: skip
NOISE_COLUMNS = [
    "output", "replications", "mean", "total_var", "within_var", "between_var",
    "noise_share", "precision", "replications_needed", "seed_factor_index",
]  # fmt: skip
CONVERGENCE_COLUMNS = ["output", "factor", "N", "S1", "S1_conf", "ST", "ST_conf"]
NUM_RESAMPLES = 200


@dataclass
class Analysis:
    sensitivity: pd.DataFrame
    noise: pd.DataFrame
    convergence: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def point_means(results: pd.DataFrame, outputs: list[str], points: int) -> pd.DataFrame:
    """Mean over replicates per point, rows 0..points-1 in design order."""
    means = results.groupby("point")[outputs].mean()
    return means.reindex(range(points))


def _salib(exp: Experiment, unit: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    from SALib.analyze import fast, morris, sobol

    prob = problem(exp)
    opts = exp.options
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant outputs give 0/0; handled as NaN below
        with np.errstate(all="ignore"):
            if isinstance(opts, MorrisOptions):
                r = morris.analyze(prob, unit, y, num_resamples=NUM_RESAMPLES,
                                   num_levels=opts.levels, seed=exp.seed)  # fmt: skip
            elif isinstance(opts, FastOptions):
                r = fast.analyze(prob, y, M=opts.M, num_resamples=NUM_RESAMPLES, seed=exp.seed)
            else:
                r = sobol.analyze(prob, y, calc_second_order=opts.calc_second_order,
                                  num_resamples=NUM_RESAMPLES, seed=exp.seed)  # fmt: skip
    return {k: np.asarray(v, dtype=float) for k, v in r.items() if k in SENSITIVITY_COLUMNS}


def _sobol_block(exp: Experiment) -> int:
    d = len(exp.factor_names)
    return 2 * d + 2 if exp.options.calc_second_order else d + 2  # type: ignore[union-attr]


def sensitivity(
    exp: Experiment, unit: np.ndarray, means: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``sensitivity.csv`` rows, Sobol convergence rows and warnings."""
    rows: list[dict] = []
    conv: list[dict] = []
    notes: list[str] = []
    names = exp.factor_names
    for out in means.columns:
        y = means[out].to_numpy(dtype=float)
        base = {"output": out, "method": exp.method}
        if not np.isfinite(y).all():
            notes.append(f"{out}: {int((~np.isfinite(y)).sum())} design point(s) gave no "
                         "finite value; its indices are left blank")  # fmt: skip
            rows += [{**base, "factor": n} for n in names]
            continue
        if np.ptp(y) == 0:
            notes.append(f"{out}: the output is the same at every design point; no index")
            rows += [{**base, "factor": n} for n in names]
            continue
        r = _salib(exp, unit, y)
        for j, n in enumerate(names):
            rows.append({**base, "factor": n, **{k: v[j] for k, v in r.items()}})
        if exp.method in ("sobol", "fast"):
            for j, n in enumerate(names):
                for key in ("S1", "ST"):
                    conf = r[f"{key}_conf"][j]
                    if np.isfinite(conf) and 2 * conf > exp.ci_warn:
                        notes.append(
                            f"{out} / {n}: {key} = {r[key][j]:.3f} ± {conf:.3f}, the 95% "
                            f"interval is wider than {exp.ci_warn:g}"
                        )
        if exp.method == "sobol":
            conv += _convergence(exp, unit, y, out)
    frame = pd.DataFrame(rows).reindex(columns=SENSITIVITY_COLUMNS)
    return frame, pd.DataFrame(conv, columns=CONVERGENCE_COLUMNS), notes


def _convergence(exp: Experiment, unit: np.ndarray, y: np.ndarray, out: str) -> list[dict]:
    """Indices from the first N/4, N/2 and N base samples: whole Saltelli blocks, so each
    subsample is itself a valid (smaller) Saltelli design."""
    block = _sobol_block(exp)
    n_full = y.size // block
    rows = []
    for n in sorted({max(1, n_full // 4), max(1, n_full // 2), n_full}):
        r = _salib(exp, unit[: n * block], y[: n * block])
        for j, name in enumerate(exp.factor_names):
            rows.append({"output": out, "factor": name, "N": n,
                         **{k: r[k][j] for k in ("S1", "S1_conf", "ST", "ST_conf")}})  # fmt: skip
    return rows


def noise(exp: Experiment, results: pd.DataFrame, sens: pd.DataFrame) -> pd.DataFrame:
    """Per output: the share of variance that is the model's own randomness, and how many
    replications bring the standard error of a point's mean under ``precision`` times the
    output's between-point standard deviation.

    ``within_var`` pools the replicate variance at each point; ``between_var`` is the variance
    of the point means minus the part that is replicate noise (``within_var / R``), floored at
    0; ``noise_share = within / (within + between)`` (a one-way random-effects split, so it
    stays in [0, 1] even when sampling error makes the pooled terms exceed ``total_var``).
    """
    rows = []
    reps = exp.replications
    for out in [o.label for o in exp.outputs]:
        v = results[["point", out]].dropna()
        total = float(v[out].var(ddof=1)) if len(v) > 1 else math.nan
        within = math.nan
        if reps > 1:
            within = float(v.groupby("point")[out].var(ddof=1).mean())
        means = v.groupby("point")[out].mean()
        between = float(means.var(ddof=1)) if len(means) > 1 else math.nan
        if math.isfinite(within):
            between = max(between - within / reps, 0.0)
        parts = within + between
        share = within / parts if math.isfinite(within) and parts > 0 else math.nan
        needed = math.nan
        if math.isfinite(within) and between > 0:
            needed = float(math.ceil(within / (exp.precision**2 * between)))
        seed_idx = math.nan
        if exp.seed_factor:
            row = sens[(sens["output"] == out) & (sens["factor"] == SEED_FACTOR)]
            col = "mu_star" if exp.method == "morris" else "ST"
            if len(row):
                seed_idx = float(row[col].iloc[0])
        rows.append({
            "output": out, "replications": reps, "mean": float(v[out].mean()),
            "total_var": total, "within_var": within, "between_var": between,
            "noise_share": share, "precision": exp.precision,
            "replications_needed": needed, "seed_factor_index": seed_idx,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=NOISE_COLUMNS)


def transformed(exp: Experiment, results: pd.DataFrame) -> pd.DataFrame:
    """Results on the scale they are analysed on (log10 where an output asks for it)."""
    out = results.copy()
    for o in exp.outputs:
        if o.log:
            col = out[o.label].astype(float)
            with np.errstate(all="ignore"):
                out[o.label] = np.log10(col.where(col > 0))
    return out


def analyze(exp: Experiment, unit: np.ndarray, results: pd.DataFrame) -> Analysis:
    """Indices, noise table, convergence and warnings from raw per-run results."""
    results = transformed(exp, results)
    outputs = [o.label for o in exp.outputs]
    means = point_means(results, outputs, unit.shape[0])
    sens, conv, notes = sensitivity(exp, unit, means)
    nz = noise(exp, results, sens)
    for r in nz.itertuples(index=False):
        if math.isfinite(r.noise_share) and r.noise_share > 0.5:
            notes.append(f"{r.output}: {r.noise_share:.0%} of its variance is the model's own "
                         "randomness; indices mostly measure noise")  # fmt: skip
    return Analysis(sens, nz, conv, notes)
