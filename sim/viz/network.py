"""Which part of the collaboration graph the page draws, and where each node sits.

At demo scale the graph has thousands of nodes (mostly employees and their employment ties);
drawn whole it is a grey disc that takes seconds to render. The page therefore draws a
*view*: the organisations with the most collaboration ties (the core), a stable sample of
the other organisations, the investors backing them and a few of their employees. The sample
is drawn by a hash of the node id rather than by a random generator, so it does not reshuffle
from one step to the next and never touches the model's random stream.

The layout is computed once per model (at the first drawing after a reset) with a spring
layout; nodes that join the view later are placed next to their already placed neighbours,
so the picture stays still while the model runs and each step costs no layout work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

ORG_KINDS = ("firm", "university")
#: edge types that make the collaboration core (employment ties would rank big employers)
COLLAB_KINDS = frozenset({"rd_collaboration", "tech_contract"})


@dataclass(frozen=True)
class ViewSpec:
    """How big the drawn view is."""

    core: int = 120  # organisations with the most collaboration ties
    sample: int = 60  # further organisations, a stable hash sample
    investors: int = 25  # investors tied to the drawn organisations
    talent: int = 40  # employees / alumni of the drawn organisations


@dataclass
class View:
    """The drawn nodes and what the page says about them."""

    nodes: list[int]
    core: list[int]
    total_nodes: int
    total_edges: int

    @property
    def note(self) -> str:
        """One line for the page: what is drawn out of what."""
        if len(self.nodes) == self.total_nodes:
            return f"Drawing all {self.total_nodes:,} nodes ({self.total_edges:,} ties)."
        return (
            f"Drawing {len(self.nodes):,} of {self.total_nodes:,} nodes "
            f"({self.total_edges:,} ties): the {len(self.core)} organisations with the most "
            "R&D and technology-contract ties, a fixed sample of other organisations, their "
            "investors and some of their employees."
        )


def stable_hash(ids: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit hash of integer ids (splitmix64), the same in every run."""
    x = np.asarray(ids, dtype=np.uint64).copy()
    with np.errstate(over="ignore"):
        x += np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _by_hash(nodes: Iterable[int], k: int) -> list[int]:
    arr = np.fromiter(nodes, dtype=np.int64)
    if arr.size == 0 or k <= 0:
        return []
    order = np.argsort(stable_hash(arr), kind="stable")
    return arr[order[:k]].tolist()


def collaboration_degrees(g: nx.Graph) -> dict[int, int]:
    """Number of R&D and technology-contract ties of each node that has any (one edge pass)."""
    deg: dict[int, int] = {}
    for u, v, kind in g.edges(data="kind"):
        if kind in COLLAB_KINDS:
            deg[u] = deg.get(u, 0) + 1
            deg[v] = deg.get(v, 0) + 1
    return deg


def select_view(g: nx.Graph, spec: ViewSpec = ViewSpec()) -> View:
    """Pick the nodes to draw: the collaboration core, a stable sample, investors, talent.

    Small graphs (no more nodes than the view would hold) are drawn whole.
    """
    kinds = dict(g.nodes(data="kind"))
    degree = collaboration_degrees(g)
    budget = spec.core + spec.sample + spec.investors + spec.talent
    if g.number_of_nodes() <= budget:
        nodes = sorted(g.nodes)
        orgs = [n for n in nodes if kinds.get(n) in ORG_KINDS]
        core = sorted(orgs, key=lambda n: (-degree.get(n, 0), n))[: spec.core]
        return View(nodes, core, g.number_of_nodes(), g.number_of_edges())

    orgs = [n for n, k in kinds.items() if k in ORG_KINDS]
    ranked = sorted(orgs, key=lambda n: (-degree.get(n, 0), n))
    core = [n for n in ranked[: spec.core] if degree.get(n, 0) > 0]
    chosen = set(core)
    sample = _by_hash((n for n in orgs if n not in chosen), spec.sample)
    chosen.update(sample)

    investors: set[int] = set()
    talent: set[int] = set()
    for n in chosen:
        for m in g.neighbors(n):
            kind = kinds.get(m)
            if kind == "vc":
                investors.add(m)
            elif kind == "talent":
                talent.add(m)
    picked = (
        sorted(chosen)
        + sorted(_by_hash(investors, spec.investors))
        + sorted(_by_hash(talent, spec.talent))
    )
    return View(picked, core, g.number_of_nodes(), g.number_of_edges())


