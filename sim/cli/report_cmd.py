"""``ecosim report RUN_DIR``: rebuild the index, dashboard, fit, figures and report.html of a run.

``ecosim run`` writes these itself; this command rebuilds them, e.g. after the targets or the
index mapping changed, without rerunning the simulation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.io import record_outputs


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


#: what ``build_report`` writes, named when writing fails part-way (disk full)
OUTPUTS = (
    "zgc_index_replicates.csv",
    "zgc_index.csv",
    "sv_dashboard.csv",
    "fit.csv",
    "figures",
    "report.html",
)


def run(args: argparse.Namespace) -> int:
    """Build the report; a missing folder or indicators.csv raises ``UserError`` (exit 2).

    A write failing part-way (disk full, quota) exits 1 naming the files not (re)written:
    each file is replaced atomically, so the ones named keep their earlier content or are
    absent.
    """
    from sim.report import build_report  # lazy: matplotlib is slow to import

    before = {name: _mtime(args.run_dir / name) for name in OUTPUTS}
    present = _entries(args.run_dir)
    try:
        report = build_report(args.run_dir)
    except OSError as exc:
        _record_written(args.run_dir, present)  # what did get written is still ecosim's
        stale = [n for n in OUTPUTS if _mtime(args.run_dir / n) in (None, before[n])]
        print(
            f"error: {args.run_dir}: writing the report failed ({exc.strerror or exc}); "
            f"not written: {', '.join(stale) or 'unknown'}",
            file=sys.stderr,
        )
        return 1
    _record_written(args.run_dir, present)
    print(f"report written: {report}")
    return 0


def _record_written(folder: Path, present: dict[str, int | None]) -> None:
    """Add every file this build wrote to the folder's marker (even when the build failed
    part-way), so that ``--force`` may later replace the folder and the marker's list stays
    what ecosim wrote; hidden names (temporary files) are never recorded."""
    after = _entries(folder)
    record_outputs(
        folder, [n for n, t in after.items() if present.get(n) != t and not n.startswith(".")]
    )


def _entries(folder: Path) -> dict[str, int | None]:
    try:
        return {p.name: _mtime(p) for p in folder.iterdir()}
    except OSError:
        return {}


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
