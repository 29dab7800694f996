"""``ecosim calibrate``: history matching in waves, then a posterior ensemble."""

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
        "calibrate", help="calibrate a scenario to the observed targets (history matching + ABC)",
        description="Run the waves of a calibration spec (emulators and implausibility), then "
        "draw a posterior ensemble by ABC rejection on the simulator; writes waves.csv, "
        "runs.parquet, posterior.csv, predictive.csv, identifiability.csv and calibration.html.",
    )  # fmt: skip
    p.add_argument("spec", type=Path, help="calibration spec YAML")
    add_out_option(p, "calibrations/<name>")
    add_parallel_options(p)
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted calibration in --out (same spec only)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=main)  # fmt: skip


def main(args: argparse.Namespace) -> int:
    from sim.calibration import calibrate

    check_parallel_options(args)
    console = Console(stderr=True)
    bar, start = runs_progress(console, args.quiet)
    try:
        res = calibrate(
            args.spec, args.out, workers=args.workers, executor=args.executor,
            scheduler=args.scheduler, resume=args.resume, progress=start,
            force=args.force, notes=lambda n: show_notes(console, n),
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.stop()
    post = res.meta.get("posterior", {})
    secs = res.meta.get("session_seconds_by_stage", {})
    for r in res.waves.itertuples(index=False):
        console.print(
            f"wave {r.wave}: {r.runs} runs at scale {r.scale:g} ({r.failed} failed), "
            f"non-implausible share {r.nonimplausible_share:.3g}, "
            f"{secs.get(f'wave-{r.wave}', 0):.0f} s this session",
            highlight=False,
        )
    console.print(
        f"posterior: {post.get('members')} members of {post.get('candidates')} candidates "
        f"(tolerance {post.get('tolerance'):.3g}"
        + (", widened beyond the cut-off" if post.get("tolerance_widened") else "") + ")",
        highlight=False,
    )  # fmt: skip
    cov = res.coverage
    for r in cov.itertuples(index=False):
        console.print(f"coverage {r.rows} ({r.split}, {r.n} rows): {r.inside90:.0%} inside 90 %, "
                      f"{r.inside50:.0%} inside 50 %", highlight=False)  # fmt: skip
    print(str(res.folder), file=sys.stdout)
    return 0
