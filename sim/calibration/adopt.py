"""Write a calibration's central posterior member into a scenario file.

``python -m sim.calibration.adopt CALIBRATION SCENARIO.yaml`` sets every calibrated parameter of
the scenario to the value of the posterior's *medoid*: the member closest to the marginal
medians (distance over rank-standardised coordinates). A medoid, not the vector of marginal
medians, because the posterior is correlated (``identifiability.csv``): the medians of two
traded-off parameters can together sit outside the plausible region, while the medoid is a
point the simulator ran and the ABC step accepted. Each changed value gets an end-of-line
comment naming the calibration and the member; every value without one stays hand-set. The
file's other lines and comments are kept (ruamel.yaml round trip), and it is written
atomically.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from sim.errors import UserError
from sim.io import write_text_atomic


def medoid(posterior: pd.DataFrame) -> int:
    """Row position of the member closest to the weighted marginal medians, on ranks."""
    params = [c for c in posterior.columns if c not in ("member", "weight")]
    ranks = posterior[params].rank(pct=True).to_numpy()
    w = posterior["weight"].to_numpy(dtype=float)
    centre = np.array([_weighted_median(ranks[:, j], w) for j in range(ranks.shape[1])])
    dist = ((ranks - centre) ** 2).sum(axis=1)
    return int(np.argmin(dist))


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, 0.5 * cum[-1])])


def _round(value: float) -> float | int:
    """Four significant digits: a posterior member is no more precise than that."""
    if value == 0 or not np.isfinite(value):
        return float(value)
    rounded = float(f"{value:.4g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) >= 1000 else rounded


def adopt(calibration: Path, scenario_file: Path, label: str | None = None) -> dict[str, float]:
    """Set the scenario's calibrated parameters to the posterior medoid; return them."""
    post_file = Path(calibration) / "posterior.csv"
    if not post_file.is_file():
        raise UserError("no posterior.csv: not a finished calibration", file=str(calibration))
    posterior = pd.read_csv(post_file)
    row = posterior.iloc[medoid(posterior)]
    member = int(row["member"])
    label = label or Path(calibration).name
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    text = Path(scenario_file).read_text(encoding="utf-8")
    doc = yaml.load(text)
    values: dict[str, float] = {}
    for path in (c for c in posterior.columns if c not in ("member", "weight")):
        keys = path.split(".")
        node = doc
        for key in keys[:-1]:
            if key not in node:
                node[key] = CommentedMap()
            node = node[key]
        value = _round(float(row[path]))
        node[keys[-1]] = value
        values[path] = float(value)
        if keys[-1] in node.ca.items:
            del node.ca.items[keys[-1]]
        node.yaml_add_eol_comment(f"calibrated: posterior medoid, member {member} ({label})",
                                  keys[-1])  # fmt: skip
    out = io.StringIO()
    yaml.dump(doc, out)
    write_text_atomic(Path(scenario_file), out.getvalue())
    return values


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m sim.calibration.adopt CALIBRATION SCENARIO.yaml [LABEL]",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        values = adopt(Path(args[0]), Path(args[1]), args[2] if len(args) == 3 else None)
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2
    for path, value in values.items():
        print(f"{path} = {value:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