@dataclass
class NodeLayout:
    """Node positions kept across steps: computed once, then only nudged once a year.

    The spring layout is computed at the first drawing after a reset. Afterwards nodes that
    join the view are placed next to their placed neighbours (no layout work), and
    :meth:`relax` runs a few warm-started spring iterations when the caller asks (the page
    does it once per simulated year), so the picture follows a network that densifies over
    fifteen years without jumping from one step to the next.
    """

    seed: int = 0
    pos: dict[int, tuple[float, float]] = field(default_factory=dict)
    computed: bool = False
    relaxed_at: object = None

    def update(
        self, g: nx.Graph, nodes: list[int], epoch: object = None
    ) -> dict[int, tuple[float, float]]:
        """Positions of ``nodes``: a spring layout the first time, incremental afterwards.

        ``epoch`` (the page passes the number of finished years) triggers :meth:`relax` when
        it differs from the one of the previous layout work.
        """
        if not self.computed:
            self.pos = spring_positions(g.subgraph(nodes), self.seed)
            self.computed = True
            self.relaxed_at = epoch
        elif epoch is not None and epoch != self.relaxed_at:
            self.relax(g, nodes, epoch)
        else:
            place_new(self.pos, g, nodes)
        return {n: self.pos[n] for n in nodes}

    def relax(self, g: nx.Graph, nodes: list[int], key: object, iterations: int = 15) -> bool:
        """Warm-started spring iterations on the drawn nodes, once per distinct ``key``."""
        if key == self.relaxed_at or not nodes:
            return False
        self.relaxed_at = key
        place_new(self.pos, g, nodes)
        sub = g.subgraph(nodes)
        connected = [n for n in nodes if sub.degree(n) > 0]
        if connected:
            init = {n: self.pos[n] for n in connected}
            k = 1.5 / np.sqrt(len(connected))
            raw = nx.spring_layout(
                sub.subgraph(connected), pos=init, k=k, iterations=iterations, seed=self.seed
            )
            self.pos.update(_fit_unit(raw, 0.85))
        self.pos.update(_ring(sorted(n for n in nodes if sub.degree(n) == 0)))
        return True


def spring_positions(sub: nx.Graph, seed: int = 0) -> dict[int, tuple[float, float]]:
    """Spring layout scaled to the unit square; isolated nodes go on a ring around it."""
    if sub.number_of_nodes() == 0:
        return {}
    connected = [n for n in sub.nodes if sub.degree(n) > 0]
    isolated = sorted(n for n in sub.nodes if sub.degree(n) == 0)
    pos: dict[int, tuple[float, float]] = {}
    if connected:
        k = 1.5 / np.sqrt(max(len(connected), 1))
        raw = nx.spring_layout(sub.subgraph(connected), k=k, iterations=60, seed=seed)
        pos = _fit_unit(raw, 0.85)
    pos.update(_ring(isolated))
    return pos


def _ring(nodes: list[int]) -> dict[int, tuple[float, float]]:
    """Nodes without drawn ties, evenly on a circle around the connected part."""
    step = 2 * np.pi / max(len(nodes), 1)
    return {n: (float(np.cos(i * step)), float(np.sin(i * step))) for i, n in enumerate(nodes)}


def _fit_unit(raw: dict, radius: float = 1.0) -> dict[int, tuple[float, float]]:
    """Centre positions and scale them into ``[-radius, radius]``."""
    nodes = list(raw)
    xy = np.array([raw[n] for n in nodes], dtype=float).reshape(-1, 2)
    if xy.size == 0:
        return {}
    xy = xy - xy.mean(axis=0)
    span = float(np.abs(xy).max()) or 1.0
    xy = xy / span * radius
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, xy, strict=True)}


def place_new(pos: dict[int, tuple[float, float]], g: nx.Graph, nodes: list[int]) -> int:
    """Give unplaced ``nodes`` a position next to their placed neighbours; return how many.

    A node with no placed neighbour goes to a hash-chosen point of the outer ring, so the
    placement is deterministic and needs no random generator.
    """
    new = [n for n in nodes if n not in pos]
    for n in new:
        nbrs = [pos[m] for m in g.neighbors(n) if m in pos] if n in g else []
        h = int(stable_hash(np.array([n]))[0])
        angle = (h % 3600) / 3600 * 2 * np.pi
        if nbrs:
            cx, cy = np.mean(nbrs, axis=0)
            r = 0.04 + 0.04 * ((h >> 12) % 100) / 100
            pos[n] = (float(cx + r * np.cos(angle)), float(cy + r * np.sin(angle)))
        else:
            pos[n] = (float(np.cos(angle)), float(np.sin(angle)))
    return len(new)
