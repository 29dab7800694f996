"""Reading the scenario schema: the one place that unwraps annotations, reads bounds and
units, and walks nested blocks.

The loader (error messages), ``ecosim scenarios --explain``, sweep factors and the docs
generator all ask the same questions of the pydantic schema: what type is at this path, what
range and unit does this field have, which blocks and fields are below this one. They ask
here, so that a field declared with :func:`sim.model.fields.P` reads the same everywhere.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.model.fields import field_bounds, field_unit

__all__ = [
    "Bounds",
    "field_bounds",
    "field_unit",
    "is_model",
    "literal_values",
    "metadata_bounds",
    "model_field",
    "models_of",
    "range_of",
    "resolve_field",
    "union_members",
    "unwrap",
]


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` (keeping its constraints), ``Optional`` and type aliases."""
    metadata: list[Any] = []
    while True:
        if isinstance(annotation, typing.TypeAliasType):
            annotation = annotation.__value__
            continue
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation, metadata


def union_members(annotation: Any) -> list[Any]:
    """The non-None members of a union ([] for anything else)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return []


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def models_of(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic blocks of an annotation (one block, or a union of blocks)."""
    bare = unwrap(annotation)[0]
    members = [unwrap(a)[0] for a in union_members(bare)] or [bare]
    return [m for m in members if is_model(m)]


def model_field(annotation: Any, name: str) -> FieldInfo | None:
    """The field ``name`` (or with that alias) of a block, None when there is none."""
    if not is_model(annotation):
        return None
    for field_name, info in annotation.model_fields.items():
        if name in (field_name, info.alias):
            return info
    return None


def literal_values(annotation: Any) -> list[Any]:
    """The allowed values of a Literal or Enum annotation ([] for anything else)."""
    bare, _ = unwrap(annotation)
    if typing.get_origin(bare) is typing.Literal:
        return list(typing.get_args(bare))
    if isinstance(bare, type) and issubclass(bare, Enum):
        return [m.value for m in bare]
    return []


@dataclass(frozen=True)
class Bounds:
    """A field's allowed range; ``*_open``: the bound itself is excluded (gt, lt)."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    @classmethod
    def of(cls, info: FieldInfo | list[Any]) -> Bounds:
        """Bounds from a field (or the metadata list of an ``Annotated`` type)."""
        found = metadata_bounds(info.metadata if isinstance(info, FieldInfo) else info)
        lo_key = "gt" if "gt" in found else "ge"
        hi_key = "lt" if "lt" in found else "le"
        return cls(found.get(lo_key), found.get(hi_key), lo_key == "gt", hi_key == "lt")


def metadata_bounds(metadata: list[Any]) -> dict[str, Any]:
    """``{"ge": .., "le": ..}`` (and gt, lt) as declared in pydantic metadata."""
    found: dict[str, Any] = {}
    for meta in metadata:
        for name in ("ge", "gt", "le", "lt"):
            bound = getattr(meta, name, None)
            if bound is not None:
                found[name] = bound
    return found


def range_of(info: FieldInfo, annotation: Any, num: typing.Callable[[Any], str]) -> str:
    """The allowed values as text: ``[0, 1]``, ``(0, 1]``, ``C1 | C2``, ``true | false``."""
    bare = unwrap(annotation)[0]
    if typing.get_origin(bare) is list:
        inner = unwrap(typing.get_args(bare)[0])[0]
        if typing.get_origin(inner) is typing.Literal:
            return "list of " + " | ".join(str(a) for a in typing.get_args(inner))
    if typing.get_origin(bare) is typing.Literal:
        return " | ".join(str(a) for a in typing.get_args(bare))
    if bare is bool:
        return "true | false"
    b = Bounds.of(info)
    if b.lo is None and b.hi is None:
        return ""
    left = "(" if b.lo_open else "["
    right = ")" if b.hi_open else "]"
    low = num(b.lo) if b.lo is not None else "-inf"
    high = num(b.hi) if b.hi is not None else "inf"
    return f"{left}{low}, {high}{right}"


def resolve_field(path: str, root: type[BaseModel]) -> tuple[FieldInfo, type]:
    """The field and numeric type (int or float) at a dotted path through nested blocks.

    Raises ValueError with the allowed keys at the first step that does not exist, because a
    typo in a long dotted path is the most common mistake.
    """
    model: type[BaseModel] = root
    steps = path.split(".")
    walked: list[str] = []
    for i, step in enumerate(steps):
        fields = model.model_fields
        if step not in fields:
            where = ".".join(walked) or "the scenario"
            raise ValueError(f"'{step}' is not a field of {where}; allowed: {', '.join(fields)}")
        info = fields[step]
        annotation = unwrap(info.annotation)[0]
        walked.append(step)
        last = i == len(steps) - 1
        if is_model(annotation):
            if last:
                raise ValueError(f"'{path}' is a block, not a number; name one of its fields")
            model = annotation
            continue
        if not last:
            raise ValueError(f"'{'.'.join(walked)}' is not a block; the path cannot go further")
        if annotation is bool or annotation not in (int, float):
            raise ValueError(f"'{path}' is not a numeric field and cannot be a factor")
        return info, annotation
    raise ValueError("empty path")  # pragma: no cover - split never yields no step
