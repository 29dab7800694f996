"""The collaboration graph: typed ties in arrays, mirrored into a networkx graph on demand.

Ties that mechanisms read every step (R&D collaboration, technology contracts, co-investment)
live in :class:`TieStore` arrays; employment and alumni ties are columns of the talent
population; investment ties are a list of (investor, firm) rows. ``model.graph`` is a
networkx view of all of them, brought up to date by :class:`GraphView.sync` with one batched
diff whenever someone reads it (yearly for the indicators, every step in the visual server).
This is the "batched graph updates" pattern: no networkx call sits on the hot path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
from scipy import sparse

from sim.model import jit
from sim.model.util import stable_argsort_rows

#: empty placeholders for :func:`_keep_front`'s unused inputs
_NO_ROWS = np.empty(0, np.int64)
_NO_ROWS_B = np.empty(0, np.bool_)

EDGE_KINDS = (
    "employment",
    "alumni",
    "rd_collaboration",
    "tech_contract",
    "investment",
    "co_investment",
)
KIND_CODE = {k: i for i, k in enumerate(EDGE_KINDS)}


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Order-free 64-bit key of each pair of non-negative ids below 2**31."""
    keys: np.ndarray = np.minimum(a, b).astype(np.int64, copy=False)  # a fresh array
    keys <<= 31
    keys |= np.maximum(a, b).astype(np.int64, copy=False)
    return keys


