"""Speed-ups of the money mechanisms (production, funding, places, policy) that must give the
same numbers as the plain expressions they replace: the outputs stay byte-identical."""

from __future__ import annotations

import numpy as np
import pytest

from ecosim import load_scenario
from sim.model import EcosystemModel
from sim.model.codes import Source
from sim.model.deals import EXIT_KINDS, DealLog
from sim.model.policy import schedule_for
from sim.model.processes import funding, places, production
from sim.model.util import choose
from tests.conftest import small_config


@pytest.mark.parametrize("scenario", ["combined_reform", "silicon_valley", "zgc_baseline"])
def test_policy_schedule_span_cache_is_a_fresh_blend(scenario: str) -> None:
    """The state at any time, asked in any order, equals a fresh blend at that time."""
    cfg = load_scenario(f"scenarios/{scenario}.yaml").to_run_config()
    sched = schedule_for(cfg.params, cfg.history, cfg.levers, cfg.shocks)
    fresh = schedule_for(cfg.params, cfg.history, cfg.levers, cfg.shocks)
    grid = np.arange(1995.0, 2045.0, 0.25)
    times = np.concatenate([grid, np.random.default_rng(0).permutation(grid)])
    for t in times:
        assert sched.at(float(t)) == fresh._blend_at(float(t)), t


def test_policy_schedule_span_cache_with_ramps_and_ends() -> None:
    cfg = small_config(
        [
            "levers.talent_reform.strength=0.7",
            "levers.talent_reform.ramp_years=2.5",
            "levers.talent_reform.start_year=2012",
            "levers.talent_reform.end_year=2016",
            "levers.relocation_pressure.strength=1.0",
            "levers.relocation_pressure.ramp_years=0",
            "levers.relocation_pressure.start_year=2013",
        ]
    )
    sched = schedule_for(cfg.params, cfg.history, cfg.levers, cfg.shocks)
    fresh = schedule_for(cfg.params, cfg.history, cfg.levers, cfg.shocks)
    for t in np.concatenate([np.arange(2010.0, 2020.0, 1 / 12), np.arange(2020.0, 2010.0, -0.1)]):
        assert sched.at(float(t)) == fresh._blend_at(float(t)), t


@pytest.mark.parametrize("rate", [0.0, 0.05, 1.7])
@pytest.mark.parametrize("share", [0.0, 0.5, 0.999, 1.0])
def test_reversion_is_the_where_formula(rate: float, share: float) -> None:
    pr = small_config().params.production.model_copy(
        update={"productivity_reversion": rate, "lead_reversion_share": share}
    )
    rng = np.random.default_rng(1)
    gap = np.concatenate(
        [rng.normal(0, 2, 5000), [0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, np.nan]]
    )
    pull = rate * gap
    expected = pull if share >= 1.0 else pull * np.where(gap > 0, share, 1.0)
    got = production.reversion(pr, gap)
    assert got.tobytes() == expected.tobytes()


def test_weighted_mean_is_numpys_average() -> None:
    rng = np.random.default_rng(2)
    for n in (1, 7, 8, 9, 1000, 123_457):
        x, w = rng.normal(0, 3, n), rng.exponential(1.0, n)
        assert repr(places.weighted_mean(x, w)) == repr(float(np.average(x, weights=w)))
    with pytest.raises(ZeroDivisionError):
        places.weighted_mean(np.ones(3), np.zeros(3))


def test_park_sums_over_all_rows_are_the_active_sums() -> None:
    """Floor demand and knowledge density sum every row: ended rows must add nothing."""
    m = EcosystemModel(small_config(end_year=2012), rng=5)
    for _ in range(m.steps_per_year + 3):  # into the second year: ended rows not yet dropped
        m.step()
    o = m.orgs
    act = o["active"]
    assert (~act).any()  # the check is about ended rows
    masked = np.bincount(
        o["park"][act], weights=o["weight"][act] * o["emp"][act], minlength=m.parks.n
    )
    expected = masked * m.p.production.floor_per_employee
    assert places.floor_demand(m).tobytes() == expected.tobytes()
    production.update_accounts(m)
    rd = np.bincount(
        o["park"][act], weights=(o["weight"] * o["rd_spend"])[act], minlength=m.parks.n
    )
    dens = rd / m.parks["area"]
    expected = dens / dens.max()
    assert production._park_knowledge_density(m).tobytes() == expected.tobytes()


