"""Venture capital: supply, rounds, valuations, listings and the capital feedback loop
(mechanism 3 and the funding-mix lever).

Each step the capital supply (trend x funding-mix multiplier x funding climate x investor
confidence) is split by source and stage. Rounds go to firms in proportion to an
attractiveness that favours productive firms, firms already tied to the source's investors
(deal flow through the network) and, for government and SOE money, priority clusters and
young firms. Round sizes are lognormal; private and foreign rounds are larger. A round sets
the firm's post-money valuation and gives it a growth boost. Firms with enough revenue list
at a hazard set by listing-channel openness. Investor confidence follows the market value
of listed firms: success brings more capital (the Silicon Valley loop of seed 002).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model import jit, sampling
from sim.model.codes import STATE_SOURCES, Source
from sim.model.investments import InvestmentLog
from sim.model.processes.talent import firm_employment
from sim.model.protocol import Mechanism
from sim.model.schemas import NEG_INF, columns
from sim.model.util import (
    choose,
    choose_cumulative,
    cumulative_weights,
    hazard,
    in_codes,
    pick,
    searchsorted_right,
)

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel
    from sim.model.params import FundingParams
    from sim.model.state import Population

MEGADEAL_USD = 1e8  # definition of a mega-round (BRIEF section 4), not a behavioural parameter
UNICORN_USD = 1e9  # definition of a unicorn


#: venture rounds, valuations and listings of firms; what investors have put in
COLUMNS = {
    "orgs": columns(
        {
            "listed": (bool, False),
            "vc_backed": (bool, False),
            "post_money": (np.float64, 0.0),  # valuation at the last round, currency
            "rev_at_round": (np.float64, 0.0),  # revenue at that round, currency/yr
            "last_round": (np.float64, NEG_INF),  # decimal year of the last round
            "valuation": (np.float64, 0.0),  # current valuation, currency
        }
    ),
    "investors": columns({"invested": (np.float64, 0.0)}),  # currency, per investor
}


@dataclass
class FundingState:
    """Investor confidence and what it is measured against."""

    confidence: float = 1.0  # multiplier on capital supply from the listed firms' market value
    market_value0: float = 0.0  # market value of listed firms at the start, currency
    market_value_smooth: float = 0.0  # its smoothed current value (confidence memory)
    early_capital0: float = 0.0  # early-stage capital per employee at the start, currency/yr
    # investment-tie flags by source (see _network_flags): the log they were built from,
    # how many ties they cover, the flags' buffer, how many organisations it describes
    flags_cache: tuple[InvestmentLog, int, np.ndarray, int] | None = None
    # syndication ties of the current step (lead, co-investor), added in one batch
    pending_coinvest: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


def initialise(m: EcosystemModel) -> None:
    """Valuations and the reference values of confidence and early-stage capital."""
    s = m.state.funding
    update_valuations(m)
    s.market_value0 = max(listed_value(m), 1.0)
    s.market_value_smooth = s.market_value0
    s.early_capital0 = early_capital_rate(m) / max(firm_employment(m), 1.0)


def close_year(m: EcosystemModel) -> None:
    """Value firms at year end (unicorns, market value and listed shares are read from it)."""
    update_valuations(m)


def listed_value(m: EcosystemModel) -> float:
    o = m.orgs
    f = (o["active"] & o["listed"]).nonzero()[0]  # few: gathered by index
    return float((o["weight"][f] * o["valuation"][f]).sum() * m.p.funding.listing_premium)


def supply_rate(m: EcosystemModel) -> float:
    """Yearly VC capital supply at the current time (currency/yr)."""
    fp, pol = m.p.funding, m.policy
    trend = np.exp(fp.capital_trend * (min(m.t, fp.capital_trend_end_year + 1.0) - m.t0))
    climate = max(0.05, 1.0 + pol.shocks.funding_climate)
    confidence = m.state.funding.confidence
    return float(fp.capital_supply * trend * pol.funding.capital_supply * climate * confidence)


def source_shares(m: EcosystemModel) -> np.ndarray:
    f = m.policy.funding
    s = np.array([f.share_government, f.share_soe, f.share_private, f.share_foreign, f.share_angel])
    shares: np.ndarray = s / s.sum()
    return shares


def early_capital_rate(m: EcosystemModel) -> float:
    """Capital per year reaching young firms (early stage plus angels)."""
    s = source_shares(m)
    e = m.policy.funding.early_stage_share
    return supply_rate(m) * float(s[Source.ANGEL] + (1.0 - s[Source.ANGEL]) * e)


def update_valuations(m: EcosystemModel) -> None:
    """valuation = where(active firm, max(revenue_multiple * rev, marked), 0), where
    marked = post_money * rev / max(rev_at_round, 1) for firms that had a round, else 0.

    Revenues are non-negative, so for a firm without a round the maximum is the revenue
    multiple itself: the marked value is computed for the firms with a round only (about one
    in ten), and the mask is applied by multiplying by it (finite, non-negative values).
    """
    o, fp = m.orgs, m.p.funding
    value, rev = o["valuation"], o["rev"]
    if jit.ENABLED:
        _valuation_kernel(
            rev,
            fp.revenue_multiple,
            o["rev_at_round"],
            o["post_money"],
            o["active"],
            o["is_univ"],
            value,
        )
        return
    np.multiply(rev, fp.revenue_multiple, out=value)
    rar = o["rev_at_round"]
    had = (rar > 0).nonzero()[0]
    marked = o["post_money"][had] * rev[had] / np.maximum(rar[had], 1.0)
    value[had] = np.maximum(value[had], marked)
    value *= o["active"] & ~o["is_univ"]


@jit.kernel
def _valuation_kernel(
    rev: np.ndarray,
    multiple: float,
    rev_at_round: np.ndarray,
    post_money: np.ndarray,
    active: np.ndarray,
    is_univ: np.ndarray,
    value: np.ndarray,
) -> None:
    """:func:`update_valuations` in one pass: each value through the numpy path's
    operations. ``np.maximum(a, b)`` keeps a NaN ``a`` and returns ``b`` on a tie (as for
    ``rev_at_round`` against 1 and the marked value against the revenue multiple)."""
    for i in range(rev.size):
        v = rev[i] * multiple
        r = rev_at_round[i]
        if r > 0:
            marked = post_money[i] * rev[i]
            marked = marked / (1.0 if r <= 1.0 else r)
            if not (v > marked or v != v):
                v = marked
        value[i] = v * (1.0 if active[i] and not is_univ[i] else 0.0)


def _tail_mean(fp: FundingParams) -> float:
    """Mean of the round-size factor: 1 for a lognormal, larger with a Pareto tail."""
    a = fp.round_tail_exponent
    return float(1.0 - fp.round_tail_share + fp.round_tail_share * a / (a - 1.0))


def _tail_factor(rng: np.random.Generator, fp: FundingParams, k: int) -> np.ndarray:
    """Heavy-tailed rounds: a share ``round_tail_share`` of rounds is multiplied by a Pareto
    factor (at least 1, CCDF exponent ``round_tail_exponent``). Venture round sizes have a
    power-law tail that a lognormal misses, which is how a few mega-rounds hold much of the
    amount (Silicon Valley 2023: 26 rounds above 100M USD, 39% of the amount; seed 002)."""
    pareto = (1.0 - rng.random(k)) ** (-1.0 / fp.round_tail_exponent)
    return np.where(rng.random(k) < fp.round_tail_share, pareto, 1.0)


class _Sampler:
    """``choose(rng, candidates, weights, k)`` for many ``k`` from the same candidates and
    weights: the cumulative weights are made once (the same draws as ``choose``)."""

    def __init__(self, candidates: np.ndarray, weights: np.ndarray) -> None:
        self.candidates = candidates
        self.cdf = cumulative_weights(weights)

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return choose_cumulative(rng, self.candidates, self.cdf, k)


class _Investors:
    """Who can lead or join a round this step, by source (investors do not change while
    the funding step runs, so each selection is made once per step rather than per round)."""

    def __init__(self, m: EcosystemModel) -> None:
        inv = m.investors
        if jit.ENABLED:
            self._compiled(inv)
            return
        self.active = inv["active"].nonzero()[0]
        self.weight = inv["weight"][self.active]
        source = inv["source"][self.active]
        self.by_source = {int(s): self.active[source == s] for s in Source}
        self.weight_by_source = {s: inv["weight"][rows] for s, rows in self.by_source.items()}
        self.lead = {
            s: _Sampler(rows, self.weight_by_source[s]) for s, rows in self.by_source.items()
        }
        self.co = _Sampler(self.active, self.weight)

    def _compiled(self, inv: Population) -> None:
        """The same selections and look-up tables from one kernel (one pass over the
        investors and a few small ones, instead of about thirty numpy calls a step)."""
        n_sources = len(Source)
        active, weight, rows, weights, cdfs, start = _investors_kernel(
            inv["active"], inv["weight"], inv["source"], n_sources
        )
        self.active, self.weight = active, weight
        self.by_source = {}
        self.weight_by_source = {}
        self.lead = {}
        for s in range(n_sources):
            a, b = start[s], start[s + 1]
            self.by_source[s] = rows[a:b]
            self.weight_by_source[s] = weights[a:b]
            self.lead[s] = _Sampler.__new__(_Sampler)
            self.lead[s].candidates = rows[a:b]
            self.lead[s].cdf = cdfs[a:b]
        self.co = _Sampler.__new__(_Sampler)
        self.co.candidates = active
        self.co.cdf = cdfs[start[n_sources] :]


@jit.kernel
def _investors_kernel(
    active: np.ndarray, weight: np.ndarray, source: np.ndarray, n_sources: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:class:`_Investors`' selections: the active rows (in order) and their weights; the
    same rows grouped by source (each group in row order, group ``s`` at
    ``start[s]:start[s + 1]``) with their weights; and the look-up tables of
    :func:`cumulative_weights`, one per group and then one of all active rows (from
    ``start[n_sources]``), each cumulated as ``_cumulate_kernel`` does and replaced by
    ``1, 2, ...`` when its total is not positive."""
    n = active.size
    count = np.zeros(n_sources + 1, np.int64)
    k = 0
    for i in range(n):
        if active[i]:
            count[source[i]] += 1
            k += 1
    start = np.zeros(n_sources + 1, np.int64)
    for s in range(n_sources):
        start[s + 1] = start[s] + count[s]
    rows = np.empty(k, np.int64)
    weights = np.empty(k)
    act = np.empty(k, np.int64)
    act_w = np.empty(k)
    fill = start[:n_sources].copy()
    j = 0
    for i in range(n):
        if active[i]:
            act[j] = i
            act_w[j] = weight[i]
            j += 1
            p = fill[source[i]]
            rows[p] = i
            weights[p] = weight[i]
            fill[source[i]] = p + 1
    cdfs = np.empty(2 * k)
    for g in range(n_sources + 1):
        if g < n_sources:  # a group's table lies where its weights lie
            a = start[g]
            b = start[g + 1]
            w = weights
            shift = 0
        else:  # the table of all active rows follows the groups'
            a = k
            b = 2 * k
            w = act_w
            shift = k
        total = 0.0
        for i in range(a, b):
            x = w[i - shift]
            if x <= 0.0:
                x = 0.0
            total = x if i == a else total + x
            cdfs[i] = total
        if b > a and cdfs[b - 1] <= 0:
            for i in range(a, b):
                cdfs[i] = float(i - a + 1)
    return act, act_w, rows, weights, cdfs, start


