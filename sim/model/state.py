"""Array-backed agent populations: the single source of truth for per-agent state.

Following Starsim and Covasim, each population keeps one numpy array per attribute, declared
once with its dtype and default (``sim.model.schemas``). Within a year a row is an agent's
identity and ``active`` marks who is still there; once a year, after the indicators are
recorded, ended rows are dropped and every reference remapped (:func:`compact`,
``sim.model.compaction``). Arrays grow geometrically, so adding agents is amortised O(1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.model.schemas import Column


class Population(dict[str, np.ndarray]):
    """Columns of equal length; ``pop[name]`` is a view of the first ``n`` rows.

    The views are the entries of the dict itself, refreshed whenever ``n`` or the arrays
    change (only :meth:`add`, :meth:`_grow` and :func:`compact` change them), so reading a
    column, done tens of thousands of times a run, is a plain dict look-up. Assigning
    ``pop[name] = values`` writes into the column; it never replaces it.
    """

    def __init__(self, schema: Mapping[str, tuple[Any, ...]], capacity: int = 1024) -> None:
        """``schema``: name -> Column (or a plain ``(dtype, default)`` tuple)."""
        super().__init__()
        self.schema: dict[str, Column] = {name: Column(*decl) for name, decl in schema.items()}
        self.n = 0
        self._cap = max(16, int(capacity))
        self._data = {
            name: np.full(self._cap, col.default, dtype=col.dtype)
            for name, col in self.schema.items()
        }
        self._refresh()

    def _refresh(self) -> None:
        """Make every entry the view of its column's first ``n`` rows."""
        n = self.n
        for name, arr in self._data.items():
            dict.__setitem__(self, name, arr[:n])

    def __setitem__(self, name: str, values: Any) -> None:
        self._data[name][: self.n] = values

    def __reduce__(self) -> Any:
        """Pickle the columns, not the views (they are rebuilt on loading)."""
        return (_restore, (self.schema, self.n, self._cap, self._data))

    def _grow(self, needed: int) -> None:
        new_cap = self._cap
        while new_cap < needed:
            new_cap *= 2
        if new_cap == self._cap:
            return
        for name, col in self.schema.items():
            arr = np.empty(new_cap, dtype=col.dtype)  # each byte written once: rows, then fresh
            arr[: self.n] = self._data[name][: self.n]
            arr[self.n :] = col.default
            self._data[name] = arr
        self._cap = new_cap
        self._refresh()

    def add(self, count: int, **values: Any) -> np.ndarray:
        """Append ``count`` rows (columns not given take their default); return their indices."""
        count = int(count)
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        self._grow(self.n + count)
        start = self.n
        rows = np.arange(start, start + count)
        self.n += count
        self._refresh()
        for name, col in self.schema.items():
            self._data[name][start : start + count] = values.get(name, col.default)
        unknown = set(values) - set(self.schema)
        if unknown:
            raise KeyError(f"unknown columns: {sorted(unknown)}")
        return rows

    @property
    def active_rows(self) -> np.ndarray:
        return self["active"].nonzero()[0]

    def count_active(self) -> int:
        return int(self["active"].sum())


def compact(pop: Population, keep: np.ndarray) -> np.ndarray:
    """Drop the rows where ``keep`` is false; return the old-to-new row map (-1: dropped).

    Rows are an agent's identity *within a year*: the model compacts once a year, after the
    indicators are recorded, and remaps every reference (see ``sim.model.compaction``).
    """
    new_index = np.full(pop.n, -1, np.int64)
    rows = keep.nonzero()[0]  # gathering rows is faster than masking with scattered gaps
    n_keep = rows.size
    new_index[rows] = np.arange(n_keep)
    for name, decl in pop.schema.items():
        col = pop._data[name]
        col[:n_keep] = col[: pop.n][rows]
        col[n_keep : pop.n] = decl.default  # freed rows are fresh again
    pop.n = n_keep
    pop._refresh()
    return new_index


def _restore(
    schema: dict[str, Column], n: int, cap: int, data: dict[str, np.ndarray]
) -> Population:
    pop = Population(schema, cap)
    pop._data = data
    pop.n = n
    pop._cap = cap
    pop._refresh()
    return pop
