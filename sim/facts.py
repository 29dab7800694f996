"""Stylised facts of firms, growth, networks and venture returns, checked on a run folder.

A model that gets the totals right with the wrong shape of the firm population is wrong about
every policy that acts on large or young firms (pattern-oriented modelling, Grimm et al. 2005,
Science 310:987). Each fact here is a check: a statistic computed from the run's outputs, the
published value or band it is compared with, a verdict and the source. The checks read plain
tables (the firm tables, collaboration ties and venture deals the run writes as Parquet, and
``indicators.csv``), so they can be tested on hand-made inputs.

Facts:

- F1 Zipf upper tail of firm size (employment, revenue): power-law exponent of the CCDF by
  maximum likelihood above a fitted lower cut-off (Clauset, Shalizi and Newman 2009, with the
  ``powerlaw`` package), band 0.8-1.2 (Axtell 2001, Science 293:1818).
- F2 Annual log growth rates of continuing firms are tent-shaped: a Laplace fits better than a
  normal by likelihood and the excess kurtosis is well above 0 (Stanley et al. 1996, Nature
  379:804; Bottazzi and Secchi 2006, RAND J. Econ. 37:235).
- F3 Growth volatility falls with size, sigma ~ size^-beta with beta about 0.15-0.25 (Amaral
  et al. 1997, Physica A 244:1).
- F4 The exit hazard falls with firm age.
- F5 Collaboration network: heavy-tailed degrees (likelihood ratio against an exponential),
  clustering far above a degree-preserving random graph, one giant component (Fleming and
  Frenken 2007, Advances in Complex Systems 10:53).
- F6 Venture returns are skewed: about half of the investments return less than their cost, a
  few per cent return more than 5x and bring about half of the gross return (Kerr, Nanda and
  Rhodes-Kropf 2014, J. Econ. Perspectives 28(3):25); for Silicon Valley the mega-deal count
  and the mega-deal share of the amount hold together.
- F7 Bounded long-run growth (Zhongguancun runs reaching 2035): from 2025 to 2035 revenue grows
  at most about the observed 2018-2023 pace, employment at most 1.5-fold, and venture
  investment and the unicorn stock no faster than revenue.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

FACT_COLUMNS = ["fact", "region", "statistic", "simulated", "low", "high", "verdict", "source"]
PASS, FAIL, NA = "pass", "fail", "n/a"

AXTELL = "Axtell 2001, Science 293:1818"
STANLEY = "Stanley et al. 1996, Nature 379:804; Bottazzi and Secchi 2006, RAND J. Econ. 37:235"
AMARAL = "Amaral et al. 1997, Physica A 244:1"
EXIT_AGE = "Evans 1987, J. Ind. Econ. 35:567; Dunne, Roberts and Samuelson 1989, QJE 104:671"
FLEMING = "Fleming and Frenken 2007, Advances in Complex Systems 10:53"
KERR = "Kerr, Nanda and Rhodes-Kropf 2014, J. Econ. Perspectives 28(3):25"
TARGETS = "targets.csv (SV vc_megadeals 2023, vc_megadeal_share 2023)"
ZGC_PACE = "targets.csv (ZGC revenue 2018-2023: 8%/yr); Beijing master plan 2016-2035"

#: fewest observations a statistic is computed from (below: verdict n/a, not a guess)
MIN_TAIL = 50
MIN_GROWTH = 200
MIN_DEALS = 100


@dataclass(frozen=True)
class Check:
    """One statistic of one fact, compared with its band ``[low, high]`` (NaN: open side)."""

    fact: str
    statistic: str
    simulated: float
    low: float
    high: float
    source: str

    @property
    def verdict(self) -> str:
        if not np.isfinite(self.simulated):
            return NA
        lo_ok = math.isnan(self.low) or self.simulated >= self.low
        hi_ok = math.isnan(self.high) or self.simulated <= self.high
        return PASS if lo_ok and hi_ok else FAIL

    def row(self, region: str) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "region": region,
            "statistic": self.statistic,
            "simulated": float(self.simulated),
            "low": self.low,
            "high": self.high,
            "verdict": self.verdict,
            "source": self.source,
        }


NAN = float("nan")


# ---------------------------------------------------------------------------------- helpers
def expand_weights(values: np.ndarray, weights: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each sampled firm repeated as many times as the real firms it stands for.

    Weights are stochastically rounded with a fixed seed (a measurement, not part of the
    dynamics), so a firm of weight 2.5 counts 2 or 3 times and totals are right on average.
    Large firms carry weight 1 and appear once: the upper tail is measured without sampling.
    """
    values = np.asarray(values, float)
    weights = np.asarray(weights, float)
    rng = np.random.default_rng(seed)
    base = np.floor(weights)
    counts = (base + (rng.random(weights.size) < weights - base)).astype(np.int64)
    return np.repeat(values, counts)


