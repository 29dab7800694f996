"""Options shared by several commands, declared once so they read the same everywhere."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sim.errors import UserError

#: replicates one command may ask for (the cap of experiment files)
MAX_REPLICATIONS = 1000

SET_HELP = "override a scenario field, e.g. levers.talent_reform.strength=0.8 (repeatable)"


def add_set_option(parser: argparse.ArgumentParser, help: str = SET_HELP) -> None:
    """``--set PATH=VALUE``: dotted-path overrides, validated like the file itself."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help=help
    )


def add_out_option(parser: argparse.ArgumentParser, default: str) -> None:
    """``--out DIR`` and ``--force``/``--overwrite``, shared by every command writing a folder.

    ``--out`` is kept as text (``Path("")`` would silently become the current folder); the
    checks themselves are :func:`sim.io.prepare_output_dir`'s.
    """
    parser.add_argument("--out", metavar="DIR", help=f"output folder (default {default})")
    parser.add_argument(
        "--force",
        "--overwrite",
        dest="force",
        action="store_true",
        help="replace --out if it is an earlier ecosim output folder of the same kind "
        "(any other existing folder is never replaced)",
    )


def add_parallel_options(parser: argparse.ArgumentParser, *, scheduler: bool = True) -> None:
    """``--workers``, ``--executor`` (and ``--scheduler``) of the commands that run many
    simulations; results never depend on them (seeds come from the design, not the worker)."""
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel workers (default: all cores); results do not depend on it",
    )
    parser.add_argument(
        "--executor",
        choices=["process", "dask"],
        default="process",
        help="local process pool (default) or a Dask "
        + ("distributed cluster" if scheduler else "local cluster"),
    )
    if scheduler:
        parser.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            help="Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)",
        )


def show_notes(console: Console, notes: list[str]) -> None:
    """Print what preparing an output folder noticed (leftovers of killed runs).

    Not wrapped (``soft_wrap``): a long path stays on one line, whole for copy and ``grep``.
    """
    for note in notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def check_counts(args: argparse.Namespace) -> None:
    """``--replications`` and ``--workers`` within their limits (shared with ``compare``)."""
    if not 1 <= args.replications <= MAX_REPLICATIONS:
        raise UserError(
            f"--replications must be from 1 to {MAX_REPLICATIONS}, got {args.replications}",
            field="--replications",
        )
    if args.workers < 1:
        raise UserError("--workers must be at least 1", field="--workers")


def check_parallel_options(args: argparse.Namespace) -> None:
    """``--workers`` at least 1, and ``--scheduler`` only with ``--executor dask``."""
    if args.workers < 1:
        raise UserError(f"--workers must be at least 1 (got {args.workers})", field="--workers")
    if getattr(args, "scheduler", None) and args.executor != "dask":
        raise UserError("--scheduler needs --executor dask", field="--scheduler")


def runs_progress(console: Console, quiet: bool) -> tuple[Progress | None, Callable]:
    """A progress bar of finished runs with elapsed time and ETA, and its ``start`` callback.

    ``start(total, done, label="runs")`` adds a task (one per call: a calibration starts one per
    wave) and returns the per-run tick; with ``quiet`` nothing is shown and no tick is made.
    """
    if quiet:
        return None, lambda total, done, label="runs": None
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("runs"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=console,
    )  # fmt: skip

    def start(total: int, done: int, label: str = "runs") -> Callable[[], None]:
        task = bar.add_task(label, total=total, completed=done)
        bar.start()
        return lambda: bar.advance(task)

    return bar, start
