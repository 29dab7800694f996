"""Generate docs/PARAMETERS.md and docs/INDICATORS.md from the declarations, so the docs
cannot drift from code: parameters and levers from the scenario schema (the lever registry
included), indicators from :data:`sim.model.indicators.INDICATORS`.

``python -m sim.docsgen`` rewrites both files; a test fails when either is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.model.fields import field_table
from sim.model.indicators import indicator_table
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


INDICATORS_HEADER = """# Indicators

Generated from the indicator declarations (`sim/model/indicators.py`) by
`python -m sim.docsgen`; do not edit by hand. Every row is one `indicator` of
`indicators.csv`, in the order written. Flows are summed over the year's steps, stocks are
read at the end of the year, ratios divide flows or stocks; money is in the scenario's
currency (`{currency}`: CNY or USD). Contract indicators are
written by every run (`REQUIRED`); the others are extras the indices, the dashboard and the
report read.
"""


def render_indicators() -> str:
    lines = [
        INDICATORS_HEADER,
        "| indicator | unit | flow, stock or ratio | contract | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in indicator_table():
        lines.append(
            f"| `{row['name']}` | {row['unit']} | {row['measure']} | {row['contract']} "
            f"| {row['meaning']} |"
        )
    return "\n".join(lines) + "\n"


#: generated files under docs/ and what renders them
GENERATED = {"PARAMETERS.md": render, "INDICATORS.md": render_indicators}


def main() -> int:
    docs = Path(__file__).resolve().parents[1] / "docs"
    for name, make in GENERATED.items():
        (docs / name).write_text(make(), encoding="utf-8")
        print(f"wrote {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
