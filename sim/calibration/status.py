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


def _table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A Markdown table; ``align`` is the separator row (default: left-aligned columns)."""
    sep = align or "|" + "---|" * len(header)
    lines = ["| " + " | ".join(header) + " |", sep]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def waves_table(folder: Path) -> str:
    w = pd.read_csv(folder / "waves.csv")
    header = ["wave", "runs (points x replicates)", "scale", "failed",
              "non-implausible share of the prior"]  # fmt: skip
    rows = [
        [
            str(r.wave),
            f"{r.runs} ({r.points} x {r.replicates})",
            f"{r.scale:g}",
            str(r.failed),
            f"{100 * r.nonimplausible_share:.2g} %",
        ]
        for r in w.itertuples()
    ]
    return _table(header, rows)


def coverage_table(folder: Path) -> str:
    c = pd.read_csv(folder / "coverage.csv")
    header = ["intervals", "rows", "n", "inside 50 %", "inside 90 %",
              "median of median/observed", "median 90 % width / observed"]  # fmt: skip
    rows = [
        [
            str(r.rows),
            str(r.split),
            str(r.n),
            f"{100 * r.inside50:.0f} %",
            f"{100 * r.inside90:.0f} %",
            f"{r.median_ratio:.2f}",
            f"{r.median_width:.2f}",
        ]
        for r in c.itertuples()
    ]
    return _table(header, rows)


def predictive_table(folder: Path) -> str:
    p = pd.read_csv(folder / "predictive.csv")
    header = ["indicator", "year", "kind", "observed", "median", "50 % interval",
              "90 % interval", "median/observed", "inside 90 %"]  # fmt: skip
    rows = []
    for r in p.itertuples():
        ratio = r.median / r.observed if r.observed else float("nan")
        inside = "yes" if str(r.inside90).lower() == "true" else "**no**"
        rows.append(
            [str(r.indicator), str(r.year), str(r.kind), _g(r.observed), _g(r.median),
             f"{_g(r.q25)}-{_g(r.q75)}", f"{_g(r.q05)}-{_g(r.q95)}", f"{ratio:.2f}", inside]
        )  # fmt: skip
    return _table(header, rows, "|---|---|---|---:|---:|---:|---:|---:|:---:|")


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
