"""Distribution check: does a change leave the model's indicators the same *in distribution*?

A speed-up that keeps numpy's arithmetic and the order of the random draws keeps outputs
byte-identical (``tools/outputs-identical``). One that changes the random stream (drawing a
Poisson total and scattering it instead of one draw per agent) or the order of floating-point
operations cannot; issue 16 asks that such a change show the indicators' means unchanged within
their standard errors over 20 seeds. This module makes that check repeatable:

    python -m sim.experiments.distcheck build REF.json [--seeds 20 --scale 0.02]   # before
    python -m sim.experiments.distcheck check REF.json                              # after

``build`` runs the scenario on seeds 1..N and stores, per indicator, the mean and standard error
over seeds of two summaries of each run: its average over the years and its last year's value.
``check`` runs the same seeds with the current code and computes, per summary,
``z = (mean_now - mean_ref) / sqrt(se_now**2 + se_ref**2)``. It fails when any ``|z|`` exceeds
``z_max`` (4.5 by default: with about 140 nearly independent comparisons and 20 + 20 runs,
a false alarm has a probability of about 1%), or when more than 12% of them exceed 2 (5% are
expected by chance); summaries that are constant across seeds must match to 1e-9 relative.
A shift of a mean by about 1.4 standard deviations of the run-to-run spread is caught.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.simulate import simulate

Z_MAX = 4.5
SHARE_OVER_2 = 0.12


def _summaries(records: list[dict[str, float]]) -> dict[str, float]:
    """Per indicator: the mean over the years and the last year's value (NaN-aware)."""
    out: dict[str, float] = {}
    names = [k for k in records[0] if k != "year"]
    for name in names:
        vals = np.array([float(r.get(name, math.nan)) for r in records], np.float64)
        finite = vals[np.isfinite(vals)]
        out[f"{name}|mean"] = float(finite.mean()) if finite.size else math.nan
        out[f"{name}|last"] = float(vals[-1])
    return out


