"""``ecosim bench``: speed of the model against Mesa's Boltzmann example, in one call.

Rows: the scenario at its default scale (with Mesa's example at the same agent count), the
full population (scale 1.0, in a fresh process, with its peak memory) and scale 0.01
(median of a few runs, with the runs per hour per core it allows). ``--json`` prints one JSON
object on stdout (progress goes to stderr); ``--record FILE`` appends a row to a history CSV
such as ``benchmarks/history.csv``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.errors import UserError
from sim.experiments.bench import (
    BenchReport,
    append_history,
    history_problem,
    history_row,
    machine_text,
    run_bench,
)
from sim.io import git_commit
from sim.scenario import load

DEFAULT_SCENARIO = Path("scenarios/zgc_baseline.yaml")

#: the issue's targets, shown next to the measured figures
TARGET_RATIO = 50.0
TARGET_FULL_SECONDS = 10.0
TARGET_SMALL_SECONDS = 0.3
TARGET_PEAK_RSS_MB = 1024.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time the baseline against Mesa's Boltzmann example")
    p.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        default=DEFAULT_SCENARIO,
        help="scenario to time (default: the Zhongguancun baseline)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    p.add_argument("--boltzmann-steps", type=int, default=20, help="steps of Mesa's example")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument(
        "--record",
        type=Path,
        default=None,
        metavar="CSV",
        help="append the figures to a history file (e.g. benchmarks/history.csv)",
    )
    p.add_argument("--note", default="", help="note for the --record row")
    p.add_argument(
        "--scale", type=float, default=None, help="default-scale row (default: the scenario's)"
    )
    p.add_argument("--full-scale", type=float, default=1.0, help="full-population row (1.0)")
    p.add_argument("--small-scale", type=float, default=0.01, help="small-run row (0.01)")
    p.add_argument(
        "--end-year", type=int, default=None, help="last simulated year (default: the scenario's)"
    )
    p.add_argument(
        "--small-repeats", type=int, default=5, help="small runs timed (their median is shown)"
    )
    p.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="default-scale runs timed (the median one is shown and gives the ratio)",
    )
    p.set_defaults(func=main)


#: steps of Mesa's example a bench may ask for (it grows linearly with them)
MAX_BOLTZMANN_STEPS = 10_000
MAX_SMALL_REPEATS = 1_000
MAX_REPEATS = 100


def _check_args(args: argparse.Namespace) -> None:
    if not 1 <= args.boltzmann_steps <= MAX_BOLTZMANN_STEPS:
        raise UserError(
            f"--boltzmann-steps must be from 1 to {MAX_BOLTZMANN_STEPS}, "
            f"got {args.boltzmann_steps}",
            field="--boltzmann-steps",
        )
    if not 1 <= args.small_repeats <= MAX_SMALL_REPEATS:
        raise UserError(
            f"--small-repeats must be from 1 to {MAX_SMALL_REPEATS}, got {args.small_repeats}",
            field="--small-repeats",
        )
    if not 1 <= args.repeats <= MAX_REPEATS:
        raise UserError(
            f"--repeats must be from 1 to {MAX_REPEATS}, got {args.repeats}", field="--repeats"
        )
    for flag in ("scale", "full_scale", "small_scale"):
        value = getattr(args, flag)
        if value is not None and not 0 < value <= 1:
            name = "--" + flag.replace("_", "-")
            raise UserError(f"{name} must be in (0, 1], got {value:g}", field=name)
    if args.record is not None:
        problem = history_problem(args.record)
        if problem:
            raise UserError(problem, file=str(args.record), field="--record")


HISTORY_EXCLUDE = ":(top,exclude)benchmarks/history.csv"


def _commit() -> str | None:
    """The source tree's commit, marked ``+dirty`` when tracked files are modified."""
    commit = git_commit()
    if commit is None:
        return None
    return commit[:12] + ("+dirty" if is_dirty(Path(__file__).resolve().parent) else "")


def is_dirty(where: Path) -> bool:
    """Whether tracked files of the repository holding ``where`` are modified, the benchmark
    history itself left out (recording a row must not mark the next row dirty)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":/", HISTORY_EXCLUDE],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out)


def main(args: argparse.Namespace) -> int:
    _check_args(args)
    overrides = [] if args.end_year is None else [f"end_year={args.end_year}"]
    scenario, _ = load(args.scenario, overrides)
    seed = scenario.seed if args.seed is None else args.seed
    config = scenario.to_run_config()
    if args.scale is not None:
        config = config.model_copy(update={"scale": args.scale})
    console = Console(stderr=args.json)
    report = run_bench(
        config,
        seed,
        scenario=scenario.name,
        full_scale=args.full_scale,
        small_scale=args.small_scale,
        small_repeats=args.small_repeats,
        repeats=args.repeats,
        boltzmann_steps=args.boltzmann_steps,
        progress=console.print,
    )
    if args.record is not None:
        append_history(args.record, history_row(report, _commit(), args.note))
        console.print(f"recorded in {args.record}")
    if args.json:
        print(json.dumps(report.to_json()))
        sys.stdout.flush()
    else:
        _print_table(console, report)
    return 0


def _print_table(console: Console, report: BenchReport) -> None:
    table = Table(title="ecosim bench (seconds: one simulate() call, construction included)")
    for col in (
        "run",
        "scale",
        "wall s",
        "build s",
        "step s",
        "agents",
        "steps",
        "agent-steps/s",
    ):
        table.add_column(col, justify="right" if col != "run" else "left")
    for r in report.rows():
        table.add_row(
            r.label,
            f"{r.scale:g}",
            f"{r.wall_seconds:.2f}",
            f"{r.build_seconds:.2f}",
            f"{r.run_seconds:.2f}",
            f"{r.agents:,}",
            str(r.steps),
            f"{r.rate:,.0f}",
        )
    console.print(table)
    small = report.small_runs[0].scale
    console.print(
        f"ecosim / Mesa example agent-steps per second at the default scale: "
        f"{report.ratio:.1f}x (target {TARGET_RATIO:g}x)\n"
        f"full population: {report.full.wall_seconds:.2f} s (target {TARGET_FULL_SECONDS:g} s), "
        f"peak memory {report.peak_rss_mb:,.0f} MB (target {TARGET_PEAK_RSS_MB:,.0f} MB)\n"
        f"scale {small:g}: {report.small_seconds:.3f} s, median of {len(report.small_runs)} "
        f"(target {TARGET_SMALL_SECONDS:g} s), {report.runs_per_hour_per_core:,.0f} runs per "
        f"hour per core\n"
        f"machine: {machine_text(report.machine)}"
    )
