"""The docs tell the truth: every parameter is documented in the ODD description, and the
generated parameter table matches the schema."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from sim.docsgen import GENERATED, render
from sim.model.params import ModelParams

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_parameter_is_named_in_model_md():
    text = (DOCS / "MODEL.md").read_text(encoding="utf-8")
    missing = []
    for block, info in ModelParams.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            for name in ann.model_fields:
                if f"`{block}.{name}`" not in text and f"{block}.{name}`" not in text:
                    missing.append(f"{block}.{name}")
    assert not missing, f"parameters not described in docs/MODEL.md: {missing}"


def test_parameter_table_is_up_to_date():
    assert (DOCS / "PARAMETERS.md").read_text(encoding="utf-8") == render(), (
        "docs/PARAMETERS.md is stale: run `python -m sim.docsgen`"
    )


def test_generated_docs_are_up_to_date():
    for name, make in GENERATED.items():
        assert (DOCS / name).read_text(encoding="utf-8") == make(), (
            f"docs/{name} is stale: run `python -m sim.docsgen`"
        )
