"""``ecosim calibrate``: history matching in waves, then a posterior ensemble."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sim.cli.options import add_out_option, add_parallel_options, show_notes
from sim.errors import UserError


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


def _progress(console: Console, quiet: bool) -> tuple[Progress | None, Callable]:
    if quiet:
        return None, lambda label, total, done: None
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("runs"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=console,
    )  # fmt: skip

    def start(label: str, total: int, done: int) -> Callable[[], None]:
        task = bar.add_task(label, total=total, completed=done)
        bar.start()
        return lambda: bar.advance(task)

    return bar, start


def main(args: argparse.Namespace) -> int:
    from sim.calibration import calibrate

    if args.workers < 1:
        raise UserError(f"--workers must be at least 1 (got {args.workers})", field="--workers")
    if args.scheduler and args.executor != "dask":
        raise UserError("--scheduler needs --executor dask", field="--scheduler")
    console = Console(stderr=True)
    bar, start = _progress(console, args.quiet)
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