class TieStore:
    """Undirected ties between rows of one population, with a kind and a birth time.

    Adding ties skips pairs already stored, so the stored pairs are kept in a structure
    for look-ups: the numpy path keeps their sorted keys (merged with each batch, filtered
    at each drop), the compiled path a hash set of them (a slot per new or dropped key).
    """

    #: (a class default, for models pickled before the hash set existed)
    _set: tuple[int, np.ndarray, int] | None = None

    def __init__(self, capacity: int = 1024) -> None:
        self.a = np.empty(capacity, np.int64)
        self.b = np.empty(capacity, np.int64)
        self.kind = np.empty(capacity, np.int8)
        self.n = 0
        self.version = 0  # bumped on every change; caches compare it
        self._sorted: tuple[int, np.ndarray] = (-1, np.empty(0, np.int64))
        #: compiled path: the stored pair keys as a hash set (the version it describes, the
        #: table, its slots in use), kept up to date by add and keep (see :meth:`_key_set`)
        self._set: tuple[int, np.ndarray, int] | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the ties, not the look-up structures (made again when next needed): the
        hash set alone is several megabytes at the default scale."""
        state = self.__dict__.copy()
        state["_sorted"] = (-1, np.empty(0, np.int64))
        state["_set"] = None
        return state

    def _grow(self, needed: int) -> None:
        if needed <= len(self.a):
            return
        cap = len(self.a)
        while cap < needed:
            cap *= 2
        for name in ("a", "b", "kind"):
            old = getattr(self, name)
            new = np.empty(cap, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def keys(self) -> np.ndarray:
        return pair_keys(self.a[: self.n], self.b[: self.n])

    def sorted_keys(self) -> np.ndarray:
        """Sorted pair keys, cached until the next change (which the numpy path's add and
        keep make to the cache itself)."""
        if self._sorted[0] != self.version:
            self._sorted = (self.version, np.sort(self.keys()))
        return self._sorted[1]

    def contains(self, keys: np.ndarray) -> np.ndarray:
        existing = self.sorted_keys()
        if existing.size == 0:
            return np.zeros(keys.shape, bool)
        pos = np.minimum(np.searchsorted(existing, keys), existing.size - 1)
        found: np.ndarray = existing[pos] == keys
        return found

    def add(self, a: np.ndarray, b: np.ndarray, kind: np.ndarray | int) -> int:
        """Add ties, skipping self-ties, duplicates within the batch and existing pairs."""
        a = np.asarray(a, np.int64)
        b = np.asarray(b, np.int64)
        kinds = np.asarray(kind, np.int8)
        if kinds.shape != a.shape:
            kinds = (
                np.full(a.shape, kinds, np.int8)
                if kinds.ndim == 0
                else np.broadcast_to(kinds, a.shape)
            )
        ok = a != b
        if not ok.all():
            a, b, kinds = a[ok], b[ok], kinds[ok]
        if a.size == 0:
            return 0
        if jit.ENABLED and self.n:
            return self._add_compiled(a, b, kinds)
        keys = pair_keys(a, b)
        # sorted distinct keys with the batch position of their first occurrence (what
        # np.unique(keys, return_index=True) gives); looking sorted keys up in the sorted
        # existing keys walks both arrays once
        first: np.ndarray
        if keys.size > 1:
            first = keys.argsort(kind="stable")
            keys = keys[first]
            distinct = np.empty(keys.size, bool)
            distinct[0] = True
            np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
            if not distinct.all():
                keys, first = keys[distinct], first[distinct]
        else:
            first = np.zeros(1, np.intp)
        if self.n:
            existing = self.sorted_keys()
            pos = existing.searchsorted(keys)
            np.minimum(pos, existing.size - 1, out=pos)
            fresh = existing[pos] != keys
            if not fresh.all():
                keys, first = keys[fresh], first[fresh]
        if first.size < a.size:  # keep the batch order of the ties that are added
            first.sort()
            a, b, kinds = a[first], b[first], kinds[first]
        m = a.size
        if m:
            if self._sorted[0] == self.version:  # keep the sorted cache: merge the new keys
                merged = np.concatenate((self._sorted[1], keys))
                merged.sort(kind="stable")  # two sorted runs: one merge pass
                self._sorted = (self.version + 1, merged)
            self._append(a, b, kinds)
        return m

    def _append(self, a: np.ndarray, b: np.ndarray, kinds: np.ndarray | int) -> None:
        """Store new ties (distinct, not stored yet) after the last one."""
        m = a.size
        self._grow(self.n + m)
        self.a[self.n : self.n + m] = a
        self.b[self.n : self.n + m] = b
        self.kind[self.n : self.n + m] = kinds
        self.n += m
        self.version += 1

    def _add_compiled(self, a: np.ndarray, b: np.ndarray, kinds: np.ndarray) -> int:
        """The rest of :meth:`add` (no self-ties left) in one pass over the batch: each pair
        looked up in, and a new one put into, the hash set of stored keys and appended to
        the ties. A pair is new at its first occurrence in the batch when it is not stored,
        as with the sorted look-up of the numpy path. (The sorted cache that path keeps
        would be merged with every batch: a copy of all keys per call.)"""
        table, used = self._key_set(a.size)
        self._grow(self.n + a.size)
        m = _add_new_ties(table, a, b, kinds, self.a, self.b, self.kind, self.n)
        if m:
            self.n += m
            self.version += 1
        self._set = (self.version, table, used + m)
        return m

    def _key_set(self, extra: int) -> tuple[np.ndarray, int]:
        """The hash set of the stored pair keys with room for ``extra`` more, and its slots
        in use (keys and the marks of deleted ones): the one kept up to date by add and
        keep, or a new one (at the first call, after a renumbering of rows, or when it would
        fill beyond half its slots: linear probing stays short)."""
        if self._set is not None and self._set[0] == self.version:
            _, table, used = self._set
            if 2 * (used + extra) <= table.size:
                return table, used
        size = 1024
        while size < 3 * (self.n + extra):
            size *= 2
        table = np.full(size, _EMPTY, np.int64)
        _put_pairs(table, self.a[: self.n], self.b[: self.n])
        self._set = (self.version, table, self.n)
        return table, self.n

    def keep(self, mask: np.ndarray) -> int:
        """Keep only the ties where ``mask`` is true; return how many were dropped."""
        if jit.ENABLED and np.shape(mask) == (self.n,):
            return self._keep_compiled(np.ascontiguousarray(mask, bool))
        rows = np.flatnonzero(mask)  # gathering rows is faster than masking with gaps
        m = rows.size
        dropped = self.n - m
        if dropped:
            if self._sorted[0] == self.version:  # keep the sorted cache: delete dropped keys
                gone_rows = np.flatnonzero(~mask)
                gone = pair_keys(self.a[gone_rows], self.b[gone_rows])  # distinct, present
                cached = self._sorted[1]
                stay = np.ones(cached.size, bool)
                stay[cached.searchsorted(gone)] = False  # unsorted look-ups: no sort needed
                self._sorted = (self.version + 1, cached[stay])
            for name in ("a", "b", "kind"):
                arr = getattr(self, name)
                arr[:m] = arr[rows]
            self.n = m
            self.version += 1
        return dropped

    def _keep_compiled(
        self, mask: np.ndarray, active: np.ndarray = _NO_ROWS_B, ended: np.ndarray = _NO_ROWS
    ) -> int:
        """:meth:`keep` (``mask``) or :meth:`keep_alive` (``active``, ``ended``, with an
        empty ``mask``) in one kernel, the dropped ties' keys then taken out of the hash set
        of :meth:`_add_compiled` (when it describes the ties: otherwise it is made again at
        the next add)."""
        kept_set = self._set if self._set is not None and self._set[0] == self.version else None
        m, gone = _keep_front(
            self.a, self.b, self.kind, self.n, mask, active, ended, kept_set is not None
        )
        dropped = self.n - m
        if dropped:
            self.n = m
            self.version += 1
            if kept_set is not None:  # the dropped ties' keys leave the hash set
                _, table, used = kept_set
                _take_keys(table, gone)
                self._set = (self.version, table, used)
        return dropped

    def keep_alive(self, active: np.ndarray, ended: np.ndarray) -> int:
        """Keep the ties whose two ends are ``active`` and whose row is not in ``ended``
        (ascending, distinct rows): what :meth:`keep` does with that mask, the mask built and
        read in the same pass with kernels. Returns how many were dropped."""
        n = self.n
        if not jit.ENABLED:
            alive = active[self.a[:n]] & active[self.b[:n]]
            alive[ended] = False
            return self.keep(alive)
        if n == 0:
            return 0
        return self._keep_compiled(_NO_ROWS_B, active, ended)

    def remap(self, new_index: np.ndarray) -> None:
        """Renumber rows after a compaction (``new_index``: old row -> new row, -1 dropped)
        and drop the ties of dropped rows. The renumbering keeps the order of rows, so the
        sorted keys stay sorted: the cache is renumbered rather than sorted again."""
        n = self.n
        if jit.ENABLED:
            cache_valid = self._sorted[0] == self.version
            self.n = _remap_rows(self.a, self.b, self.kind, n, new_index)
            self.version += 1
            if cache_valid:
                self._sorted = (self.version, _remap_keys(self._sorted[1], new_index))
            self._set = None  # keys renumbered: the next add makes the hash set again
            return
        a, b = new_index[self.a[:n]], new_index[self.b[:n]]
        mask = (a >= 0) & (b >= 0)
        cached = None
        if self._sorted[0] == self.version:
            keys = self._sorted[1]
            lo, hi = new_index[keys >> 31], new_index[keys & ((1 << 31) - 1)]
            ok = (lo >= 0) & (hi >= 0)
            cached = (lo[ok] << 31) | hi[ok]
        m = int(mask.sum())
        self.a[:m] = a[mask]
        self.b[:m] = b[mask]
        self.kind[:m] = self.kind[:n][mask]
        self.n = m
        self.version += 1
        if cached is not None:
            self._sorted = (self.version, cached)

    def neighbour_lists(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """CSR-style ``(indptr, indices)`` of each row's partners (one argsort, no scipy)."""
        a, b = self.a[: self.n], self.b[: self.n]
        if jit.ENABLED:
            return _neighbour_lists_kernel(a, b, size)
        src = np.concatenate([a, b])
        dst = np.concatenate([b, a])
        order = stable_argsort_rows(src)
        indptr = np.zeros(size + 1, np.int64)
        np.cumsum(np.bincount(src, minlength=size), out=indptr[1:])
        return indptr, dst[order]

    def adjacency(self, size: int) -> sparse.csr_matrix:
        """Symmetric 0/1 adjacency matrix over ``size`` rows (canonical CSR).

        Built from the sorted pair keys (the upper triangle) plus their transpose; the sum of
        two canonical matrices is canonical (sorted indices, no duplicates: ties are distinct).
        """
        keys = self.sorted_keys()
        if jit.ENABLED:
            indptr, indices = _adjacency_kernel(keys, size)
            full: sparse.csr_matrix = sparse.csr_matrix(
                (np.ones(indices.size, np.float64), indices, indptr), shape=(size, size)
            )
            return full
        lo, hi = keys >> 31, keys & ((1 << 31) - 1)
        indptr = np.zeros(size + 1, np.int64)
        np.cumsum(np.bincount(lo, minlength=size), out=indptr[1:])
        # the sorted keys are the upper triangle in CSR order; scipy adds its transpose (the
        # lower triangle) in one compiled pass, about twice as fast as placing both halves here
        up = sparse.csr_matrix((np.ones(keys.size, np.float64), hi, indptr), shape=(size, size))
        adj: sparse.csr_matrix = (up + up.T).tocsr()
        return adj


