"""Yearly indicators in real-world units: one declaration each, read from the model's state.

Stocks (employment, firms, unicorns, shares of the workforce) are read at year end; flows
(revenue, patents, VC, talent in- and outflow, relocations) are the sums over the year's
steps (:class:`~sim.model.flows.YearFlows`). Every count is weighted by what each agent
stands for, so indicators do not depend on the scale of the simulation.

:data:`INDICATORS` is the one list: name, unit, flow or stock, meaning and formula. Its order
is the order of ``indicators.csv``; ``REQUIRED`` (the output contract of ``ecosim run``),
``EXTRA``, the docs table (``docs/INDICATORS.md``) and the units shown by the CLI all derive
from it. Adding an indicator is one :class:`Indicator` line here. Reading indicators changes
nothing in the model: year-end bookkeeping is each mechanism's ``close_year``.
"""

from __future__ import annotations

from functools import cached_property
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sim.model import jit
from sim.model.codes import Origin
from sim.model.network import average_clustering, clustering_from_lists
from sim.model.processes.funding import UNICORN_USD
from sim.model.protocol import Indicator, Measure

if TYPE_CHECKING:
    from sim.model.ecosystem import EcosystemModel


#: employment cut-off of the firm-size tail indicator (persons; real units, scale-free)
TAIL_XMIN_EMPLOYEES = 250.0


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def tail_exponent(x: np.ndarray, w: np.ndarray, xmin: float) -> float:
    """Weighted continuous MLE of the CCDF exponent of ``x >= xmin``; 0 without data."""
    keep = x >= xmin
    x, w = x[keep], w[keep]
    total = float(w.sum())
    if total <= 0:
        return 0.0
    return _ratio(total, float(np.sum(w * np.log(x / xmin))))


def excess_kurtosis(g: np.ndarray, w: np.ndarray) -> float:
    """Weighted excess kurtosis (0 for a normal, 3 for a Laplace); 0 below 5 values."""
    total = w.sum()
    if g.size < 5 or float(total) <= 0:
        return 0.0
    # np.average's arithmetic (weighted sum over the weight total), each pass done once;
    # the fourth power as the square of the square: numpy's ``d**4`` calls the C library's
    # pow for every element (about eighty times the cost of two products) and differs from
    # the products only in the last bit, so the statistic is the same to rounding
    d = g - (g * w).sum() / total
    d2 = d * d
    var = float((d2 * w).sum() / total)
    if var <= 0:
        return 0.0
    return float((d2 * d2 * w).sum() / total / var**2 - 3.0)


def collaboration_layer(m: EcosystemModel) -> sparse.csr_matrix:
    """Sparse adjacency of the R&D / technology-contract layer over active organisations."""
    return m.ties.adjacency(m.orgs.n)


def giant_component_share(adj: sparse.csr_matrix) -> float:
    """Share of the organisations with ties that sit in the largest component."""
    adj.sum_duplicates()  # canonical (a no-op for the tie store's matrix): entries are edges
    deg = np.diff(adj.indptr)
    nodes = np.flatnonzero(deg > 0)
    if nodes.size == 0:
        return 0.0
    # components of the whole graph: isolated rows are singletons, so the components of
    # rows with ties are those of the subgraph over them (without copying it out); the
    # matrix is symmetric, so its strong components are the undirected ones (and need no
    # transposed copy)
    _, labels = connected_components(adj, directed=True, connection="strong")
    return float(np.bincount(labels[nodes]).max() / nodes.size)


def giant_share_from_ties(a: np.ndarray, b: np.ndarray, size: int) -> float:
    """:func:`giant_component_share` read from the tie list itself (the two ends of each
    tie over ``size`` rows) by a compiled union-find: no partner lists needed, and about
    half the time of a depth-first sweep over them."""
    largest, tied = _largest_component_union_find(a, b, size)
    return float(np.int64(largest) / tied) if tied else 0.0


