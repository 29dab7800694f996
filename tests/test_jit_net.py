"""The network area's compiled kernels give the numpy path's numbers bit for bit.

Each kernel is run on copies of real model states (the Zhongguancun baseline at a small
scale, after one and after four years) with and without kernels, and everything it touches
is compared byte for byte: arrays, the tie store with its sorted cache, and the generator's
state (the same draws taken). Edge cases the model rarely reaches (NaN, -0.0, zero and
infinite weights, parks whose firms all weigh nothing) are fed to the kernels directly.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from sim.model import jit, util
from sim.model.ecosystem import EcosystemModel
from sim.model.network import TieStore, average_clustering
from sim.model.processes import collaboration
from tests.conftest import small_config

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="numba absent or ECOSIM_JIT=0")


@pytest.fixture(scope="module")
def states() -> list[bytes]:
    """Pickled models at the start of 2011 and of 2014 (scale 0.03)."""
    m = EcosystemModel(small_config(scale=0.03, end_year=2015), rng=5)
    out = []
    for year in (2011, 2014):
        while m.year < year:
            m.step()
        out.append(pickle.dumps(m))
    return out


def _both(
    state: bytes, run: Callable[[EcosystemModel], Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Any]:
    """``run`` on two copies of a state, with kernels and without; what it returns and what
    it leaves in the model (populations, tie stores, the generator), pickled."""
    out = []
    for enabled in (True, False):
        monkeypatch.setattr(jit, "ENABLED", enabled)
        m = pickle.loads(state)
        got = run(m)
        out.append(_canon((got, m.orgs, m.talent, m.ties, m.coinvest, m.rng.bit_generator.state)))
    return out[0], out[1]


def _canon(x: Any) -> Any:
    """A value's content, comparable with ``==`` bit for bit: arrays as dtype, shape and
    bytes, floats as bytes (NaN equals itself, -0.0 differs from 0.0), objects by their
    attributes. (Pickles compare object identities too: an array a kernel returns carries
    an equal but distinct dtype object, which pickle writes differently.)"""
    if isinstance(x, np.ndarray):
        return ("array", x.dtype.str, x.shape, np.ascontiguousarray(x).tobytes())
    if isinstance(x, np.generic):
        return ("scalar", x.dtype.str, x.tobytes())
    if isinstance(x, float):
        return ("float", struct.pack("<d", x))
    if isinstance(x, dict):
        return ("dict", tuple((_canon(k), _canon(v)) for k, v in x.items()))
    if isinstance(x, list | tuple):
        return (type(x).__name__, tuple(_canon(v) for v in x))
    if isinstance(x, int | str | bool | frozenset) or x is None:
        return x
    if isinstance(x, TieStore):  # the rows in use (the spare capacity holds anything)
        n = x.n
        if x._set is not None and x._set[0] == x.version:  # a live hash set holds the keys
            table = x._set[1]
            assert np.array_equal(np.sort(table[table >= 0]), x.sorted_keys())
        # (the look-up structures differ by path: the keys they hold are compared)
        return ("ties", n, x.version, _canon((x.a[:n], x.b[:n], x.kind[:n], x.sorted_keys())))
    return (type(x).__name__, _canon(vars(x)))


def _warm(store: TieStore) -> None:
    """Make the look-up structures that add and keep then keep up to date: the sorted keys
    (numpy path) and the hash set of keys (compiled path)."""
    store.sorted_keys()
    store._key_set(0)


def _same(state: bytes, run: Callable[[EcosystemModel], Any], mp: pytest.MonkeyPatch) -> None:
    with_kernels, without = _both(state, run, mp)
    assert with_kernels == without


@pytest.mark.parametrize("which", [0, 1])
def test_form_ties(states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(states[which], lambda m: collaboration.form_ties(m, m.dt), monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
def test_decay_ties(states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(states[which], collaboration.decay_ties, monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
def test_update_exposure(states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Partner counts and exposures: the kernel's single pass over the ties adds in the order
    of the numpy path's interleaved sources."""
    _same(states[which], collaboration.update_exposure, monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
def test_whole_steps(states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch) -> None:
    def steps(m: EcosystemModel) -> list[dict[str, Any]]:
        for _ in range(5):  # across a year's end: neighbour lists rebuilt, records written
            m.step()
        return m.records

    _same(states[which], steps, monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
def test_neighbour_lists(states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(states[which], lambda m: m.ties.neighbour_lists(m.orgs.n + 3), monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("share", [0.0, 0.07, 0.5, 1.0])
@pytest.mark.parametrize("cached", [True, False])
def test_keep(
    states: list[bytes], which: int, share: float, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def keep(m: EcosystemModel) -> tuple[int, int]:
        if cached:
            _warm(m.ties)
            _warm(m.coinvest)
        g = np.random.default_rng(3)
        return (
            m.ties.keep(g.random(m.ties.n) >= share),
            m.coinvest.keep(g.random(m.coinvest.n) >= share),
        )

    _same(states[which], keep, monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("share", [0.0, 0.07, 1.0])
@pytest.mark.parametrize("cached", [True, False])
def test_keep_alive(
    states: list[bytes], which: int, share: float, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``keep_alive`` (mask made in the kernel's pass) against ``keep`` of the same mask,
    with some organisations made inactive so that both reasons to drop a tie occur."""

    def keep(m: EcosystemModel) -> tuple[int, int]:
        if cached:
            _warm(m.ties)
        g = np.random.default_rng(4)
        active = m.orgs["active"].copy()
        active[g.random(active.size) < 0.05] = False
        ended = np.flatnonzero(g.random(m.ties.n) < share)
        n = m.ties.n
        mask = active[m.ties.a[:n]] & active[m.ties.b[:n]]
        mask[ended] = False
        reference = pickle.loads(pickle.dumps(m.ties))
        dropped = m.ties.keep_alive(active, ended)
        assert reference.keep(mask) == dropped
        assert _canon(reference) == _canon(m.ties)
        return dropped, m.ties.n

    _same(states[which], keep, monkeypatch)


def _park_inputs(m: EcosystemModel, odd_park: str) -> tuple[np.ndarray, ...]:
    o = m.orgs
    firms = (o["active"] & ~o["is_univ"]).nonzero()[0]
    g = np.random.default_rng(11)
    pa_weight = g.pareto(1.5, firms.size) * (g.random(firms.size) < 0.8)
    in_first = o["park"][firms] == o["park"][firms[0]]
    if odd_park == "zero":  # one park whose firms all weigh nothing: equal chances there
        pa_weight[in_first] = 0.0
    elif odd_park in ("nan", "inf"):  # a park searched without the guide table
        pa_weight[in_first.nonzero()[0][in_first.sum() // 2]] = (
            np.nan if odd_park == "nan" else np.inf
        )
    initiators = firms[g.integers(0, firms.size, 3 * firms.size // 2)]
    near = np.flatnonzero(g.random(initiators.size) < 0.6)
    return firms, pa_weight, initiators, near


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("odd_park", ["none", "zero", "nan", "inf"])
def test_choose_in_parks(
    states: list[bytes], which: int, odd_park: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(m: EcosystemModel) -> np.ndarray:
        firms, pa_weight, initiators, near = _park_inputs(m, odd_park)
        partners = np.full(initiators.size, -1, np.int64)
        collaboration._choose_in_parks(m, firms, pa_weight, initiators, near, partners)
        assert (partners[near] >= 0).all()
        return partners

    _same(states[which], run, monkeypatch)


def _weight_sets(m: EcosystemModel) -> list[np.ndarray]:
    o = m.orgs
    emp = o["emp"][o["active"]]
    g = np.random.default_rng(2)
    odd = g.random(emp.size) - 0.3
    odd[::7] = -0.0
    nan = emp.copy()
    nan[emp.size // 2] = np.nan
    inf = emp.copy()
    inf[emp.size // 3] = np.inf
    return [emp, o["budget"][o["is_univ"]], odd, np.zeros(50), nan, inf, emp[:1], emp[::2]]


@pytest.mark.parametrize("which", [0, 1])
def test_choose(states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(m: EcosystemModel) -> list[np.ndarray]:
        out = []
        for w in _weight_sets(m):
            cand = np.arange(w.size) * 3 + 1
            cdf = util.cumulative_weights(w)
            out.append(cdf)
            for k in (1, 2, 300, 5000):
                out.append(util.choose(m.rng, cand, w, k))
                out.append(util.choose_cumulative(m.rng, cand, cdf, k))
        return out

    _same(states[which], run, monkeypatch)


def test_cumulated_bits_on_edge_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed zeros and NaN come out of the clip with numpy's bits (the draws above compare
    them only by value)."""
    w = np.array([-0.0, 0.0, -1.0, np.nan, 2.0, -0.0, np.inf, 3.0])
    for part in (w, w[:3], w[4:], w[::-1]):
        monkeypatch.setattr(jit, "ENABLED", True)
        a = util.cumulative_weights(part)
        monkeypatch.setattr(jit, "ENABLED", False)
        b = util.cumulative_weights(part)
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("cached", [True, False])
def test_add(
    states: list[bytes], which: int, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New ties mixed with self-ties, pairs already tied (either way round) and pairs
    repeated within the batch."""

    def add(m: EcosystemModel) -> list[int]:
        ties = m.ties
        if cached:
            _warm(ties)
        g = np.random.default_rng(4)
        n_orgs = m.orgs.n
        old = g.integers(0, ties.n, 40)
        a = np.concatenate([g.integers(0, n_orgs, 300), ties.b[old], np.arange(5)])
        b = np.concatenate([g.integers(0, n_orgs, 300), ties.a[old], np.arange(5)])
        a = np.concatenate([a, b[:30]])  # the first 30 pairs again, reversed
        b = np.concatenate([b, a[:30]])
        kinds = g.integers(0, 3, a.size).astype(np.int8)
        return [ties.add(a, b, kinds), ties.add(b[:7], a[:7], 1), ties.add(a[:1], b[:1], 0)]

    _same(states[which], add, monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
def test_adjacency_and_clustering(
    states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The yearly network indicators' matrix (index types included) and the clustering,
    exact over every node and estimated from a sample."""

    def measure(m: EcosystemModel) -> list[Any]:
        adj = m.ties.adjacency(m.orgs.n + 2)
        parts = [adj.indptr, adj.indices, adj.data, adj.shape]
        values = [average_clustering(adj, max_nodes=k, seed=s) for k in (10**9, 40) for s in (1, 2)]
        return [parts, values]

    _same(states[which], measure, monkeypatch)


@pytest.mark.parametrize("which", [0, 1])
def test_median_and_quantile(
    states: list[bytes], which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the model's employment and productivity, large enough for the bracketing pass,
    and with a NaN, ties and zeros in them."""

    def measure(m: EcosystemModel) -> list[Any]:
        o = m.orgs
        g = np.random.default_rng(8)
        emp = np.tile(o["emp"][o["active"]], 4)  # above the bracketing size at any scale
        lp = np.tile(o["log_prod"][o["active"]], 4)
        nan = emp.copy()
        nan[5] = np.nan
        ties = np.round(emp[g.permutation(emp.size)] / 50.0)  # many equal values and zeros
        out: list[Any] = []
        for x in (emp, lp, nan, ties, lp[::3]):
            out += [util.median(x.copy()), util.quantile(x.copy(), 0.9)]
            out += [util.order_pair(x.copy(), k) for k in (0, x.size // 3, x.size - 2)]
        return out

    _same(states[which], measure, monkeypatch)


def test_scalar_hazards_are_remembered_with_their_bits() -> None:
    """The memo of scalar hazards gives what the formula gives, for every kind of number
    (zeros of either sign, negative, infinite and NaN rates are computed, not remembered)."""
    values = [0.25, 1.0 / 7.0, 3, np.float64(0.4), 0.0, -0.0, -1.0, np.inf, np.nan, 1e-300]
    with np.errstate(invalid="ignore"):  # inf * 0.0
        for _ in range(2):  # the second round reads the memo
            for rate in values:
                for dt in (0.25, 1.0, 0.0, -0.0, np.float64(0.25)):
                    want = -np.expm1(-np.maximum(rate, 0.0) * dt)
                    got = util.hazard(rate, dt)
                    assert isinstance(got, np.float64)
                    assert np.float64(got).tobytes() == np.float64(want).tobytes()


def test_search_with_numpy_comparison() -> None:
    """``searchsorted_right`` against numpy on sorted runs with NaN at the end (numpy's order
    puts NaN above every number), infinities and ties, for keys of every kind."""
    g = np.random.default_rng(6)
    base = np.sort(np.round(g.random(40) * 10.0))
    runs = [base, np.append(base, [np.inf, np.nan, np.nan]), np.append(base, np.nan), base[:1]]
    keys = [-1.0, 0.0, 3.0, 3.5, 10.0, 11.0, np.inf, -np.inf, np.nan]
    for run in runs:
        for lo, hi in ((0, run.size), (2, run.size - 1), (run.size // 2, run.size)):
            for x in keys:
                want = lo + int(run[lo:hi].searchsorted(x, "right"))
                assert util.searchsorted_right(run, lo, hi, x) == want, (run, lo, hi, x)


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("cached", [True, False])
def test_remap(
    states: list[bytes], which: int, cached: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def remap(m: EcosystemModel) -> None:
        if cached:
            _warm(m.ties)
        keep = np.random.default_rng(9).random(m.orgs.n) < 0.8
        new_index = np.full(m.orgs.n, -1, np.int64)
        new_index[keep] = np.arange(int(keep.sum()))
        m.ties.remap(new_index)

    _same(states[which], remap, monkeypatch)
