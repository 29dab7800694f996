"""Reading a run folder and writing report files atomically.

A run folder may be read by ``ecosim compare`` or a browser while the report is being written,
so every file goes to a temporary name in the same folder and is moved into place with
``os.replace`` (atomic on one file system): readers see the old file or the new one, never half.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.indices import INDICATOR_COLUMNS
from sim.io import write_bytes_atomic, write_csv_atomic


@dataclass
class RunFolder:
    """What a report needs from a run folder; ``snapshot`` is empty when the file is absent."""

    path: Path
    indicators: pd.DataFrame
    meta: dict[str, Any]
    snapshot: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def scenario(self) -> dict[str, Any]:
        return dict(self.meta.get("scenario") or {})

    @property
    def region(self) -> str | None:
        region = self.scenario.get("region")
        return str(region) if region else None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """One atomic writer for every output (:func:`sim.io.write_bytes_atomic`)."""
    write_bytes_atomic(path, data)


def atomic_write_text(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def atomic_write_csv(path: Path, frame: pd.DataFrame) -> None:
    # the report tables keep Python's shortest float repr: their bytes are part of the contract
    write_csv_atomic(path, frame, float_format=None)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{what} is not valid JSON: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise UserError(f"{what} must hold a JSON object", file=str(path))
    return data


def read_run_folder(run_dir: Path) -> RunFolder:
    """Load ``indicators.csv`` (required), ``run.json`` and ``snapshot.json`` (optional).

    A missing folder or ``indicators.csv`` is the user's error (a wrong path); a missing
    ``run.json`` or ``snapshot.json`` only removes parts of the report, with a note saying so.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError("run folder not found", file=str(run_dir))
    ind_path = run_dir / "indicators.csv"
    if not ind_path.is_file():
        raise UserError(
            "no indicators.csv in the run folder; is this the output folder of `ecosim run`?",
            file=str(run_dir),
        )
    try:
        indicators = pd.read_csv(ind_path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read indicators.csv: {exc}", file=str(ind_path)) from exc
    if list(indicators.columns) != INDICATOR_COLUMNS:
        raise UserError(
            f"columns are {list(indicators.columns)}, expected {INDICATOR_COLUMNS}",
            file=str(ind_path),
        )
    indicators["value"] = pd.to_numeric(indicators["value"], errors="coerce")
    indicators["indicator"] = indicators["indicator"].astype(str)
    run = RunFolder(path=run_dir, indicators=indicators, meta={})
    meta_path = run_dir / "run.json"
    if meta_path.is_file():
        run.meta = _read_json(meta_path, "run.json")
    else:
        run.notes.append("run.json is missing: no region, levers or provenance to show.")
    problem = incompleteness(indicators, run.meta.get("replications"))
    if problem:
        raise UserError(
            f"indicators.csv is incomplete (truncated or edited?): {problem}; rerun the "
            "scenario to rebuild it",
            file=str(ind_path),
        )
    snap_path = run_dir / "snapshot.json"
    if snap_path.is_file():
        run.snapshot = _read_json(snap_path, "snapshot.json")
    else:
        run.notes.append("snapshot.json is missing: no size, degree or network figures.")
    return run


def _listing(items: list[Any], limit: int = 5) -> str:
    shown = ", ".join(str(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def incompleteness(indicators: pd.DataFrame, replications: Any = None) -> str | None:
    """What is missing from a run's indicators, or None when every replicate is whole.

    Every replicate of a run records the same indicators in the same years, so a replicate
    lacking some of the (year, indicator) pairs the others have, a gap in the replicate
    numbers, fewer replicates than ``run.json`` says, or a row whose replicate, year or
    indicator cannot be read, all mean the file was cut short.
    """
    rep = pd.to_numeric(indicators["replicate"], errors="coerce")
    year = pd.to_numeric(indicators["year"], errors="coerce")
    name = indicators["indicator"].where(indicators["indicator"] != "nan")
    bad = rep.isna() | year.isna() | name.isna()
    if bad.any():
        rows = [int(i) + 2 for i in indicators.index[bad][:5]]  # file lines, header is 1
        return f"unreadable row(s) at line(s) {_listing(rows)}"
    if indicators.empty:
        return "no rows"
    reps = sorted(int(r) for r in rep.unique())
    expected = int(replications) if isinstance(replications, int) else max(reps) + 1
    lacking = sorted(set(range(expected)) - set(reps))
    if lacking:
        return f"replicate(s) {_listing(lacking)} missing (expected {expected})"
    keys = pd.MultiIndex.from_arrays([year.astype(int), name])
    frame = pd.DataFrame({"rep": rep.astype(int).to_numpy()}, index=keys)
    everything = set(keys)
    gaps = []
    for r, part in frame.groupby("rep"):
        miss = everything - set(part.index)
        if miss:
            names = sorted({ind for _, ind in miss})
            gaps.append(f"replicate {r} lacks {len(miss)} value(s) of {_listing(names, 3)}")
    return "; ".join(gaps[:5]) or None


def weighted_values(raw: Any, weights_raw: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
    """``(values, weights)`` from the forms a ``firm_revenue`` entry may take.

    Accepted: a list of numbers, with the weights as a separate parallel list ``weights_raw``
    (the snapshot's ``firm_weight``) or all 1; a list of ``[value, weight]`` pairs; a list of
    objects with ``revenue`` or ``value`` and optional ``weight``; an object ``{values|revenue:
    [...], weights: [...]}``. Anything else yields None, so an odd snapshot never breaks a run.
    """
    values: list[float] = []
    weights: list[float] = []
    try:
        if (
            isinstance(raw, list)
            and isinstance(weights_raw, list)
            and not any(isinstance(x, dict | list | tuple) for x in raw)
        ):
            values, weights = [float(v) for v in raw], [float(w) for w in weights_raw]
        elif isinstance(raw, dict):
            vals = raw.get("values", raw.get("revenue", []))
            w = raw.get("weights") or [1.0] * len(vals)  # type: ignore[arg-type]
            values, weights = [float(v) for v in vals], [float(x) for x in w]  # type: ignore[union-attr]
        elif isinstance(raw, list):
            for item in raw:
                if isinstance(item, dict):
                    values.append(float(item.get("revenue", item.get("value"))))  # type: ignore[arg-type]
                    weights.append(float(item.get("weight", 1.0)))
                elif isinstance(item, list | tuple):
                    values.append(float(item[0]))
                    weights.append(float(item[1]) if len(item) > 1 else 1.0)
                else:
                    values.append(float(item))
                    weights.append(1.0)
        else:
            return None
    except (TypeError, ValueError, IndexError):
        return None
    if not values or len(values) != len(weights):
        return None
    return np.asarray(values, dtype=float), np.asarray(weights, dtype=float)


def degree_counts(raw: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``(degrees, counts)`` from a ``degree_histogram``.

    Accepted: a list of counts indexed by degree (``networkx.degree_histogram``), a list of
    ``[degree, count]`` pairs, or an object ``{degree: count}``.
    """
    try:
        if isinstance(raw, dict):
            pairs = [(float(k), float(v)) for k, v in raw.items()]
        elif isinstance(raw, list) and raw and all(isinstance(x, list | tuple) for x in raw):
            pairs = [(float(x[0]), float(x[1])) for x in raw]
        elif isinstance(raw, list):
            pairs = [(float(i), float(c)) for i, c in enumerate(raw)]
        else:
            return None
    except (TypeError, ValueError, IndexError):
        return None
    pairs = sorted(p for p in pairs if p[1] > 0)
    if not pairs:
        return None
    arr = np.asarray(pairs)
    return arr[:, 0], arr[:, 1]
