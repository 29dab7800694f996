"""Mesa agents: the faces of the array-backed populations.

The arrays in :mod:`sim.model.state` are the single source of truth; each Mesa agent holds
only its ``row`` and reads its attributes from the arrays. This keeps Mesa's API (AgentSet,
``model.agents_by_type``, the visual server) while the hot path stays vectorised. Attribute
access here is for people and tools, not for mechanisms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel

OWNERSHIP = ("private", "state-owned", "foreign-invested", "spin-off", "university")
ORIGINS = ("domestic", "returnee", "foreign")
SOURCES = ("government", "soe", "private", "foreign", "angel")


class EndedAgentError(LookupError):
    """Reading a face whose agent has left the model (its row ended or was reused)."""


class _Face(mesa.Agent):
    """An agent whose state lives in a row of one of the model's populations.

    A face is only valid while its row still belongs to it: firms close and people leave
    mid-year (the row turns inactive), and the yearly compaction hands rows to other agents.
    ``active`` says whether the face still stands for a live agent; reading an attribute of
    an ended face raises :class:`EndedAgentError` instead of returning another agent's data.
    """

    model: EcosystemModel
    #: the model population holding this class's rows
    population_name = "orgs"

    def __init__(self, model: EcosystemModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    @property
    def active(self) -> bool:
        """True while the agent is in the model: its row is live and still its own."""
        pop = getattr(self.model, self.population_name)
        r = self.row
        return bool(0 <= r < pop.n and pop["active"][r] and int(pop["uid"][r]) == self.unique_id)

    def _r(self) -> int:
        """This face's row, checked: an ended agent has no row to read."""
        if not self.active:
            raise EndedAgentError(
                f"{type(self).__name__} {self.unique_id} has left the model (closed, moved "
                "away or retired); its row now belongs to nobody or to another agent. "
                "Check `agent.active` before reading, or re-read `model.agents`."
            )
        return self.row

    def step(self) -> None:  # the model steps populations, not agents
        """Mechanisms act on whole populations at once; see EcosystemModel.step."""


class Firm(_Face):
    """A technology firm (or a group of ``weight`` similar firms: one agent stands for
    ``weight`` real firms, so sums over agents multiply by it).

    ``model.agents_by_type[Firm]`` holds firms only; a :class:`University` is a ``Firm``
    subclass kept under its own type (``isinstance(u, Firm)`` is true).
    """

    population_name = "orgs"

    def _get(self, column: str) -> Any:
        return self.model.orgs[column][self._r()]

    weight = property(lambda self: float(self._get("weight")))
    employees = property(lambda self: float(self._get("emp")))
    revenue = property(lambda self: float(self._get("rev")))
    park = property(lambda self: self.model.park_ids[int(self._get("park"))])
    sector = property(lambda self: f"C{int(self._get('sector')) + 1}")
    ownership = property(lambda self: OWNERSHIP[int(self._get("kind"))])
    listed = property(lambda self: bool(self._get("listed")))
    valuation = property(lambda self: float(self._get("valuation")))
    grants_equity = property(lambda self: bool(self._get("equity")))


class University(Firm):
    """A university or research institute: a source of talent, knowledge and spin-offs."""

    researchers = property(lambda self: float(self._get("emp")))
    research_budget = property(lambda self: float(self._get("budget")))


class Talent(_Face):
    """A group of ``weight`` people (researchers, engineers, founders) who move together."""

    population_name = "talent"

    def _get(self, column: str) -> Any:
        return self.model.talent[column][self._r()]

    weight = property(lambda self: float(self._get("weight")))
    age = property(lambda self: float(self._get("age")))
    origin = property(lambda self: ORIGINS[int(self._get("origin"))])
    bachelor_plus = property(lambda self: bool(self._get("edu")))

    @property
    def employer(self) -> int | None:
        """Unique id of the employing firm or university, None when between jobs."""
        row = int(self._get("employer"))
        return None if row < 0 else int(self.model.orgs["uid"][row])


class VCInvestor(_Face):
    """A venture investor (or a group of ``weight`` similar investors) of one source."""

    population_name = "investors"

    def _get(self, column: str) -> Any:
        return self.model.investors[column][self._r()]

    weight = property(lambda self: float(self._get("weight")))
    source = property(lambda self: SOURCES[int(self._get("source"))])
    invested = property(lambda self: float(self._get("invested")))


class SubPark(_Face):
    """One of the region's sub-parks, with its floor space and rent."""

    population_name = "parks"

    def _get(self, column: str) -> Any:
        return self.model.parks[column][self._r()]

    park_id = property(lambda self: self.model.park_ids[self._r()])
    rent = property(lambda self: float(self._get("rent")))
    floor_space = property(lambda self: float(self._get("capacity")))
    occupancy = property(lambda self: float(self._get("occupancy")))
