"""Write a calibration's central posterior values into a scenario file.

``python -m sim.calibration.adopt [--pick median|medoid] CALIBRATION SCENARIO.yaml [LABEL]``
sets every calibrated parameter of the scenario to its weighted posterior median (default) or
to the posterior's *medoid*, the member closest to the marginal medians on ranks. The median
is the default because, measured on the Zhongguancun posterior (22 parameters, correlations
at most about 0.5), the vector of medians fits the targets and keeps the stylised facts better
than the medoid: in 22 dimensions even the most central of 100 members sits far from the
centre in several coordinates. With strongly correlated posteriors the medoid, a point the
simulator ran and the ABC step accepted, is the safer choice. Each changed value gets an
end-of-line comment naming the calibration; every value without one stays hand-set. The
file's other lines and comments are kept (ruamel.yaml round trip); it is written atomically.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from sim.errors import UserError
from sim.io import write_text_atomic
from sim.scenario import load
from sim.scenario.yamlfile import read_text


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


def _posterior(calibration: Path) -> pd.DataFrame:
    post_file = Path(calibration) / "posterior.csv"
    if not post_file.is_file():
        raise UserError("no posterior.csv: not a finished calibration", file=str(calibration))
    try:
        posterior = pd.read_csv(post_file)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read posterior.csv ({exc})", file=str(post_file)) from None
    params = [c for c in posterior.columns if c not in ("member", "weight")]
    if posterior.empty or not params or "weight" not in posterior or "member" not in posterior:
        raise UserError(
            "posterior.csv needs the columns member, weight and one per parameter path, and "
            "at least one member", file=str(post_file),
        )  # fmt: skip
    return posterior


def adopt(
    calibration: Path, scenario_file: Path, label: str | None = None, pick: str = "median"
) -> dict[str, float]:
    """Set the scenario's calibrated parameters to each one's weighted posterior median
    (or, with ``pick="medoid"``, the medoid member's values); return them.

    The new file is validated as a scenario before it replaces the old one, so a failed
    adoption leaves the scenario as it was.
    """
    posterior = _posterior(calibration)
    params = [c for c in posterior.columns if c not in ("member", "weight")]
    w = posterior["weight"].to_numpy(dtype=float)
    if pick == "median":
        row = pd.Series(
            {p: _weighted_median(posterior[p].to_numpy(dtype=float), w) for p in params}
        )
        what = "posterior median"
    elif pick == "medoid":
        row = posterior.iloc[medoid(posterior)]
        what = f"posterior medoid, member {int(row['member'])}"
    else:
        raise UserError(f"pick must be medoid or median, got {pick!r}", field="--pick")
    label = label or Path(calibration).name
    scenario_file = Path(scenario_file)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(read_text(scenario_file, str(scenario_file)))
    values: dict[str, float] = {}
    for path in params:
        keys = path.split(".")
        node, walked = doc, []
        for key in keys[:-1]:
            if not isinstance(node, CommentedMap):
                break
            if key not in node:
                node[key] = CommentedMap()
            node = node[key]
            walked.append(key)
        if not isinstance(node, CommentedMap):
            raise UserError(
                f"{'.'.join(walked) or 'the file'} is not a mapping, so {path} cannot be set",
                file=str(scenario_file), field=path,
            )  # fmt: skip
        value = _round(float(row[path]))
        node[keys[-1]] = value
        values[path] = float(value)
        if keys[-1] in node.ca.items:
            del node.ca.items[keys[-1]]
        node.yaml_add_eol_comment(f"calibrated: {what} ({label})", keys[-1])
    out = io.StringIO()
    yaml.dump(doc, out)
    _check_then_write(scenario_file, out.getvalue())
    return values


def _check_then_write(scenario_file: Path, text: str) -> None:
    """Validate ``text`` as the scenario (beside the original, so ``extends`` resolves the
    same way), then replace the file atomically; on any problem the original stays."""
    trial = scenario_file.with_name(f".{scenario_file.name}.adopt.yaml")
    try:
        write_text_atomic(trial, text)
        load(trial)
    except UserError as exc:
        if exc.file and Path(exc.file) == trial:  # name the user's file, not the trial copy
            raise UserError(
                f"with the adopted values: {exc.message}; the file was left unchanged",
                file=str(scenario_file), line=exc.line, field=exc.field,
            ) from None  # fmt: skip
        raise
    finally:
        trial.unlink(missing_ok=True)
    write_text_atomic(scenario_file, text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.calibration.adopt",
        description="Write a calibration's posterior medians (or medoid) into a scenario file.",
    )
    ap.add_argument("calibration", type=Path, help="calibration folder (with posterior.csv)")
    ap.add_argument("scenario", type=Path, help="scenario YAML file to update")
    ap.add_argument("label", nargs="?", help="name of the calibration in the comments")
    ap.add_argument("--pick", choices=["median", "medoid"], default="median")
    args = ap.parse_args(argv)
    try:
        values = adopt(args.calibration, args.scenario, args.label, args.pick)
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2
    for path, value in values.items():
        print(f"{path} = {value:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