def _in_order(x: np.ndarray) -> float:
    """The sum of ``x`` added in row order (``cumsum``'s order; 0.0 for no rows)."""
    return float(np.cumsum(x)[-1]) if x.size else 0.0


def _round_factor(fp: FundingParams) -> tuple[np.float64, float]:
    """The two factors from a median round to the mean round: lognormal spread and tail."""
    return np.exp(fp.round_sigma**2 / 2), _tail_mean(fp)


def _invest(
    m: EcosystemModel,
    source: int,
    budget: float,
    pool: np.ndarray,
    attract: np.ndarray,
    median_round: float,
    dilution: float,
    pool_weight: np.ndarray | None = None,
    investors: _Investors | None = None,
    round_factor: tuple[np.float64, float] | None = None,
) -> None:
    """Rounds of one source into one pool. ``pool_weight`` (the pool's firm weights),
    ``investors`` and ``round_factor`` may be given when the caller already has them."""
    if budget <= 0 or pool.size == 0:
        return
    o, fp, rng = m.orgs, m.p.funding, m.rng
    w = o["weight"][pool] if pool_weight is None else pool_weight
    spread, tail = _round_factor(fp) if round_factor is None else round_factor
    mean_round = median_round * spread * tail
    real_deals = budget / mean_round
    # both sums added in row order, as the compiled path's one pass adds them
    events = rng.poisson(real_deals * _in_order(attract) / _in_order(w * attract))
    if events == 0:
        return
    firms = choose(rng, pool, attract, events)
    amount = median_round * np.exp(fp.round_sigma * rng.standard_normal(events))
    if fp.round_tail_share > 0:
        amount = amount * _tail_factor(rng, fp, events)
    fw = o["weight"][firms]
    money = fw * amount
    acc = m.flows
    invested = float(money.sum())
    acc.vc_investment += invested
    acc.vc_deals += float(fw.sum())
    mega = amount >= MEGADEAL_USD * m.usd_rate
    if mega.any():  # otherwise both sums are 0.0, and adding 0.0 changes nothing
        acc.vc_megadeal_amount += float(money[mega].sum())
        acc.vc_megadeal_count += float(fw[mega].sum())
    if source in STATE_SOURCES:
        acc.vc_government_amount += invested
    o["cash"][firms] += amount
    o["last_round"][firms] = m.t
    o["vc_backed"][firms] = True
    post = amount / dilution
    m.deal_log.invest(o["fid"][firms], m.t, amount, post, fw)
    better = post > o["valuation"][firms]
    if better.any():  # otherwise the writes below put back the values read
        o["post_money"][firms] = np.where(better, post, o["post_money"][firms])
        o["rev_at_round"][firms] = np.where(
            better, np.maximum(o["rev"][firms], 1.0), o["rev_at_round"][firms]
        )
    # the lead investor and, sometimes, a co-investor
    inv = m.investors
    if investors is None:
        investors = _Investors(m)
    candidates = investors.by_source[int(source)]
    if candidates.size == 0:
        return
    leads = investors.lead[int(source)].draw(rng, events)
    inv["invested"][leads] += money / inv["weight"][leads]
    m.investments.add(leads, firms)
    syn = rng.random(events) < fp.syndication
    if syn.any():
        co = investors.co.draw(rng, int(syn.sum()))
        m.investments.add(co, firms[syn])
        m.state.funding.pending_coinvest.append((leads[syn], co))


