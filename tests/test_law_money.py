"""The money mechanisms' cheaper draws keep their laws (issue 16, fourth round).

Each changed draw site is repeated many times from one model state, the new way and the
former way (kept here as the reference), and their counts compared within a few standard
errors. These are statistical checks: a wrong law (a lost event, a doubled rate, a row that
cannot fire) moves the means by many standard errors.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.processes import funding, production
from sim.model.util import hazard
from sim.scenario import load


@pytest.fixture(scope="module")
def model() -> EcosystemModel:
    sc, _ = load("zgc_baseline", ["scale=0.03", "end_year=2016"])
    m = EcosystemModel(sc.to_run_config(), rng=4)
    while m.t < 2015.0:
        m.step()
    return m


def _z(a: np.ndarray, b: np.ndarray) -> float:
    """The difference of two sample means in standard errors."""
    se = np.sqrt(a.var() / a.size + b.var() / b.size)
    return float(abs(a.mean() - b.mean()) / max(se, 1e-12))


def test_patent_counts_are_poisson_counts_of_the_rates(model: EcosystemModel) -> None:
    lam = production.applications_rate(model) * model.dt
    big = lam > production.PATENT_DIRECT_RATE
    assert big.any() and (lam[~big] > 0).sum() > 100  # both kinds of rows are there
    rng_new, rng_old = np.random.default_rng(1), np.random.default_rng(2)
    reps = 400
    new = np.array([production.patent_counts(rng_new, lam) for _ in range(reps)])
    old = np.array([rng_old.poisson(lam) for _ in range(reps)])
    assert new.dtype == np.int64 and new.shape == old.shape
    assert not new[:, lam == 0].any()  # rows without a rate never patent
    for part in (big, ~big):  # totals of the large and small rows: mean and spread
        a, b = new[:, part].sum(axis=1), old[:, part].sum(axis=1)
        assert _z(a, b) < 5
        assert abs(a.var() / lam[part].sum() - 1) < 0.4  # Poisson: variance = mean
    # how many small rows file at all (a lost or merged event would change it)
    a, b = (new[:, ~big] > 0).sum(axis=1), (old[:, ~big] > 0).sum(axis=1)
    assert _z(a, b) < 5
    # the weights the model multiplies by: the step's applications
    w = model.orgs["weight"]
    assert _z((new * w).sum(axis=1), (old * w).sum(axis=1)) < 5


def test_patent_counts_row_by_row() -> None:
    """Per row, on mixed rates: each row's mean count is its rate."""
    lam = np.concatenate([np.full(50, 0.02), np.full(20, 0.4), [1.0, 1.2, 3.0, 40.0], np.zeros(5)])
    rng = np.random.default_rng(5)
    reps = 4000
    counts = np.array([production.patent_counts(rng, lam) for _ in range(reps)])
    mean = counts.mean(axis=0)
    se = np.sqrt(np.maximum(lam, 1e-9) / reps)
    assert (np.abs(mean - lam) < 5 * se + 1e-12).all()


def _rates(m: EcosystemModel) -> np.ndarray:
    """The listing rates of the four codes, as ``_listings`` makes them."""
    fp = m.p.funding
    rates = np.array([0.0, fp.ipo_rate, 0.0, fp.ipo_rate])
    if fp.unicorn_ipo_rate > 0:
        rates[2:] = np.maximum(rates[2:], fp.unicorn_ipo_rate)
    return rates


def _old_listings(m: EcosystemModel, f: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The former draw: one uniform per row compared with the row's hazard."""
    rates = _rates(m)
    hazards = np.asarray(hazard(rates * m.policy.funding.listing_openness, m.dt))
    cand, h = funding._listing_candidates(m, f, rates, hazards)
    u = rng.random(m.orgs.n)
    return cand[u[cand] < h]


def test_listings_keep_their_law(model: EcosystemModel) -> None:
    o = model.orgs
    f = o["active"] & ~o["is_univ"] & ~o["listed"]
    reps = 300
    new_counts, old_counts = np.zeros(reps), np.zeros(reps)
    listed_new = np.zeros(o.n)
    m = copy.deepcopy(model)
    m.deal_log = copy.deepcopy(model.deal_log)
    for r in range(reps):
        o2 = m.orgs
        o2["listed"][:] = model.orgs["listed"]
        before = o2["listed"].copy()
        funding._listings(m, f)
        rows = (o2["listed"] & ~before).nonzero()[0]
        new_counts[r] = rows.size
        listed_new[rows] += 1
        old_counts[r] = _old_listings(model, f, np.random.default_rng(100 + r)).size
    assert old_counts.mean() > 1  # the state has listings to compare
    assert _z(new_counts, old_counts) < 5
    # only private firms that can list ever list
    cand, _ = funding._listing_candidates(model, f, _rates(model), np.ones(4))
    outside = np.ones(o.n, bool)
    outside[cand] = False
    assert not listed_new[outside].any()
