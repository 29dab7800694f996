"""``ecosim report RUN_DIR``: rebuild the index, dashboard, fit, figures and report.html of a run.

``ecosim run`` writes these itself; this command rebuilds them, e.g. after the targets or the
index mapping changed, without rerunning the simulation.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``report`` command to the ``ecosim`` parser."""
    parser = subparsers.add_parser(
        "report",
        help="build report.html and the derived CSV files of a run folder",
        description="Rebuild zgc_index.csv, zgc_index_replicates.csv, sv_dashboard.csv, "
        "fit.csv, figures/ and report.html from a run folder's indicators.csv and run.json.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="output folder of a run")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the report; a missing folder or indicators.csv raises ``UserError`` (exit 2)."""
    from sim.report import build_report  # lazy: matplotlib is slow to import

    report = build_report(args.run_dir)
    print(f"report written: {report}")
    return 0