def mark_down_in_winter(m: EcosystemModel, private: np.ndarray) -> None:
    """Down-valuation of private firms while the funding climate is below normal.

    In a capital winter, new rounds are priced below the last (down rounds) and funds mark
    their holdings down, so firms valued at a unicorn's value drop out of the stock without
    listing. The last round's post-money falls at ``winter_markdown`` per unit of negative
    climate a year; it is not raised back when the climate recovers (a new round does that).
    """
    fp = m.p.funding
    cold = min(0.0, m.policy.shocks.funding_climate)
    if fp.winter_markdown <= 0 or cold >= 0:
        return
    o = m.orgs
    factor = np.exp(fp.winter_markdown * cold * m.dt)
    o["post_money"] = np.where(private & o["vc_backed"], o["post_money"] * factor, o["post_money"])


def _network_flags(m: EcosystemModel) -> np.ndarray:
    """flags[s, firm]: the firm is tied through an investment to an investor of source s.

    Investment ties are only appended between compactions (which replace the log), so the
    flags are kept and updated with the ties added since the last call. The flags live in
    a buffer with room for more organisations (doubled when full), so that organisations
    founded since the last call cost no copy: the result is a view of its first ``n`` columns.
    """
    n = m.orgs.n
    log = m.investments
    cache = m.state.funding.flags_cache
    n_sources = len(Source)
    if cache is None or cache[0] is not log:
        cache = (log, 0, np.zeros((n_sources, max(n, 1024)), bool), 0)
    _, done, flags, used = cache
    if used > n or done > len(log):  # rows dropped without a new log: start again
        done, flags, used = 0, np.zeros_like(flags), 0
    if flags.shape[1] < n:  # more organisations than room: a larger buffer
        grown = np.zeros((n_sources, max(n, 2 * flags.shape[1])), bool)
        grown[:, :used] = flags[:, :used]
        flags = grown
    if len(log) > done:
        flags[m.investors["source"][log.vc[done:]], log.firm[done:]] = True
    m.state.funding.flags_cache = (log, len(log), flags, n)
    view: np.ndarray = flags[:, :n]
    return view


