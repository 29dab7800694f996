"""The mechanisms of one time step, in their documented order, and the state they keep.

``MECHANISMS`` is the order of a step (docs/MODEL.md, "Process overview"): each mechanism
reads what the ones before it wrote in the same step. Set-up (``init``) and year-end work
(``close_year``) run in the same order. :class:`ModelState` holds one typed scalar-state
object per mechanism, so every scalar the model keeps is declared in one place with its
type and meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.processes import collaboration, entry, firms, funding, places, production, talent
from sim.model.protocol import Mechanism
from sim.model.schemas import BASE_COLUMNS, Column

MECHANISMS: tuple[Mechanism, ...] = (
    places.MECHANISM,  # rents, cost of living, wages
    production.MECHANISM,  # revenue, value added, profit, productivity, patents
    collaboration.MECHANISM,  # R&D ties grow and decay, spillover exposure
    funding.MECHANISM,  # VC rounds, valuations, listings, investor confidence
    firms.MECHANISM,  # growth, hiring, exits, relocation, branches, equity adoption
    talent.MECHANISM,  # departures, arrivals, graduates, job moves, ageing
    entry.MECHANISM,  # founding and spin-offs
)


def population_schema(population: str) -> dict[str, Column]:
    """The columns of a population: its identity columns, then each mechanism's, in order."""
    cols = dict(BASE_COLUMNS[population])
    for mech in MECHANISMS:
        for name, col in mech.columns.get(population, {}).items():
            if name in cols:
                raise ValueError(f"column {population}.{name} is declared twice")
            cols[name] = col
    return cols


ORG_SCHEMA = population_schema("orgs")
TALENT_SCHEMA = population_schema("talent")
INVESTOR_SCHEMA = population_schema("investors")
PARK_SCHEMA = population_schema("parks")


@dataclass
class ModelState:
    """The scalar state of every mechanism (arrays live in the populations)."""

    places: places.PlacesState = field(default_factory=places.PlacesState)
    production: production.ProductionState = field(default_factory=production.ProductionState)
    collaboration: collaboration.CollaborationState = field(
        default_factory=collaboration.CollaborationState
    )
    funding: funding.FundingState = field(default_factory=funding.FundingState)
    firms: firms.FirmsState = field(default_factory=firms.FirmsState)
    talent: talent.TalentState = field(default_factory=talent.TalentState)
    entry: entry.EntryState = field(default_factory=entry.EntryState)

    def __post_init__(self) -> None:
        for mech in MECHANISMS:  # every mechanism's state is here, with its declared type
            assert isinstance(getattr(self, mech.name), mech.state), mech.name
