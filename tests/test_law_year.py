"""The year-end work (indicators, compaction, populations) keeps its law after the fourth
speed round: the statistics are the same to rounding, the compacted rows the same bytes.

The float order of some indicator sums changed (each is one statistic of the model's state,
so a last-bit difference is all it may show); these tests pin that the new arithmetic gives
the old formula's value to a relative 1e-12, on random data and on model states.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from sim.model import EcosystemModel, ecosystem, jit
from sim.model.codes import Origin
from sim.model.compaction import compact_model
from sim.model.indicators import (
    YearEnd,
    excess_kurtosis,
    giant_component_share,
    giant_share_from_ties,
)
from sim.model.state import Population
from tests.conftest import small_config


def _kurtosis_reference(g: np.ndarray, w: np.ndarray) -> float:
    """The formula before the round: ``np.average`` moments with numpy's ``**`` powers."""
    mean = np.average(g, weights=w)
    var = np.average((g - mean) ** 2, weights=w)
    return float(np.average((g - mean) ** 4, weights=w) / var**2 - 3.0)


@pytest.mark.parametrize("seed", range(5))
def test_excess_kurtosis_is_the_reference_formula(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 50_000))
    g = rng.laplace(0.02, 0.3, n) if seed % 2 else rng.standard_t(3, n) * 0.2
    w = rng.choice([1.0, 1.0 / np.sqrt(0.5), 2.0], n)
    assert excess_kurtosis(g, w) == pytest.approx(_kurtosis_reference(g, w), rel=1e-12)


@pytest.fixture(scope="module")
def year_ends() -> list[YearEnd]:
    """The views of a small model at each of its year ends (before compaction)."""
    views: list[YearEnd] = []
    original = ecosystem.record_year

    def keep_view(m: EcosystemModel) -> dict[str, float]:
        views.append(YearEnd(pickle.loads(pickle.dumps(m))))
        return original(m)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ecosystem, "record_year", keep_view)
        EcosystemModel(small_config(scale=0.03, end_year=2013), rng=3).run()
    return views


def test_sums_in_another_order_are_the_reference_sums(year_ends: list[YearEnd]) -> None:
    """Workforce shares (running sums), park demand and core revenue (park totals) against
    the pre-round formulas (numpy's pairwise sums over masked rows)."""
    for v in year_ends:
        m, o, tl, f = v.m, v.o, v.m.talent, v.firms
        at_firm = tl["active"] & (tl["employer"] >= 0)
        at_firm[at_firm] = ~o["is_univ"][tl["employer"][at_firm]]
        tw = tl["weight"][at_firm]
        tot = float(tw.sum())
        ref = {
            "foreign": float(tw[tl["origin"][at_firm] == Origin.FOREIGN].sum()) / tot,
            "returnee_or_foreign": float(tw[tl["origin"][at_firm] != Origin.DOMESTIC].sum()) / tot,
            "bachelor": float(tw[tl["edu"][at_firm]].sum()) / tot,
            "young": float(tw[tl["age"][at_firm] < 30.0].sum()) / tot,
        }
        for path in (True, False):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(jit, "ENABLED", path)
                shares = YearEnd(m).workforce
            assert shares == pytest.approx(ref, rel=1e-12)
            assert 0.0 < shares["foreign"] < shares["returnee_or_foreign"] < 1.0
        demand = np.bincount(o["park"][f], weights=(v.w * o["emp"])[f], minlength=m.parks.n)
        rent = float(np.average(m.parks["rent"], weights=np.maximum(demand, 1e-9)))
        assert v.avg_rent == rent  # the added zeros change nothing
        rev = v.wf * o["rev"]
        core = float(np.sum(rev[m.parks["core"][o["park"]]])) / float(np.sum(rev))
        assert 0.0 < core < 1.0
        assert v.core_revenue_share == pytest.approx(core, rel=1e-12)


def test_giant_component_from_the_tie_list(year_ends: list[YearEnd]) -> None:
    """The union-find over the ties gives scipy's component share, on the model's graph."""
    for v in year_ends:
        ties = v.m.ties
        share = giant_share_from_ties(ties.a[: ties.n], ties.b[: ties.n], v.o.n)
        assert share == giant_component_share(v.adj)
        assert 0.0 < share < 1.0


def test_reserve_is_capacity_only() -> None:
    """Reserving room adds no row and keeps every row beyond ``n`` at its column's default
    (what :meth:`Population.add` relies on to write only the columns it is given)."""
    pop = Population({"x": (np.float64, 1.5), "k": (np.int64, -1), "on": (bool, False)}, 16)
    pop.add(3, x=[1.0, 2.0, 3.0], on=True)
    pop.reserve(1000)
    assert pop.n == 3 and pop._cap >= 1000
    assert pop["x"].tolist() == [1.0, 2.0, 3.0] and pop["k"].tolist() == [-1, -1, -1]
    assert (pop._data["x"][3:] == 1.5).all() and (pop._data["k"][3:] == -1).all()
    assert not pop._data["on"][3:].any()
    cap = pop._cap
    pop.reserve(10)  # never shrinks
    assert pop._cap == cap
    rows = pop.add(2, k=7)
    assert rows.tolist() == [3, 4] and pop["x"][3:].tolist() == [1.5, 1.5]


def test_compaction_keeps_the_investment_ties_of_live_firms(year_ends: list[YearEnd]) -> None:
    """The investment ties after compaction: those of kept firms, renumbered, in order, with
    their investor ends (the pre-round round trip through arrays as the reference)."""
    for v in year_ends:
        m = pickle.loads(pickle.dumps(v.m))
        keep = m.orgs["active"].copy()
        new_index = np.where(keep, np.cumsum(keep) - 1, -1)
        fb = new_index[m.investments.firm]
        ok = fb >= 0
        want = (fb[ok].tolist(), m.investments.vc[ok].tolist())
        assert 0 < len(want[0]) < len(m.investments)
        before = m.investments
        compact_model(m)
        assert (m.investments.firm.tolist(), m.investments.vc.tolist()) == want
        assert m.investments is not before  # a new log: cached readers see the renumbering
        assert m.investments.vc.dtype == m.investments.firm.dtype == np.int64
