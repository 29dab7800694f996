"""``ecosim optimize``: many-objective robust policy search over lever settings."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from sim.cli.options import (
    add_out_option,
    add_parallel_options,
    add_set_option,
    check_parallel_options,
    runs_progress,
    show_notes,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "optimize", help="robust many-objective search over lever settings (NSGA-II/III)",
        description="Search the spec's decision variables (lever strengths, start years, "
        "ramps, funding-mix shares) with pymoo, each candidate run with common random numbers "
        "over replicates (and posterior members with --ensemble); write pareto.csv, "
        "convergence.csv, evaluations.csv, optimize.html and each Pareto policy as "
        "policy_N.yaml. Checkpointed per generation; --resume finishes an interrupted search.",
    )  # fmt: skip
    p.add_argument("spec", type=Path, help="optimisation spec YAML file")
    add_out_option(p, "optimizations/<name>")
    add_parallel_options(p, scheduler=False)
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted search in --out from its last generation",
    )
    p.add_argument(
        "--ensemble",
        metavar="CALIB_DIR",
        help="calibration folder (or shipped name): evaluate over posterior members",
    )
    add_set_option(p, help="override a spec field, e.g. generations=2 or population=8 "
                   "(repeatable)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=main)  # fmt: skip


def main(args: argparse.Namespace) -> int:
    from sim.experiments.optimize import optimize

    check_parallel_options(args)
    console = Console(stderr=True)
    bar, start = runs_progress(console, args.quiet)
    try:
        result = optimize(
            args.spec, args.out, overrides=args.overrides, workers=args.workers,
            executor=args.executor, resume=args.resume, ensemble=args.ensemble, progress=start,
            force=args.force, notes=lambda n: show_notes(console, n),
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.stop()
    m = result.meta
    console.print(
        f"{m['candidates']} candidates over {m['generations_done']} generations; "
        f"{m['pareto_policies']} Pareto policies; this session {m['last_session_seconds']:.1f} s "
        f"with {m['workers']} worker(s)", highlight=False,
    )  # fmt: skip
    print(str(result.folder), file=sys.stdout)
    return 0
