"""``ecosim discover``: scenario discovery (PRIM or CART) on a finished sweep folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

from rich.console import Console

from sim.cli.options import add_out_option, show_notes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "discover", help="scenario discovery on a sweep: where does an outcome cross a line?",
        description="Label each design point of a finished sweep as a case when the share of "
        "its replicates whose OUTPUT crosses the threshold is at least --case-share, find "
        "boxes of the factor space that hold the cases with EMA Workbench's PRIM (or CART), "
        "and write boxes.csv, trajectory.csv, cases.csv, discovery.html and box_N.yaml.",
    )  # fmt: skip
    p.add_argument("sweep_dir", type=Path, help="sweep folder written by ecosim sweep")
    p.add_argument("--output", required=True, metavar="INDICATOR@YEAR",
                   help="an output of the sweep, e.g. foreign_employee_share@2035 (or the "
                   "name of a summary output)")  # fmt: skip
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=float, metavar="X", help="case: the output is below X")
    side.add_argument("--above", type=float, metavar="X", help="case: the output is above X")
    p.add_argument("--method", choices=["prim", "cart"], default="prim",
                   help="PRIM (default) or CART")  # fmt: skip
    add_out_option(p, "discoveries/<sweep>-<output>")
    p.add_argument(
        "--case-share",
        type=float,
        default=0.5,
        metavar="P",
        help="a point is a case when this share of its replicates cross (0.5)",
    )
    p.add_argument(
        "--density", type=float, default=0.8, help="density a chosen box should reach (0.8)"
    )
    p.add_argument(
        "--mass-min",
        type=float,
        default=0.05,
        help="smallest share of points a box may hold (0.05)",
    )
    p.add_argument("--max-boxes", type=int, default=3, help="at most this many boxes (3)")
    p.add_argument("--seed", type=int, default=0, help="seed of PRIM's resampling test")
    p.set_defaults(func=main)  # fmt: skip


def main(args: argparse.Namespace) -> int:
    from sim.experiments.discover import DiscoverOptions, discover, write_discovery
    from sim.io import prepare_output_dir

    direction: Literal["below", "above"] = "below" if args.below is not None else "above"
    threshold = args.below if args.below is not None else args.above
    opts = DiscoverOptions(
        output=args.output, threshold=float(threshold), direction=direction,
        method=args.method, case_share=args.case_share, density=args.density,
        mass_min=args.mass_min, max_boxes=args.max_boxes, seed=args.seed,
    )  # fmt: skip
    out = args.out
    if out is None:
        tag = args.output.replace("@", "_").replace(".", "_")
        out = Path("discoveries") / f"{Path(args.sweep_dir).resolve().name}-{tag}-{direction}"
    target = prepare_output_dir(out, force=args.force, kind="discovery")
    console = Console(stderr=True)
    show_notes(console, target.notes)
    try:
        with console.status("PRIM" if args.method == "prim" else "CART"):
            result = discover(args.sweep_dir, opts)
            write_discovery(args.sweep_dir, result, target)
    except BaseException:
        target.discard()  # nothing half-made is left beside --out
        raise
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    n_cases = int(result.cases["case"].sum())
    console.print(f"{n_cases} of {len(result.cases)} points are cases", highlight=False)
    for b in result.boxes:
        dims = ", ".join(
            f"{dim} in [{r['low']:.4g}, {r['high']:.4g}]" for dim, r in b.limits.iterrows()
        )
        console.print(
            f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, "
            f"mass {b.mass:.2f}: {dims or 'no restriction'}", highlight=False,
        )  # fmt: skip
    print(str(out), file=sys.stdout)
    return 0
