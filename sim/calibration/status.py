"""The calibration status of a finished calibration as Markdown, for docs/MODEL.md section 8.

``python -m sim.calibration.status FOLDER`` prints the waves, the coverage and the predictive
table (every target row: observed, median, 50 % and 90 % intervals, ratio, inside or not) from
the folder's CSV files, so the documented status is regenerated, not retyped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.io import read_state_json


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


def _read(folder: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """One table of the folder, with the columns the status reads (else: damaged)."""
    try:
        df = pd.read_csv(folder / name)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {name} ({exc})", file=str(folder / name)) from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserError(f"{name} lacks the columns {', '.join(missing)}: the file is damaged",
                        file=str(folder / name))  # fmt: skip
    return df


def waves_table(folder: Path) -> str:
    w = _read(folder, "waves.csv", ("wave", "runs", "points", "replicates", "scale", "failed",
                                    "nonimplausible_share"))  # fmt: skip
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
    c = _read(folder, "coverage.csv", ("rows", "split", "n", "inside50", "inside90",
                                       "median_ratio", "median_width"))  # fmt: skip
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
    p = _read(folder, "predictive.csv", ("indicator", "year", "kind", "observed", "median",
                                         "q05", "q25", "q75", "q95", "inside90"))  # fmt: skip
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
    meta = read_state_json(folder / "calibration.json", "re-make the calibration")
    head = (
        f"Calibration `{meta.get('name')}` ({len(meta.get('parameters', []))} parameters, "
        f"rank {meta.get('rank')}, cut-off {meta.get('cutoff')})."
    )
    try:
        parts = [head, waves_table(folder), coverage_table(folder), predictive_table(folder)]
    except (ValueError, TypeError) as exc:  # a value of the wrong type in a table
        raise UserError(f"a calibration table is damaged ({exc})", file=str(folder)) from None
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
