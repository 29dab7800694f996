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

from sim.model.state import compact

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


def compact_model(m: EcosystemModel) -> None:
    o, tl = m.orgs, m.talent
    keep_o = o["active"].copy()
    if not keep_o.all():
        new_o = compact(o, keep_o)
        emp, alum = tl["employer"], tl["alumni"]
        tl["employer"] = np.where(emp >= 0, new_o[np.maximum(emp, 0)], -1)
        tl["alumni"] = np.where(alum >= 0, new_o[np.maximum(alum, 0)], -1)
        m.ties.remap(new_o)
        if m.inv_firm:
            fb = new_o[np.asarray(m.inv_firm)]
            va = np.asarray(m.inv_vc)
            ok = fb >= 0
            m.inv_firm, m.inv_vc = fb[ok].tolist(), va[ok].tolist()
        _remap_faces(m, "orgs", keep_o, new_o)
    keep_t = tl["active"].copy()
    if not keep_t.all():
        new_t = compact(tl, keep_t)
        _remap_faces(m, "talent", keep_t, new_t)
    m._graph.refresh_rows(m._faces)