@jit.kernel
def _remap_rows(
    a: np.ndarray, b: np.ndarray, kind: np.ndarray, n: int, new_index: np.ndarray
) -> int:
    """:meth:`TieStore.remap`'s ties in place: both ends renumbered, the ties with a dropped
    end left out, the others moved to the front in their order. Returns how many stay."""
    w = 0
    for i in range(n):
        na = new_index[a[i]]
        nb = new_index[b[i]]
        if na >= 0 and nb >= 0:
            a[w] = na
            b[w] = nb
            kind[w] = kind[i]
            w += 1
    return w


@jit.kernel
def _remap_keys(keys: np.ndarray, new_index: np.ndarray) -> np.ndarray:
    """The sorted pair keys renumbered, those with a dropped end left out (the order of
    rows is kept, so the keys stay sorted)."""
    out = np.empty(keys.size, np.int64)
    w = 0
    for i in range(keys.size):
        lo = new_index[keys[i] >> 31]
        hi = new_index[keys[i] & 0x7FFFFFFF]
        if lo >= 0 and hi >= 0:
            out[w] = (lo << 31) | hi
            w += 1
    return out[:w]


@jit.kernel
def _adjacency_kernel(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``indptr`` and ``indices`` of :meth:`TieStore.adjacency`'s canonical matrix, both
    halves placed directly: walking the sorted keys, a row's partners below it (the lower
    ends of its keys as upper end) come in increasing order, then, in a second walk, its
    partners above it (the upper ends of its keys as lower end), also in increasing order:
    each row's indices sorted, as scipy's sum of the two triangles leaves them. (The
    constructor then picks the index type, 32 bits when they fit, as the sum does.)"""
    indptr = np.zeros(size + 1, np.int64)
    for i in range(keys.size):
        key = keys[i]
        lo, hi = key >> 31, key & 0x7FFFFFFF
        if hi >= size:
            raise ValueError("a tie names a row outside the matrix")
        indptr[lo + 1] += 1
        indptr[hi + 1] += 1
    for r in range(size):
        indptr[r + 1] += indptr[r]
    fill = indptr[:size].copy()
    indices = np.empty(2 * keys.size, np.int64)
    for i in range(keys.size):
        key = keys[i]
        lo, hi = key >> 31, key & 0x7FFFFFFF
        indices[fill[hi]] = lo
        fill[hi] += 1
    for i in range(keys.size):
        key = keys[i]
        lo, hi = key >> 31, key & 0x7FFFFFFF
        indices[fill[lo]] = hi
        fill[lo] += 1
    return indptr, indices


@jit.kernel
def _neighbour_lists_kernel(
    a: np.ndarray, b: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`TieStore.neighbour_lists` as a counting sort: the stable argsort of the sources
    ``[a, b]`` has one result, each row's partners in the order of the concatenated ties
    (first as an ``a`` end, then as a ``b`` end), which the two filling loops keep."""
    n = a.size
    indptr = np.zeros(size + 1, np.int64)
    for i in range(n):
        if a[i] < 0 or b[i] < 0 or a[i] >= size or b[i] >= size:
            raise ValueError("a tie names a row outside the population")
        indptr[a[i] + 1] += 1
        indptr[b[i] + 1] += 1
    for r in range(size):
        indptr[r + 1] += indptr[r]
    fill = indptr[:size].copy()
    indices = np.empty(2 * n, np.int64)
    for i in range(n):
        indices[fill[a[i]]] = b[i]
        fill[a[i]] += 1
    for i in range(n):
        indices[fill[b[i]]] = a[i]
        fill[b[i]] += 1
    return indptr, indices