def step(m: EcosystemModel) -> None:
    fp, pol, dt = m.p.funding, m.policy, m.dt
    st = m.state.funding
    update_valuations(m)
    # investor confidence follows the (smoothed) market value of listed firms
    mv = listed_value(m)
    st.market_value_smooth += (mv - st.market_value_smooth) * min(1.0, dt / fp.confidence_memory)
    trend = np.exp(m.p.production.productivity_drift * (m.t - m.t0))
    confidence = float((st.market_value_smooth / (st.market_value0 * trend)) ** fp.confidence_gain)
    # np.clip of one number, as Python's min and max (NaN stays NaN in both)
    st.confidence = float(min(max(confidence, fp.confidence_min), fp.confidence_max))

    supply = supply_rate(m) * dt
    shares = source_shares(m)
    m.state.funding.pending_coinvest = []  # syndication ties of this step, added in one batch
    round_mult = pol.funding.round_size * np.exp(fp.round_size_trend * (m.t - m.t0))
    if jit.ENABLED:
        f = _rounds_compiled(m, supply, shares, round_mult)
    else:
        f = _rounds(m, supply, shares, round_mult)

    if m.state.funding.pending_coinvest:
        leads = np.concatenate([p[0] for p in m.state.funding.pending_coinvest])
        cos = np.concatenate([p[1] for p in m.state.funding.pending_coinvest])
        m.coinvest.add(leads, cos, 0)

    mark_down_in_winter(m, f)
    _listings(m, f)


def _source_budgets(
    fp: FundingParams, supply: float, shares: np.ndarray, round_mult: float
) -> Iterator[tuple[Source, float, float]]:
    """Each source with money this step: its budget and its median round (private and
    foreign rounds are larger), in the order of ``Source`` (both paths of the rounds)."""
    for s in Source:
        budget = supply * shares[s]
        if budget <= 0:
            continue
        src_mult = fp.private_round_mult if s in (Source.PRIVATE, Source.FOREIGN) else 1.0
        yield s, budget, fp.round_size * round_mult * src_mult