def _model_in_second_year(seed: int) -> EcosystemModel:
    m = EcosystemModel(small_config(end_year=2013), rng=seed)
    for _ in range(m.steps_per_year + 3):  # ended rows and this year's ties still there
        m.step()
    return m


def test_valuations_are_the_where_formula() -> None:
    m = _model_in_second_year(7)
    o, fp = m.orgs, m.p.funding
    assert (o["rev_at_round"] > 0).any() and (o["rev_at_round"] <= 0).any()
    base = fp.revenue_multiple * o["rev"]
    marked = np.where(
        o["rev_at_round"] > 0, o["post_money"] * o["rev"] / np.maximum(o["rev_at_round"], 1.0), 0.0
    )
    expected = np.where(o["active"] & ~o["is_univ"], np.maximum(base, marked), 0.0)
    funding.update_valuations(m)
    assert o["valuation"].tobytes() == expected.tobytes()


def test_network_flags_kept_between_steps_are_a_fresh_build() -> None:
    m = _model_in_second_year(8)
    kept = funding._network_flags(m).copy()
    m.state.funding.flags_cache = None
    fresh = np.zeros((len(Source), m.orgs.n), bool)
    fresh[m.investors["source"][m.investments.vc], m.investments.firm] = True
    assert kept.any() and np.array_equal(kept, fresh)
    assert np.array_equal(funding._network_flags(m), fresh)


def test_deal_log_columns() -> None:
    log = DealLog()
    log.invest(np.array([3, 4]), 2011.25, np.array([1.0, 2.0]), np.array([5.0, 8.0]), np.ones(2))
    log.invest(np.array([], np.int64), 2011.5, np.empty(0), np.empty(0), np.empty(0))
    log.invest(np.array([5]), 2011.75, np.array([3.0]), np.array([9.0]), np.array([2.0]))
    log.exit(np.array([4]), "listing", np.array([40.0]), 2012.0)
    log.exit(np.array([4, 5]), "write_off", 0.0, 2012.25)  # 4 keeps its first exit
    log.exit(np.array([], np.int64), "acquisition", 0.0, 2012.5)
    cols = log.columns({3: 7.0})
    assert cols["time"].dtype == np.float64
    assert cols["time"].tolist() == [2011.25, 2011.25, 2011.75]
    assert cols["fid"].tolist() == [3, 4, 5]
    assert cols["outcome"].tolist() == ["private", "listing", "write_off"]
    assert cols["exit_value"].tolist() == [7.0, 40.0, 0.0]
    assert log.exits[5] == (EXIT_KINDS.index("write_off"), 0.0, 2012.25)


def test_deal_log_exit_keeps_the_first_record_of_a_firm() -> None:
    """Within one batch too (a firm twice), with values per firm or one for all; the
    records hold Python ints and floats."""
    log = DealLog()
    log.exit(np.array([7, 8, 7], np.int64), "relocation", np.array([1.0, 2.0, 3.0]), 2013.0)
    log.exit(np.array([9, 9, 8], np.int32), "write_off", 0, 2013.5)
    log.exit(np.array([10, 11]), "listing", np.array(5.5), 2014)
    relocation, write_off = EXIT_KINDS.index("relocation"), EXIT_KINDS.index("write_off")
    assert log.exits == {
        7: (relocation, 1.0, 2013.0),
        8: (relocation, 2.0, 2013.0),
        9: (write_off, 0.0, 2013.5),
        10: (EXIT_KINDS.index("listing"), 5.5, 2014.0),
        11: (EXIT_KINDS.index("listing"), 5.5, 2014.0),
    }
    for key, (code, value, when) in log.exits.items():
        assert type(key) is int and type(code) is int
        assert type(value) is float and type(when) is float


@pytest.mark.parametrize("n", [1, 7, 300, 5000])
def test_sampler_draws_are_chooses(n: int) -> None:
    """The investors' sampler (cumulative weights made once) draws what choose draws."""
    rng = np.random.default_rng(n)
    candidates = rng.permutation(3 * n)[:n]
    for weights in (rng.exponential(1.0, n), np.zeros(n), np.where(rng.random(n) < 0.5, 0, 1.0)):
        sampler = funding._Sampler(candidates, weights)
        a, b = np.random.default_rng(9), np.random.default_rng(9)
        for k in (0, 1, 3, 255, 256, 1000):
            assert np.array_equal(sampler.draw(a, k), choose(b, candidates, weights, k))
        assert a.random() == b.random()  # the same number of draws
