"""Scenario discovery on a finished sweep: under which conditions does an outcome cross a line?

``ecosim discover SWEEP_DIR --output INDICATOR@YEAR --below X`` reads a sweep folder
(``experiment.yaml``, ``samples.csv``, ``results.csv``), defines the *case of interest* over
replicates and hands the design points and their case labels to EMA Workbench's PRIM (or CART).

Decisions worth knowing:

* Cases over replicates. EMA Workbench treats a model as deterministic; ecosim's runs are not.
  For each design point the probability that the outcome crosses the threshold is the share of
  its replicates (seeds) that do, with a Wilson score interval (Wilson 1927), and the point is
  a case when that probability is at least ``case_share`` (0.5 by default). So a case is a
  statement about the point, not about one lucky seed.
* PRIM is EMA Workbench's (Friedman & Fisher 1999; Bryant & Lempert 2010; Kwakkel 2017); this
  module only prepares the data, picks a box on the peeling trajectory and writes files.
  The chosen box is the one of highest coverage among those whose density reaches
  ``density`` (0.8), the densest of equal coverage; if none does, the one with the best
  harmonic mean of coverage and density.
  Further boxes are searched on the points left outside the earlier ones and kept only when
  they also reach ``density``.
* CART (scikit-learn's tree through EMA Workbench) is the alternative: its leaves are the
  candidate boxes; quasi-p-values and resampling are PRIM's and are left empty for CART.
* Each box becomes a scenario overlay ``box_N.yaml`` extending a copy of the sweep's base
  scenario: every restricted factor is set to the middle of its box range and the range is
  written in the comments, so the box can be run (``ecosim run box_1.yaml``) and questioned.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.experiments.sweep.schema import Experiment, load_experiment
from sim.io import OutputDir, staged_directory, write_csv_atomic, write_text_atomic
from sim.scenario.loader import dump_yaml

BASE_COPY = "base_scenario.yaml"
BOX_COLUMNS = [
    "box", "method", "dimension", "path", "low", "high", "sweep_low", "sweep_high", "midpoint",
    "qp_low", "qp_high", "reproduce_coverage", "reproduce_density", "coverage", "density",
    "mass", "res_dim", "points", "cases",
]  # fmt: skip
TRAJECTORY_COLUMNS = ["box", "step", "coverage", "density", "mass", "res_dim", "points",
                      "cases", "chosen"]  # fmt: skip
CASE_COLUMNS_TAIL = ["replicates", "crossings", "probability", "ci_low", "ci_high", "case"]


@dataclass(frozen=True)
class DiscoverOptions:
    """Everything ``ecosim discover`` asks besides the folder."""

    output: str
    threshold: float
    direction: Literal["below", "above"]
    method: Literal["prim", "cart"] = "prim"
    case_share: float = 0.5
    density: float = 0.8
    mass_min: float = 0.05
    peel_alpha: float = 0.05
    max_boxes: int = 3
    resamples: int = 10
    confidence: float = 0.95
    seed: int = 0


@dataclass
class Box:
    """A chosen box: its limits per restricted factor and its statistics."""

    number: int
    limits: pd.DataFrame  #: rows dimension; columns low, high, qp_low, qp_high, reproduce_*
    coverage: float
    density: float
    mass: float
    points: int
    cases: int


@dataclass
class Discovery:
    """The result: case table, trajectories and boxes (and what they were computed from)."""

    options: DiscoverOptions
    experiment: Experiment
    output_label: str
    cases: pd.DataFrame
    trajectory: pd.DataFrame
    boxes: list[Box]
    ranges: dict[str, tuple[float, float]]
    paths: dict[str, str]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- inputs


def wilson_interval(k: np.ndarray, n: np.ndarray, confidence: float = 0.95):
    """Wilson score interval of a binomial proportion (stays inside [0, 1] for small n)."""
    from scipy.stats import norm

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = float(norm.ppf(0.5 + confidence / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))  # exact ends, no rounding dust
    hi = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    return lo, hi


_SPEC = re.compile(r"^(?P<ind>[A-Za-z0-9_.]+)@(?P<year>\d{4})$")


def resolve_output(exp: Experiment, spec: str) -> str:
    """The results column for ``INDICATOR@YEAR`` (or an output's own name)."""
    labels = [o.label for o in exp.outputs]
    m = _SPEC.match(spec.strip())
    if m:
        ind, year = m.group("ind"), int(m.group("year"))
        for o in exp.outputs:
            if o.indicator == ind and o.summary is None and o.year == year:
                return o.label
    elif spec in labels:
        return spec
    offered = [f"{o.indicator}@{o.year}" for o in exp.outputs if o.summary is None]
    offered += [o.label for o in exp.outputs if o.summary is not None]
    raise UserError(
        f"the sweep has no output {spec!r}; it read: {', '.join(offered)} "
        "(INDICATOR@YEAR, or the name of a summary output)",
        field="--output",
    )


def read_sweep(folder: Path) -> tuple[Experiment, pd.DataFrame, pd.DataFrame]:
    """The experiment, ``samples.csv`` and ``results.csv`` of a finished sweep folder."""
    folder = Path(folder)
    exp_file = folder / "experiment.yaml"
    if not folder.is_dir() or not exp_file.is_file() or not (folder / "sweep.json").is_file():
        raise UserError(
            "not a sweep folder (expected experiment.yaml and sweep.json written by "
            "ecosim sweep)", file=str(folder),
        )  # fmt: skip
    exp, _ = load_experiment(exp_file)
    frames = []
    for name in ("samples.csv", "results.csv"):
        path = folder / name
        if not path.is_file():
            raise UserError(
                f"{name} is missing: the sweep is not finished; complete it with "
                f"ecosim sweep EXPERIMENT.yaml --out {folder} --resume", file=str(folder),
            )  # fmt: skip
        try:
            frames.append(pd.read_csv(path))
        except Exception as exc:  # truncated or not CSV
            raise UserError(f"cannot read it as CSV ({exc})", file=str(path)) from None
    samples, results = frames
    need = {"point", *(f.label for f in exp.factors)}
    missing = sorted(need - set(samples.columns))
    if missing:
        raise UserError(f"columns missing: {', '.join(missing)}", file=str(folder / "samples.csv"))
    missing = sorted({"point", "replicate", "seed"} - set(results.columns))
    if missing:
        raise UserError(f"columns missing: {', '.join(missing)}", file=str(folder / "results.csv"))
    return exp, samples, results


def case_table(
    exp: Experiment,
    samples: pd.DataFrame,
    results: pd.DataFrame,
    label: str,
    opts: DiscoverOptions,
) -> pd.DataFrame:
    """One row per design point: factor values, crossings over replicates and the case flag.

    A replicate with a missing value (a run whose output was undefined) is left out of that
    point's count; a point with no valid replicate is dropped.
    """
    names = [f.label for f in exp.factors]
    vals = results[["point", label]].copy()
    v = vals[label].to_numpy(float)
    valid = np.isfinite(v)
    crossed = (v < opts.threshold) if opts.direction == "below" else (v > opts.threshold)
    vals["valid"] = valid
    vals["cross"] = crossed & valid
    agg = vals.groupby("point").agg(replicates=("valid", "sum"), crossings=("cross", "sum"))
    x = samples.drop_duplicates("point").set_index("point")[names]
    table = x.join(agg, how="inner")
    table = table[table["replicates"] > 0].copy()
    n = table["replicates"].to_numpy(float)
    k = table["crossings"].to_numpy(float)
    lo, hi = wilson_interval(k, n, opts.confidence)
    table["probability"] = k / n
    table["ci_low"], table["ci_high"] = lo, hi
    table["case"] = table["probability"] >= opts.case_share
    for f in exp.factors:
        if f.is_int:
            table[f.label] = table[f.label].round().astype(np.int64)
    return table.reset_index()


# --------------------------------------------------------------------------- EMA Workbench


@contextlib.contextmanager
def _quiet_ema():
    """EMA Workbench warns at import about optional parallel back-ends and logs each box."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("EMA").setLevel(logging.WARNING)
        yield


def _import_ema(what: str) -> Any:
    try:
        with _quiet_ema():
            if what == "prim":
                from ema_workbench.analysis import prim as mod
            else:
                from ema_workbench.analysis import cart as mod
    except ImportError as exc:
        raise UserError(
            f"ecosim discover needs EMA Workbench ({exc}); install the optional extra: "
            "pip install 'ecosim[explore]'"
        ) from None
    return mod


def choose_step(traj: pd.DataFrame, density: float) -> int:
    """The step of the trajectory to report: best coverage at the density asked (the densest
    of equal coverage), else the best harmonic mean of coverage and density."""
    ok = traj[traj["density"] >= density - 1e-12]
    if not ok.empty:
        # same coverage: the denser (later) box loses no case, so it is the better one
        keys = ["coverage", "density", "res_dim"]
        best = ok.sort_values(keys, ascending=[False, False, True], kind="stable")
        return int(best.index[0])
    c, d = traj["coverage"].to_numpy(float), traj["density"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.nan_to_num(2 * c * d / (c + d))
    return int(np.argmax(f1))


def _prim(x: pd.DataFrame, y: np.ndarray, opts: DiscoverOptions) -> tuple[pd.DataFrame, list[Box]]:
    mod = _import_ema("prim")
    with _quiet_ema():
        prim = mod.Prim(x, y, peel_alpha=opts.peel_alpha, mass_min=opts.mass_min)
    boxes: list[Box] = []
    rows: list[pd.DataFrame] = []
    total_cases = int(y.sum())
    for number in range(1, opts.max_boxes + 1):
        with _quiet_ema():
            box = prim.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.reset_index(drop=True)
        step = choose_step(traj, opts.density)
        if number > 1 and (traj.loc[step, "density"] < opts.density or traj.loc[step, "k"] == 0):
            break  # nothing more worth a box
        with _quiet_ema():
            box.select(step)
            _, lims = box.inspect(step, style="data")[0]
            stability = _stability(box, step, opts, number)
        lims = lims.droplevel(0, axis=1)
        limits = pd.DataFrame(
            {
                "low": lims.iloc[:, 0].astype(float),
                "high": lims.iloc[:, 1].astype(float),
                "qp_low": lims.iloc[:, 2].astype(float),
                "qp_high": lims.iloc[:, 3].astype(float),
            }
        )
        limits["reproduce_coverage"] = stability["reproduce coverage"].reindex(limits.index) / 100
        limits["reproduce_density"] = stability["reproduce density"].reindex(limits.index) / 100
        t = traj.loc[step]
        # coverage against all cases of the sweep, not only those left after earlier boxes
        boxes.append(
            Box(number, limits, float(t["k"]) / total_cases, float(t["density"]),
                float(t["n"]) / len(y), int(t["n"]), int(t["k"]))
        )  # fmt: skip
        rows.append(
            pd.DataFrame(
                {
                    "box": number,
                    "step": traj["id"].astype(int) if "id" in traj else traj.index,
                    "coverage": traj["k"].astype(float) / total_cases,
                    "density": traj["density"].astype(float),
                    "mass": traj["n"].astype(float) / len(y),
                    "res_dim": traj["res_dim"].astype(int),
                    "points": traj["n"].astype(int),
                    "cases": traj["k"].astype(int),
                    "chosen": traj.index == step,
                }
            )
        )
    return pd.concat(rows, ignore_index=True), boxes


def _stability(box: Any, step: int, opts: DiscoverOptions, number: int) -> pd.DataFrame:
    """EMA's resampling test: PRIM on random halves, how often each factor is restricted.

    EMA Workbench 3.0 resamples correctly only for the first box (later boxes index the
    remaining points with the full data's labels), so later boxes get no stability scores.
    """
    empty = pd.DataFrame(columns=["reproduce coverage", "reproduce density"], dtype=float)
    if number > 1 or opts.resamples < 1:
        return empty
    return box.resample(step, iterations=opts.resamples, rng=opts.seed + number)


def _cart(x: pd.DataFrame, y: np.ndarray, opts: DiscoverOptions) -> tuple[pd.DataFrame, list[Box]]:
    from sklearn import tree

    mod = _import_ema("cart")
    with _quiet_ema():
        cart = mod.CART(x, y, mass_min=opts.mass_min)
    # the wrapper's own build_tree leaves the tie-breaking seed open; fix it for reproducibility
    cart.clf = tree.DecisionTreeClassifier(
        min_samples_leaf=max(1, int(opts.mass_min * len(x))), random_state=opts.seed
    )
    cart.clf.fit(cart._x, cart.y)
    total = int(y.sum())
    init = x.agg(["min", "max"])
    leaves = []
    for i, (lims, st) in enumerate(zip(cart.boxes, cart.stats, strict=True)):
        inside = np.ones(len(x), dtype=bool)
        for col in x.columns:
            lo, hi = float(lims.loc[0, col]), float(lims.loc[1, col])
            inside &= (x[col].to_numpy(float) >= lo) & (x[col].to_numpy(float) <= hi)
        n, k = int(inside.sum()), int(y[inside].sum())
        leaves.append((i, lims, n, k, float(st.get("res dim", 0))))
    traj = pd.DataFrame(
        {
            "box": 0, "step": [lf[0] for lf in leaves],
            "coverage": [lf[3] / total for lf in leaves],
            "density": [lf[3] / lf[2] if lf[2] else 0.0 for lf in leaves],
            "mass": [lf[2] / len(x) for lf in leaves],
            "res_dim": [int(lf[4]) for lf in leaves],
            "points": [lf[2] for lf in leaves], "cases": [lf[3] for lf in leaves],
            "chosen": False,
        }
    )  # fmt: skip
    order = traj.sort_values(["density", "coverage"], ascending=False, kind="stable").index
    picked = [i for i in order if traj.loc[i, "density"] >= opts.density][: opts.max_boxes]
    if not picked:
        picked = [int(order[0])]
    boxes = []
    for number, i in enumerate(picked, start=1):
        _, lims, n, k, _ = leaves[i]
        restricted = [
            c for c in x.columns
            if float(lims.loc[0, c]) > float(init.loc["min", c])
            or float(lims.loc[1, c]) < float(init.loc["max", c])
        ]  # fmt: skip
        limits = pd.DataFrame(
            {
                "low": [max(float(lims.loc[0, c]), float(init.loc["min", c])) for c in restricted],
                "high": [min(float(lims.loc[1, c]), float(init.loc["max", c])) for c in restricted],
                "qp_low": np.nan, "qp_high": np.nan,
                "reproduce_coverage": np.nan, "reproduce_density": np.nan,
            },
            index=restricted,
        )  # fmt: skip
        boxes.append(Box(number, limits, k / total, k / n if n else 0.0, n / len(x), n, k))
        traj.loc[i, "chosen"] = True
        traj.loc[i, "box"] = number
    return traj, boxes


# --------------------------------------------------------------------------- driver


def discover(folder: Path, opts: DiscoverOptions) -> Discovery:
    """Cases, trajectory and boxes for one sweep folder (no file written)."""
    if not 0 < opts.case_share <= 1:
        raise UserError(f"must be in (0, 1] (got {opts.case_share})", field="--case-share")
    if not 0 < opts.density <= 1:
        raise UserError(f"must be in (0, 1] (got {opts.density})", field="--density")
    if not 0 < opts.mass_min < 0.5:
        raise UserError(f"must be in (0, 0.5) (got {opts.mass_min})", field="--mass-min")
    if opts.max_boxes < 1:
        raise UserError(f"must be at least 1 (got {opts.max_boxes})", field="--max-boxes")
    if not math.isfinite(opts.threshold):
        raise UserError("the threshold must be a finite number", field=f"--{opts.direction}")
    exp, samples, results = read_sweep(folder)
    label = resolve_output(exp, opts.output)
    if label not in results.columns:
        raise UserError(f"column {label} missing", file=str(Path(folder) / "results.csv"))
    cases = case_table(exp, samples, results, label, opts)
    names = [f.label for f in exp.factors]
    n_cases = int(cases["case"].sum())
    values = results[label].to_numpy(float)
    spread = f"the output ranges {np.nanmin(values):.4g} to {np.nanmax(values):.4g}"
    if n_cases == 0 or n_cases == len(cases):
        what = "no" if n_cases == 0 else "every"
        raise UserError(
            f"{what} design point is a case ({label} {opts.direction} {opts.threshold:g} in at "
            f"least {opts.case_share:g} of its replicates); {spread}: choose a threshold "
            "inside that range", field=f"--{opts.direction}",
        )  # fmt: skip
    x = cases[names].copy()
    for f in exp.factors:
        x[f.label] = x[f.label].astype(np.int64 if f.is_int else float)
    y = cases["case"].to_numpy(bool)
    run = _prim if opts.method == "prim" else _cart
    trajectory, boxes = run(x, y, opts)
    ranges = {f.label: (float(f.bounds[0]), float(f.bounds[1])) for f in exp.factors}
    paths = {f.label: f.path for f in exp.factors}
    notes = []
    if int(results.groupby("point").size().min()) < 3:
        notes.append(
            "fewer than 3 replicates per point: the case probabilities are coarse "
            "(their Wilson intervals are in cases.csv)"
        )
    return Discovery(opts, exp, label, cases, trajectory, boxes, ranges, paths, notes)


def boxes_frame(d: Discovery) -> pd.DataFrame:
    rows = []
    for b in d.boxes:
        for dim, lim in b.limits.iterrows():
            lo, hi = d.ranges[str(dim)]
            rows.append({
                "box": b.number, "method": d.options.method, "dimension": dim,
                "path": d.paths[str(dim)], "low": lim["low"], "high": lim["high"],
                "sweep_low": lo, "sweep_high": hi, "midpoint": _midpoint(d, str(dim), lim),
                "qp_low": lim["qp_low"], "qp_high": lim["qp_high"],
                "reproduce_coverage": lim["reproduce_coverage"],
                "reproduce_density": lim["reproduce_density"], "coverage": b.coverage,
                "density": b.density, "mass": b.mass, "res_dim": len(b.limits),
                "points": b.points, "cases": b.cases,
            })  # fmt: skip
        if b.limits.empty:  # an unrestricted box still gets a row
            rows.append({"box": b.number, "method": d.options.method, "dimension": "",
                         "coverage": b.coverage, "density": b.density, "mass": b.mass,
                         "res_dim": 0, "points": b.points, "cases": b.cases})  # fmt: skip
    return pd.DataFrame(rows, columns=BOX_COLUMNS)


def _midpoint(d: Discovery, dim: str, lim: pd.Series) -> float | int:
    mid = (float(lim["low"]) + float(lim["high"])) / 2
    factor = next(f for f in d.experiment.factors if f.label == dim)
    return round(mid) if factor.is_int else float(mid)


def _nest(path: str, value: Any, into: dict[str, Any]) -> None:
    node = into
    steps = path.split(".")
    for s in steps[:-1]:
        node = node.setdefault(s, {})
    node[steps[-1]] = value


def box_overlay(d: Discovery, box: Box, base_name: str) -> str:
    """A scenario file that extends the sweep's base and sits in the middle of the box."""
    o = d.options
    head = [
        f"# Box {box.number} of {o.method.upper()} scenario discovery on sweep "
        f"'{d.experiment.name}'",
        f"# case of interest: {d.output_label} {o.direction} {o.threshold:g} in at least "
        f"{o.case_share:g} of a point's replicates",
        f"# coverage {box.coverage:.3f}, density {box.density:.3f}, mass {box.mass:.3f} "
        f"({box.cases} cases among {box.points} points in the box)",
        "# Restricted parameters: box range [low, high] of the sweep range; the value set",
        "# below is the box's midpoint. Factors the box leaves free keep the base's value.",
    ]
    body: dict[str, Any] = {}
    for dim, lim in box.limits.iterrows():
        path = d.paths[str(dim)]
        lo, hi = d.ranges[str(dim)]
        qp = ", ".join(
            f"qp {side} {lim[f'qp_{side}']:.3g}"
            for side in ("low", "high")
            if np.isfinite(lim[f"qp_{side}"])
        )
        head.append(
            f"#   {path}: [{lim['low']:.6g}, {lim['high']:.6g}] of [{lo:.6g}, {hi:.6g}]"
            + (f"; {qp}" if qp else "")
        )
        _nest(path, _midpoint(d, str(dim), lim), body)
    if box.limits.empty:
        head.append("#   (none: the box is the whole sweep range)")
    doc = {
        "extends": base_name,
        "name": f"{d.experiment.name}_box_{box.number}"[:80],
        "description": (
            f"Middle of box {box.number} ({o.method}) where {d.output_label} is "
            f"{o.direction} {o.threshold:g}"
        ),
        **body,
    }
    return "\n".join(head) + "\n" + dump_yaml(doc)


def write_discovery(
    folder: Path, d: Discovery, out: Path | OutputDir, *, force: bool = False
) -> Path:
    """Write every file into ``out`` atomically (a staging folder renamed when complete).

    ``out`` is a folder path (checked now by the shared guard, :func:`sim.io.prepare_output_dir`:
    an existing one is replaced only with ``force`` and only when it is an earlier discovery)
    or an :class:`~sim.io.OutputDir` the caller checked before the work.
    """
    from sim.experiments.discover_report import render
    from sim.scenario import load

    target = (
        out
        if isinstance(out, OutputDir)
        else staged_directory(Path(out), kind="discovery", force=force)
    )
    base_text = (Path(folder) / BASE_COPY).read_text(encoding="utf-8")
    with target as stage:
        write_text_atomic(stage / BASE_COPY, base_text)
        write_csv_atomic(stage / "cases.csv", d.cases)
        write_csv_atomic(stage / "trajectory.csv", d.trajectory[TRAJECTORY_COLUMNS])
        write_csv_atomic(stage / "boxes.csv", boxes_frame(d))
        for b in d.boxes:
            path = stage / f"box_{b.number}.yaml"
            write_text_atomic(path, box_overlay(d, b, BASE_COPY))
            load(path)  # must validate, or nothing is written
        meta = {
            "sweep": str(Path(folder).name), "experiment": d.experiment.name,
            "output": d.output_label, "direction": d.options.direction,
            "threshold": d.options.threshold, "method": d.options.method,
            "case_share": d.options.case_share, "density": d.options.density,
            "mass_min": d.options.mass_min, "points": len(d.cases),
            "cases": int(d.cases["case"].sum()), "boxes": len(d.boxes), "warnings": d.warnings,
        }  # fmt: skip
        write_text_atomic(stage / "discovery.json", json.dumps(meta, indent=2) + "\n")
        write_text_atomic(stage / "discovery.html", render(d))
    return target.final