def _rounds(m: EcosystemModel, supply: float, shares: np.ndarray, round_mult: float) -> np.ndarray:
    """The rounds of every source into the young and older private firms (numpy path);
    returns the private firms' mask."""
    o, fp, pol = m.orgs, m.p.funding, m.policy
    f: np.ndarray = o["active"] & ~o["is_univ"] & ~o["listed"]
    age = m.t - o["born"]
    young = f & (age <= fp.early_stage_age)
    older = f & (age > fp.early_stage_age)
    # quality = exp(clip(log_prod - mean, -3, 3) - age / investor_age_scale)
    quality = o["log_prod"] - m.state.production.mean_log_prod
    np.clip(quality, -3, 3, out=quality)
    quality -= age / fp.investor_age_scale
    np.exp(quality, out=quality)
    flags = _network_flags(m)
    investors = _Investors(m)
    round_factor = _round_factor(fp)
    # attractiveness is only needed over the two pools (young and older firms)
    pools = (young.nonzero()[0], older.nonzero()[0])
    pool_weights = [o["weight"][pool] for pool in pools]
    pool_quality = [quality[pool] for pool in pools]
    # the priority bias of state sources, the same for both of them: made once per pool
    priority = in_codes(o["sector"], fp.priority_codes)
    pool_bias = [pick(priority[pool], fp.government_priority_bias, 1.0) for pool in pools]

    def attractiveness(s: int, which: int) -> np.ndarray:
        """quality * (network_bias if tied to the source's investors else 1), times the
        priority bias for state sources; few firms are tied, so only their values are
        multiplied (the others' factor 1 changes nothing)."""
        attract: np.ndarray = pool_quality[which].copy()
        attract[flags[s][pools[which]].nonzero()[0]] *= fp.network_bias
        if s in STATE_SOURCES:
            attract *= pool_bias[which]
        return attract

    for s, budget, median in _source_budgets(fp, supply, shares, round_mult):
        if s == Source.ANGEL:
            _invest(
                m,
                s,
                budget,
                pools[0],
                attractiveness(s, 0),
                median * fp.angel_round_mult,
                fp.dilution,
                pool_weights[0],
                investors,
                round_factor,
            )
            continue
        e = pol.funding.early_stage_share
        if s in STATE_SOURCES:
            e = min(1.0, e * fp.government_early_bias)
        _invest(
            m,
            s,
            budget * e,
            pools[0],
            attractiveness(s, 0),
            median,
            fp.dilution,
            pool_weights[0],
            investors,
            round_factor,
        )
        _invest(
            m,
            s,
            budget * (1 - e),
            pools[1],
            attractiveness(s, 1),
            median * fp.growth_round_mult,
            fp.growth_dilution,
            pool_weights[1],
            investors,
            round_factor,
        )
    return f


def _rounds_compiled(
    m: EcosystemModel, supply: float, shares: np.ndarray, round_mult: float
) -> np.ndarray:
    """:func:`_rounds` with compiled kernels: the private firms, their pools and, for each
    pool's firms in order, the exponent of their quality, their weights and whether their
    sector is a priority, in one pass (numpy's ``exp`` over the pools' exponents: the
    same numbers as over every row, where the numpy path takes it), then per source and
    pool the attractiveness and :func:`_invest_compiled`: the same budgets, pools and round
    sizes, in the same order."""
    o, fp, pol = m.orgs, m.p.funding, m.policy
    priority = np.zeros(128, bool)  # the table of in_codes
    priority[np.asarray(list(fp.priority_codes), np.int64)] = True
    f, young, older, traits = _pools_kernel(
        o["active"],
        o["is_univ"],
        o["listed"],
        o["born"],
        m.t,
        fp.early_stage_age,
        o["log_prod"],
        m.state.production.mean_log_prod,
        fp.investor_age_scale,
        o["weight"],
        o["sector"],
        priority,
    )
    for quality, _, _ in traits:
        np.exp(quality, out=quality)
    flags = _network_flags(m)
    investors = _Investors(m)
    round_factor = _round_factor(fp)
    pools = (young, older)
    cdf_buf = np.empty(max(young.size, older.size))
    for s, budget, median in _source_budgets(fp, supply, shares, round_mult):
        state = s in STATE_SOURCES
        if s == Source.ANGEL:
            plan = [(budget, 0, median * fp.angel_round_mult, fp.dilution)]
        else:
            e = pol.funding.early_stage_share
            if state:
                e = min(1.0, e * fp.government_early_bias)
            plan = [
                (budget * e, 0, median, fp.dilution),
                (budget * (1 - e), 1, median * fp.growth_round_mult, fp.growth_dilution),
            ]
        for amount, which, median_round, dilution in plan:
            pool = pools[which]
            if amount <= 0 or pool.size == 0:
                continue
            cdf = cdf_buf[: pool.size]
            quality, weight, favoured = traits[which]
            attract_sum, weighted_sum = _attract_kernel(
                quality,
                weight,
                favoured,
                pool,
                flags[s],
                fp.network_bias,
                fp.government_priority_bias if state else 1.0,
                cdf,
            )
            _invest_compiled(
                m,
                s,
                amount,
                pool,
                attract_sum,
                weighted_sum,
                cdf,
                median_round,
                dilution,
                investors,
                round_factor,
            )
    return f


