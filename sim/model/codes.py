"""The categorical codes stored in the population arrays, one IntEnum each.

Arrays hold the integer values (int8 columns); mechanisms compare against these names, never
against bare numbers, and labels for people come from the member names.
"""

from __future__ import annotations

from enum import IntEnum


class Ownership(IntEnum):
    """``orgs.kind``: who owns an organisation."""

    PRIVATE = 0
    SOE = 1  # state-owned
    FOREIGN_INVESTED = 2
    SPINOFF = 3  # spun off a university or institute
    UNIVERSITY = 4


#: ownership of firms drawn at the start, in the order of their shares in the parameters
FIRM_OWNERSHIP = (Ownership.PRIVATE, Ownership.SOE, Ownership.FOREIGN_INVESTED, Ownership.SPINOFF)


class Origin(IntEnum):
    """``talent.origin``: where a person comes from."""

    DOMESTIC = 0
    RETURNEE = 1
    FOREIGN = 2


class Source(IntEnum):
    """``investors.source``: the kind of money a venture investor manages."""

    GOVERNMENT = 0
    SOE = 1
    PRIVATE = 2
    FOREIGN = 3
    ANGEL = 4


#: sources whose investors are state money (government priorities, early-stage bias)
STATE_SOURCES = (Source.GOVERNMENT, Source.SOE)


class TieKind(IntEnum):
    """``ties.kind``: organisation-organisation ties."""

    RD = 0  # R&D collaboration between firms
    CONTRACT = 1  # technology contract with a university


class Cluster(IntEnum):
    """``orgs.sector``: the six industrial clusters C1..C6 (names in ``params.CLUSTER_NAMES``)."""

    C1 = 0
    C2 = 1
    C3 = 2
    C4 = 3
    C5 = 4
    C6 = 5

    @classmethod
    def of(cls, label: str) -> Cluster:
        """The code of a scenario's cluster label (``"C3"`` -> ``Cluster.C3``)."""
        return cls[label]


#: clusters with general manufacturing stages: manufacturing, energy, transport
MANUFACTURING_CLUSTERS = (Cluster.C3, Cluster.C4, Cluster.C5)
