"""``ecosim bench``: speed of the model against Mesa's Boltzmann example, in one call."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.errors import UserError
from sim.experiments.bench import bench_boltzmann, bench_model
from sim.scenario import load

DEFAULT_SCENARIO = Path("scenarios/zgc_baseline.yaml")


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
    p.set_defaults(func=main)


#: steps of Mesa's example a bench may ask for (it grows linearly with them)
MAX_BOLTZMANN_STEPS = 10_000


def main(args: argparse.Namespace) -> int:
    if not 1 <= args.boltzmann_steps <= MAX_BOLTZMANN_STEPS:
        raise UserError(
            f"--boltzmann-steps must be from 1 to {MAX_BOLTZMANN_STEPS}, "
            f"got {args.boltzmann_steps}",
            field="--boltzmann-steps",
        )
    scenario, _ = load(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    console = Console()
    rows = []
    for label, scale in (
        ("baseline", scenario.scale),
        ("baseline/10", scenario.scale / 10),
    ):
        cfg = scenario.to_run_config().model_copy(update={"scale": scale})
        console.print(f"timing {label} (scale {scale:g}) ...")
        rows.append(bench_model(cfg, seed, label))
    console.print(f"timing Mesa's example at {rows[0].agents:,} agents ...")
    mesa_row = bench_boltzmann(rows[0].agents, steps=args.boltzmann_steps)
    rows.append(mesa_row)
    table = Table(title="ecosim bench (construction not counted in agent-steps/s)")
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
    for r in rows:
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
    ratio = rows[0].rate / mesa_row.rate
    console.print(
        f"ecosim / Mesa example agent-steps per second: {ratio:.1f}x "
        f"(target 20x); default-scale wall time {rows[0].wall_seconds:.1f} s "
        f"(target < 30 s); 0.1-scale {rows[1].wall_seconds:.2f} s (target < 1 s)"
    )
    return 0
