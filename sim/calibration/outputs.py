"""The files of a calibration folder, computed from the runs: waves, runs, posterior,
predictive intervals, coverage and identifiability.

Posterior (ABC rejection, Pritchard et al. 1999; in the non-implausible space of history
matching as in McCulloch et al. 2022): each candidate drawn from the final non-implausible space
is simulated; its distance is the rank-th largest implausibility of the *simulated* outputs
(the same metric as the waves, with the emulated run-to-run variance, observation error and
discrepancy in the denominator); candidates within the cut-off are accepted with equal weight.
When fewer than ``posterior.members`` are within it, the tolerance is widened to the
``members``-th smallest distance (a quantile tolerance, Beaumont et al. 2002) and the folder
says so.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.emulator import predict_all
from sim.calibration.implausibility import implausibility, kth_largest
from sim.calibration.targets import Target
from sim.io import write_csv_atomic, write_json_atomic, write_text_atomic

PREDICTIVE_COLUMNS = [
    "indicator", "year", "kind", "observed", "median", "q05", "q25", "q75", "q95", "inside90",
]  # fmt: skip
COVERAGE_COLUMNS = [
    "rows", "split", "n", "inside50", "inside90", "median_ratio", "median_width",
]  # fmt: skip


def targets_frame(targets: list[Target]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"key": t.key, "indicator": t.indicator, "year": t.year, "kind": t.kind,
             "observed": t.observed, "quality": t.quality, "obs_sd_log": t.obs_sd,
             "discrepancy_sd_log": t.disc_sd, "used": t.used}
            for t in targets
        ]
    )  # fmt: skip


def wave_row(s: Any, w: int, wave: Any, runs: Any, fits: list[Any], screen: np.ndarray,
             found: bool) -> dict[str, Any]:  # fmt: skip
    """One line of waves.csv: the wave's runs and the space that survives it."""
    from sim.calibration.history import to_values

    ok = np.all([f.screen_pass for f in fits], axis=0)
    row: dict[str, Any] = {
        "wave": w, "points": len(runs.unit), "replicates": runs.reps,
        "runs": len(runs.unit) * runs.reps, "failed": len(runs.errors), "scale": runs.scale,
        "design_in_nonimplausible": bool(found), "nonimplausible_share": float(ok.mean()),
        "rank": s.rank, "cutoff": s.spec.cutoff,
    }  # fmt: skip
    vals = to_values(s.spec.parameters, screen[ok]) if ok.any() else None
    for j, p in enumerate(s.spec.parameters):
        row[f"{p.path}:low"] = float(vals[:, j].min()) if vals is not None else math.nan
        row[f"{p.path}:high"] = float(vals[:, j].max()) if vals is not None else math.nan
    return row


def write_runs(path: Path, s: Any, stages: list[tuple[str, Any]]) -> None:
    """runs.parquet: one row per evaluated (stage, point, replicate)."""
    rows = []
    for stage, runs in stages:
        for p in range(len(runs.unit)):
            for r in range(runs.reps):
                row: dict[str, Any] = {
                    "stage": stage,
                    "point": p,
                    "replicate": r,
                    "seed": int(runs.seeds[p, r]),
                    "scale": runs.scale,
                }
                row.update({k: float(v) for k, v in zip(s.paths, runs.values[p], strict=True)})
                row.update({f"out:{t.key}": float(runs.raw[p, r, j])
                            for j, t in enumerate(s.targets)})  # fmt: skip
                row["error"] = runs.errors.get((p, r), "")
                rows.append(row)
    df = pd.DataFrame(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False, engine="pyarrow")
    tmp.replace(path)


def distances(s: Any, fits: list[Any], runs: Any) -> np.ndarray:
    """Each candidate's rank-th largest implausibility from its simulated outputs."""
    used_idx = [j for j, t in enumerate(s.targets) if t.used]
    used = [s.targets[j] for j in used_idx]
    logs = runs.logs(s.targets)
    sim = np.column_stack([_mean_rows(logs[j]) for j in used_idx])
    _, _, v_st = predict_all(fits[-1].emulators, runs.unit)
    obs = np.array([t.obs_sd**2 + t.disc_sd**2 for t in used])
    # the candidate mean of r replicates: its own run-to-run variance is V_stoch / r, and
    # reality is one more realisation: V_stoch (1 + 1/r)
    var = np.nan_to_num(v_st, nan=0.0) * (1 + 1 / runs.reps) + obs[None, :]
    imp = implausibility(np.array([t.z for t in used]), sim, var, [t.kind for t in used])
    d = kth_largest(imp, s.rank)
    failed = np.array([any((p, r) in runs.errors for r in range(runs.reps))
                       for p in range(len(runs.unit))])  # fmt: skip
    d[failed] = np.inf
    return d