def _quiet(fn: Callable[[], Any]) -> Any:
    """Run a ``powerlaw`` call without its progress prints and runtime warnings."""
    import contextlib
    import io

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn()


def ks_xmin(x: np.ndarray, candidates: int = 300) -> float:
    """The lower cut-off minimising the Kolmogorov-Smirnov distance between the tail and its
    maximum-likelihood power law (Clauset, Shalizi and Newman 2009, SIAM Review 51:661).

    The continuous MLE has a closed form at each candidate, so the search is vectorised over
    up to ``candidates`` cut-offs (log-spaced order statistics leaving ``MIN_TAIL`` firms or
    more) instead of a numerical fit at every distinct value.
    """
    xs = np.sort(x)[::-1]  # descending: the tail above the k-th largest is xs[:k]
    ks = np.unique(np.geomspace(MIN_TAIL, xs.size, candidates).astype(np.int64))
    best, best_d = float(xs[MIN_TAIL - 1]), np.inf
    for k in ks.tolist():
        xmin = xs[k - 1]
        tail = xs[:k][::-1]  # ascending
        logs = np.log(tail / xmin)
        if logs.sum() <= 0:
            continue
        alpha = 1.0 + k / logs.sum()
        model = 1.0 - (tail / xmin) ** (1.0 - alpha)
        emp_hi = np.arange(1, k + 1) / k
        emp_lo = np.arange(0, k) / k
        d = max(np.max(np.abs(emp_hi - model)), np.max(np.abs(emp_lo - model)))
        if d < best_d:
            best, best_d = float(xmin), d
    return best


def zipf_exponent(sizes: np.ndarray, top: int = 2000) -> tuple[float, float, int]:
    """``(exponent, xmin, n_tail)``: CCDF exponent of the upper tail by maximum likelihood.

    The cut-off is fitted (:func:`ks_xmin`) over the ``top`` largest values, which hold any
    plausible cut-off; the ``powerlaw`` package then fits the density exponent ``alpha`` above
    it. Zipf's exponent is the CCDF's, ``alpha - 1``.
    """
    import powerlaw

    x = np.asarray(sizes, float)
    x = np.sort(x[x > 0])[::-1][:top]
    if x.size < MIN_TAIL:
        return NAN, NAN, int(x.size)
    xmin = ks_xmin(x)
    alpha = _quiet(
        lambda: powerlaw.Fit(x, xmin=xmin, discrete=False, verbose=False).power_law.alpha
    )
    return float(alpha - 1.0), xmin, int(np.sum(x >= xmin))


def laplace_vs_normal(g: np.ndarray) -> tuple[float, float]:
    """``(mean log-likelihood ratio Laplace - normal, excess kurtosis)`` of growth rates."""
    from scipy import stats

    g = np.asarray(g, float)
    g = g[np.isfinite(g)]
    if g.size < MIN_GROWTH:
        return NAN, NAN
    loc, scale = stats.laplace.fit(g)
    mu, sd = stats.norm.fit(g)
    ll_lap = float(np.sum(stats.laplace.logpdf(g, loc, scale)))
    ll_norm = float(np.sum(stats.norm.logpdf(g, mu, sd)))
    return (ll_lap - ll_norm) / g.size, float(stats.kurtosis(g, fisher=True))


