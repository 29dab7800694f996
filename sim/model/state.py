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

from sim.model import jit
from sim.model.schemas import Column

#: unsigned integer dtype of each item size: a column is moved as raw bytes through a view of
#: it, so the compaction kernel compiles once per item size rather than once per dtype
_RAW = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


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
        self._names = frozenset(self.schema)
        # columns whose default is all zero bytes start from np.zeros: fresh memory comes
        # zeroed from the allocator, so growing them needs no fill pass
        self._zero_default = {
            name: not np.asarray(col.default, col.dtype).tobytes().strip(b"\0")
            for name, col in self.schema.items()
        }
        self._cap = max(16, int(capacity))
        self._data = {name: self._fresh(name, self._cap) for name in self.schema}
        self._refresh()

    def _fresh(self, name: str, size: int) -> np.ndarray:
        """A new array of ``size`` rows, all at the column's default."""
        col = self.schema[name]
        if self._zero_default[name]:
            return np.zeros(size, dtype=col.dtype)
        return np.full(size, col.default, dtype=col.dtype)

    def _refresh(self) -> None:
        """Make every entry the view of its column's first ``n`` rows (one dict update: this
        runs at every :meth:`add`)."""
        rows = slice(0, self.n)
        dict.update(self, [(name, arr[rows]) for name, arr in self._data.items()])

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
        n = self.n
        for name, col in self.schema.items():
            if self._zero_default[name]:
                arr = np.zeros(new_cap, dtype=col.dtype)  # zeroed pages: only the rows copied
            else:
                arr = np.empty(new_cap, dtype=col.dtype)  # each byte written once
                arr[n:] = col.default
            arr[:n] = self._data[name][:n]
            self._data[name] = arr
        self._cap = new_cap
        self._refresh()

    def reserve(self, rows: int) -> None:
        """Make room for at least ``rows`` rows now (capacity only: no row is added).

        A population that will grow severalfold is better given its room once, while it is
        small: each doubling on the way copies every column, and fresh zero-default columns
        cost nothing until their rows are written.
        """
        self._grow(int(rows))

    def add(self, count: int, **values: Any) -> np.ndarray:
        """Append ``count`` rows (columns not given take their default); return their indices.

        Rows beyond ``n`` always hold their columns' defaults (fresh arrays are filled with
        them and :func:`compact` resets the rows it frees), so only the given columns are
        written.
        """
        count = int(count)
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        if not self._names.issuperset(values):
            raise KeyError(f"unknown columns: {sorted(set(values) - self._names)}")
        self._grow(self.n + count)
        start = self.n
        rows = np.arange(start, start + count)
        self.n += count
        self._refresh()
        data = self._data
        for name, value in values.items():
            data[name][start : start + count] = value
        return rows

    @property
    def active_rows(self) -> np.ndarray:
        return self["active"].nonzero()[0]

    def count_active(self) -> int:
        return int(np.count_nonzero(self["active"]))


def compact(pop: Population, keep: np.ndarray) -> np.ndarray:
    """Drop the rows where ``keep`` is false; return the old-to-new row map (-1: dropped).

    Rows are an agent's identity *within a year*: the model compacts once a year, after the
    indicators are recorded, and remaps every reference (see ``sim.model.compaction``).
    """
    if jit.ENABLED:
        new_index, rows = _row_map_kernel(keep)
        n_keep = rows.size
        for name, decl in pop.schema.items():
            col = pop._data[name]
            raw = _RAW.get(col.itemsize)
            if raw is None:  # (no column is wider today) numpy's gather, the same rows
                col[:n_keep] = col[: pop.n][rows]
            else:
                _gather_in_place_kernel(col.view(raw), rows)
            col[n_keep : pop.n] = decl.default
        pop.n = n_keep
        pop._refresh()
        return new_index
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


@jit.kernel
def _row_map_kernel(keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The old-to-new row map (-1: dropped) and the kept rows in order, in one pass."""
    n = keep.size
    new_index = np.empty(n, np.int64)
    rows = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        if keep[i]:
            new_index[i] = k
            rows[k] = i
            k += 1
        else:
            new_index[i] = -1
    return new_index, rows[:k]


@jit.kernel
def _gather_in_place_kernel(col: np.ndarray, rows: np.ndarray) -> None:
    """``col[:rows.size] = col[rows]`` without a temporary: rows are increasing and
    ``rows[i] >= i``, so an entry is overwritten only after it was read (raw bytes in,
    the same bytes out)."""
    for i in range(rows.size):
        col[i] = col[rows[i]]


def _restore(
    schema: dict[str, Column], n: int, cap: int, data: dict[str, np.ndarray]
) -> Population:
    pop = Population(schema, cap)
    pop._data = data
    pop.n = n
    pop._cap = cap
    pop._refresh()
    return pop
