"""The ecosystem model: populations, mechanisms in a fixed order, yearly indicators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import networkx as nx
import numpy as np

from sim.model.agents import Firm, SubPark, Talent, University, VCInvestor
from sim.model.codes import TieKind
from sim.model.compaction import compact_model
from sim.model.config import RunConfig
from sim.model.deals import DealLog
from sim.model.flows import YearFlows
from sim.model.indicators import record_year
from sim.model.init import populate
from sim.model.investments import InvestmentLog
from sim.model.mechanisms import (
    INVESTOR_SCHEMA,
    MECHANISMS,
    ORG_SCHEMA,
    PARK_SCHEMA,
    TALENT_SCHEMA,
    ModelState,
)
from sim.model.network import KIND_CODE, GraphView, TieStore
from sim.model.params import CLUSTERS
from sim.model.policy import PolicyState, schedule_for
from sim.model.state import Population


class EcosystemModel(mesa.Model):
    """Firms, talent, VC investors, universities and sub-parks on a collaboration graph.

    Args:
        config: validated parameters, policy history, levers, shocks and time span.
        rng: seed (or numpy Generator); every random draw of the run comes from ``self.rng``.
    """

    def __init__(self, config: RunConfig | None = None, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        if rng is None or isinstance(rng, (int, np.integer)):
            # SFC64 rather than Mesa's default PCG64: the same seed discipline (one generator,
            # every draw from it), about half the cost per uniform and a fifth less per
            # normal, which matters for the hundreds of thousands of draws a step makes.
            # A Generator passed in by the caller is used as it is.
            self.rng = np.random.Generator(np.random.SFC64(self._seed))
            self._rng = self.rng.bit_generator.state
        self.cfg = config or RunConfig()
        self.p = self.cfg.params
        self.scale = float(self.cfg.scale)
        self.steps_per_year = int(self.p.steps_per_year)
        self.dt = 1.0 / self.steps_per_year
        self.t0 = float(self.cfg.start_year)
        self.t = self.t0
        self.year = self.cfg.start_year
        self.end_year = self.cfg.end_year
        self.usd_rate = float(self.cfg.usd_rate)
        self.talent_weight = self.p.population.people_per_talent_agent / self.scale
        self.running = True

        self.schedule = schedule_for(self.p, self.cfg.history, self.cfg.levers, self.cfg.shocks)
        self.policy: PolicyState = self.schedule.at(self.t)

        # populations (arrays are the truth; Mesa agents are faces)
        self.orgs = Population(ORG_SCHEMA, 4096)
        self.talent = Population(TALENT_SCHEMA, 8192)
        self.investors = Population(INVESTOR_SCHEMA, 256)
        self.parks = Population(PARK_SCHEMA, 32)
        self.ties = TieStore(4096)  # org-org R&D ties and technology contracts
        self.coinvest = TieStore(256)  # investor-investor syndication ties
        self.investments = InvestmentLog()  # investment ties (investor row, firm row)
        self._graph = GraphView()

        # scalar state of each mechanism, and the flows of the current year
        self.state = ModelState()
        self.flows = YearFlows()
        self.records: list[dict[str, float]] = []
        self.next_fid = 0  # permanent organisation ids (see init.new_fids)
        self.deal_log = DealLog()  # venture rounds and their outcomes (stylised fact F6)

        self._build_parks()
        populate(self)
        self._faces: dict[str, dict[int, mesa.Agent]] = {
            "orgs": {},
            "talent": {},
            "investors": {},
            "parks": {},
        }
        self._by_uid: dict[int, mesa.Agent] = {}  # unique_id -> face (graph node lookup)
        for mechanism in MECHANISMS:
            mechanism.init(self)

    # ------------------------------------------------------------------ set-up helpers
    def _build_parks(self) -> None:
        specs = self.p.sub_parks
        self.park_ids = [s.id for s in specs]
        self.park_names = [s.name or s.id for s in specs]
        total = sum(s.firm_share for s in specs)
        self.parks.add(
            len(specs),
            active=True,
            core=[s.core for s in specs],
            rent0=[s.rent for s in specs],
            rent=[s.rent for s in specs],
            amenity=[s.amenity for s in specs],
            area=[s.area_km2 for s in specs],
            firm_share=[s.firm_share / total for s in specs],
            large_bias=[s.large_firm_bias for s in specs],
        )
        self.park_clusters = np.array(
            [[c in s.clusters for c in CLUSTERS] for s in specs], dtype=bool
        )

    # ------------------------------------------------------------------ Mesa faces
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All Mesa agents, brought up to date with the arrays when read."""
        self._sync_faces()
        return self._all_agents

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        """Agents by exact class (``Firm`` excludes ``University``), synced when read."""
        self._sync_faces()
        by_type: dict[type[mesa.Agent], mesa.agent.AgentSet] = self._agents_by_type
        return by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent classes present, synced like ``agents`` (DataCollector reads this first)."""
        self._sync_faces()
        return list(self._agents_by_type.keys())

    def agent_by_id(self, unique_id: int) -> mesa.Agent:
        """The live agent with ``unique_id`` (a node of ``model.graph``); KeyError if none."""
        self._sync_faces()
        agent = self._by_uid.get(int(unique_id))
        if agent is None or not agent.active:
            raise KeyError(f"no live agent with unique_id {unique_id}")
        return agent

    def n_agents(self) -> int:
        """Number of live agents of all classes, read from the arrays (no faces needed)."""
        return sum(p.count_active() for p in (self.orgs, self.talent, self.investors, self.parks))

    def _sync_faces(self) -> None:
        """Create Mesa agents for new rows and remove those of rows no longer active.

        Faces are a view, materialised when someone reads ``agents`` (the visual server
        every step, tools at the end of a run); the mechanisms never need them, so a
        headless run pays nothing for rows that come and go between two reads.
        """
        if not hasattr(self, "_faces"):
            return
        for pop_name, pop, cls_of in (
            ("parks", self.parks, lambda r: SubPark),
            ("orgs", self.orgs, lambda r: University if self.orgs["is_univ"][r] else Firm),
            ("talent", self.talent, lambda r: Talent),
            ("investors", self.investors, lambda r: VCInvestor),
        ):
            faces = self._faces[pop_name]
            active = pop["active"]
            uid = pop["uid"]
            new_rows = np.flatnonzero(active & (uid < 0))
            for r in new_rows.tolist():
                agent = cls_of(r)(self, r)
                faces[r] = agent
                uid[r] = agent.unique_id
                self._by_uid[agent.unique_id] = agent
            gone = np.flatnonzero(~active & (uid >= 0))
            uid[~active & (uid == -1)] = -2  # came and went unseen: never gets a face
            for r in gone.tolist():
                agent = faces.pop(r, None)
                if agent is not None:
                    agent.remove()
                    self._by_uid.pop(agent.unique_id, None)
                uid[r] = -2  # retired: never gets a face again
        if len(self._by_uid) > 2 * len(self._all_agents) + 64:  # drop faces ended by compaction
            self._by_uid = {u: a for u, a in self._by_uid.items() if a.active}

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one time step (a quarter by default); record indicators at year end.

        The loop is the documented one: every mechanism's ``step`` in order; at the end of
        a year every mechanism's ``close_year`` in order, then the indicators are read
        (without side effects), the year's flows reset and the populations compacted.

        After the end year the model stops (``running`` is False) and further steps, for
        example from Mesa's ``run_for``/``run_until``, do nothing.
        """
        if not self.running:
            return
        self.policy = self.schedule.at(self.t)
        for mechanism in MECHANISMS:
            mechanism.step(self)
        self.t = self.t0 + self.steps * self.dt
        if self.steps % self.steps_per_year == 0:
            for mechanism in MECHANISMS:
                mechanism.close_year(self)
            self.records.append(record_year(self))
            self.flows = YearFlows()
            compact_model(self)
            self.year += 1
            if self.year > self.end_year:
                self.running = False

    def run(self) -> list[dict[str, float]]:
        """Run to the end year; return the yearly indicator records."""
        while self.running:
            self.step()
        return self.records

    # ------------------------------------------------------------------ graph view
    @property
    def graph(self) -> nx.Graph:
        """The collaboration graph (nodes: agents' unique_id), synced with the arrays.

        A read-only view: networkx algorithms work on it, but removing nodes (say, for a
        robustness test) needs a copy, ``model.graph.copy()``, so the model's own graph is
        never changed from outside. Edge kinds and node attributes (``park``, ``row``) are
        those of the arrays at the time of reading; ``model.agent_by_id(node)`` gives the
        agent of a node.
        """
        g = self._graph.sync(*self.graph_arrays())
        self._refresh_node_parks(g)
        return g.copy(as_view=True)

    def _refresh_node_parks(self, g: nx.Graph) -> None:
        """Firms relocate between sub-parks: keep the ``park`` attribute of org nodes true."""
        o = self.orgs
        act = o["active"] & (o["uid"] >= 0)
        nodes = g.nodes
        park_ids = self.park_ids
        for uid, park in zip(o["uid"][act].tolist(), o["park"][act].tolist(), strict=True):
            data = nodes.get(uid)
            if data is not None:
                name = park_ids[park]
                if data.get("park") != name:
                    data["park"] = name

    def graph_arrays(
        self,
    ) -> tuple[
        np.ndarray,
        Callable[[np.ndarray], list[dict[str, Any]]],
        np.ndarray,
        np.ndarray,
        np.ndarray,
    ]:
        self._sync_faces()  # node ids are the agents' unique_id
        o, tl, iv = self.orgs, self.talent, self.investors
        org_uid, tal_uid, inv_uid = o["uid"], tl["uid"], iv["uid"]
        nodes = np.concatenate([org_uid[o["active"]], tal_uid[tl["active"]], inv_uid[iv["active"]]])
        us, vs, ks = [], [], []
        act = tl["active"]
        emp = tl["employer"]
        m = act & (emp >= 0)
        us.append(tal_uid[m])
        vs.append(org_uid[emp[m]])
        ks.append(np.full(m.sum(), KIND_CODE["employment"], np.int8))
        alum = tl["alumni"]
        m = act & (alum >= 0) & (alum != emp)
        m[m] &= o["active"][alum[m]]
        us.append(tal_uid[m])
        vs.append(org_uid[alum[m]])
        ks.append(np.full(m.sum(), KIND_CODE["alumni"], np.int8))
        a, b = self.ties.a[: self.ties.n], self.ties.b[: self.ties.n]
        us.append(org_uid[a])
        vs.append(org_uid[b])
        ks.append(
            np.where(
                self.ties.kind[: self.ties.n] == TieKind.CONTRACT,
                KIND_CODE["tech_contract"],
                KIND_CODE["rd_collaboration"],
            ).astype(np.int8)
        )
        if len(self.investments):
            va = self.investments.vc
            fb = self.investments.firm
            m = o["active"][fb] & iv["active"][va]
            us.append(inv_uid[va[m]])
            vs.append(org_uid[fb[m]])
            ks.append(np.full(m.sum(), KIND_CODE["investment"], np.int8))
        a, b = self.coinvest.a[: self.coinvest.n], self.coinvest.b[: self.coinvest.n]
        us.append(inv_uid[a])
        vs.append(inv_uid[b])
        ks.append(np.full(a.size, KIND_CODE["co_investment"], np.int8))
        u, v, k = np.concatenate(us), np.concatenate(vs), np.concatenate(ks)
        live = (u >= 0) & (v >= 0)  # ties to rows that ended this step go at the next decay
        return nodes, self._node_attrs, u[live], v[live], k[live]

    def _node_attrs(self, uids: np.ndarray) -> list[dict[str, Any]]:
        index = self._uid_index()
        return [self._attrs_for(index.get(uid, ("?", -1))) for uid in uids.tolist()]

    def _attrs_for(self, where: tuple[str, int]) -> dict[str, Any]:
        kind, row = where
        if kind == "orgs":
            is_u = bool(self.orgs["is_univ"][row])
            return {
                "kind": "university" if is_u else "firm",
                "park": self.park_ids[int(self.orgs["park"][row])],
                "row": row,
            }
        if kind == "talent":
            return {"kind": "talent", "row": row}
        if kind == "investors":
            return {"kind": "vc", "row": row}
        return {"kind": kind}

    def _uid_index(self) -> dict[int, tuple[str, int]]:
        index: dict[int, tuple[str, int]] = {}
        for name, faces in self._faces.items():
            for row, agent in faces.items():
                index[agent.unique_id] = (name, row)
        return index

    # ------------------------------------------------------------------ summaries
    def agent_counts(self) -> dict[str, int]:
        """Live agents by class, read from the arrays."""
        o = self.orgs
        univ = int((o["active"] & o["is_univ"]).sum())
        return {
            "Firm": int(o["active"].sum()) - univ,
            "University": univ,
            "Talent": self.talent.count_active(),
            "VCInvestor": self.investors.count_active(),
            "SubPark": self.parks.count_active(),
        }