def volatility_beta(size: np.ndarray, g: np.ndarray, bins: int = 8) -> float:
    """beta in sigma(g | size) ~ size^-beta: slope of log sd against log size over size bins.

    Firms are split into ``bins`` groups of equal count by size; the spread in each group is
    the interquartile range / 1.349 (the sd of a normal with that IQR), robust to the few
    extreme growth rates that a tent-shaped distribution has.
    """
    size = np.asarray(size, float)
    g = np.asarray(g, float)
    ok = np.isfinite(g) & (size > 0)
    size, g = size[ok], g[ok]
    if size.size < MIN_GROWTH:
        return NAN
    order = np.argsort(size)
    groups = np.array_split(order, bins)
    log_s = np.array([np.log(np.median(size[i])) for i in groups])
    q75 = np.array([np.quantile(g[i], 0.75) for i in groups])
    q25 = np.array([np.quantile(g[i], 0.25) for i in groups])
    sd = (q75 - q25) / 1.349
    keep = sd > 0
    if keep.sum() < 3 or np.ptp(log_s[keep]) <= 0:
        return NAN
    slope = np.polyfit(log_s[keep], np.log(sd[keep]), 1)[0]
    return float(-slope)


def exit_hazard_by_age(
    age: np.ndarray, exited: np.ndarray, weights: np.ndarray, edges=(0, 2, 5, 10, np.inf)
) -> pd.DataFrame:
    """Weighted share of firms exiting within the year, by age band."""
    age, exited, weights = (np.asarray(a, float) for a in (age, exited, weights))
    band = np.digitize(age, edges[1:-1])
    rows = []
    for b in range(len(edges) - 1):
        m = band == b
        wsum = float(weights[m].sum())
        rows.append(
            {
                "age_from": edges[b],
                "age_to": edges[b + 1],
                "firms": wsum,
                "hazard": float(np.sum(weights[m] * exited[m]) / wsum) if wsum > 0 else NAN,
            }
        )
    return pd.DataFrame(rows)


def degree_tail_test(degrees: np.ndarray) -> tuple[float, float]:
    """``(R, p)``: log-likelihood ratio power law against exponential above the fitted xmin
    (R > 0 favours the heavy tail; p is the significance of its sign; Clauset et al. 2009)."""
    import powerlaw

    d = np.asarray(degrees, float)
    d = d[d > 0]
    if d.size < MIN_TAIL or np.unique(d).size < 5:
        return NAN, NAN
    r, p = _quiet(
        lambda: powerlaw.Fit(d, discrete=True, verbose=False).distribution_compare(
            "power_law", "exponential", normalized_ratio=True
        )
    )
    return float(r), float(p)


