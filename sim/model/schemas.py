"""Column declarations of the four array populations: name -> (dtype, default[, rows of]).

A third element marks a *row reference*: the column holds row numbers of the named
population (-1: none), and the yearly compaction remaps it when that population's rows move
(``sim.model.compaction``), so a new reference column needs no compaction code.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

NEG_INF = -np.inf


class Column(NamedTuple):
    """One per-agent attribute: its dtype, the value of a fresh row, and, for a row
    reference, the population whose rows it holds."""

    dtype: Any
    default: Any
    refers_to: str | None = None


def _columns(spec: dict[str, tuple[Any, ...]]) -> dict[str, Column]:
    return {name: Column(*decl) for name, decl in spec.items()}


#: firms and universities share one population ("organisations") so that knowledge,
#: collaboration and employment work the same for both; ``is_univ`` tells them apart.
ORG_SCHEMA = _columns(
    {
        "active": (bool, False),
        "is_univ": (bool, False),
        "uid": (np.int64, -1),
        "weight": (np.float64, 1.0),
        "park": (np.int16, 0),
        "sector": (np.int8, 0),  # codes.Cluster
        "kind": (np.int8, 0),  # codes.Ownership
        "manuf": (bool, False),  # has general manufacturing stages
        "born": (np.float64, 0.0),
        "emp": (np.float64, 0.0),  # employees of one real firm (researchers for a university)
        "log_prod": (np.float64, 0.0),  # log revenue per employee (knowledge level)
        "rd": (np.float64, 0.0),  # R&D intensity
        "rev": (np.float64, 0.0),  # revenue rate, currency/yr
        "va": (np.float64, 0.0),
        "rd_spend": (np.float64, 0.0),
        "rent_bill": (np.float64, 0.0),
        "cash": (np.float64, 0.0),
        "equity": (bool, False),  # grants employee equity
        "listed": (bool, False),
        "vc_backed": (bool, False),
        "post_money": (np.float64, 0.0),
        "rev_at_round": (np.float64, 0.0),
        "last_round": (np.float64, NEG_INF),
        "valuation": (np.float64, 0.0),
        "relocated": (bool, False),
        "branches": (np.float64, 0.0),
        "budget": (np.float64, 0.0),  # research budget of a university, currency/yr
        "exposure": (np.float64, 0.0),  # spillover exposure (mean positive knowledge gap)
        "partners": (np.float64, 0.0),  # R&D partners plus alumni bridges
        "aged3_counted": (bool, False),
    }
)

TALENT_SCHEMA = _columns(
    {
        "active": (bool, False),
        "uid": (np.int64, -1),
        "weight": (np.float64, 1.0),
        "employer": (np.int64, -1, "orgs"),  # org row, -1 between jobs
        "alumni": (np.int64, -1, "orgs"),  # org row of the last former employer, -1 none
        "origin": (np.int8, 0),  # codes.Origin
        "edu": (bool, False),  # bachelor or higher
        "age": (np.float64, 30.0),
    }
)

INVESTOR_SCHEMA = _columns(
    {
        "active": (bool, False),
        "uid": (np.int64, -1),
        "weight": (np.float64, 1.0),
        "source": (np.int8, 0),  # codes.Source
        "invested": (np.float64, 0.0),
    }
)

PARK_SCHEMA = _columns(
    {
        "active": (bool, True),
        "uid": (np.int64, -1),
        "core": (bool, False),
        "rent0": (np.float64, 0.0),
        "rent": (np.float64, 0.0),
        "escalation": (np.float64, 1.0),
        "capacity": (np.float64, 0.0),
        "occupancy0": (np.float64, 0.9),
        "occupancy": (np.float64, 0.9),
        "amenity": (np.float64, 0.5),
        "area": (np.float64, 1.0),
        "firm_share": (np.float64, 0.0),
        "large_bias": (np.float64, 1.0),
    }
)
