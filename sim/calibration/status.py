"""The calibration status of a finished calibration as Markdown, for docs/MODEL.md section 8.

``python -m sim.calibration.status FOLDER`` prints the waves, the coverage and the predictive
table (every target row: observed, median, 50 % and 90 % intervals, ratio, inside or not) from
the folder's CSV files, so the documented status is regenerated, not retyped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from sim.errors import UserError


def _g(x: float) -> str:
    if pd.isna(x):
        return ""
    ax = abs(float(x))
    if ax >= 1e6:
        return f"{x:.3g}"
    if ax >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def waves_table(folder: Path) -> str:
    w = pd.read_csv(folder / "waves.csv")
    lines = [
        "| wave | runs (points x replicates) | scale | failed "
        "| non-implausible share of the prior |",
        "|---|---|---|---|---|",
    ]
    for r in w.itertuples():
        lines.append(
            f"| {r.wave} | {r.runs} ({r.points} x {r.replicates}) | {r.scale:g} | {r.failed} | "
            f"{100 * r.nonimplausible_share:.2g} % |"
        )
    return "\n".join(lines)


def coverage_table(folder: Path) -> str:
    c = pd.read_csv(folder / "coverage.csv")
    lines = [
        "| intervals | rows | n | inside 50 % | inside 90 % | median of median/observed "
        "| median 90 % width / observed |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in c.itertuples():
        lines.append(
            f"| {r.rows} | {r.split} | {r.n} | {100 * r.inside50:.0f} % | "
            f"{100 * r.inside90:.0f} % | {r.median_ratio:.2f} | {r.median_width:.2f} |"
        )
    return "\n".join(lines)


def predictive_table(folder: Path) -> str:
    p = pd.read_csv(folder / "predictive.csv")
    lines = [
        "| indicator | year | kind | observed | median | 50 % interval | 90 % interval | "
        "median/observed | inside 90 % |",
        "|---|---|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in p.itertuples():
        ratio = r.median / r.observed if r.observed else float("nan")
        inside = "yes" if str(r.inside90).lower() == "true" else "**no**"
        lines.append(
            f"| {r.indicator} | {r.year} | {r.kind} | {_g(r.observed)} | {_g(r.median)} | "
            f"{_g(r.q25)}-{_g(r.q75)} | {_g(r.q05)}-{_g(r.q95)} | {ratio:.2f} | {inside} |"
        )
    return "\n".join(lines)


def status(folder: Path) -> str:
    folder = Path(folder)
    for name in ("waves.csv", "coverage.csv", "predictive.csv", "calibration.json"):
        if not (folder / name).is_file():
            raise UserError(f"not a finished calibration (no {name})", file=str(folder))
    meta = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
    head = (
        f"Calibration `{meta.get('name')}` ({len(meta.get('parameters', []))} parameters, "
        f"rank {meta.get('rank')}, cut-off {meta.get('cutoff')})."
    )
    parts = [head, waves_table(folder), coverage_table(folder), predictive_table(folder)]
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sim.calibration.status FOLDER", file=sys.stderr)
        return 2
    try:
        print(status(Path(args[0])))
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