def _adjacency(a: np.ndarray, b: np.ndarray, n: int):
    """Symmetric 0/1 sparse adjacency without self-loops or multi-edges."""
    from scipy import sparse

    keep = a != b
    a, b = a[keep], b[keep]
    m = sparse.coo_matrix((np.ones(2 * a.size), (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    m = m.tocsr()
    m.data[:] = 1.0
    return m


def _mean_clustering(adj) -> float:
    """Average local clustering of nodes with degree 2 or more (triangles from A^2 . A)."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    tri = np.asarray((adj @ adj).multiply(adj).sum(axis=1)).ravel() / 2.0
    ok = deg >= 2
    if not ok.any():
        return NAN
    return float(np.mean(tri[ok] / (deg[ok] * (deg[ok] - 1) / 2.0)))


def clustering_ratio(edges: pd.DataFrame) -> tuple[float, float, float]:
    """``(C, C_random, giant share)`` of an undirected graph given as ``a, b`` columns.

    ``C`` is the average local clustering of nodes with degree 2 or more; ``C_random`` the same
    for a random graph with the same degree sequence (configuration model: the degree stubs
    paired at random with a fixed seed, self-loops and multi-edges dropped; the
    degree-preserving null of Fleming and Frenken); the giant share is the share of nodes with
    ties in the largest component.
    """
    from scipy.sparse.csgraph import connected_components

    codes, uniq = pd.factorize(np.r_[np.asarray(edges["a"]), np.asarray(edges["b"])])
    half = codes.size // 2
    n = uniq.size
    if n < MIN_TAIL:
        return NAN, NAN, NAN
    adj = _adjacency(codes[:half], codes[half:], n)
    deg = np.asarray(adj.sum(axis=1)).ravel().astype(np.int64)
    stubs = np.repeat(np.arange(n), deg)
    np.random.default_rng(0).shuffle(stubs)  # a measurement's null model, not the dynamics
    stubs = stubs[: stubs.size // 2 * 2]
    null = _adjacency(stubs[0::2], stubs[1::2], n)
    _, labels = connected_components(adj, directed=False)
    tied = deg > 0
    giant = np.bincount(labels[tied]).max() / max(int(tied.sum()), 1)
    return _mean_clustering(adj), _mean_clustering(null), float(giant)


def deal_multiples(deals: pd.DataFrame) -> pd.DataFrame:
    """Each investment's gross multiple: exit value of its stake over its cost.

    ``deals`` has ``fid``, ``time``, ``amount`` (cost), ``post_money`` (valuation after the
    round) and ``exit_value`` (the firm's value at listing or acquisition, 0 at a write-off,
    its last valuation if it is still private at the end: a residual value, as funds report).
    The stake bought is amount / post_money; each later round of the same firm dilutes it by
    its own amount / post_money (new shares issued), so the multiple is
    exit_value / post_money times the product of (1 - later rounds' shares).
    """
    d = deals[(deals["amount"] > 0) & (deals["post_money"] > 0)].copy()
    share = np.clip(d["amount"] / d["post_money"], 0.0, 0.999)
    if "fid" in d.columns and "time" in d.columns:
        d["_keep"] = np.log1p(-share)
        d = d.sort_values(["fid", "time"], kind="stable")
        # log of the share kept through every *later* round of the same firm
        later = d.groupby("fid")["_keep"].transform(lambda x: x[::-1].cumsum()[::-1]) - d["_keep"]
        dilution = np.exp(later)
        d = d.drop(columns="_keep")
    else:
        dilution = 1.0
    d["multiple"] = d["exit_value"] / d["post_money"] * dilution
    return d


def return_skew(multiple: np.ndarray, cost: np.ndarray) -> tuple[float, float, float]:
    """``(share below 1x, share above 5x, share of gross return from the >5x deals)``, each
    weighted by the cost of the investment (Kerr et al. count dollars)."""
    m, c = np.asarray(multiple, float), np.asarray(cost, float)
    total = float(c.sum())
    if m.size < MIN_DEALS or total <= 0:
        return NAN, NAN, NAN
    gross = m * c
    big = m > 5.0
    return (
        float(c[m < 1.0].sum() / total),
        float(c[big].sum() / total),
        float(gross[big].sum() / gross.sum()) if gross.sum() > 0 else NAN,
    )


# ---------------------------------------------------------------------------------- the facts
def f1_zipf(firms_end: pd.DataFrame) -> list[Check]:
    checks = []
    for col, what in (("emp", "employment"), ("rev", "revenue")):
        sizes = expand_weights(firms_end[col].to_numpy(), firms_end["weight"].to_numpy())
        expo, xmin, n_tail = zipf_exponent(sizes)
        checks.append(
            Check(
                "F1",
                f"zipf_exponent_{what} (xmin {xmin:.4g}, {n_tail} firms)",
                expo,
                0.8,
                1.2,
                AXTELL,
            )
        )
    return checks


def continuing_growth(firms_prev: pd.DataFrame, firms_end: pd.DataFrame) -> pd.DataFrame:
    """Log growth of employment and revenue of firms present in both years (by ``fid``; a
    part split off a sampled firm has its own id from the split on)."""
    prev = firms_prev.drop_duplicates("fid").set_index("fid")
    end = firms_end[firms_end["fid"].isin(prev.index)]
    p = prev.loc[end["fid"].to_numpy()]
    out = pd.DataFrame(
        {
            "fid": end["fid"].to_numpy(),
            "emp0": p["emp"].to_numpy(),
            "rev0": p["rev"].to_numpy(),
            "g_emp": np.log(end["emp"].to_numpy() / p["emp"].to_numpy()),
            "g_rev": np.log(end["rev"].to_numpy() / np.maximum(p["rev"].to_numpy(), 1e-9)),
        }
    )
    return out.replace([np.inf, -np.inf], np.nan).dropna()


def f2_tent(growth: pd.DataFrame) -> list[Check]:
    checks = []
    for col, what in (("g_emp", "employment"), ("g_rev", "revenue")):
        llr, kurt = laplace_vs_normal(growth[col].to_numpy())
        checks.append(
            Check("F2", f"loglik_laplace_minus_normal_per_firm_{what}", llr, 0.0, NAN, STANLEY)
        )
        checks.append(Check("F2", f"excess_kurtosis_{what}", kurt, 1.0, NAN, STANLEY))
    return checks


def f3_volatility(growth: pd.DataFrame) -> list[Check]:
    return [
        Check(
            "F3",
            f"volatility_size_beta_{what}",
            volatility_beta(growth[size].to_numpy(), growth[col].to_numpy()),
            0.10,
            0.30,
            AMARAL,
        )
        for col, size, what in (("g_emp", "emp0", "employment"), ("g_rev", "rev0", "revenue"))
    ]


def f4_exit_age(firms_prev: pd.DataFrame, firms_end: pd.DataFrame) -> list[Check]:
    """Exit within the last year by age a year before. A sampled firm may be split into parts
    (multilevel splitting) that keep its ``root`` and its total weight, so a firm's exit share
    is the part of its root's weight that is gone."""
    key = "root" if "root" in firms_prev.columns else "fid"
    prev = firms_prev.groupby(key).agg(weight=("weight", "sum"), age=("age", "max"))
    left = firms_end.groupby(key)["weight"].sum().reindex(prev.index).fillna(0.0)
    exited = np.clip(1.0 - left.to_numpy() / prev["weight"].to_numpy(), 0.0, 1.0)
    table = exit_hazard_by_age(prev["age"].to_numpy(), exited, prev["weight"].to_numpy())
    young, old = table["hazard"].iloc[0], table["hazard"].iloc[-1]
    ratio = young / old if old > 0 else (NAN if not young > 0 else np.inf)
    h = table["hazard"].to_numpy()
    ok = np.isfinite(h)
    from scipy import stats

    rho = float(stats.spearmanr(np.arange(h.size)[ok], h[ok])[0]) if ok.sum() >= 3 else NAN
    return [
        Check("F4", "exit_hazard_youngest_over_oldest (age <2 vs 10+)", ratio, 1.5, NAN, EXIT_AGE),
        Check("F4", "spearman_exit_hazard_vs_age_band", rho, NAN, -0.5, EXIT_AGE),
    ]


def f5_network(ties: pd.DataFrame) -> list[Check]:
    if ties.empty:
        return [Check("F5", "collaboration ties", NAN, NAN, NAN, FLEMING)]
    deg = pd.concat([ties["a"], ties["b"]]).value_counts().to_numpy()
    r, p = degree_tail_test(deg)
    c, c_rand, giant = clustering_ratio(ties)
    return [
        Check(
            "F5", "degree_loglik_ratio_powerlaw_vs_exponential (normalised R)", r, 0.0, NAN, FLEMING
        ),
        Check("F5", "degree_ratio_p_value", p, NAN, 0.1, FLEMING),
        Check(
            "F5",
            "clustering_over_degree_preserving_random",
            c / c_rand if c_rand else NAN,
            5.0,
            NAN,
            FLEMING,
        ),
        Check("F5", "giant_component_share_of_tied_nodes", giant, 0.5, NAN, FLEMING),
    ]


def f6_venture(deals: pd.DataFrame) -> list[Check]:
    d = deal_multiples(deals) if not deals.empty else deals
    if d.empty:
        below = above = from_big = NAN
    else:
        below, above, from_big = return_skew(d["multiple"].to_numpy(), d["amount"].to_numpy())
    return [
        Check("F6", "share_of_invested_returning_below_1x", below, 0.40, 0.65, KERR),
        Check("F6", "share_of_invested_returning_above_5x", above, 0.02, 0.15, KERR),
        Check("F6", "share_of_gross_return_from_above_5x", from_big, 0.35, 0.75, KERR),
    ]


def f6_megadeals(indicators: pd.DataFrame, year: int = 2023) -> list[Check]:
    """Silicon Valley's mega-deal count and amount share in one year, within 1.5x of both."""
    mean = indicators.groupby(["indicator", "year"])["value"].mean()
    count = float(mean.get(("vc_megadeals", year), NAN))
    share = float(mean.get(("vc_megadeal_share", year), NAN))
    return [
        Check("F6", f"vc_megadeals_{year}", count, 26 / 1.5, 26 * 1.5, TARGETS),
        Check("F6", f"vc_megadeal_share_{year}", share, 0.39 / 1.5, min(0.39 * 1.5, 1.0), TARGETS),
    ]


def _level(mean: pd.Series, name: str, year: int, span: int = 3) -> float:
    """Mean of an indicator over the ``span`` years ending at ``year`` (unicorn and venture
    series jump from year to year; one year's value would make the growth rate a lottery)."""
    vals = [mean.get((name, y), NAN) for y in range(year - span + 1, year + 1)]
    vals = [v for v in vals if np.isfinite(v)]
    return float(np.mean(vals)) if vals else NAN


def _cagr(mean: pd.Series, name: str, y0: int, y1: int) -> float:
    """Yearly growth between the 3-year means ending at ``y0`` and at ``y1``."""
    a, b = _level(mean, name, y0), _level(mean, name, y1)
    if not (a > 0 and b > 0):
        return NAN
    return float((b / a) ** (1.0 / (y1 - y0)) - 1.0)


def f7_bounded(indicators: pd.DataFrame, labour_cap: float | None = None) -> list[Check]:
    """Growth from 2025 to 2035 (mean over replicates; growth rates between the 3-year means
    ending in 2025 and 2035) against the observed recent pace."""
    mean = indicators.groupby(["indicator", "year"])["value"].mean()
    rev = _cagr(mean, "revenue_total", 2025, 2035)
    emp0 = mean.get(("employment", 2025), NAN)
    emp1 = mean.get(("employment", 2035), NAN)
    tol = 0.01  # growing "no faster than revenue": within a point a year
    checks = [
        Check("F7", "revenue_growth_per_year_2025_2035", rev, NAN, 0.09, ZGC_PACE),
        Check(
            "F7",
            "employment_ratio_2035_over_2025",
            emp1 / emp0 if emp0 > 0 else NAN,
            NAN,
            1.5,
            ZGC_PACE,
        ),
        Check(
            "F7",
            "vc_growth_minus_revenue_growth_per_year",
            _cagr(mean, "vc_investment_total", 2025, 2035) - rev,
            NAN,
            tol,
            ZGC_PACE,
        ),
        Check(
            "F7",
            "unicorn_growth_minus_revenue_growth_per_year",
            _cagr(mean, "unicorns", 2025, 2035) - rev,
            NAN,
            tol,
            ZGC_PACE,
        ),
    ]
    if labour_cap:
        checks.append(
            Check(
                "F7", "employment_2035_over_labour_pool_cap", emp1 / labour_cap, NAN, 1.0, ZGC_PACE
            )
        )
    return checks


# ---------------------------------------------------------------------------------- one run
def evaluate(
    region: str,
    indicators: pd.DataFrame,
    firms: pd.DataFrame | None = None,
    ties: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    labour_cap: float | None = None,
) -> pd.DataFrame:
    """Every fact that the given tables allow, as rows of ``facts.csv``.

    ``firms`` holds the firm tables of the last two years (column ``year``); ``ties`` the
    collaboration ties of the last year; ``deals`` the venture investments with their exit
    values. A missing table leaves its facts out; too little data gives verdict ``n/a``.
    """
    checks: list[Check] = []
    if firms is not None and not firms.empty:
        years = sorted(firms["year"].unique())
        end = firms[firms["year"] == years[-1]]
        checks += f1_zipf(end)
        if len(years) >= 2:
            prev = firms[firms["year"] == years[-2]]
            growth = continuing_growth(prev, end)
            checks += f2_tent(growth) + f3_volatility(growth) + f4_exit_age(prev, end)
    if ties is not None:
        checks += f5_network(ties)
    if deals is not None:
        checks += f6_venture(deals)
    if region == "SV":
        checks += f6_megadeals(indicators)
    if region == "ZGC" and int(indicators["year"].max()) >= 2035:
        checks += f7_bounded(indicators, labour_cap)
    rows = [c.row(region) for c in checks]
    return pd.DataFrame(rows, columns=FACT_COLUMNS)


def summary(facts: pd.DataFrame) -> pd.DataFrame:
    """One line per fact: pass when every statistic passes, n/a when none could be computed."""
    out = []
    for fact, grp in facts.groupby("fact", sort=True):
        v = grp["verdict"]
        verdict = NA if (v == NA).all() else (PASS if (v == PASS).all() else FAIL)
        out.append({"fact": fact, "statistics": len(grp), "verdict": verdict})
    return pd.DataFrame(out, columns=["fact", "statistics", "verdict"])