@jit.kernel
def _pair_key(a: int, b: int) -> int:
    """:func:`pair_keys` of one pair, for the kernels."""
    return (a << 31) | b if a <= b else (b << 31) | a


@jit.kernel
def _keep_front(
    a: np.ndarray,
    b: np.ndarray,
    kind: np.ndarray,
    n: int,
    mask: np.ndarray,
    active: np.ndarray,
    ended: np.ndarray,
    with_keys: bool,
) -> tuple[int, np.ndarray]:
    """The rows part of :meth:`TieStore.keep` and :meth:`TieStore.keep_alive`: the kept
    ties moved to the front in their order (a tie is read before its place is overwritten:
    kept ties only move towards the front), and, when ``with_keys``, the pair keys of the
    dropped ties in their order (what ``pair_keys`` gives for the dropped rows). Returns
    the ties kept and those keys.

    A tie stays where ``mask`` is true when ``mask`` has ``n`` entries; otherwise (the
    mask of ``keep_alive`` made on the way) when both ends are ``active`` and its row is
    not the next of ``ended`` (ascending). One loop body for both, written out rather than
    called per tie: a per-tie helper taking the arrays measured several times slower."""
    use_mask = mask.size == n
    gone = np.empty(n if with_keys else 0, np.int64)
    w = 0
    g = 0
    j = 0
    for i in range(n):
        if use_mask:
            stays = mask[i]
        else:
            stays = active[a[i]] and active[b[i]]
            if j < ended.size and ended[j] == i:
                stays = False
                j += 1
        if stays:
            a[w] = a[i]
            b[w] = b[i]
            kind[w] = kind[i]
            w += 1
        elif with_keys:
            gone[g] = _pair_key(a[i], b[i])
            g += 1
    return w, gone[:g]