@jit.kernel
def _largest_component_union_find(a: np.ndarray, b: np.ndarray, size: int) -> tuple[int, int]:
    """Size of the largest component among the rows with ties, and the number of those rows.

    Union by size with path halving over the ties: the components are a partition of the
    rows whatever the algorithm, so both counts are the integers scipy's labels give (a row
    has ties exactly when it is an end of one), and the share is the same division of them.
    """
    parent = np.arange(size).astype(np.int32)
    count = np.ones(size, np.int32)
    tied = np.zeros(size, np.bool_)
    for e in range(a.size):
        x = a[e]
        y = b[e]
        tied[x] = True
        tied[y] = True
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        while parent[y] != y:
            parent[y] = parent[parent[y]]
            y = parent[y]
        if x != y:
            if count[x] < count[y]:
                x, y = y, x
            parent[y] = x
            count[x] += count[y]
    largest = 0
    n_tied = 0
    for i in range(size):
        if tied[i]:
            n_tied += 1
            if parent[i] == i and count[i] > largest:
                largest = count[i]
    return largest, n_tied


def _running_sum(x: np.ndarray) -> float:
    """The sum of ``x`` added in order, one element after the other (numpy's accumulate):
    the order a compiled loop adds in, so both paths give the same bits (``np.sum`` adds
    pairwise, a different rounding)."""
    return float(np.cumsum(x)[-1]) if x.size else 0.0


@jit.kernel
def _workforce_kernel(
    active: np.ndarray,
    employer: np.ndarray,
    is_univ: np.ndarray,
    weight: np.ndarray,
    origin: np.ndarray,
    edu: np.ndarray,
    age: np.ndarray,
    foreign: int,
    domestic: int,
) -> np.ndarray:
    """The total weight of the people employed by firms (0), and of those among them who
    are foreign, returnee or foreign, bachelor or higher, under 30 (1-4), each added in
    talent order as :func:`_running_sum` adds (``age < 30`` is false for nan, as numpy's
    comparison)."""
    sums = np.zeros(5, np.float64)
    for i in range(active.size):
        e = employer[i]
        if not active[i] or e < 0 or is_univ[e]:
            continue
        w = weight[i]
        sums[0] += w
        if origin[i] == foreign:
            sums[1] += w
        if origin[i] != domestic:
            sums[2] += w
        if edu[i]:
            sums[3] += w
        if age[i] < 30.0:
            sums[4] += w
    return sums


#: nodes the clustering coefficient is measured on (a fixed-seed sample beyond that)
CLUSTERING_NODES = 2000


def _top_scientists(m: EcosystemModel) -> float:
    """Researchers above a fixed world-top bar (the tail of a lognormal productivity spread).

    Every researcher's productivity rises with research quality; the bar stays where the
    start year put it (``top_scientist_share`` clear it then), so the count grows with staff
    and, faster, with the thinning of the tail: how ranking lists of top scientists behave.
    """
    kp, o = m.p.knowledge, m.orgs
    u = o["active"] & o["is_univ"]
    staff = float(np.sum(o["weight"][u] * o["emp"][u]))
    bar = NormalDist().inv_cdf(1.0 - kp.top_scientist_share)
    shift = kp.research_quality_trend * (m.t - m.t0) / kp.research_productivity_sd
    return staff * NormalDist().cdf(shift - bar)


