"""Yearly compaction of the populations: drop ended rows and remap every reference.

Firms and people come and go all the time here (a tenth of the firms are born or die each
year), so rows of ended agents would soon make up half of every array and half of every
vectorised operation. Once a year, after the indicators are recorded, ended rows are dropped
and all references (employers, alumni ties, R&D ties, investment ties, Mesa agents' rows,
graph node attributes) are remapped. Mechanisms never hold row numbers across steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import jit
from sim.model.state import Population, compact

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


def _remap_faces(m: EcosystemModel, name: str, keep: np.ndarray, new_index: np.ndarray) -> None:
    faces = m._faces[name]
    remapped = {}
    for row, agent in faces.items():
        if keep[row]:
            agent.row = int(new_index[row])
            remapped[agent.row] = agent
        else:
            agent.remove()
    m._faces[name] = remapped


#: populations compacted each year, in this order (investors and parks keep their rows)
COMPACTED = ("orgs", "talent")


def compact_model(m: EcosystemModel) -> None:
    """Drop ended rows of the compacted populations and remap every reference to them:
    the columns declared as row references (``schemas.Column.refers_to``), the tie lists
    over organisations, the Mesa faces and the graph's row attributes."""
    populations: dict[str, Population] = {
        "orgs": m.orgs,
        "talent": m.talent,
        "investors": m.investors,
        "parks": m.parks,
    }
    for name in COMPACTED:
        pop = populations[name]
        keep = pop["active"].copy()
        if keep.all():
            continue
        new_index = compact(pop, keep)
        refs = [
            holder[column]
            for holder in populations.values()
            for column, decl in holder.schema.items()
            if decl.refers_to == name
        ]
        if jit.ENABLED:
            for ref in refs:
                _remap_kernel(ref, new_index)
        else:
            # one gather per reference column: "none" (-1) reads the -1 appended at the end
            lookup = np.append(new_index, -1)
            for ref in refs:
                ref[:] = np.take(lookup, np.maximum(ref, -1))
        if name == "orgs":
            m.ties.remap(new_index)
            if len(m.investments):  # the ties of kept firms, renumbered (a new log)
                m.investments = m.investments.remapped(new_index)
        _remap_faces(m, name, keep, new_index)
    m._graph.refresh_rows(m._faces)


@jit.kernel
def _remap_kernel(refs: np.ndarray, new_index: np.ndarray) -> None:
    """``refs = new_index[refs]`` in place, every negative reference ("none") becoming -1,
    as the numpy path's gather from the map with -1 appended does."""
    for i in range(refs.size):
        r = refs[i]
        refs[i] = new_index[r] if r >= 0 else -1
