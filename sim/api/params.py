"""The parameter space: every numeric scenario field with default, bounds, unit and meaning.

Read straight from the scenario schema (the same declarations that validate files and drive
``ecosim scenarios --explain``), plus the range each shipped sensitivity experiment sweeps.
List entries (sub-parks, history steps, shocks) are not single parameters and are left out.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel

from sim.errors import UserError
from sim.scenario.introspect import Bounds, field_unit
from sim.scenario.schema import Scenario

#: the checkout's experiments and the copy a wheel carries (see setup.py)
_EXPERIMENT_DIRS = (
    Path(__file__).resolve().parents[2] / "experiments",
    Path(__file__).resolve().parents[1] / "data" / "experiments",
)
COLUMNS = [
    "path",
    "default",
    "low",
    "high",
    "unit",
    "meaning",
    "type",
    "sweep_low",
    "sweep_high",
    "swept_in",
]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(bare type, optional)`` for ``X``, ``X | None`` and ``Annotated[X, ...]``."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return annotation, optional
            annotation = args[0]
        else:
            return annotation, optional


def _bounds(info: Any) -> tuple[float, float]:
    b = Bounds.of(info)
    return (
        math.nan if b.lo is None else float(b.lo),
        math.nan if b.hi is None else float(b.hi),
    )


def _leaves(model: type[BaseModel], value: Any, prefix: str) -> Iterator[dict[str, Any]]:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        bare, _ = _unwrap(info.annotation)
        current = getattr(value, name, None) if value is not None else None
        if isinstance(bare, type) and issubclass(bare, BaseModel):
            yield from _leaves(bare, current, f"{path}.")
            continue
        if bare not in (int, float):
            continue  # text, choices, flags and lists are not points of a parameter space
        lo, hi = _bounds(info)
        yield {
            "path": path,
            "default": math.nan if current is None else float(current),
            "low": lo,
            "high": hi,
            "unit": field_unit(info),
            "meaning": info.description or "",
            "type": bare.__name__,
        }


def experiment_ranges() -> dict[str, tuple[float, float, list[str]]]:
    """``path -> (low, high, experiments)`` of the factors swept by the shipped experiments."""
    folder = next((d for d in _EXPERIMENT_DIRS if d.is_dir()), None)
    out: dict[str, tuple[float, float, list[str]]] = {}
    if folder is None:
        return out
    for file in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for factor in data.get("factors") or []:
            if not isinstance(factor, dict) or "path" not in factor:
                continue
            bounds = factor.get("bounds") or [math.nan, math.nan]
            path = str(factor["path"])
            lo, hi, names = out.get(path, (float(bounds[0]), float(bounds[1]), []))
            out[path] = (lo, hi, [*names, file.stem])
    return out


def parameter_space(prefix: str | None = None, scenario: Scenario | None = None) -> pd.DataFrame:
    """Every numeric scenario field: ``path, default, low, high, unit, meaning, type`` and the
    range the shipped experiments sweep (``sweep_low, sweep_high, swept_in``; NaN and "" for
    fields no experiment varies).

    ``default`` is the schema default (the hand-set Zhongguancun value; the shipped
    scenario files replace calibrated ones with posterior medians), or ``scenario``'s value when a
    scenario is given (lever fields that mean "unchanged" are NaN). ``prefix`` keeps only the
    paths under a block, e.g. ``"parameters.labour"`` or ``"levers"``.
    """
    source = scenario if scenario is not None else Scenario(name="defaults")
    rows = list(_leaves(Scenario, source, ""))
    ranges = experiment_ranges()
    for row in rows:
        lo, hi, names = ranges.get(row["path"], (math.nan, math.nan, []))
        row.update(sweep_low=lo, sweep_high=hi, swept_in=", ".join(names))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if prefix:
        p = prefix.strip().strip(".")
        keep = (frame["path"] == p) | frame["path"].str.startswith(p + ".")
        if not keep.any():
            blocks = sorted({r.split(".")[0] for r in frame["path"]})
            raise UserError(
                f"no parameter under {p!r}; top-level blocks: {', '.join(blocks)}",
                field="prefix",
            )
        frame = frame[keep]
    return frame.reset_index(drop=True)
