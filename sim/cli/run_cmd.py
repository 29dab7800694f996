"""``ecosim run``: replicated runs of one scenario, written atomically to a run folder."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sim.cli.options import add_out_option, add_set_option, check_counts, show_notes
from sim.errors import UserError
from sim.experiments.ensemble import (
    add_ensemble_options,
    ensemble_from_args,
    ensemble_meta,
    member_overrides,
)
from sim.experiments.metadata import run_metadata
from sim.experiments.replicate import indicators_frame, replicate_seeds, run_pairs
from sim.indicator_info import unit_of
from sim.io import (
    prepare_output_dir,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from sim.run_tables import write_run_tables
from sim.scenario import Scenario, load
from sim.scenario.checks import check_levers_can_act, lever_warnings
from sim.scenario.loader import dump_yaml

#: the files of the report phase, named when a report cannot be written (disk full)
REPORT_FILES = (
    "zgc_index.csv",
    "zgc_index_replicates.csv",
    "sv_dashboard.csv",
    "fit.csv",
    "report.html",
)

#: indicators shown after a run, with the power of ten they are shown in (units come from
#: the indicator declarations)
SUMMARY = (
    ("employment", 1.0),
    ("revenue_total", 1e12),
    ("value_added_per_employee", 1.0),
    ("patents_granted", 1.0),
    ("new_tech_firms", 1.0),
    ("vc_investment_total", 1e9),
    ("unicorns", 1.0),
    ("foreign_employee_share", 1.0),
    ("firms_relocated_out", 1.0),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a scenario and write indicators, run.json and a report",
        description="Run a scenario (replicated) and write its outputs atomically.",
    )
    p.add_argument(
        "scenario", help="scenario YAML file, or the name of a shipped scenario (zgc_baseline)"
    )
    add_out_option(p, "runs/<name>-<timestamp>")
    p.add_argument("--seed", type=int, help="root seed (default: the scenario's seed)")
    p.add_argument("--replications", type=int, default=1, help="replicates (default 1)")
    p.add_argument("--scale", type=float, help="fraction of the real population simulated")
    p.add_argument("--end-year", type=int, help="last simulated year")
    add_set_option(p)
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes for replicates (results do not depend on it)",
    )
    add_ensemble_options(p)
    p.add_argument("--no-report", action="store_true", help="skip the index, fit and report files")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=main)


def cli_overrides(args: argparse.Namespace) -> list[str]:
    """Turn the convenience flags into overrides, so they are validated like the file."""
    extra = []
    if args.seed is not None:
        extra.append(f"seed={args.seed}")
    if args.scale is not None:
        extra.append(f"scale={args.scale}")
    if getattr(args, "end_year", None) is not None:
        extra.append(f"end_year={args.end_year}")
    return list(args.overrides) + extra


def summary_table(df, scenario: Scenario) -> Table:
    table = Table(title=f"{scenario.name}: mean over replicates ({scenario.currency.code})")
    table.add_column("indicator")
    table.add_column("unit")
    years = sorted(df["year"].unique())
    show = [y for y in (years[0], 2015, 2020, years[-1]) if y in years]
    show = list(dict.fromkeys(show))
    for y in show:
        table.add_column(str(y), justify="right")
    mean = df.groupby(["indicator", "year"])["value"].mean()
    for name, div in SUMMARY:
        unit = unit_of(name, scenario.currency.code)
        unit = unit if div == 1.0 else f"{unit}, 1e{round(math.log10(div))}"
        table.add_row(
            name, unit, *[f"{mean.get((name, y), float('nan')) / div:,.4g}" for y in show]
        )
    return table


def main(args: argparse.Namespace) -> int:
    check_counts(args)
    overrides = cli_overrides(args)
    scenario, source = load(args.scenario, overrides)
    check_levers_can_act(scenario, source)
    ensemble = ensemble_from_args(args)
    if ensemble is None:
        configs = [scenario.to_run_config()]
    else:  # each member validated like --set; a stale posterior fails here, before any run
        configs = [
            load(args.scenario, member_overrides(m, overrides))[0].to_run_config()
            for m in ensemble[1]
        ]
    console = Console(stderr=True)
    for warning in lever_warnings(scenario):
        console.print(f"[yellow]warning: {warning}[/yellow]")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    default = Path("runs") / f"{scenario.name}-{stamp}"
    target = prepare_output_dir(
        default if args.out is None else args.out,
        force=args.force,
        kind="run",
        unique=args.out is None,
    )
    show_notes(console, target.notes)
    total = len(configs) * args.replications
    seeds = replicate_seeds(scenario.seed, total)
    # member-major numbering: replicate m * R + r is member m's r-th run
    pairs = [(configs[i // args.replications], s) for i, s in enumerate(seeds)]
    years = scenario.end_year - scenario.start_year + 1
    start = time.perf_counter()
    missing: list[str] = []
    with target as stage:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("years"),
            TimeRemainingColumn(),
            console=console,
            disable=args.quiet,
        ) as progress:
            task = progress.add_task(f"{scenario.name} x{total}", total=years * total)

            def on_year(_i: int, _y: int) -> None:
                progress.advance(task)

            def on_done(_i: int, _r) -> None:
                if args.workers > 1:
                    progress.advance(task, years)

            results = run_pairs(
                pairs,
                workers=args.workers,
                on_year=on_year if args.workers <= 1 else None,
                on_done=on_done,
            )
        wall = time.perf_counter() - start
        df = indicators_frame(results)
        write_csv_atomic(stage / "indicators.csv", df)
        meta = run_metadata(scenario, args.scenario, source, overrides, seeds, results, wall)
        if ensemble is not None:
            meta["ensemble"] = ensemble_meta(*ensemble, args.replications)
        write_json_atomic(stage / "run.json", meta)
        write_text_atomic(
            stage / "scenario.resolved.yaml", dump_yaml(scenario.model_dump(mode="json"))
        )
        if results[0].snapshot:
            write_run_tables(stage, results[0].snapshot, results[0].tables)
        if not args.no_report:
            missing = _report(stage, console)
    out = target.final
    console.print(summary_table(df, scenario))
    if missing:
        console.print(
            f"[red]error:[/] the run is saved in {out}{os.sep} but the report phase failed; "
            f"missing: {', '.join(missing)} (rebuild them with: ecosim report {out})",
            highlight=False,
        )
        return 1
    console.print(f"wrote {out}{os.sep} ({wall:.1f} s)")
    return 0


def _report(stage: Path, console: Console) -> list[str]:
    """Write the report files; return the ones missing when writing failed (disk full).

    A failing report never loses the finished run: the run's own files are already written.
    """
    try:
        from sim.report import write_run_outputs
    except ImportError:  # the report layer is optional at this stage
        return []
    try:
        write_run_outputs(stage)
    except UserError:
        raise
    except OSError as exc:  # the disk filled up, a quota, an I/O error
        print(f"report failed: {exc.strerror or exc}", file=sys.stderr)
        return [name for name in REPORT_FILES if not (stage / name).is_file()] or [
            "figures/ (part)"
        ]
    except Exception as exc:  # a report bug must not lose a finished run
        console.print(f"[yellow]warning: report not written: {exc!r}[/yellow]")
        print(f"report failed: {exc!r}", file=sys.stderr)
    return []
