"""Speed-ups of the network helpers that must keep the model's numbers exactly: each fast
path is compared with the plain numpy it replaces (same values bit for bit, same draws)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.network import TieStore, pair_keys
from sim.model.util import (
    choose,
    choose_cumulative,
    cumulative_weights,
    median,
    pick,
    quantile,
)


def _reference_choose(
    rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, k: int
) -> np.ndarray:
    """Inverse-CDF sampling written plainly: clip, cumulate, one uniform per draw."""
    if k <= 0 or candidates.size == 0:
        return np.empty(0, candidates.dtype)
    cdf = np.cumsum(np.maximum(np.asarray(weights, np.float64), 0.0))
    if cdf[-1] <= 0:
        cdf = np.arange(1, cdf.size + 1, dtype=np.float64)
    u = rng.random(k) * cdf[-1]
    return candidates[np.minimum(np.searchsorted(cdf, u, "right"), candidates.size - 1)]


@pytest.mark.parametrize("n", [1, 7, 300, 5000])
def test_choose_gives_the_plain_inverse_cdf_draws(n: int) -> None:
    g = np.random.default_rng(n)
    weight_sets = [
        g.random(n),
        g.random(n) - 0.5,  # negative weights count as zero
        np.zeros(n),  # all zero: equal chances
        g.random(n).astype(np.float32),
        g.integers(0, 4, n),
    ]
    for w in weight_sets:
        for k in (0, 1, 2, 40, 600):
            seed = int(g.integers(1 << 30))
            r1, r2, r3 = (np.random.default_rng(seed) for _ in range(3))
            cand = np.arange(n) * 3 + 1
            want = _reference_choose(r1, cand, w, k)
            assert np.array_equal(choose(r2, cand, w, k), want)
            assert np.array_equal(choose_cumulative(r3, cand, cumulative_weights(w), k), want)
            assert r1.random() == r2.random() == r3.random()  # the same numbers drawn


@pytest.mark.parametrize("n", [0, 3, 2048, 2049, 50_000])
def test_pick_is_where_bit_for_bit(n: int) -> None:
    g = np.random.default_rng(n)
    values = [0.0, -0.0, 1.0, 0.35, -2.5, np.inf, np.nan, 5e-324]
    for t in values:
        for f in values:
            cond = g.random(n) < 0.3
            got = pick(cond[::-1], t, f)  # a strided condition too
            want = np.where(cond[::-1], t, f)
            assert got.dtype == np.float64
            assert np.array_equal(got.view(np.int64), want.view(np.int64))


@pytest.mark.parametrize("n", [1, 2, 3, 10, 999, 4095])
def test_small_median_and_quantile_are_numpys(n: int) -> None:
    g = np.random.default_rng(n)
    arrays = [g.normal(size=n), np.round(g.normal(0, 2, n)), np.full(n, 1.5), g.random(n)]
    arrays[-1][n // 2] = np.nan
    for x in arrays:
        before = x.copy()
        assert repr(median(x)) == repr(np.median(x))
        for q in (0.0, 0.1, 0.5, 0.9, 1.0):
            assert repr(quantile(x, q)) == repr(float(np.quantile(x, q)))
        assert np.array_equal(x, before, equal_nan=True)


class _PlainTies:
    """The tie store's contract written plainly: a list of pairs in insertion order."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, int]] = []

    def add(self, a: np.ndarray, b: np.ndarray, kinds: np.ndarray) -> int:
        have = {(min(x, y), max(x, y)) for x, y, _ in self.rows}
        added = 0
        for x, y, kd in zip(a.tolist(), b.tolist(), kinds.tolist(), strict=True):
            key = (min(x, y), max(x, y))
            if x != y and key not in have:
                have.add(key)
                self.rows.append((x, y, kd))
                added += 1
        return added

    def keep(self, mask: np.ndarray) -> None:
        self.rows = [r for r, k in zip(self.rows, mask.tolist(), strict=True) if k]