_Traits = tuple[np.ndarray, np.ndarray, np.ndarray]


@jit.kernel
def _pools_kernel(
    active: np.ndarray,
    is_univ: np.ndarray,
    listed: np.ndarray,
    born: np.ndarray,
    t: float,
    early_stage_age: float,
    log_prod: np.ndarray,
    mean: float,
    age_scale: float,
    w: np.ndarray,
    sector: np.ndarray,
    priority: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[_Traits, _Traits]]:
    """The private firms (mask), the young and older ones (rows, in order, as ``nonzero``
    gives them) and, for each of these two pools, its firms' ``clip(log_prod - mean, -3, 3)
    - (t - born) / age_scale``, weights and ``priority[sector]``, in pool order (what
    gathering them by the pool's rows gives). ``np.clip`` keeps NaN and is not tied at its
    bounds by a zero."""
    n = active.size
    f = np.empty(n, np.bool_)
    young = np.empty(n, np.int64)
    older = np.empty(n, np.int64)
    q_young, q_older = np.empty(n), np.empty(n)
    w_young, w_older = np.empty(n), np.empty(n)
    p_young, p_older = np.empty(n, np.bool_), np.empty(n, np.bool_)
    ny = 0
    no = 0
    for i in range(n):
        fi = active[i] and not is_univ[i] and not listed[i]
        f[i] = fi
        if not fi:
            continue
        age = t - born[i]
        q = log_prod[i] - mean
        if q < -3.0:
            q = -3.0
        elif q > 3.0:
            q = 3.0
        q = q - age / age_scale
        if age <= early_stage_age:
            young[ny] = i
            q_young[ny] = q
            w_young[ny] = w[i]
            p_young[ny] = priority[sector[i]]
            ny += 1
        elif age > early_stage_age:
            older[no] = i
            q_older[no] = q
            w_older[no] = w[i]
            p_older[no] = priority[sector[i]]
            no += 1
    traits = (  # (views: they live for one step)
        (q_young[:ny], w_young[:ny], p_young[:ny]),
        (q_older[:no], w_older[:no], p_older[:no]),
    )
    return f, young[:ny].copy(), older[:no].copy(), traits


@jit.kernel
def _attract_kernel(
    quality: np.ndarray,
    weight: np.ndarray,
    favoured: np.ndarray,
    pool: np.ndarray,
    tied: np.ndarray,
    network_bias: float,
    priority_bias: float,
    cdf: np.ndarray,
) -> tuple[float, float]:
    """The attractiveness of a pool's firms to one source (their ``quality`` times the
    network bias where ``tied``, times ``pick(favoured, priority_bias, 1)``, the bias being
    1.0 for sources other than the state's; ``quality``, ``weight`` and ``favoured`` in pool
    order) and into ``cdf``
    the running totals of :func:`cumulative_weights`: ``cumsum(maximum(attract, 0))``, added
    in order. Returns the sums of the attractiveness and of its products with the weights,
    added in row order as :func:`_in_order` adds them. A factor of 1.0 where the numpy path
    leaves a number alone is the same number (an exact product), and needs no branch on the
    scattered tied or favoured firms. ``np.maximum`` returns its second operand on a tie and
    keeps a NaN first one, as the comparison below does.
    """
    c = 0.0
    sa = 0.0
    swa = 0.0
    for j in range(pool.size):
        a = quality[j] * (network_bias if tied[pool[j]] else 1.0)
        a = a * (priority_bias if favoured[j] else 1.0)
        b = weight[j] * a
        sa = a if j == 0 else sa + a
        swa = b if j == 0 else swa + b
        x = 0.0 if a <= 0.0 else a
        c = x if j == 0 else c + x
        cdf[j] = c
    return sa, swa


def _uniforms(rng: np.random.Generator, k: int) -> np.ndarray:
    """The uniform numbers ``choose`` draws for ``k`` picks: one scalar draw for one pick."""
    return np.array([rng.random()]) if k == 1 else rng.random(k)