#: an empty slot of the hash set of pair keys (keys are non-negative), and a deleted key's
_EMPTY = -1
_DELETED = -2
#: Fibonacci hashing: a key times 2**64 / golden ratio, its top bits the home slot
_FIB = np.uint64(0x9E3779B97F4A7C15)


@jit.kernel
def _shift(size: int) -> np.uint64:
    """64 less the bits of a slot number in a table of ``size`` (a power of two) slots."""
    bits = 0
    while (1 << bits) < size:
        bits += 1
    return np.uint64(64 - bits)


@jit.kernel
def _home(key: int, shift: np.uint64) -> np.int64:
    """The home slot of ``key`` (``shift`` from :func:`_shift`)."""
    return np.int64((np.uint64(key) * _FIB) >> shift)  # (< 2**63: a signed slot number)


@jit.kernel
def _put(table: np.ndarray, a: int, b: int, shift: np.uint64) -> bool:
    """Put the key of the pair ``(a, b)`` (:func:`pair_keys`) into the hash set ``table``
    (open addressing, linear probing); returns whether it was not there. A key goes into
    the first empty slot of its probe, past the marks of deleted keys (a mark is not
    reused: the key may sit further on), which go when the set is made again (yearly, at
    the renumbering of rows)."""
    key = _pair_key(a, b)
    last = table.size - 1
    s = _home(key, shift)
    while True:
        v = table[s]
        if v == key:
            return False
        if v == _EMPTY:
            table[s] = key
            return True
        s = (s + 1) & last


