"""Mesa agents: the faces of the array-backed populations.

The arrays in :mod:`sim.model.state` are the single source of truth; each Mesa agent holds
only its ``row`` and reads its attributes from the arrays. This keeps Mesa's API (AgentSet,
``model.agents_by_type``, the visual server) while the hot path stays vectorised. Attribute
access here is for people and tools, not for mechanisms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel
    from sim.model.state import Population

OWNERSHIP = ("private", "state-owned", "foreign-invested", "spin-off", "university")
ORIGINS = ("domestic", "returnee", "foreign")
SOURCES = ("government", "soe", "private", "foreign", "angel")


class _Face(mesa.Agent):
    """An agent whose state lives in a row of one of the model's populations."""

    model: EcosystemModel

    def __init__(self, model: EcosystemModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    def step(self) -> None:  # the model steps populations, not agents
        """Mechanisms act on whole populations at once; see EcosystemModel.step."""


class Firm(_Face):
    """A technology firm (or a group of similar small firms, see ``weight``)."""

    @property
    def _o(self) -> Population:
        return self.model.orgs

    weight = property(lambda self: float(self._o["weight"][self.row]))
    employees = property(lambda self: float(self._o["emp"][self.row]))
    revenue = property(lambda self: float(self._o["rev"][self.row]))
    park = property(lambda self: self.model.park_ids[int(self._o["park"][self.row])])
    sector = property(lambda self: f"C{int(self._o['sector'][self.row]) + 1}")
    ownership = property(lambda self: OWNERSHIP[int(self._o["kind"][self.row])])
    listed = property(lambda self: bool(self._o["listed"][self.row]))
    valuation = property(lambda self: float(self._o["valuation"][self.row]))
    grants_equity = property(lambda self: bool(self._o["equity"][self.row]))


class University(Firm):
    """A university or research institute: a source of talent, knowledge and spin-offs."""

    researchers = property(lambda self: float(self.model.orgs["emp"][self.row]))
    research_budget = property(lambda self: float(self.model.orgs["budget"][self.row]))


class Talent(_Face):
    """A group of people (researchers, engineers, founders) who move together in the model."""

    weight = property(lambda self: float(self.model.talent["weight"][self.row]))
    age = property(lambda self: float(self.model.talent["age"][self.row]))
    origin = property(lambda self: ORIGINS[int(self.model.talent["origin"][self.row])])
    bachelor_plus = property(lambda self: bool(self.model.talent["edu"][self.row]))

    @property
    def employer(self) -> int | None:
        """Unique id of the employing firm or university, None when between jobs."""
        row = int(self.model.talent["employer"][self.row])
        return None if row < 0 else int(self.model.orgs["uid"][row])


class VCInvestor(_Face):
    """A venture investor (or a group of similar investors) of one funding source."""

    weight = property(lambda self: float(self.model.investors["weight"][self.row]))
    source = property(lambda self: SOURCES[int(self.model.investors["source"][self.row])])
    invested = property(lambda self: float(self.model.investors["invested"][self.row]))


class SubPark(_Face):
    """One of the region's sub-parks, with its floor space and rent."""

    park_id = property(lambda self: self.model.park_ids[self.row])
    rent = property(lambda self: float(self.model.parks["rent"][self.row]))
    floor_space = property(lambda self: float(self.model.parks["capacity"][self.row]))
    occupancy = property(lambda self: float(self.model.parks["occupancy"][self.row]))
