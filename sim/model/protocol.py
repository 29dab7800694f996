"""The module protocol: what every mechanism and every indicator declares, once.

A *mechanism* (one file under ``sim/model/processes``) declares

- the parameter blocks it reads (``params``: names of :class:`~sim.model.params.ModelParams`
  blocks),
- the per-agent columns it owns (``columns``: population -> name -> Column, row references
  marked; identity columns every mechanism reads are in :mod:`sim.model.schemas`),
- its scalar state, a dataclass with every field typed and defaulted (the model holds one
  instance per mechanism in :class:`~sim.model.mechanisms.ModelState`; nothing is created
  lazily on the model),
- ``init`` (run once, after the populations are drawn, in the documented order),
- ``step`` (run every time step, in the documented order),
- ``close_year`` (run at the end of each year, before the indicators are read: year-end
  bookkeeping such as marking firms already counted, so that reading indicators changes
  nothing).

An *indicator* (see :mod:`sim.model.indicators`) declares its name, unit (``{currency}``
stands for the scenario's currency code), whether it is a flow (summed over the year's
steps), a stock (read at year end) or a ratio of those, its meaning and the function that
computes it from the model's state. The order of mechanisms is the order of a step; the
order of indicators is the order of ``indicators.csv`` (a contract).

The shape follows Starsim's modules (``define_pars``, ``define_states``, ``define_results``,
``init``, ``step``), with ecosim's pydantic parameter blocks in place of ``define_pars``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sim.model.schemas import Column

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel

Hook = Callable[["EcosystemModel"], None]


def _nothing(m: EcosystemModel) -> None:
    """The default hook: a mechanism without set-up or year-end work."""


@dataclass(frozen=True)
class Mechanism:
    """One mechanism of the model: its parameters, scalar state and hooks."""

    name: str
    summary: str
    params: tuple[str, ...]
    state: type[Any]
    step: Hook
    columns: Mapping[str, Mapping[str, Column]] = field(default_factory=dict)
    init: Hook = _nothing
    close_year: Hook = _nothing


class Measure(StrEnum):
    """How an indicator aggregates over a year."""

    FLOW = "flow"  # summed over the year's steps
    STOCK = "stock"  # read at the end of the year
    RATIO = "ratio"  # a ratio of flows or stocks (a share, a rate, a mean)


@dataclass(frozen=True)
class Indicator:
    """One yearly output: name (the column contract), unit, flow or stock, meaning, formula.

    ``contract`` marks the indicators every run must write (``REQUIRED``); the others are
    extras that the indices, the dashboard and the report read.
    """

    name: str
    unit: str
    measure: Measure
    meaning: str
    compute: Callable[[Any], float]
    contract: bool = True