@jit.kernel
def _put_pairs(table: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Put the keys of the pairs ``(a[i], b[i])`` into the hash set ``table``."""
    shift = _shift(table.size)
    for i in range(a.size):
        _put(table, a[i], b[i], shift)


@jit.kernel
def _add_new_ties(
    table: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    kinds: np.ndarray,
    out_a: np.ndarray,
    out_b: np.ndarray,
    out_kind: np.ndarray,
    n: int,
) -> int:
    """Append to ``out_*`` from row ``n`` on the ties of the batch whose pair is new (not
    in the hash set ``table``, nor earlier in the batch), in batch order, putting their
    keys into the set; returns how many."""
    shift = _shift(table.size)
    m = 0
    for i in range(a.size):
        if _put(table, a[i], b[i], shift):
            out_a[n + m] = a[i]
            out_b[n + m] = b[i]
            out_kind[n + m] = kinds[i]
            m += 1
    return m


@jit.kernel
def _take_keys(table: np.ndarray, keys: np.ndarray) -> None:
    """Take ``keys`` out of the hash set ``table``: each one's slot gets the mark of a
    deleted key (probes go on past it). A key not in the table is an error."""
    last = table.size - 1
    shift = _shift(table.size)
    for t in range(keys.size):
        key = keys[t]
        s = _home(key, shift)
        while table[s] != key:
            if table[s] == _EMPTY:
                raise KeyError("a dropped tie's key is not in the hash set")
            s = (s + 1) & last
        table[s] = _DELETED


class GraphView:
    """Keeps a networkx graph equal to the model's arrays, applying only the differences."""

    def __init__(self) -> None:
        self.graph = nx.Graph()
        self._edge_keys = np.empty(0, np.int64)  # sorted pair keys of the graph's edges
        self._edge_kinds = np.empty(0, np.int8)  # their kind codes, aligned with the keys
        self._node_ids = np.empty(0, np.int64)

    def sync(
        self,
        nodes: np.ndarray,
        node_attrs: Callable[[np.ndarray], list[dict[str, Any]]],
        edges_u: np.ndarray,
        edges_v: np.ndarray,
        edges_kind: np.ndarray,
    ) -> nx.Graph:
        """Make the graph hold exactly ``nodes`` and the given typed edges.

        ``node_attrs(uids)`` returns attribute dicts for nodes being added.
        """
        g = self.graph
        nodes = np.asarray(nodes, np.int64)
        gone_nodes = np.setdiff1d(self._node_ids, nodes, assume_unique=True)
        new_nodes = np.setdiff1d(nodes, self._node_ids, assume_unique=True)
        if gone_nodes.size:
            g.remove_nodes_from(gone_nodes.tolist())
        if new_nodes.size:
            g.add_nodes_from(zip(new_nodes.tolist(), node_attrs(new_nodes), strict=True))
        self._node_ids = np.sort(nodes)

        keys = pair_keys(edges_u, edges_v)
        keys, first = np.unique(keys, return_index=True)
        kinds = np.asarray(edges_kind)[first]
        # edges touching removed nodes vanished with them; forget them before diffing
        old, old_kinds = self._edge_keys, self._edge_kinds
        if gone_nodes.size and old.size:
            lo, hi = old >> 31, old & ((1 << 31) - 1)
            alive = np.isin(lo, self._node_ids) & np.isin(hi, self._node_ids)
            old, old_kinds = old[alive], old_kinds[alive]
        gone = np.setdiff1d(old, keys, assume_unique=True)
        if gone.size:
            g.remove_edges_from(
                zip((gone >> 31).tolist(), (gone & ((1 << 31) - 1)).tolist(), strict=True)
            )
        new_mask = ~np.isin(keys, old, assume_unique=True)
        # a pair kept between two reads may have changed kind (employment -> alumni when a
        # person moves on, alumni -> employment on rehire): rewrite those kinds too, so the
        # graph is the same however often it is read
        kept = np.flatnonzero(~new_mask)
        if kept.size:
            pos = np.searchsorted(old, keys[kept])
            changed = kept[old_kinds[pos] != kinds[kept]]
            if changed.size:
                edges = g.edges
                names = np.asarray(EDGE_KINDS, dtype=object)[kinds[changed]].tolist()
                ck = keys[changed]
                for u, v, k in zip(
                    (ck >> 31).tolist(), (ck & ((1 << 31) - 1)).tolist(), names, strict=True
                ):
                    edges[u, v]["kind"] = k
        if new_mask.any():
            nk = keys[new_mask]
            kind_names = np.asarray(EDGE_KINDS, dtype=object)[kinds[new_mask]]
            g.add_edges_from(
                (u, v, {"kind": k})
                for u, v, k in zip(
                    (nk >> 31).tolist(),
                    (nk & ((1 << 31) - 1)).tolist(),
                    kind_names.tolist(),
                    strict=True,
                )
            )
        self._edge_keys = keys
        self._edge_kinds = np.asarray(kinds, np.int8)
        return g

    def refresh_rows(self, faces: dict[str, dict[int, Any]]) -> None:
        """Rewrite the ``row`` attribute of graph nodes after the populations were compacted."""
        g = self.graph
        if g.number_of_nodes() == 0:
            return
        for pop_faces in faces.values():
            for row, agent in pop_faces.items():
                data = g.nodes.get(agent.unique_id)
                if data is not None and "row" in data:
                    data["row"] = row


def _sampled_triangles(adj: sparse.csr_matrix, rows: sparse.csr_matrix) -> np.ndarray:
    """Triangles through each node whose adjacency row is in ``rows`` (a row selection of
    the canonical 0/1 matrix ``adj``): ``((rows @ adj) * rows).sum(axis=1) / 2``, computed on
    the subgraph over the nodes' partners, the only ones that can close their triangles
    (hubs' other partners never enter the product). Each partner pair is counted once, by
    keeping only the upper triangle of that subgraph (the product then needs half the work
    and no halving). Counts are whole numbers: exact."""
    is_part = np.zeros(adj.shape[1], bool)
    is_part[rows.indices] = True
    part = np.flatnonzero(is_part)  # sorted, distinct
    where = np.full(adj.shape[1], -1, np.int64)
    where[part] = np.arange(part.size)
    sub = adj[part]
    col = where[sub.indices]
    row = np.repeat(np.arange(part.size), np.diff(sub.indptr))
    keep = col > row  # partner pairs (u, w) with u < w, both partners of sampled nodes
    kept = np.zeros(col.size + 1, np.int64)
    np.cumsum(keep, out=kept[1:])
    inner = sparse.csr_matrix(
        (sub.data[keep], col[keep], kept[sub.indptr]), shape=(part.size, part.size)
    )
    r = sparse.csr_matrix(
        (rows.data, where[rows.indices], rows.indptr), shape=(rows.shape[0], part.size)
    )
    return np.asarray((r @ inner).multiply(r).sum(axis=1), np.float64).ravel()


def _clustering_nodes(deg: np.ndarray, max_nodes: int, seed: int) -> np.ndarray:
    """The nodes the clustering is measured on: those of degree >= 2, or ``max_nodes`` of
    them drawn with a fixed measurement seed (never the model's generator)."""
    nodes = np.flatnonzero(deg >= 2)
    if nodes.size > max_nodes:
        nodes = np.sort(np.random.default_rng(seed).choice(nodes, max_nodes, replace=False))
    return nodes


def clustering_from_lists(
    indptr: np.ndarray, indices: np.ndarray, max_nodes: int = 2000, seed: int = 0
) -> float:
    """:func:`average_clustering` read from CSR-style partner lists in any order within a
    row (``TieStore.neighbour_lists`` or a canonical matrix's structure): the same degrees,
    the same fixed-seed sample of nodes, the same float arithmetic on the triangle counts,
    which a compiled loop counts instead of sparse products (whole numbers either way)."""
    deg = np.diff(indptr).astype(np.float64)
    nodes = _clustering_nodes(deg, max_nodes, seed)
    if nodes.size == 0:
        return 0.0
    tri = _triangles_kernel(indptr, indices, nodes)
    d = deg[nodes]
    return float(np.mean(tri / (d * (d - 1) / 2.0)))


@jit.kernel
def _triangles_kernel(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Triangles through each of ``nodes`` (as float64): mark the node's partners, then
    count the marked partners of each partner; each triangle is seen from both ends of
    its far edge, so the count is halved (an even whole number: exact, as
    :func:`_sampled_triangles`' sparse products are). Needs no order within a row."""
    stamp = np.full(indptr.size - 1, -1, np.int64)
    tri = np.empty(nodes.size, np.float64)
    for t in range(nodes.size):
        v = nodes[t]
        for k in range(indptr[v], indptr[v + 1]):
            stamp[indices[k]] = v
        seen = 0
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            for q in range(indptr[u], indptr[u + 1]):
                if stamp[indices[q]] == v:
                    seen += 1
        tri[t] = seen // 2
    return tri


def average_clustering(adj: sparse.csr_matrix, max_nodes: int = 2000, seed: int = 0) -> float:
    """Mean local clustering coefficient over nodes of degree >= 2 (networkx's definition
    restricted to nodes where it is defined), computed with sparse products: the reference
    of :func:`clustering_from_lists`, which the yearly indicator uses with kernels on.

    On large graphs it is estimated from ``max_nodes`` nodes drawn with a fixed measurement
    seed (never the model's generator, so measuring does not change the run): the cost of the
    exact value grows with the squared degree of hubs.
    """
    adj = adj.tocsr()
    adj.sum_duplicates()  # canonical (a no-op for the tie store's matrix): entries are edges
    adj.data[:] = 1.0
    deg = np.diff(adj.indptr).astype(np.float64)
    nodes = _clustering_nodes(deg, max_nodes, seed)
    if nodes.size == 0:
        return 0.0
    tri = _sampled_triangles(adj, adj[nodes])
    d = deg[nodes]
    return float(np.mean(tri / (d * (d - 1) / 2.0)))
