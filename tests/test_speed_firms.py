"""Speed-ups of firms, talent and entry that must give the per-row formulas' numbers exactly
(the outputs stay byte-identical): hazards looked up in small tables, staff found through
one look-up, the sector draw without ``rng.choice``'s checks, park weights of all sectors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.codes import Origin
from sim.model.processes import entry, firms, talent
from sim.model.util import hazard, in_codes, pick
from tests.conftest import small_config


@pytest.fixture(scope="module")
def model() -> EcosystemModel:
    """A small model one year in, with a mixed state: equity, universities, unemployment."""
    m = EcosystemModel(small_config(end_year=2011), rng=5)
    m.run()
    return m


def test_departure_hazard_is_the_per_person_formula(model: EcosystemModel) -> None:
    m = model
    tl, lab, pol = m.talent, m.p.labour, m.policy
    origin = tl["origin"]
    base = np.array([lab.exit_domestic, lab.exit_returnee, lab.exit_foreign], np.float64)[origin]
    base = base * pick(origin != Origin.DOMESTIC, 1.0 - pol.talent.residence_facilitation, 1.0)
    base = base * m.state.places.attraction ** (-lab.exit_cost_elasticity)
    emp = tl["employer"]
    employed = emp >= 0
    equity = np.zeros(tl.n, bool)
    at = employed.nonzero()[0]
    equity[at] = m.orgs["equity"][emp[at]]
    assert equity.any() and (~equity & employed).any() and (~employed).any()
    base = base * pick(equity, 1.0 - lab.equity_retention, 1.0)
    base = base * np.where(employed, 1.0, lab.unemployed_exit_mult)
    expected = hazard(base, m.dt)
    assert np.array_equal(talent.departure_hazard(m), expected)


def test_job_move_hazard_is_the_per_person_formula(model: EcosystemModel) -> None:
    m = model
    o, lab, pol = m.orgs, m.p.labour, m.policy
    idx = (m.talent["active"] & (m.talent["employer"] >= 0)).nonzero()[0]
    e = m.talent["employer"][idx]
    assert o["is_univ"][e].any() and o["equity"][e].any()
    rate = lab.job_mobility * pick(o["equity"][e], 1.0 - lab.equity_retention, 1.0)
    rate = rate * np.where(o["is_univ"][e], pol.talent.researcher_mobility, 1.0)
    assert np.array_equal(talent.job_move_hazard(m, idx), hazard(rate, m.dt))


@pytest.mark.parametrize("costly_share", [0.0, 0.05, 1.0])
def test_relocation_hazard_is_the_per_firm_formula(
    model: EcosystemModel, costly_share: float
) -> None:
    m = model
    o, rp, pol = m.orgs, m.p.relocation, m.policy
    rng = np.random.default_rng(3)
    excess = np.where(rng.random(o.n) < costly_share, rng.exponential(0.3, o.n), 0.0)
    if costly_share > 0:
        excess[0] = np.nan  # a NaN cost share takes the per-firm path and stays NaN
    pushed = o["manuf"] & ~in_codes(o["sector"], m.p.funding.priority_codes)
    rate = (
        rp.base_relocation_rate
        + rp.cost_relocation_rate * excess
        + rp.pull_relocation_rate * pol.relocation.neighbour_pull * o["manuf"]
        + pol.relocation.prohibited_exit * pushed
    )
    expected = hazard(rate, m.dt)
    got = firms.relocation_hazard(m, excess, pushed)
    assert np.array_equal(got, expected, equal_nan=True)


def test_staff_rows_are_the_active_employed_at_marked_organisations(
    model: EcosystemModel,
) -> None:
    m = model
    tl = m.talent
    mark = np.random.default_rng(1).random(m.orgs.n) < 0.3
    emp = tl["employer"]
    idx = (tl["active"] & (emp >= 0)).nonzero()[0]
    expected = idx[mark[emp[idx]]]
    assert expected.size and (emp == -1).any()
    assert np.array_equal(firms.staff_rows(m, mark), expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sector_draw_is_numpys_choice(model: EcosystemModel, seed: int) -> None:
    """Entry looks uniforms up in the normalised cumulative shares, as numpy's choice does:
    the same sectors, and the generator left in the same state."""
    shares = model.p.population.sector_shares
    cdf, _ = entry._run_tables(model)
    for k in (1, 3, 250, 4000):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        want = a.choice(len(shares), size=k, p=np.asarray(shares) / np.sum(shares))
        got = cdf.searchsorted(b.random(k), side="right")
        assert np.array_equal(got, want)
        assert a.bit_generator.state == b.bit_generator.state


def test_location_weight_table_rows_are_the_per_sector_formula(model: EcosystemModel) -> None:
    m = model
    pk, pp = m.parks, m.p.parks
    table = entry.location_weight_table(m)
    rent = pk["rent"] / max(float(pk["rent"].mean()), 1e-9)
    for s in range(table.shape[0]):
        match = np.where(m.park_clusters[:, s], pp.cluster_match_gain, 1.0)
        want = (
            pk["firm_share"]
            * match
            * (1.0 + pp.amenity_gain * pk["amenity"])
            * rent ** (-pp.location_rent_elasticity)
        )
        assert np.array_equal(table[s], want)


def test_split_candidates_give_the_full_computation(
    model: EcosystemModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Caps computed for the candidate rows only (large populations) split the same firms
    into the same parts as caps computed for every row."""
    import pickle

    pp = model.p.population
    blob = pickle.dumps(model)
    results = []
    for threshold in (0, 1 << 62):
        m = pickle.loads(blob)
        o = m.orgs
        # push some small firms over the mid and large tiers, and value one as large
        o["emp"][1:40:3] = pp.mid_firm_employees + 1.0
        o["emp"][2:40:5] = pp.large_firm_employees + 1.0
        o["post_money"][5] = pp.large_firm_valuation
        monkeypatch.setattr(firms, "_SPLIT_SUBSET_MIN_ROWS", threshold)
        n0 = o.n
        firms._split(m, o["active"] & ~o["is_univ"])
        assert o.n > n0  # firms were split
        results.append({name: o[name].copy() for name in o.schema})
    for name, values in results[0].items():
        assert np.array_equal(values, results[1][name], equal_nan=True), name
