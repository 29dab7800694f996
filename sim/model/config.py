"""The validated input of one simulation: parameters, policy and time span.

The model core takes a :class:`RunConfig` and a seed. It knows nothing of files: the scenario
layer builds a RunConfig from YAML.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.model.fields import Block, P, check_year_span
from sim.model.params import RegionParams
from sim.model.policy import HistoryStep, Levers, Shocks


class RunConfig(Block):
    """Everything one simulation needs besides its seed."""

    start_year: int = P(2010, 1980, 2100, "year", "first simulated year")
    end_year: int = P(2025, 1980, 2100, "year", "last simulated year (inclusive)")
    scale: float = Field(
        0.1,
        gt=0,
        le=1,
        description="fraction of the real population simulated as agents",
        json_schema_extra={"unit": "share"},
    )
    usd_rate: float = P(6.5, 1e-6, 1e6, "currency/USD", "units of the currency per US dollar")
    params: RegionParams = Field(default_factory=RegionParams, description="model parameters")
    history: list[HistoryStep] = Field(default_factory=list, description="policy history")
    levers: Levers = Field(default_factory=Levers, description="policy levers")
    shocks: Shocks = Field(default_factory=Shocks, description="exogenous shocks")

    @model_validator(mode="after")
    def _years(self) -> RunConfig:
        check_year_span(self.start_year, self.end_year)
        return self