def _mean_rows(y: np.ndarray) -> np.ndarray:
    out = np.full(y.shape[0], np.nan)
    ok = np.isfinite(y).all(axis=1)
    out[ok] = y[ok].mean(axis=1)
    return out


def predictive(targets: list[Target], raw: np.ndarray) -> pd.DataFrame:
    """Quantiles of every target over the accepted members' runs (raw units).

    ``raw`` is (runs, targets). ``inside90`` for a level: the observation lies within
    [q05, q95]; for a lower (upper) bound: the upper (lower) end of the interval respects it.
    """
    rows = []
    for j, t in enumerate(targets):
        v = raw[:, j]
        v = v[np.isfinite(v)]
        q = [math.nan] * 5 if len(v) == 0 else list(np.quantile(v, [0.5, 0.05, 0.25, 0.75, 0.95]))
        med, q05, q25, q75, q95 = q
        if t.kind == "lower_bound":
            inside = bool(q95 >= t.observed)
        elif t.kind == "upper_bound":
            inside = bool(q05 <= t.observed)
        else:
            inside = bool(q05 <= t.observed <= q95)
        rows.append([t.indicator, t.year, t.kind, t.observed, med, q05, q25, q75, q95, inside])
    return pd.DataFrame(rows, columns=PREDICTIVE_COLUMNS)


def _inside50(t: Target, r: pd.Series) -> bool:
    if t.kind == "lower_bound":
        return bool(r["q75"] >= t.observed)
    if t.kind == "upper_bound":
        return bool(r["q25"] <= t.observed)
    return bool(r["q25"] <= t.observed <= r["q75"])