class YearEnd:
    """What the indicators read at the end of a year, each computed once when first needed.

    A read-only view: nothing here writes to the model.
    """

    def __init__(self, m: EcosystemModel) -> None:
        self.m = m
        self.o = m.orgs
        self.fl = m.flows
        self.s = m.state
        self.w = m.orgs["weight"]

    @cached_property
    def firms(self) -> np.ndarray:
        mask: np.ndarray = self.o["active"] & ~self.o["is_univ"]
        return mask

    @cached_property
    def wf(self) -> np.ndarray:
        """Weight of each row if it is an active firm, else 0."""
        return np.where(self.firms, self.w, 0.0)

    @cached_property
    def staff(self) -> np.ndarray:
        """Weighted employees of each row if it is an active firm, else 0."""
        staff: np.ndarray = self.wf * self.o["emp"]
        return staff

    @cached_property
    def employment(self) -> float:
        return float(np.sum(self.staff))

    @cached_property
    def workforce(self) -> dict[str, float]:
        """Shares of the talent sample employed by firms: foreign, returnee or foreign,
        bachelor or higher, under 30."""
        tl, o = self.m.talent, self.o
        if jit.ENABLED:
            sums = _workforce_kernel(
                tl["active"],
                tl["employer"],
                o["is_univ"],
                tl["weight"],
                tl["origin"],
                tl["edu"],
                tl["age"],
                int(Origin.FOREIGN),
                int(Origin.DOMESTIC),
            ).tolist()
        else:
            emp_rows = tl["employer"]
            at_firm = tl["active"] & (emp_rows >= 0)
            at_firm[at_firm] = ~o["is_univ"][emp_rows[at_firm]]
            tw = tl["weight"][at_firm]
            origin = tl["origin"][at_firm]
            sums = [
                _running_sum(tw),
                _running_sum(tw[origin == Origin.FOREIGN]),
                _running_sum(tw[origin != Origin.DOMESTIC]),
                _running_sum(tw[tl["edu"][at_firm]]),
                _running_sum(tw[tl["age"][at_firm] < 30.0]),
            ]
        tot = max(sums[0], 1e-9)
        return {
            "foreign": sums[1] / tot,
            "returnee_or_foreign": sums[2] / tot,
            "bachelor": sums[3] / tot,
            "young": sums[4] / tot,
        }

    @cached_property
    def avg_wage(self) -> float:
        return _ratio(self.fl.wage_bill, self.fl.employee_years)

    @cached_property
    def unicorns(self) -> float:
        o, m = self.o, self.m
        vc_value = o["post_money"]  # valued at the last round, as unicorn lists do
        unicorn = (
            self.firms
            & ~o["listed"]
            & o["vc_backed"]
            & (vc_value >= UNICORN_USD * m.usd_rate)
            & (m.t - o["born"] <= m.p.funding.unicorn_max_age)
        )
        return float(self.w[unicorn].sum())

    @cached_property
    def listed(self) -> np.ndarray:
        mask: np.ndarray = self.firms & self.o["listed"]
        return mask

    @cached_property
    def listed_value(self) -> float:
        return float(np.sum(self.w[self.listed] * self.o["valuation"][self.listed]))

    @cached_property
    def market_cap(self) -> float:
        # public markets price the same climate that drives venture funding, less steeply
        fp = self.m.p.funding
        climate = max(0.05, 1.0 + self.m.policy.shocks.funding_climate)
        sentiment = climate**fp.market_sentiment_elasticity
        return float(self.listed_value * fp.listing_premium * sentiment)

    @cached_property
    def adj(self) -> sparse.csr_matrix:
        return collaboration_layer(self.m)

    @cached_property
    def partners(self) -> tuple[np.ndarray, np.ndarray]:
        """Each organisation's partners (CSR-style ``indptr, indices``): what the kernels
        read instead of the sparse matrix (the same graph, cheaper to build)."""
        return self.m.ties.neighbour_lists(self.o.n)

    @cached_property
    def clustering(self) -> float:
        if jit.ENABLED:
            return clustering_from_lists(*self.partners, CLUSTERING_NODES, seed=self.m.year)
        return average_clustering(self.adj, max_nodes=CLUSTERING_NODES, seed=self.m.year)

    @cached_property
    def giant_share(self) -> float:
        if jit.ENABLED:
            ties = self.m.ties
            return giant_share_from_ties(ties.a[: ties.n], ties.b[: ties.n], self.o.n)
        return giant_component_share(self.adj)

    @cached_property
    def collaboration_edges(self) -> float:
        ties = self.m.ties
        a, b = ties.a[: ties.n], ties.b[: ties.n]
        return float(np.sum((self.w[a] + self.w[b]) / 2.0))

    @cached_property
    def avg_rent(self) -> float:
        pk = self.m.parks
        # each park's firm employment, added in row order: the rows that are not active
        # firms add an exact zero, so no mask is needed for the same sums
        demand = np.bincount(self.o["park"], weights=self.staff, minlength=pk.n)
        return float(np.average(pk["rent"], weights=np.maximum(demand, 1e-9)))

    @cached_property
    def core_revenue_share(self) -> float:
        o, pk = self.o, self.m.parks
        revenue = self.wf * o["rev"]
        # the core parks' revenue as the sum of their park totals (each added in row order)
        by_park = np.bincount(o["park"], weights=revenue, minlength=pk.n)
        return _ratio(float(by_park[pk["core"]].sum()), float(np.sum(revenue)))

    @cached_property
    def unemployed_share(self) -> float:
        tl = self.m.talent
        unemployed = tl["active"] & (tl["employer"] < 0)
        n_active_talent = max(float(tl["weight"][tl["active"]].sum()), 1e-9)
        return float(tl["weight"][unemployed].sum()) / n_active_talent

    @cached_property
    def mean_degree(self) -> float:
        indptr = self.partners[0] if jit.ENABLED else self.adj.indptr
        deg = np.diff(indptr).astype(np.float64)  # partners (row sums of a canonical 0/1 matrix)
        org_act = self.o["active"]
        return float(deg[org_act].mean()) if org_act.any() else 0.0

    @cached_property
    def size_tail_exponent(self) -> float:
        """Power-law exponent of the employment CCDF above a fixed cut-off (weighted MLE).

        The continuous maximum-likelihood estimate ``sum(w) / sum(w log(x / xmin))``
        (Clauset, Shalizi and Newman 2009) with the cut-off fixed in real units, so that the
        statistic is the same at every scale (large firms are simulated one to one). A cheap
        yearly stand-in for the stylised fact F1, read by calibration pattern targets.
        """
        f = self.firms
        return tail_exponent(self.o["emp"][f], self.w[f], TAIL_XMIN_EMPLOYEES)

    @cached_property
    def growth_excess_kurtosis(self) -> float:
        """Excess kurtosis of continuing firms' annual log headcount growth (weighted).

        Tent-shaped growth rates (Stanley et al. 1996) have a kurtosis far above a normal's;
        a yearly stand-in for the stylised fact F2, read by calibration pattern targets.
        """
        o = self.o
        prev = o["emp_prev_year"]
        cont = self.firms & (prev >= 1.0) & (o["emp"] >= 1.0)
        return excess_kurtosis(np.log(o["emp"][cont] / prev[cont]), self.w[cont])

    def firms_with_revenue(self, threshold: float) -> float:
        return float(self.wf[self.o["rev"] >= threshold].sum())