def _invest_compiled(
    m: EcosystemModel,
    source: int,
    budget: float,
    pool: np.ndarray,
    attract_sum: float,
    weighted_sum: float,
    cdf: np.ndarray,
    median_round: float,
    dilution: float,
    investors: _Investors,
    round_factor: tuple[np.float64, float],
) -> None:
    """:func:`_invest` with the draws made first, in the same order and sizes (no draw
    depends on what the rounds write), and the rounds as two kernels: the firms' side
    (picks, cash, valuations) and the investors' side (leads, co-investors)."""
    o, fp, rng = m.orgs, m.p.funding, m.rng
    spread, tail = round_factor
    mean_round = median_round * spread * tail
    real_deals = budget / mean_round
    events = rng.poisson(real_deals * attract_sum / weighted_sum)
    if events == 0:
        return
    if cdf[-1] <= 0:  # all-zero weights count as equal weights (cumulative_weights)
        cdf = np.arange(1, cdf.size + 1, dtype=np.float64)
    u_firms = _uniforms(rng, events)
    amount = median_round * np.exp(fp.round_sigma * rng.standard_normal(events))
    if fp.round_tail_share > 0:
        amount = amount * _tail_factor(rng, fp, events)
    firms, fw, money, post, mega = _firm_rounds_kernel(
        pool,
        cdf,
        u_firms,
        amount,
        o["weight"],
        o["cash"],
        o["last_round"],
        o["vc_backed"],
        m.t,
        dilution,
        o["valuation"],
        o["post_money"],
        o["rev_at_round"],
        o["rev"],
        MEGADEAL_USD * m.usd_rate,
    )
    acc = m.flows
    invested = float(money.sum())
    acc.vc_investment += invested
    acc.vc_deals += float(fw.sum())
    if mega.size:  # otherwise both sums are 0.0, and adding 0.0 changes nothing
        acc.vc_megadeal_amount += float(money[mega].sum())
        acc.vc_megadeal_count += float(fw[mega].sum())
    if source in STATE_SOURCES:
        acc.vc_government_amount += invested
    m.deal_log.invest(o["fid"][firms], m.t, amount, post, fw)
    # the lead investor and, sometimes, a co-investor
    if investors.by_source[int(source)].size == 0:
        return
    lead = investors.lead[int(source)]
    u_leads = _uniforms(rng, events)
    syn = rng.random(events) < fp.syndication
    n_syn = int(syn.sum())
    co = investors.co
    u_co = _uniforms(rng, n_syn) if n_syn else np.empty(0)
    inv = m.investors
    leads, cos, syn_firms, syn_leads = _investor_rounds_kernel(
        lead.candidates,
        lead.cdf,
        u_leads,
        co.candidates,
        co.cdf,
        u_co,
        syn,
        firms,
        money,
        inv["invested"],
        inv["weight"],
    )
    m.investments.add(leads, firms)
    if n_syn:
        m.investments.add(cos, syn_firms)
        m.state.funding.pending_coinvest.append((syn_leads, cos))


