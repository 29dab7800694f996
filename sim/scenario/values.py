"""Setting scenario values from Python, validated exactly like ``--set``.

``Scenario.with_overrides({"parameters.labour.job_mobility": 0.2})`` walks the same dotted
paths as ``--set`` and validates the whole scenario again with the same schema and messages,
so a Python caller cannot build a configuration the command line would refuse. Values may be
numpy scalars or arrays (turned into plain Python numbers and lists first); strings in a
list (``["a.b=1"]``) are read as YAML, exactly like ``--set`` flags.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import UserError
from sim.scenario.loader import (
    SourceMap,
    _parse_override,
    _set_path,
    _steps_path,
    apply_overrides,
    validate,
)

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


def plain(value: Any) -> Any:
    """``value`` as plain Python data (numpy scalars and arrays, tuples, paths converted)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def with_values(
    scenario: Scenario, overrides: Mapping[str, Any] | Iterable[str] | None
) -> Scenario:
    """A new, validated scenario: ``scenario`` with ``overrides`` applied.

    ``overrides`` maps dotted paths to values, or lists ``path=value`` texts (read as YAML).
    Every problem is a UserError naming the path and what is allowed.
    """
    from sim.scenario.schema import Scenario

    data = scenario.model_dump(mode="json")
    old = getattr(scenario, "_source", None)
    source = copy.deepcopy(old) if isinstance(old, SourceMap) else SourceMap()
    if overrides is None:
        overrides = {}
    if isinstance(overrides, str):
        raise UserError(
            "give overrides as a mapping {'dotted.path': value} or a list of 'path=value'",
            field="overrides",
        )
    if isinstance(overrides, Mapping):
        for path, value in overrides.items():
            if not isinstance(path, str):
                raise UserError(f"override paths must be text, got {path!r}", field="overrides")
            value = plain(value)
            label = f"override {path}={value!r}"
            steps, _ = _parse_override(f"{path}=", label)
            _set_path(data, steps, value, label)
            dotted = _steps_path(steps)
            source.drop_under(dotted)
            source[dotted] = (label, None)
            source.overrides.append(f"{dotted}={value!r}")
    else:
        data = apply_overrides(data, [str(o) for o in overrides], source)
    result = validate(data, Scenario, source)
    result._source = source
    return result
