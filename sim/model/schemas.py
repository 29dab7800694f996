"""Columns of the four array populations: name -> (dtype, default[, rows of]).

The columns here are an agent's identity, set when it is created and read by every
mechanism; each mechanism declares the columns it owns in its ``Mechanism(columns=...)``,
and :mod:`sim.model.mechanisms` assembles both into the populations' schemas.

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


def columns(spec: dict[str, tuple[Any, ...]]) -> dict[str, Column]:
    """Columns from ``name: (dtype, default[, rows of])`` pairs."""
    return {name: Column(*decl) for name, decl in spec.items()}


#: the populations and their identity columns. Firms and universities share one population
#: ("organisations") so that knowledge, collaboration and employment work the same for both;
#: ``is_univ`` tells them apart.
BASE_COLUMNS: dict[str, dict[str, Column]] = {
    "orgs": columns(
        {
            "active": (bool, False),
            "is_univ": (bool, False),
            "uid": (np.int64, -1),
            "fid": (np.int64, -1),  # permanent id of the row's firm (kept through compaction)
            "root": (np.int64, -1),  # fid of the firm it was split from (own fid if never)
            "weight": (np.float64, 1.0),
            "park": (np.int16, 0),
            "sector": (np.int8, 0),  # codes.Cluster
            "kind": (np.int8, 0),  # codes.Ownership
            "manuf": (bool, False),  # has general manufacturing stages
            "born": (np.float64, 0.0),
        }
    ),
    "talent": columns(
        {
            "active": (bool, False),
            "uid": (np.int64, -1),
            "weight": (np.float64, 1.0),
            "origin": (np.int8, 0),  # codes.Origin
            "edu": (bool, False),  # bachelor or higher
        }
    ),
    "investors": columns(
        {
            "active": (bool, False),
            "uid": (np.int64, -1),
            "weight": (np.float64, 1.0),
            "source": (np.int8, 0),  # codes.Source
        }
    ),
    "parks": columns(
        {
            "active": (bool, True),
            "uid": (np.int64, -1),
            "core": (bool, False),
            "rent0": (np.float64, 0.0),
            "amenity": (np.float64, 0.5),
            "area": (np.float64, 1.0),
            "firm_share": (np.float64, 0.0),
            "large_bias": (np.float64, 1.0),
        }
    ),
}