@jit.kernel
def _pick(candidates: np.ndarray, cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``choose_cumulative`` given its uniform numbers ``u``: each scaled by the total,
    looked up in ``cdf`` and capped at the last candidate."""
    total = cdf[cdf.size - 1]
    last = candidates.size - 1
    out = np.empty(u.size, candidates.dtype)
    for j in range(u.size):
        i = searchsorted_right(cdf, 0, cdf.size, u[j] * total)
        out[j] = candidates[i if i < last else last]
    return out


@jit.kernel
def _firm_rounds_kernel(
    pool: np.ndarray,
    cdf: np.ndarray,
    u: np.ndarray,
    amount: np.ndarray,
    weight: np.ndarray,
    cash: np.ndarray,
    last_round: np.ndarray,
    vc_backed: np.ndarray,
    t: float,
    dilution: float,
    valuation: np.ndarray,
    post_money: np.ndarray,
    rev_at_round: np.ndarray,
    rev: np.ndarray,
    mega_amount: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The firms' side of :func:`_invest`: the funded firms (picked with the uniform
    numbers ``u``), their weights, the money, post-money values and which rounds are
    mega-rounds; cash, round dates and valuations updated.

    ``x[firms] += v`` and ``x[firms] = where(...)`` gather every value before writing any,
    and a firm picked twice keeps the last write: the two passes below do the same.
    ``np.maximum(rev, 1)`` keeps a NaN first operand and returns the second on a tie.
    """
    k = u.size
    firms = _pick(pool, cdf, u)
    fw = np.empty(k)
    money = np.empty(k)
    post = np.empty(k)
    new_cash = np.empty(k)
    new_post = np.empty(k)
    new_rar = np.empty(k)
    n_mega = 0
    for j in range(k):
        r = firms[j]
        x = weight[r]
        fw[j] = x
        money[j] = x * amount[j]
        if amount[j] >= mega_amount:
            n_mega += 1
        new_cash[j] = cash[r] + amount[j]
        p = amount[j] / dilution
        post[j] = p
        if p > valuation[r]:
            new_post[j] = p
            v = rev[r]
            new_rar[j] = 1.0 if v <= 1.0 else v
        else:
            new_post[j] = post_money[r]
            new_rar[j] = rev_at_round[r]
    mega = np.empty(n_mega, np.int64)
    n_mega = 0
    for j in range(k):
        r = firms[j]
        cash[r] = new_cash[j]
        last_round[r] = t
        vc_backed[r] = True
        post_money[r] = new_post[j]
        rev_at_round[r] = new_rar[j]
        if amount[j] >= mega_amount:
            mega[n_mega] = j
            n_mega += 1
    return firms, fw, money, post, mega


@jit.kernel
def _investor_rounds_kernel(
    lead_candidates: np.ndarray,
    lead_cdf: np.ndarray,
    u_leads: np.ndarray,
    co_candidates: np.ndarray,
    co_cdf: np.ndarray,
    u_co: np.ndarray,
    syn: np.ndarray,
    firms: np.ndarray,
    money: np.ndarray,
    invested: np.ndarray,
    inv_weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The investors' side of :func:`_invest`: the leads (picked with ``u_leads``), what
    they put in (``invested[leads] += money / weight[leads]``: every value gathered before
    any is written, the last write of an investor picked twice kept), the co-investors
    (picked with ``u_co``) and the firms and leads of the syndicated rounds."""
    k = u_leads.size
    leads = _pick(lead_candidates, lead_cdf, u_leads)
    new = np.empty(k)
    for j in range(k):
        r = leads[j]
        new[j] = invested[r] + money[j] / inv_weight[r]
    n_syn = 0
    for j in range(k):
        invested[leads[j]] = new[j]
        if syn[j]:
            n_syn += 1
    syn_firms = np.empty(n_syn, firms.dtype)
    syn_leads = np.empty(n_syn, leads.dtype)
    n_syn = 0
    for j in range(k):
        if syn[j]:
            syn_firms[n_syn] = firms[j]
            syn_leads[n_syn] = leads[j]
            n_syn += 1
    cos = _pick(co_candidates, co_cdf, u_co) if u_co.size else np.empty(0, co_candidates.dtype)
    return leads, cos, syn_firms, syn_leads


def _listings(m: EcosystemModel, f: np.ndarray) -> None:
    """Listings of private firms ``f`` at a yearly rate by eligibility, and their exits.

    The rate takes one of four values (eligible or not, unicorn or not), so the hazard is
    computed on those four and looked up; only the candidates (rate above 0) can list. Each
    candidate lists with probability its hazard, independently: ``sampling.bernoulli_rows``
    over the candidates only (the same law as the former uniform for every row compared
    with the hazard: the rows that could not list never did, and draws are independent).
    The candidates are found by numpy's mask passes on both paths: a compiled loop over
    the rows (with a branch per row) was measured slower.
    """
    o, fp, pol, dt = m.orgs, m.p.funding, m.policy, m.dt
    rates = np.array([0.0, fp.ipo_rate, 0.0, fp.ipo_rate])
    if fp.unicorn_ipo_rate > 0:
        rates[2:] = np.maximum(rates[2:], fp.unicorn_ipo_rate)
    hazards = np.asarray(hazard(rates * pol.funding.listing_openness, dt))
    candidates, h = _listing_candidates(m, f, rates, hazards)
    ipo: np.ndarray = candidates[sampling.bernoulli_rows(m.rng, h)]
    if ipo.size:
        o["listed"][ipo] = True
        backed = ipo[o["vc_backed"][ipo]]
        m.deal_log.exit(o["fid"][backed], "listing", o["valuation"][backed], m.t)
        m.flows.ipos += float(o["weight"][ipo].sum())


def _listing_candidates(
    m: EcosystemModel, f: np.ndarray, rates: np.ndarray, hazards: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The private firms ``f`` that can list this step (rate above 0), in row order, and
    their hazards: each private firm's code (eligible, plus 2 for a unicorn when unicorns
    list at their own rate) picks its rate and hazard."""
    o, fp = m.orgs, m.p.funding
    eligible = (
        f
        & (o["rev"] >= fp.ipo_min_revenue)
        & (o["vc_backed"] | (o["emp"] >= m.p.population.large_firm_employees))
    )
    # rate = where(eligible, ipo_rate, 0), raised to unicorn_ipo_rate for unicorns
    code = eligible.view(np.uint8)
    if fp.unicorn_ipo_rate > 0:
        big = f & o["vc_backed"] & (o["post_money"] >= UNICORN_USD * m.usd_rate)
        code = code + 2 * big.view(np.uint8)
    candidates = code.nonzero()[0]
    codes = code[candidates]
    can = rates.take(codes) > 0
    return candidates[can], hazards.take(codes[can])


MECHANISM = Mechanism(
    name="funding",
    columns=COLUMNS,
    summary="VC rounds, valuations, listings, investor confidence",
    params=("funding", "production", "population"),
    state=FundingState,
    init=initialise,
    step=step,
    close_year=close_year,
)
