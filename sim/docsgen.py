"""Generate docs/PARAMETERS.md from the scenario schema, so the docs cannot drift from code.

``python -m sim.docsgen`` rewrites the file; a test fails when it is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.model.fields import field_table
from sim.model.params import ModelParams, ParkSpec
from sim.model.policy import LEVERS
from sim.scenario.schema import Currency, Scenario

HEADER = """# Parameters

Generated from the scenario schema by `python -m sim.docsgen`; do not edit by hand. Every
parameter has a default (the Zhongguancun value), an allowed range and a unit. In a scenario
file they live under `parameters.<block>.<name>`; levers under `levers.<lever>.<name>`.
"""


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _table(title: str, prefix: str, block: type[BaseModel]) -> list[str]:
    lines = [
        f"\n## {title}\n",
        "| field | default | range | unit | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in field_table(block):
        info = block.model_fields[row["name"]]
        if info.default_factory is not None:
            made = info.default_factory()  # type: ignore[call-arg]
            if isinstance(made, BaseModel) or (isinstance(made, list) and block is Scenario):
                continue  # a block of its own, tabled below
            row["default"] = made
        if row["default"] is PydanticUndefined:
            row["default"] = "(required)"
        rng = (
            ""
            if row["lo"] is None and row["hi"] is None
            else (f"{_fmt(row['lo'])} .. {_fmt(row['hi'])}")
        )
        default = row["default"]
        lines.append(
            f"| `{prefix}{row['name']}` | {_fmt(default)} | {rng} | {row['unit']} | {row['doc']} |"
        )
    return lines


def render() -> str:
    out = [HEADER]
    out += _table("Scenario (top level)", "", Scenario)
    out += _table("Currency", "currency.", Currency)
    for name, info in ModelParams.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _table(f"parameters.{name}: {info.description}", f"parameters.{name}.", ann)
    out += _table("parameters.sub_parks[i] (one entry per sub-park)", "", ParkSpec)
    for lever in LEVERS.values():
        out += _table(f"levers.{lever.name}", f"levers.{lever.name}.", lever.schema)
    return "\n".join(out) + "\n"


def main() -> int:
    path = Path(__file__).resolve().parents[1] / "docs" / "PARAMETERS.md"
    path.write_text(render(), encoding="utf-8")
    print(f"wrote {path.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
