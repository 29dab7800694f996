"""Indicators that rescale model state agree with the documented formula and the state.

Each test runs a short, small model and recomputes one indicator from the model's own state
and parameters, independently of ``sim/model/indicators.py``; a formula that is dropped,
applied twice, read from the wrong state or re-fixed every year fails here. (These replaced
paired-seed direction tests that could only fail if the factor was deleted.)
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.indicators import INDICATORS, REQUIRED, record_year
from tests.conftest import small_config


@pytest.fixture(scope="module")
def run() -> EcosystemModel:
    """The baseline 2010-2013 at a small scale, with the funding boom of 2011 switched on."""
    cfg = small_config(
        ["shocks.funding_climate=[{start_year: 2011, end_year: 2014, size: 0.5}]"],
        scale=0.02,
        end_year=2013,
    )
    m = EcosystemModel(cfg, rng=3)
    m.run()
    return m


def _series(m: EcosystemModel, name: str) -> np.ndarray:
    return np.array([r[name] for r in m.records])


def test_pct_share_follows_its_trend(run: EcosystemModel) -> None:
    """PCT filings over all applications lie between the year's first and last step share
    ``min(pct_share * exp(pct_share_trend * years), 1)`` (no decoupling in the baseline)."""
    kp = run.p.knowledge
    for rec in run.records:
        share = rec["pct_applications"] / rec["patent_applications"]
        years = rec["year"] - run.t0
        lo = min(kp.pct_share * math.exp(kp.pct_share_trend * years), 1.0)
        hi = min(kp.pct_share * math.exp(kp.pct_share_trend * (years + 1)), 1.0)
        assert lo * (1 - 1e-9) <= share <= hi * (1 + 1e-9), rec["year"]


def test_invention_share_follows_its_trend(run: EcosystemModel) -> None:
    kp = run.p.knowledge
    for rec in run.records:
        share = rec["invention_patents_granted"] / rec["patents_granted"]
        years = rec["year"] - run.t0
        lo = min(kp.invention_share * math.exp(kp.invention_share_trend * years), 1.0)
        hi = min(kp.invention_share * math.exp(kp.invention_share_trend * (years + 1)), 1.0)
        assert lo * (1 - 1e-9) <= share <= hi * (1 + 1e-9), rec["year"]


def test_top_scientists_from_staff_and_quality(run: EcosystemModel) -> None:
    """Staff of universities times the normal tail above the bar, shifted by quality."""
    kp, o = run.p.knowledge, run.orgs
    u = o["active"] & o["is_univ"]
    staff = float(np.sum(o["weight"][u] * o["emp"][u]))
    years = run.records[-1]["year"] - run.t0 + 1  # the model's clock at the last record
    shift = kp.research_quality_trend * years / kp.research_productivity_sd
    bar = NormalDist().inv_cdf(1.0 - kp.top_scientist_share)
    expected = staff * (1.0 - NormalDist().cdf(bar - shift))
    assert run.records[-1]["top_scientists"] == pytest.approx(expected, rel=1e-9)
    # the tail thins faster than staff grows: the count rises faster than staff
    assert _series(run, "top_scientists")[-1] > _series(run, "top_scientists")[0]


def test_pre_start_stocks_are_fixed_once(run: EcosystemModel) -> None:
    """The stock built before the start is ``history_years`` first-year flows, the same in
    every later year (a stock re-fixed every year would grow with the cumulative count)."""
    rel, kp = run.p.relocation, run.p.knowledge
    stock = _series(run, "branches_outside_stock") - _series(run, "branches_outside_region")
    first_year = run.records[0]["branches_outside_region"]
    assert first_year > 0
    assert np.allclose(stock, first_year * rel.branch_history_years, rtol=1e-12)
    led = _series(run, "international_standards_led")
    cum = run.state.production.cum_standards
    pre = run.state.production.pre_start_standards
    assert led[-1] == pytest.approx(cum + pre, rel=1e-12)
    first = led[0] / (1.0 + kp.standards_history_years)  # year one: flow + history x flow
    assert pre == pytest.approx(first * kp.standards_history_years, rel=1e-9)


def test_market_value_prices_the_funding_climate(run: EcosystemModel) -> None:
    """Market cap = listed valuations x listing premium x (1 + climate)^elasticity: read at
    the last record (climate +0.5 in 2013), recomputed from the end state."""
    fp, o = run.p.funding, run.orgs
    listed = o["active"] & ~o["is_univ"] & o["listed"]
    value = float(np.sum(o["weight"][listed] * o["valuation"][listed]))
    expected = value * fp.listing_premium * 1.5**fp.market_sentiment_elasticity
    assert run.records[-1]["market_cap_total"] == pytest.approx(expected, rel=1e-12)


def test_recording_changes_nothing(run: EcosystemModel) -> None:
    """Reading the indicators twice gives the same record: record_year has no side effects."""
    first = record_year(run)
    assert record_year(run) == first


def test_declarations_are_the_contract() -> None:
    names = [i.name for i in INDICATORS]
    assert len(names) == len(set(names)), "an indicator is declared twice"
    assert all(i.unit and i.meaning for i in INDICATORS)
    assert set(REQUIRED) <= set(names)
