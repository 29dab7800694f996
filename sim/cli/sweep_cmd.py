"""``ecosim sweep`` and ``ecosim analyze``: sensitivity sweeps and their analysis."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from sim.cli.options import (
    add_out_option,
    add_parallel_options,
    check_parallel_options,
    runs_progress,
    show_notes,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep", help="sensitivity sweep of an experiment file (Morris, Sobol, FAST)",
        description="Sample the experiment's factors with SALib, run every design point "
        "(replicated) in parallel, save each run as it finishes, then write samples.csv, "
        "results.csv, sensitivity.csv, noise.csv and sensitivity.html.",
    )  # fmt: skip
    p.add_argument("experiment", type=Path, help="experiment YAML file")
    add_out_option(p, "sweeps/<name>")
    add_parallel_options(p)
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted sweep in --out: run only the missing runs",
    )
    from sim.experiments.ensemble import add_ensemble_options

    add_ensemble_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=main)  # fmt: skip

    a = sub.add_parser(
        "analyze", help="recompute a sweep's indices and report from its saved runs",
        description="Re-run the sensitivity analysis of a finished sweep folder.",
    )  # fmt: skip
    a.add_argument("sweep_dir", type=Path, help="sweep folder written by ecosim sweep")
    a.set_defaults(func=analyze_main)


def main(args: argparse.Namespace) -> int:
    from sim.experiments.ensemble import ensemble_from_args
    from sim.experiments.sweep import sweep

    ensemble = ensemble_from_args(args)
    check_parallel_options(args)
    console = Console(stderr=True)
    bar, start = runs_progress(console, args.quiet)
    try:
        out, analysis, meta = sweep(
            args.experiment, args.out, workers=args.workers, resume=args.resume,
            executor=args.executor, scheduler=args.scheduler, progress=start,
            ensemble=ensemble, force=args.force, notes=lambda n: show_notes(console, n),
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.stop()
    _summary(console, out, analysis, meta)
    return 0


def analyze_main(args: argparse.Namespace) -> int:
    from sim.experiments.sweep import analyze_dir

    analysis = analyze_dir(args.sweep_dir)
    _summary(Console(stderr=True), args.sweep_dir, analysis, None)
    return 0


def _summary(console: Console, out: Path, analysis, meta: dict | None) -> None:
    for w in analysis.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    if meta:
        console.print(
            f"{meta['runs']} runs ({meta['points']} points x {meta['replications']}); this "
            f"session ran {meta['last_session_runs']} in {meta['last_session_seconds']:.1f} s "
            f"with {meta['workers']} worker(s)", highlight=False,
        )  # fmt: skip
    print(str(out), file=sys.stdout)
