"""Does a shipped posterior still fit the current model? Re-simulate its members and compare.

A calibration folder holds the accepted posterior members and the predictive intervals and
coverage of *their* runs. After a change to the model that should leave its law unchanged (a
cheaper sampler, a new random stream), the posterior stays valid exactly when fresh runs of the
same members give the same predictive distribution. This module re-runs every member with new
seeds (a stage key no calibration uses) at the posterior's scale and writes the coverage and the
per-target medians next to the shipped ones:

    python -m sim.calibration.recheck experiments/calibration/zgc --out recheck_zgc.json

Fresh seeds make the comparison fair to the shipped figures only approximately: the shipped
members were accepted on their own runs (ABC rejection), so fresh runs of the *same* code fit a
little worse. Run the recheck on the code before and after a change, and compare the two.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.history import META, SPEC_COPY, run_seed, setup
from sim.calibration.outputs import coverage, predictive, with_errors
from sim.calibration.spec import load_spec
from sim.calibration.targets import all_outputs
from sim.errors import UserError
from sim.experiments.sweep.execute import Task, execute
from sim.io import write_json_atomic

#: the stage key of recheck runs (calibration stages use 1.. and 999)
RECHECK_STAGE = 4242


def recheck(
    folder: Path,
    spec_path: Path | None = None,
    *,
    replicates: int = 1,
    workers: int = 1,
    members: int | None = None,
) -> dict[str, Any]:
    """Re-run the posterior of ``folder`` (its first ``members`` only, if given); return the
    shipped and the fresh coverage and medians."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
        posterior = pd.read_csv(folder / "posterior.csv")
        shipped_pred = pd.read_csv(folder / "predictive.csv")
        shipped_cov = pd.read_csv(folder / "coverage.csv")
    except (OSError, ValueError) as exc:
        raise UserError(f"not a finished calibration folder: {exc}", file=str(folder)) from None
    spec_path = spec_path or Path("experiments") / str(meta["spec_file"])
    s = setup(spec_path)
    try:
        _check_same_calibration(s, folder, posterior, shipped_pred, spec_path)
        values = posterior[s.paths].to_numpy(float)[:members]
    except (KeyError, ValueError) as exc:  # a column missing or not numbers
        raise UserError(
            f"posterior.csv or predictive.csv is malformed: {exc}", file=str(folder)
        ) from None
    scale = s.spec.posterior_scale
    outputs = all_outputs(s.targets)
    tasks = []
    for p in range(len(values)):
        config = s.scenario_at(values[p], scale).to_run_config()
        for r in range(replicates):
            seed = run_seed(s.spec, RECHECK_STAGE, p, r)
            tasks.append(Task(p, r, seed, config, outputs))
    raw = np.full((len(values), replicates, len(s.targets)), np.nan)
    done = 0

    def on_result(result: dict[str, Any]) -> None:
        nonlocal done
        done += 1
        if result.get("outputs") is not None:
            outs = result["outputs"]
            raw[result["point"], result["rep"], :] = [t.value(outs) for t in s.targets]
        print(f"\r  run {done}/{len(tasks)}", end="", file=sys.stderr, flush=True)

    execute(tasks, on_result, workers=workers)
    print(file=sys.stderr)
    flat = raw.reshape(-1, len(s.targets))
    pred = predictive(s.targets, flat)
    cov = pd.concat(
        [
            coverage(s.targets, pred, "ensemble"),
            coverage(s.targets, with_errors(s.targets, flat, s.spec.seed), "with_errors"),
        ],
        ignore_index=True,
    )
    rows = []
    for j, t in enumerate(s.targets):
        old = shipped_pred.iloc[j]
        new = pred.iloc[j]
        width = float(old["q95"] - old["q05"])
        shift = float(new["median"] - old["median"])
        rows.append(
            {
                "target": f"{t.indicator} {t.year} {t.kind}",
                "shipped_median": float(old["median"]),
                "fresh_median": float(new["median"]),
                "shift_in_shipped_90_width": shift / width if width > 0 else math.nan,
            }
        )
    return {
        "folder": folder.name,
        "scale": scale,
        "members": len(values),
        "replicates": replicates,
        "failed_runs": int(np.isnan(flat).all(axis=1).sum()),
        "shipped_coverage": shipped_cov.to_dict(orient="records"),
        "fresh_coverage": cov.to_dict(orient="records"),
        "targets": rows,
    }


def _check_same_calibration(
    s: Any, folder: Path, posterior: pd.DataFrame, pred: pd.DataFrame, spec_path: Path
) -> None:
    """The spec must be the one the posterior was made with: the same resolved spec as the
    folder's copy when it has one (a full calibration folder), otherwise (the small files
    shipped under ``experiments/calibration/``) the same parameters and target rows."""
    if (folder / SPEC_COPY).exists():
        shipped, _ = load_spec(folder / SPEC_COPY)  # the copy the calibration ran
        same = s.spec.model_dump() == shipped.model_dump()  # (comments may differ)
    else:
        rows = [(t.indicator, int(t.year), t.kind) for t in s.targets]
        shipped_rows = list(
            zip(pred["indicator"], pred["year"].astype(int), pred["kind"], strict=True)
        )
        same = list(posterior.columns[2:]) == s.paths and rows == shipped_rows
    if not same:
        raise UserError(
            "this spec differs from the one the calibration was made with (its parameters, "
            "targets or settings)",
            file=str(spec_path),
        )


def _check_args(args: argparse.Namespace) -> None:
    """Refuse, before any run, what would fail or overwrite at the end: counts below one, an
    output that is a folder, an existing file without ``--force``, a missing parent folder."""
    for name in ("replicates", "workers", "members"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name} must be at least 1, not {value}", field=f"--{name}")
    out: Path = args.out
    if out.is_dir():
        raise UserError("--out must be a file name, not a folder", file=str(out), field="--out")
    if out.exists() and not args.force:
        raise UserError(
            "the output file exists; choose another name or pass --force to replace it",
            file=str(out),
            field="--out",
        )
    if not out.parent.is_dir():
        raise UserError("the output's folder does not exist", file=str(out), field="--out")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "folder", type=Path, help="a calibration folder, e.g. experiments/calibration/zgc"
    )
    ap.add_argument("--spec", type=Path, default=None, help="its spec (default: experiments/)")
    ap.add_argument("--out", type=Path, required=True, help="JSON file to write")
    ap.add_argument("--replicates", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--members", type=int, default=None, help="only the first N members")
    ap.add_argument("--force", action="store_true", help="replace an existing --out file")
    args = ap.parse_args(argv)
    try:
        _check_args(args)
        report = recheck(
            args.folder,
            args.spec,
            replicates=args.replicates,
            workers=args.workers,
            members=args.members,
        )
    except UserError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    write_json_atomic(args.out, report)
    both = (("shipped", report["shipped_coverage"]), ("fresh", report["fresh_coverage"]))
    for label, rows in both:
        for r in rows:
            if r["split"] == "all":
                print(
                    f"{label:8s} {r['rows']:12s} inside50 {r['inside50']:.3f} "
                    f"inside90 {r['inside90']:.3f} median_ratio {r['median_ratio']:.3f}"
                )
    shifts = np.array([r["shift_in_shipped_90_width"] for r in report["targets"]], float)
    shifts = shifts[np.isfinite(shifts)]
    if shifts.size:
        print(
            f"median shifts in units of the shipped 90% width: mean |shift| "
            f"{np.abs(shifts).mean():.3f}, max {np.abs(shifts).max():.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