def test_tie_store_keeps_order_and_sorted_keys() -> None:
    g = np.random.default_rng(5)
    store, plain = TieStore(8), _PlainTies()
    for step in range(60):
        k = int(g.integers(0, 400))
        a, b = g.integers(0, 300, k), g.integers(0, 300, k)
        b[: k // 5] = a[: k // 5]  # self-ties are skipped
        kinds = g.integers(0, 3, k).astype(np.int8)
        assert store.add(a, b, kinds) == plain.add(a, b, kinds)
        if step % 3 == 0:
            store.sorted_keys()  # a live cache, kept up to date by add and keep
        mask = g.random(store.n) < 0.9
        store.keep(mask)
        plain.keep(mask)
        n = store.n
        assert [
            (x, y, kd)
            for x, y, kd in zip(
                store.a[:n].tolist(), store.b[:n].tolist(), store.kind[:n].tolist(), strict=True
            )
        ] == plain.rows
        assert np.array_equal(store.sorted_keys(), np.sort(pair_keys(store.a[:n], store.b[:n])))


def test_tie_store_takes_one_kind_for_a_batch() -> None:
    store = TieStore()
    assert store.add(np.array([1, 2, 4, 3]), np.array([2, 3, 4, 2]), 2) == 2
    assert store.kind[: store.n].tolist() == [2, 2]
    assert store.a[: store.n].tolist() == [1, 2] and store.b[: store.n].tolist() == [2, 3]


def test_adjacency_is_the_symmetric_canonical_matrix_of_the_ties() -> None:
    g = np.random.default_rng(8)
    store = TieStore()
    store.add(g.integers(0, 500, 3000), g.integers(0, 500, 3000), 0)
    n = store.n
    adj = store.adjacency(520)  # rows beyond the last tied one have no partners
    dense = np.zeros((520, 520))
    dense[store.a[:n], store.b[:n]] = 1.0
    dense[store.b[:n], store.a[:n]] = 1.0
    assert adj.shape == (520, 520) and adj.has_canonical_format
    assert np.array_equal(adj.toarray(), dense)
    assert all(
        np.all(np.diff(adj.indices[adj.indptr[i] : adj.indptr[i + 1]]) > 0) for i in range(520)
    )
    assert TieStore().adjacency(4).nnz == 0


@pytest.mark.parametrize("n,k", [(100_000, 3), (100_000, 700), (3000, 5000), (20, 20_000)])
def test_guide_table_search_both_ways_is_searchsorted(n: int, k: int) -> None:
    """``_search_kernel`` places its guide table's edges by a walk along the totals or by a
    search per edge (many totals per edge): both give numpy's positions, also on long runs
    of equal totals (zero weights) and on totals that are whole numbers (draws on edges)."""
    from sim.model.util import _search_kernel

    g = np.random.default_rng(n + k)
    for w in (g.random(n), g.integers(0, 3, n).astype(np.float64), (g.random(n) < 0.01) * 1.0):
        cdf = cumulative_weights(w)
        u = g.random(k)
        u[: k // 4] = np.floor(u[: k // 4] * 8) / 8  # draws at exact fractions of the total
        want = np.minimum(cdf.searchsorted(u * cdf[-1], "right"), n - 1)
        assert np.array_equal(_search_kernel(cdf, u, n - 1), want)


def test_hash_set_of_keys_matches_a_set_reference() -> None:
    """``network``'s hash set of pair keys (linear probing, marks for deleted keys) against a
    Python set, in a small table so that runs of occupied slots wrap around its end and
    deleted keys sit inside runs: which batch entries are new (first occurrence, not held),
    the ties appended, and that every held key is found and no other."""
    from sim.model.network import _EMPTY, _add_new_ties, _put_pairs, _take_keys

    g = np.random.default_rng(3)
    table = np.full(1024, _EMPTY, np.int64)
    held: set[int] = set()
    out_a, out_b, out_k = (np.empty(400, np.int64) for _ in range(3))
    for _ in range(400):
        k = int(g.integers(1, 40))
        a, b = g.integers(0, 60, k), g.integers(0, 60, k)
        kinds = g.integers(0, 3, k)
        want = []
        for x, y, kd in zip(a.tolist(), b.tolist(), kinds.tolist(), strict=True):
            key = int(pair_keys(np.array([x]), np.array([y]))[0])
            if key not in held:
                held.add(key)
                want.append((x, y, kd))
        m = _add_new_ties(table, a, b, kinds, out_a, out_b, out_k, 3)
        assert list(zip(out_a[3 : 3 + m], out_b[3 : 3 + m], out_k[3 : 3 + m], strict=True)) == want
        if held and g.random() < 0.7:  # drop some held keys
            gone = g.choice(
                np.array(sorted(held), np.int64),
                int(g.integers(1, 1 + len(held) // 3)),
                replace=False,
            )
            _take_keys(table, gone)
            held -= set(gone.tolist())
        if (table != _EMPTY).sum() > 600:  # made again from the held keys, as at a renumbering
            table[:] = _EMPTY
            keys = np.array(sorted(held), np.int64)
            _put_pairs(table, keys >> 31, keys & ((1 << 31) - 1))
        stored = table[table >= 0]
        assert stored.size == len(held) and set(stored.tolist()) == held
        keys = np.array(sorted(held), np.int64)  # every held key is found: none is new
        probe = table.copy()
        assert (
            _add_new_ties(
                probe,
                keys >> 31,
                keys & ((1 << 31) - 1),
                keys,
                *(np.empty(keys.size, np.int64) for _ in range(3)),
                0,
            )
            == 0
        )
    with pytest.raises(KeyError):
        _take_keys(table, np.array([(61 << 31) | 62], np.int64))  # never held


def test_tie_store_pickles_its_ties_not_its_look_ups() -> None:
    """The sorted keys and the hash set are made again after loading; adds then skip the
    same stored pairs as the original store's."""
    import pickle

    g = np.random.default_rng(8)
    store = TieStore(8)
    store.add(g.integers(0, 500, 3000), g.integers(0, 500, 3000), 1)
    store.sorted_keys()
    copy = pickle.loads(pickle.dumps(store))
    assert copy._set is None and copy._sorted[0] == -1
    a, b = g.integers(0, 500, 2000), g.integers(0, 500, 2000)
    assert copy.add(a, b, 2) == store.add(a, b, 2)
    n = store.n
    assert copy.n == n and np.array_equal(copy.a[:n], store.a[:n])
    assert np.array_equal(copy.b[:n], store.b[:n]) and np.array_equal(copy.kind[:n], store.kind[:n])
