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


def field_table(block: type[BaseModel]) -> list[dict[str, Any]]:
    """Rows ``name, default, lo, hi, unit, doc`` for the numeric fields of a block."""
    rows = []
    for name, info in block.model_fields.items():
        lo = hi = None
        for meta in info.metadata:
            lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
            lo = getattr(meta, "gt", None) if getattr(meta, "gt", None) is not None else lo
            hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        rows.append(
            {
                "name": name,
                "default": info.default,
                "lo": lo,
                "hi": hi,
                "unit": extra.get("unit", ""),
                "doc": info.description or "",
            }
        )
    return rows


def check_year_span(start_year: int, end_year: int) -> None:
    """Shared rule of every block with a time span: the end may not precede the start."""
    if end_year < start_year:
        raise ValueError(f"end_year ({end_year}) must not be before start_year ({start_year})")