FLOW, STOCK, RATIO = Measure.FLOW, Measure.STOCK, Measure.RATIO

#: every yearly indicator, in the order of ``indicators.csv`` (contract ones first)
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "employment",
        "persons",
        STOCK,
        "employees of the region's technology firms",
        lambda v: v.employment,
    ),
    Indicator(
        "firms_active",
        "firms",
        STOCK,
        "technology firms in the region at year end",
        lambda v: float(v.wf.sum()),
    ),
    Indicator(
        "new_tech_firms",
        "firms/yr",
        FLOW,
        "technology firms founded in the year",
        lambda v: v.fl.new_tech_firms,
    ),
    Indicator(
        "firm_deaths", "firms/yr", FLOW, "firms closed in the year", lambda v: v.fl.firm_deaths
    ),
    Indicator(
        "revenue_total", "{currency}/yr", FLOW, "total revenue of the firms", lambda v: v.fl.revenue
    ),
    Indicator(
        "value_added_total",
        "{currency}/yr",
        FLOW,
        "value added of the firms",
        lambda v: v.fl.value_added,
    ),
    Indicator("profit_total", "{currency}/yr", FLOW, "profit of the firms", lambda v: v.fl.profit),
    Indicator(
        "value_added_per_employee",
        "{currency}/person/yr",
        RATIO,
        "labour productivity",
        lambda v: _ratio(v.fl.value_added, v.employment),
    ),
    Indicator(
        "rd_spend_total",
        "{currency}/yr",
        FLOW,
        "R&D spending of the firms",
        lambda v: v.fl.rd_spend,
    ),
    Indicator(
        "rd_intensity",
        "share",
        RATIO,
        "R&D spending over revenue",
        lambda v: _ratio(v.fl.rd_spend, v.fl.revenue),
    ),
    Indicator(
        "patent_applications",
        "patents/yr",
        FLOW,
        "patent applications filed",
        lambda v: v.fl.patent_applications,
    ),
    Indicator(
        "patents_granted", "patents/yr", FLOW, "patents granted", lambda v: v.fl.patents_granted
    ),
    Indicator(
        "invention_patents_granted",
        "patents/yr",
        FLOW,
        "invention patents granted",
        lambda v: v.fl.invention_patents_granted,
    ),
    Indicator(
        "invention_patents_per_10k_employees",
        "patents/10k persons/yr",
        RATIO,
        "invention patents granted per 10,000 employees",
        lambda v: _ratio(v.fl.invention_patents_granted * 1e4, v.employment),
    ),
    Indicator(
        "pct_applications",
        "applications/yr",
        FLOW,
        "international (PCT) patent applications",
        lambda v: v.fl.pct_applications,
    ),
    Indicator(
        "tech_contract_value",
        "{currency}/yr",
        FLOW,
        "value of technology contracts signed",
        lambda v: v.fl.tech_contract_value,
    ),
    Indicator(
        "tech_contract_outside_share",
        "share",
        RATIO,
        "share of technology-contract value going outside the region",
        lambda v: _ratio(v.fl.tech_contract_outside_value, v.fl.tech_contract_value),
    ),
    Indicator(
        "vc_investment_total",
        "{currency}/yr",
        FLOW,
        "venture capital invested",
        lambda v: v.fl.vc_investment,
    ),
    Indicator("vc_deals", "deals/yr", FLOW, "venture capital rounds", lambda v: v.fl.vc_deals),
    Indicator(
        "vc_megadeal_share",
        "share",
        RATIO,
        "share of VC money in rounds above USD 100M",
        lambda v: _ratio(v.fl.vc_megadeal_amount, v.fl.vc_investment),
    ),
    Indicator(
        "vc_government_share",
        "share",
        RATIO,
        "share of VC money from government funds",
        lambda v: _ratio(v.fl.vc_government_amount, v.fl.vc_investment),
    ),
    Indicator(
        "unicorns",
        "firms",
        STOCK,
        "private VC-backed firms valued at USD 1B or more",
        lambda v: v.unicorns,
    ),
    Indicator("listed_firms", "firms", STOCK, "listed firms", lambda v: float(v.w[v.listed].sum())),
    Indicator("ipos", "firms/yr", FLOW, "initial public offerings", lambda v: v.fl.ipos),
    Indicator(
        "market_cap_total",
        "{currency}",
        STOCK,
        "market value of the listed firms",
        lambda v: v.market_cap,
    ),
    Indicator(
        "firms_relocated_out",
        "firms/yr",
        FLOW,
        "firms that moved out of the region",
        lambda v: v.fl.firms_relocated_out,
    ),
    Indicator(
        "branches_outside_region",
        "branches",
        STOCK,
        "branches opened outside the region since the start year (cumulative)",
        lambda v: v.s.firms.cum_branches,
    ),
    Indicator(
        "talent_inflow",
        "persons/yr",
        FLOW,
        "people arriving in the region's workforce",
        lambda v: v.fl.talent_inflow,
    ),
    Indicator(
        "talent_outflow",
        "persons/yr",
        FLOW,
        "people leaving the region's workforce",
        lambda v: v.fl.talent_outflow,
    ),
    Indicator(
        "foreign_employees",
        "persons",
        STOCK,
        "foreign employees of the firms",
        lambda v: v.workforce["foreign"] * v.employment,
    ),
    Indicator(
        "foreign_employee_share",
        "share",
        RATIO,
        "foreign share of firm employment",
        lambda v: v.workforce["foreign"],
    ),
    Indicator(
        "returnee_and_foreign_employees",
        "persons",
        STOCK,
        "returnee and foreign employees",
        lambda v: v.workforce["returnee_or_foreign"] * v.employment,
    ),
    Indicator(
        "bachelor_plus_employees",
        "persons",
        STOCK,
        "employees with a bachelor's degree or more",
        lambda v: v.workforce["bachelor"] * v.employment,
    ),
    Indicator(
        "young_employee_share",
        "share",
        RATIO,
        "share of employees under 30",
        lambda v: v.workforce["young"],
    ),
    Indicator(
        "avg_wage",
        "{currency}/person/yr",
        RATIO,
        "average wage",
        lambda v: v.avg_wage,
    ),
    Indicator(
        "avg_office_rent",
        "{currency}/m2/month",
        STOCK,
        "average office rent, weighted by demand",
        lambda v: v.avg_rent,
    ),
    Indicator(
        "firms_revenue_over_1e8",
        "firms",
        STOCK,
        "firms with revenue of 1e8 or more",
        lambda v: v.firms_with_revenue(1e8),
    ),
    Indicator(
        "firms_revenue_over_1e9",
        "firms",
        STOCK,
        "firms with revenue of 1e9 or more",
        lambda v: v.firms_with_revenue(1e9),
    ),
    Indicator(
        "firms_revenue_over_1e10",
        "firms",
        STOCK,
        "firms with revenue of 1e10 or more",
        lambda v: v.firms_with_revenue(1e10),
    ),
    Indicator(
        "firms_revenue_over_1e11",
        "firms",
        STOCK,
        "firms with revenue of 1e11 or more",
        lambda v: v.firms_with_revenue(1e11),
    ),
    Indicator(
        "collaboration_edges",
        "ties",
        STOCK,
        "R&D collaboration and contract ties (weighted)",
        lambda v: v.collaboration_edges,
    ),
    Indicator(
        "network_clustering",
        "share",
        RATIO,
        "mean local clustering of the R&D/contract layer",
        lambda v: v.clustering,
    ),
    # extras: read by the indices, the dashboard and the report
    Indicator(
        "overseas_revenue",
        "{currency}/yr",
        FLOW,
        "revenue from sales abroad",
        lambda v: v.fl.overseas_revenue,
        contract=False,
    ),
    Indicator(
        "tax_total",
        "{currency}/yr",
        FLOW,
        "taxes paid by the firms",
        lambda v: v.fl.tax,
        contract=False,
    ),
    Indicator(
        "land_output_per_km2",
        "{currency}/km2/yr",
        RATIO,
        "revenue per square kilometre of park",
        lambda v: _ratio(v.fl.revenue, float(v.m.parks["area"].sum())),
        contract=False,
    ),
    Indicator(
        "profit_margin",
        "share",
        RATIO,
        "profit over revenue",
        lambda v: _ratio(v.fl.profit, v.fl.revenue),
        contract=False,
    ),
    Indicator(
        "tech_contract_outside_value",
        "{currency}/yr",
        FLOW,
        "technology-contract value going outside the region",
        lambda v: v.fl.tech_contract_outside_value,
        contract=False,
    ),
    Indicator(
        "cost_of_living_index",
        "index",
        STOCK,
        "cost of living (start year = 1)",
        lambda v: v.s.places.cost_of_living,
        contract=False,
    ),
    Indicator(
        "real_wage",
        "{currency}/person/yr",
        RATIO,
        "average wage over the cost-of-living index",
        lambda v: v.avg_wage / v.s.places.cost_of_living,
        contract=False,
    ),
    Indicator(
        "talent_outflow_rate",
        "1/yr",
        RATIO,
        "talent outflow over employment",
        lambda v: _ratio(v.fl.talent_outflow, v.employment),
        contract=False,
    ),
    Indicator(
        "rent_burden",
        "share",
        RATIO,
        "rent bill over value added",
        lambda v: _ratio(float(np.sum(v.wf * v.o["rent_bill"])), float(np.sum(v.wf * v.o["va"]))),
        contract=False,
    ),
    Indicator(
        "incubator_graduates",
        "firms/yr",
        FLOW,
        "firms reaching age three in the year",
        lambda v: v.s.firms.incubator_graduates,
        contract=False,
    ),
    Indicator(
        "university_research_output",
        "papers/yr",
        FLOW,
        "research output of universities",
        lambda v: v.fl.papers,
        contract=False,
    ),
    Indicator(
        "top_scientists",
        "persons",
        STOCK,
        "university researchers above the world-top bar",
        lambda v: _top_scientists(v.m),
        contract=False,
    ),
    Indicator(
        "international_standards_led",
        "standards",
        STOCK,
        "international standards led (cumulative, with the pre-start stock)",
        lambda v: v.s.production.cum_standards + v.s.production.pre_start_standards,
        contract=False,
    ),
    Indicator(
        "branches_outside_stock",
        "branches",
        STOCK,
        "branches outside the region, with those opened before the start",
        lambda v: v.s.firms.cum_branches + v.s.firms.pre_start_branches,
        contract=False,
    ),
    Indicator(
        "listed_firm_market_cap_share",
        "share",
        RATIO,
        "listed firms' share of firm value",
        lambda v: _ratio(v.listed_value, float(np.sum(v.wf * v.o["valuation"]))),
        contract=False,
    ),
    Indicator(
        "spinoffs",
        "firms/yr",
        FLOW,
        "spin-offs from universities and firms",
        lambda v: v.fl.spinoffs,
        contract=False,
    ),
    Indicator(
        "equity_firm_share",
        "share",
        RATIO,
        "share of firms granting employee equity",
        lambda v: _ratio(float(v.wf[v.o["equity"]].sum()), float(v.wf.sum())),
        contract=False,
    ),
    Indicator(
        "vc_megadeals",
        "deals/yr",
        FLOW,
        "VC rounds above USD 100M",
        lambda v: v.fl.vc_megadeal_count,
        contract=False,
    ),
    Indicator(
        "job_moves",
        "persons/yr",
        FLOW,
        "people changing employer within the region",
        lambda v: v.fl.job_moves,
        contract=False,
    ),
    Indicator(
        "network_giant_component_share",
        "share",
        RATIO,
        "share of organisations in the largest connected component",
        lambda v: v.giant_share,
        contract=False,
    ),
    Indicator(
        "network_mean_degree",
        "ties/organisation",
        RATIO,
        "mean number of partners per agent",
        lambda v: v.mean_degree,
        contract=False,
    ),
    Indicator(
        "core_revenue_share",
        "share",
        RATIO,
        "share of revenue earned in the core parks",
        lambda v: v.core_revenue_share,
        contract=False,
    ),
    Indicator(
        "investor_confidence",
        "index",
        STOCK,
        "investor confidence (start = 1)",
        lambda v: v.s.funding.confidence,
        contract=False,
    ),
    Indicator(
        "unemployed_share",
        "share",
        RATIO,
        "share of the talent pool between jobs",
        lambda v: v.unemployed_share,
        contract=False,
    ),
    Indicator(
        "firm_size_tail_exponent",
        "exponent",
        RATIO,
        "power-law exponent of the firm-size (employees) CCDF above 250 employees; Zipf: 1",
        lambda v: v.size_tail_exponent,
        contract=False,
    ),
    Indicator(
        "firm_growth_excess_kurtosis",
        "kurtosis",
        RATIO,
        "excess kurtosis of continuing firms' annual log headcount growth; normal: 0",
        lambda v: v.growth_excess_kurtosis,
        contract=False,
    ),
)

REQUIRED: tuple[str, ...] = tuple(i.name for i in INDICATORS if i.contract)
EXTRA: tuple[str, ...] = tuple(i.name for i in INDICATORS if not i.contract)
UNITS: dict[str, str] = {i.name: i.unit for i in INDICATORS}


def indicator_table() -> list[dict[str, str]]:
    """Rows ``name, unit, measure (flow, stock or ratio), meaning, contract`` of every
    indicator, in output order (``{currency}`` in a unit stands for the scenario's currency):
    for the docs; ``ecosim.indicator_table()`` (``sim/indicator_info.py``) reads the same
    declarations."""
    return [
        {
            "name": i.name,
            "unit": i.unit,
            "measure": i.measure.value,
            "meaning": i.meaning,
            "contract": "yes" if i.contract else "no",
        }
        for i in INDICATORS
    ]


def record_year(m: EcosystemModel) -> dict[str, float]:
    """The year's indicators, in declaration order (reads the model, changes nothing)."""
    view = YearEnd(m)
    rec: dict[str, float] = {"year": m.year}
    for ind in INDICATORS:
        rec[ind.name] = ind.compute(view)
    return rec