def sample(
    scenario: str,
    seeds: int,
    scale: float,
    end_year: int | None = None,
    first_seed: int = 1,
    overrides: list[str] | None = None,
) -> dict[str, Any]:
    """Run ``scenario`` on ``seeds`` seeds from ``first_seed``; return per-summary means and SEs."""
    from ecosim import load_scenario

    sc = load_scenario(scenario)
    if overrides:
        sc = sc.with_overrides(overrides)
    cfg = sc.to_run_config().model_copy(update={"scale": scale})
    if end_year is not None:
        cfg = cfg.model_copy(update={"end_year": end_year})
    runs = []
    for i, seed in enumerate(range(first_seed, first_seed + seeds), 1):
        runs.append(_summaries(simulate(cfg, seed).records))
        print(f"  run {i}/{seeds}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    stats: dict[str, dict[str, float]] = {}
    for key in runs[0]:
        vals = np.array([r[key] for r in runs], np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size < 2:
            continue
        stats[key] = {
            "mean": float(vals.mean()),
            "se": float(vals.std(ddof=1) / math.sqrt(vals.size)),
            "n": int(vals.size),
        }
    return {
        "scenario": scenario,
        "seeds": seeds,
        "first_seed": first_seed,
        "scale": scale,
        "end_year": cfg.end_year,
        "stats": stats,
    }


@dataclass
class Comparison:
    key: str
    ref_mean: float
    now_mean: float
    z: float


def compare(ref: dict[str, Any], now: dict[str, Any]) -> tuple[list[Comparison], list[str]]:
    """z-scores of every summary both samples have; problems that fail the check outright."""
    problems: list[str] = []
    rows: list[Comparison] = []
    for key, r in ref["stats"].items():
        n = now["stats"].get(key)
        if n is None:
            problems.append(f"{key}: missing from the new sample")
            continue
        se = math.hypot(r["se"], n["se"])
        if se == 0.0:
            scale = max(abs(r["mean"]), abs(n["mean"]), 1e-300)
            if abs(r["mean"] - n["mean"]) > 1e-9 * scale:
                problems.append(f"{key}: constant {r['mean']!r} before, {n['mean']!r} now")
            continue
        rows.append(Comparison(key, r["mean"], n["mean"], (n["mean"] - r["mean"]) / se))
    return rows, problems


def verdict(
    rows: list[Comparison], problems: list[str], z_max: float = Z_MAX
) -> tuple[bool, list[str]]:
    """Whether the new sample passes, with the lines that explain why (or why not)."""
    lines = list(problems)
    big = [c for c in rows if abs(c.z) > z_max]
    over2 = sum(abs(c.z) > 2 for c in rows)
    share = over2 / max(len(rows), 1)
    for c in sorted(big, key=lambda c: -abs(c.z)):
        lines.append(f"{c.key}: mean {c.ref_mean:.6g} -> {c.now_mean:.6g} (z = {c.z:+.2f})")
    if share > SHARE_OVER_2:
        lines.append(f"{over2} of {len(rows)} summaries have |z| > 2 ({share:.0%}; 5% expected)")
    ok = not problems and not big and share <= SHARE_OVER_2
    worst = max(rows, key=lambda c: abs(c.z), default=None)
    summary = f"{len(rows)} summaries compared; |z| > 2: {over2} ({share:.1%}); " + (
        f"largest |z| {abs(worst.z):.2f} ({worst.key})" if worst else "none"
    )
    return ok, [summary, *lines]


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.experiments.distcheck", description=__doc__)
    sub = ap.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("build", help="sample the current code into a reference file")
    b.add_argument("ref", type=Path)
    b.add_argument("--scenario", default="zgc_baseline")
    b.add_argument("--seeds", type=int, default=20)
    b.add_argument("--scale", type=float, default=0.02)
    b.add_argument("--end-year", type=int, default=None)
    b.add_argument("--first-seed", type=int, default=1)
    b.add_argument("--force", action="store_true", help="replace an earlier reference sample")
    c = sub.add_parser("check", help="sample the current code and compare with a reference")
    c.add_argument("ref", type=Path)
    c.add_argument("--z-max", type=float, default=Z_MAX)
    c.add_argument(
        "--first-seed", type=int, default=None, help="other seeds than the reference's (null test)"
    )
    c.add_argument(
        "--scenario", default=None, help="another scenario than the reference's (power test)"
    )
    c.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override (power test)"
    )
    args = ap.parse_args(argv)
    try:
        return _build(args) if args.mode == "build" else _check(args)
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2


def _build(args: argparse.Namespace) -> int:
    if args.seeds < 2:
        raise UserError(f"--seeds must be at least 2, got {args.seeds}", field="--seeds")
    if not 0 < args.scale <= 1:
        raise UserError(f"--scale must be in (0, 1], got {args.scale:g}", field="--scale")
    if args.ref.exists():
        if args.ref.is_dir():
            raise UserError("is a folder; give a file name for the reference", file=str(args.ref))
        read_reference(args.ref)  # only a reference sample may be replaced, never other data
        if not args.force:
            raise UserError(
                "a reference sample is already there; add --force to replace it",
                file=str(args.ref),
            )
    from sim.io import git_commit

    data = sample(args.scenario, args.seeds, args.scale, args.end_year, args.first_seed)
    try:
        _write_atomic(args.ref, {"built_from": git_commit(), **data})
    except OSError as exc:
        raise UserError(f"cannot write the reference sample ({exc})", file=str(args.ref)) from None
    print(f"wrote {args.ref}")
    return 0


def read_reference(path: Path) -> dict[str, Any]:
    """A reference sample written by ``build``, checked for the fields ``check`` needs."""
    try:
        ref = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read a reference sample ({exc})", file=str(path)) from None
    fields = {"scenario": str, "seeds": int, "scale": float, "stats": dict}
    for name, kind in fields.items():
        value = ref.get(name) if isinstance(ref, dict) else None
        if not isinstance(value, kind) and not (kind is float and isinstance(value, int)):
            raise UserError(
                f"not a reference sample written by distcheck build: {name} should be a "
                f"{kind.__name__}, got {type(value).__name__}",
                file=str(path),
                field=name,
            )
    return dict(ref)


def _check(args: argparse.Namespace) -> int:
    ref = read_reference(args.ref)
    first = ref.get("first_seed", 1) if args.first_seed is None else args.first_seed
    scenario = ref["scenario"] if args.scenario is None else args.scenario
    now = sample(scenario, ref["seeds"], ref["scale"], ref.get("end_year"), first, args.set)
    ok, lines = verdict(*compare(ref, now), z_max=args.z_max)
    print("\n".join(lines))
    print("same distribution" if ok else "DIFFERENT distribution")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
