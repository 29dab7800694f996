"""The scenario file schema: one pydantic model per block, unknown keys rejected.

The same schema drives validation, ``ecosim scenarios --explain``, the docs and the bounds
of sensitivity sweeps. A scenario turns into the model's :class:`~sim.model.RunConfig`;
the model never sees the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from sim.model.config import RunConfig
from sim.model.fields import Block, P, check_year_span
from sim.model.params import RegionParams
from sim.model.policy import HistoryStep, Levers, Shocks


class Currency(Block):
    """The currency every money figure of the scenario is in."""

    code: Literal["CNY", "USD"] = Field("CNY", description="currency of all money figures")
    per_usd: float = P(6.5, 1e-6, 1e6, "currency/USD", "units of the currency per US dollar")


class Scenario(Block):
    """A scenario file, after ``extends`` is resolved and overrides are applied."""

    name: str = Field(
        description="short name, used for output folders", pattern=r"^[A-Za-z0-9_.-]{1,80}$"
    )
    description: str = Field("", description="what the scenario stands for, with sources")
    region: Literal["ZGC", "SV"] = Field(
        "ZGC", description="which observed targets apply (ZGC or SV)"
    )
    currency: Currency = Field(default_factory=Currency, description="currency and USD rate")
    start_year: int = P(2010, 1980, 2100, "year", "first simulated year")
    end_year: int = P(2025, 1980, 2100, "year", "last simulated year (inclusive)")
    seed: int = P(20101, 0, 2**32 - 1, "integer", "root seed of the random number streams")
    scale: float = Field(
        0.1,
        gt=0,
        le=1,
        description="fraction of the real population simulated as agents",
        json_schema_extra={"unit": "share"},
    )
    parameters: RegionParams = Field(
        default_factory=RegionParams, description="model parameters, one block per mechanism"
    )
    history: list[HistoryStep] = Field(
        default_factory=list, description="policies that happened, as dated lever steps"
    )
    levers: Levers = Field(default_factory=Levers, description="the policy question")
    shocks: Shocks = Field(default_factory=Shocks, description="exogenous conditions")

    #: where each value came from (files, lines, overrides); set by the loader
    _source: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        check_year_span(self.start_year, self.end_year)
        return self

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str]) -> Scenario:
        """A new scenario with ``{"dotted.path": value}`` applied, validated like ``--set``.

        >>> s = Scenario(name="demo").with_overrides({"parameters.labour.job_mobility": 0.2})
        >>> s.parameters.labour.job_mobility
        0.2
        """
        from sim.scenario.values import with_values

        return with_values(self, overrides)

    def to_run_config(self) -> RunConfig:
        """The model's input: everything but the file-level metadata."""
        return RunConfig(
            start_year=self.start_year,
            end_year=self.end_year,
            scale=self.scale,
            usd_rate=self.currency.per_usd,
            params=self.parameters,
            history=self.history,
            levers=self.levers,
            shocks=self.shocks,
        )
