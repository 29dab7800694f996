"""The firms' cheaper draws keep the law of one uniform per row.

Round four replaced one uniform per firm by Bernoulli thinning over the rows that can change
(relocations, branch openings, equity adoption and dropping) and skipped numpy's shuffle of
the hired subset. The random stream differs; these checks repeat the draws many times and
compare event counts with the hazards they should follow (within 5 standard errors).
"""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pytest

from sim.model import EcosystemModel
from sim.model.processes import firms
from sim.model.util import hazard
from sim.scenario import load

Z = 5.0  # standard errors allowed


def _within(observed: float, expected: float, variance: float) -> None:
    assert abs(observed - expected) <= Z * np.sqrt(max(variance, 1e-12)) + 1e-9, (
        observed,
        expected,
        np.sqrt(variance),
    )


@pytest.mark.parametrize("min_rows", [0, 1 << 30])
def test_trial_rows_fire_each_row_at_its_probability(
    min_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-row frequencies over many repetitions match ``p``, for rows in each tier (rare,
    thinned at 0.1, one uniform each) and with one uniform for every row (few rows); zeros
    and NaN never fire, and the per-repetition count has the variance of independent
    trials (sum p(1 - p))."""
    monkeypatch.setattr(firms, "_THIN_MIN_ROWS", min_rows)
    rng = np.random.Generator(np.random.SFC64(7))
    base = np.random.default_rng(1)
    p = base.random(600) * 0.06
    p[::3] *= 0.15  # rare rows (at most 0.01)
    p[::50] = 0.15 + 0.1 * base.random(12)  # a few above the thinning cut
    p[5] = 0.0
    p[7] = np.nan
    reps = 4000
    hits = np.zeros(p.size)
    totals = np.empty(reps)
    for r in range(reps):
        rows = firms._trial_rows(rng, p.copy())
        assert np.all(np.diff(rows) > 0)
        hits[rows] += 1
        totals[r] = rows.size
    q = np.nan_to_num(p)
    assert hits[5] == 0 and hits[7] == 0
    live = q > 0
    z = (hits[live] - reps * q[live]) / np.sqrt(reps * q[live] * (1 - q[live]))
    assert np.abs(z).max() < 5.5
    high = q > 0.1
    _within(hits[high].sum(), reps * q[high].sum(), reps * (q[high] * (1 - q[high])).sum())
    var = float((q * (1 - q)).sum())
    # the sample variance of the counts, against the variance of independent trials
    assert abs(totals.var(ddof=1) / var - 1.0) < Z * np.sqrt(2.0 / (reps - 1))


def test_trial_rows_likely_rows_draw_one_uniform_each(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(firms, "_THIN_MIN_ROWS", 0)
    rng = np.random.Generator(np.random.SFC64(3))
    p = np.full(400, 0.3)
    reps = 2000
    total = sum(firms._trial_rows(rng, p.copy()).size for _ in range(reps))
    _within(total, reps * 400 * 0.3, reps * 400 * 0.3 * 0.7)


@pytest.fixture(scope="module")
def state() -> bytes:
    """A small model a few years in, under relocation pressure (pushed and pulled firms,
    rent bills above the tolerance), so every relocation and branch term is present."""
    sc, _ = load(
        "relocation_pressure",
        ["scale=0.03", "end_year=2016", "levers.relocation_pressure.start_year=2011"],
    )
    m = EcosystemModel(sc.to_run_config(), rng=5)
    for _ in range(10):
        m.step()
    return pickle.dumps(m)


def _exit_hazards(m: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The old one-uniform-per-row law of :func:`firms._exits`: each firm dies with its
    death hazard; a survivor that is not listed relocates with its relocation hazard; a
    large survivor that stayed opens a branch with its branch hazard. Returns the three
    per-row probabilities (0 where the event cannot happen)."""
    o, g, rp, dt, pol = m.orgs, m.p.growth, m.p.relocation, m.dt, m.policy
    f = o["active"] & ~o["is_univ"]
    young = np.exp(-np.maximum(m.t - o["born"], 0.0) / g.young_age_scale)
    rate = g.death_rate + g.young_death_rate * young + g.loss_death_rate * (o["cash"] < 0)
    np.copyto(rate, g.death_rate * g.listed_death_mult, where=o["listed"])
    p_die = np.where(f, hazard(rate, dt), 0.0)
    excess = np.maximum(o["rent_bill"] / np.maximum(o["va"], 1.0) - rp.cost_tolerance, 0.0)
    core = m.parks["core"].take(o["park"])
    table = firms.in_codes(firms._ALL_CODES, m.p.funding.priority_codes)
    pushed = o["manuf"] & core & ~table.take(o["sector"])
    p_move = np.where(f & ~o["listed"], firms.relocation_hazard(m, excess, pushed), 0.0)
    pressure = (excess > 0) + pol.relocation.neighbour_pull + pushed
    p_branch = np.asarray(hazard(rp.branch_rate * (1.0 + rp.branch_pressure_gain * pressure), dt))
    big = f & (o["emp"] >= rp.branch_min_employees)
    return p_die, p_move, np.where(big, p_branch, 0.0)


@pytest.mark.parametrize("min_rows", [0, 1 << 30])
def test_exits_follow_the_per_row_hazards(
    state: bytes, min_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deaths, relocations and branch openings over repeated steps from one state: their
    counts match the one-uniform-per-row law (relocation needs survival, a branch needs
    survival and staying), with the tiered thinning and with one uniform per row."""
    monkeypatch.setattr(firms, "_THIN_MIN_ROWS", min_rows)
    m0 = pickle.loads(state)
    p_die, p_move, p_branch = _exit_hazards(m0)
    assert p_move.max() > 0 and p_branch.max() > 0 and (p_die > 0.1).any()
    p_moved = (1 - p_die) * p_move
    p_opened = (1 - p_die) * (1 - p_move) * p_branch
    reps = 300
    died = np.zeros(m0.orgs.n)
    moved = np.zeros(m0.orgs.n)
    opened = np.zeros(m0.orgs.n)
    for r in range(reps):
        m = pickle.loads(state)
        m.rng = np.random.Generator(np.random.SFC64(1000 + r))
        o = m.orgs
        f = o["active"] & ~o["is_univ"]
        young = np.exp(-np.maximum(m.t - o["born"], 0.0) / m.p.growth.young_age_scale)
        relocated_before = o["relocated"].copy()
        branches_before = o["branches"].copy()
        firms._exits(m, f, young)
        gone = f & ~o["active"]
        now_moved = o["relocated"] & ~relocated_before
        moved += now_moved
        died += gone & ~now_moved
        opened += o["branches"] - branches_before
    for hits, p in ((died, p_die), (moved, p_moved), (opened, p_opened)):
        _within(hits.sum(), reps * p.sum(), reps * (p * (1 - p)).sum())
    high = p_die > 0.1  # the rows drawn one uniform each
    _within(died[high].sum(), reps * p_die[high].sum(), reps * (p_die * (1 - p_die))[high].sum())


@pytest.mark.parametrize("min_rows", [0, 1 << 30])
def test_equity_adoption_follows_its_hazard(
    state: bytes, min_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Firms without equity adopt at the hazard of the gap to the target (state-owned ones
    at their scope); with the target below the share, granting firms drop at theirs
    (drawn by the tiered thinning, and by one uniform per row)."""
    monkeypatch.setattr(firms, "_THIN_MIN_ROWS", min_rows)
    for target_shift in (0.2, -0.2):
        m0 = pickle.loads(state)
        o, pol = m0.orgs, m0.policy
        f = o["active"] & ~o["is_univ"]
        share = firms.equity_share(m0, f)
        target = min(max(share + target_shift, 0.0), 1.0)
        speed = m0.p.entrepreneurship.equity_adoption
        if target_shift > 0:
            rate = speed * (target - share) / max(1.0 - share, 1e-9)
            scope = np.where(o["kind"] == firms.Ownership.SOE, pol.equity.soe_scope, 1.0)
            p = np.where(f & ~o["equity"], hazard(rate * scope, m0.dt), 0.0)
        else:
            rate = speed * (share - target) / max(share, 1e-9)
            p = np.where(f & o["equity"], hazard(rate, m0.dt), 0.0)
        reps = 200
        changed = 0.0
        for r in range(reps):
            m = pickle.loads(state)
            m.rng = np.random.Generator(np.random.SFC64(2000 + r))
            # (_equity reads these two settings only)
            eq = SimpleNamespace(equity_firm_share=target, soe_scope=pol.equity.soe_scope)
            m.policy = SimpleNamespace(equity=eq)  # type: ignore[assignment]
            before = m.orgs["equity"].copy()
            firms._equity(m, f)
            changed += float((m.orgs["equity"] != before).sum())
        assert p.sum() > 1.0
        _within(changed, reps * p.sum(), reps * (p * (1 - p)).sum())


def test_hire_picks_a_uniform_subset_of_the_pool(state: bytes) -> None:
    """Each person between jobs is hired with probability k / pool size, and each hired
    person goes to a firm in proportion to its hires."""
    m0 = pickle.loads(state)
    tl = m0.talent
    pool = (tl["active"] & (tl["employer"] < 0)).nonzero()[0]
    assert pool.size >= 20
    targets = (m0.orgs["active"] & ~m0.orgs["is_univ"]).nonzero()[0][:3]
    people = np.array([1.0, 2.0, 3.0])
    k = pool.size // 3
    people = people / people.sum() * k * m0.talent_weight  # k hires exactly
    reps = 600
    hired = np.zeros(pool.size)
    at = np.zeros(3)
    for r in range(reps):
        m = pickle.loads(state)
        m.rng = np.random.Generator(np.random.SFC64(3000 + r))
        firms.hire(m, targets, people, pool)
        emp = m.talent["employer"][pool]
        hired += emp >= 0
        at += [(emp == t).sum() for t in targets]
    q = k / pool.size
    z = (hired - reps * q) / np.sqrt(reps * q * (1 - q))
    assert np.abs(z).max() < 5.5
    share = np.array([1.0, 2.0, 3.0]) / 6.0
    n = at.sum()
    assert n == reps * k
    assert np.all(np.abs(at - n * share) <= Z * np.sqrt(n * share * (1 - share)))
