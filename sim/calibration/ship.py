"""Copy a finished calibration's small files to where ``--ensemble NAME`` finds them.

``python -m sim.calibration.ship FOLDER NAME`` copies ``posterior.csv``, ``predictive.csv``,
``coverage.csv``, ``waves.csv``, ``identifiability.csv``, ``targets.csv`` and
``calibration.json`` into ``experiments/calibration/NAME/`` (the source tree) and
``sim/data/calibration/NAME/`` (package data), each written atomically. The large files
(``runs.parquet``, per-run files, the HTML page) stay in the calibration folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.errors import UserError
from sim.io import write_text_atomic

SHIPPED = (
    "posterior.csv", "predictive.csv", "coverage.csv", "waves.csv", "identifiability.csv",
    "targets.csv", "calibration.json",
)  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]


def ship(folder: Path, name: str) -> list[Path]:
    folder = Path(folder)
    missing = [f for f in SHIPPED if not (folder / f).is_file()]
    if missing:
        raise UserError(f"not a finished calibration (missing {', '.join(missing)})",
                        file=str(folder))  # fmt: skip
    written = []
    for base in (ROOT / "experiments" / "calibration", ROOT / "sim" / "data" / "calibration"):
        for f in SHIPPED:
            target = base / name / f
            write_text_atomic(target, (folder / f).read_text(encoding="utf-8"))
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m sim.calibration.ship FOLDER NAME", file=sys.stderr)
        return 2
    try:
        written = ship(Path(args[0]), args[1])
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2
    print(f"shipped {len(written)} files as {args[1]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
