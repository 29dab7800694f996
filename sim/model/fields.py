"""A tiny helper to declare model parameters once, with unit, range and meaning.

Every parameter of the model is a pydantic field built with :func:`P`. The same declaration
drives validation of scenario files, ``ecosim scenarios --explain``, the docs, the visual
server's sliders and the bounds of sensitivity sweeps, so a parameter cannot exist without a
unit, a range and a one-line meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


def P(default: Any, lo: float | None, hi: float | None, unit: str, doc: str) -> Any:
    """Declare a numeric parameter: default, allowed range [lo, hi], unit and meaning."""
    return Field(default, ge=lo, le=hi, description=doc, json_schema_extra={"unit": unit})


class Block(BaseModel):
    """Base of every parameter block: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy; values in ``update`` are validated like any input (pydantic's own
        ``model_copy`` takes them unchecked, so ``job_mobility=-5`` would slip through)."""
        if not update:
            return super().model_copy(deep=deep)
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(update)
        copied = type(self).model_validate(data)
        private = getattr(self, "__pydantic_private__", None)
        if private:
            for key, value in private.items():
                setattr(copied, key, value)
        return copied


def field_bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """The allowed range ``(lo, hi)`` of a field (``ge``/``gt`` and ``le``/``lt``; None:
    open). The one place that reads bounds from pydantic's metadata."""
    lo = hi = None
    for meta in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                lo = getattr(meta, attr)
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                hi = getattr(meta, attr)
    return lo, hi


def field_extra(info: FieldInfo) -> dict[str, Any]:
    """The extra schema data of a field (its ``unit``), {} when none."""
    return dict(info.json_schema_extra) if isinstance(info.json_schema_extra, dict) else {}


def field_unit(info: FieldInfo) -> str:
    """The unit declared with :func:`P` ('' when none)."""
    return str(field_extra(info).get("unit", ""))


def field_table(block: type[BaseModel]) -> list[dict[str, Any]]:
    """Rows ``name, default, lo, hi, unit, doc`` for the fields of a block."""
    rows = []
    for name, info in block.model_fields.items():
        lo, hi = field_bounds(info)
        rows.append(
            {
                "name": name,
                "default": info.default,
                "lo": lo,
                "hi": hi,
                "unit": field_unit(info),
                "doc": info.description or "",
            }
        )
    return rows


def check_year_span(start_year: int, end_year: int) -> None:
    """Shared rule of every block with a time span: the end may not precede the start."""
    if end_year < start_year:
        raise ValueError(f"end_year ({end_year}) must not be before start_year ({start_year})")