def with_errors(targets: list[Target], raw: np.ndarray, seed: int) -> pd.DataFrame:
    """Predictive intervals for an *observation*: the ensemble plus observation error and
    model discrepancy (each run's log value plus a normal draw with their variance)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7, 7, 7)))
    noisy = np.full(raw.shape, np.nan)
    for j, t in enumerate(targets):
        sd = math.sqrt(t.obs_sd**2 + t.disc_sd**2)
        noisy[:, j] = np.exp(t.transform(raw[:, j]) + rng.normal(0.0, sd, raw.shape[0]))
    return predictive(targets, noisy)


def coverage(targets: list[Target], pred: pd.DataFrame, label: str = "targets") -> pd.DataFrame:
    """Share of rows inside the 50 % and 90 % intervals, median ratio and relative width."""
    rows = []
    flags = pd.DataFrame({
        "used": [t.used for t in targets],
        "bound": [t.is_bound for t in targets],
        "in50": [_inside50(t, r) for t, (_, r) in zip(targets, pred.iterrows(), strict=True)],
    })  # fmt: skip
    for split, mask in (("all", np.ones(len(targets), bool)), ("fitted", flags["used"].to_numpy()),
                        ("forecast", ~flags["used"].to_numpy())):  # fmt: skip
        if not mask.any():
            continue
        p = pred[mask]
        lv = p[~flags["bound"].to_numpy()[mask]]
        rows.append({
            "rows": label, "split": split, "n": int(mask.sum()),
            "inside50": float(flags["in50"][mask].mean()), "inside90": float(p["inside90"].mean()),
            "median_ratio": _nanmedian(lv["median"] / lv["observed"]),
            "median_width": _nanmedian((lv["q95"] - lv["q05"]) / lv["observed"]),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def _nanmedian(x: pd.Series) -> float:
    x = x.to_numpy(float)
    return float(np.nanmedian(x)) if np.isfinite(x).any() else math.nan


def identifiability(s: Any, unit: np.ndarray) -> pd.DataFrame:
    """Per parameter: posterior 90 % range over the prior's, and its strongest correlations.

    Ranges are compared in the prior's own (unit) space, where the prior's 90 % range is 0.9;
    a ratio near 1 means the data did not narrow the parameter, near 0 that they pin it.
    Correlations are Spearman's over the members (a ridge shows as a strong correlation).
    """
    from sim.calibration.history import to_values

    vals = to_values(s.spec.parameters, unit)
    n = unit.shape[0]
    corr = pd.DataFrame(unit, columns=s.paths).corr(method="spearman").to_numpy() if n > 2 else None
    rows = []
    for j, p in enumerate(s.spec.parameters):
        q05, _q50, q95 = np.quantile(unit[:, j], [0.05, 0.5, 0.95])
        row: dict[str, Any] = {
            "parameter": p.path, "prior_low": p.bounds[0], "prior_high": p.bounds[1],
            "prior": p.dist, "median": float(np.quantile(vals[:, j], 0.5)),
            "q05": float(np.quantile(vals[:, j], 0.05)),
            "q95": float(np.quantile(vals[:, j], 0.95)),
            "range_ratio": float((q95 - q05) / 0.9),
        }  # fmt: skip
        others = []
        if corr is not None:
            c = np.nan_to_num(corr[j].copy(), nan=0.0)
            c[j] = 0.0
            others = list(np.argsort(-np.abs(c), kind="stable")[:2])
        for k in range(2):
            if k < len(others):
                row[f"corr{k + 1}_with"] = s.paths[others[k]]
                row[f"corr{k + 1}"] = float(corr[j, others[k]])  # type: ignore[index]
            else:
                row[f"corr{k + 1}_with"], row[f"corr{k + 1}"] = "", math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def finish(out: Path, s: Any, fits: list[Any], runs: Any, wave_rows: list[dict[str, Any]],
           stop: str, found: bool, meta: dict[str, Any], t_start: float) -> Any:  # fmt: skip
    """Accept the posterior members and write every summary file."""
    import json

    from sim.calibration.history import META, Result
    from sim.calibration.report import render

    post = s.spec.posterior
    d = distances(s, fits, runs)
    finite = np.sort(d[np.isfinite(d)])
    accepted = d <= s.spec.cutoff
    tolerance = float(s.spec.cutoff)
    widened = False
    if accepted.sum() < post.members and len(finite) > 0:
        tolerance = float(finite[min(post.members, len(finite)) - 1])
        accepted = d <= tolerance
        widened = True
    idx = np.flatnonzero(accepted)
    k = len(idx)
    posterior = pd.DataFrame(runs.values[idx], columns=s.paths)
    posterior.insert(0, "weight", np.full(k, 1.0 / k) if k else [])
    posterior.insert(0, "member", np.arange(k))
    raw = runs.raw[idx].reshape(-1, len(s.targets))
    pred = predictive(s.targets, raw)
    cov = coverage(s.targets, pred, "ensemble")
    if k:
        cov = pd.concat(
            [cov, coverage(s.targets, with_errors(s.targets, raw, s.spec.seed), "with_errors")],
            ignore_index=True,
        )
    ident = identifiability(s, runs.unit[idx]) if k else pd.DataFrame()
    write_csv_atomic(out / "posterior.csv", posterior)
    write_csv_atomic(out / "predictive.csv", pred)
    write_csv_atomic(out / "coverage.csv", cov)
    write_csv_atomic(out / "identifiability.csv", ident)
    old = json.loads((out / META).read_text(encoding="utf-8"))
    wall = time.perf_counter() - t_start
    summary = {
        "candidates": len(runs.unit), "accepted_within_cutoff": int((d <= s.spec.cutoff).sum()),
        "members": k, "tolerance": tolerance, "tolerance_widened": widened,
        "candidates_from_nonimplausible_space": bool(found),
        "failed_candidate_runs": len(runs.errors), "scale": runs.scale,
        "replicates": runs.reps,
    }  # fmt: skip
    old.update(meta)
    old.update({
        "stop": stop, "posterior": summary, "last_finished": _now(),
        "last_session_seconds": round(wall, 1),
        "runs_total": int(sum(r["runs"] for r in wave_rows) + len(runs.unit) * runs.reps),
    })  # fmt: skip
    write_json_atomic(out / META, old)
    waves = pd.DataFrame(wave_rows)
    html = render(s, old, waves, posterior, pred, cov, ident, runs.unit[idx])
    write_text_atomic(out / "calibration.html", html)
    return Result(out, waves, posterior, pred, cov, ident, old)


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
