"""Behavioural and initial-state parameters of the ecosystem model.

One block per mechanism (BRIEF section 3); every number a mechanism uses is a field here, with
a unit, an allowed range and a one-line meaning. Defaults are the hand-tuned Zhongguancun
values; the Silicon Valley scenario overrides them. Money is in the scenario's currency
(plain yuan or dollars per year unless the unit says otherwise).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PrivateAttr, model_validator

from sim.model.codes import Cluster
from sim.model.fields import Block, P

CLUSTERS = tuple(c.name for c in Cluster)
CLUSTER_NAMES = {
    "C1": "frontier information",
    "C2": "bio-health",
    "C3": "intelligent manufacturing and new materials",
    "C4": "ecology and new energy",
    "C5": "modern transport",
    "C6": "emerging services",
}


class PopulationParams(Block):
    """Initial state at the start year, in real-world units (scaled by the scenario's scale)."""

    firms: float = P(40_000, 100, 5e6, "firms", "active technology firms at the start year")
    employment: float = P(1.2e6, 1e3, 5e7, "persons", "employees of those firms at the start year")
    revenue: float = P(2.04e12, 1e8, 1e15, "currency/yr", "total firm revenue in the start year")
    firm_size_sigma: float = P(2.0, 0.5, 3.5, "log persons", "spread of log firm size (lognormal)")
    size_tail_exponent: float = P(
        0.0,
        0.0,
        3.0,
        "CCDF exponent",
        "Zipf exponent of the largest firms at the start (0: lognormal sizes throughout)",
    )
    size_tail_share: float = P(
        0.01, 1e-4, 0.5, "share", "share of the firms in the start year's Zipf tail"
    )
    size_tail_span: float = P(
        500, 2, 1e6, "x", "largest start-year firm size over the size where the Zipf tail starts"
    )
    mean_firm_age: float = P(6, 0.5, 50, "yr", "mean age of firms at the start (exponential)")
    cash_years: float = P(0.5, 0, 10, "yr", "cash firms hold at the start, in years of wages")
    productivity_sigma: float = P(0.8, 0.1, 2.0, "log", "spread of log revenue per employee")
    size_productivity_corr: float = P(
        0.3, -0.9, 0.9, "corr", "correlation of log size and log productivity"
    )
    large_firm_employees: float = P(
        250, 10, 1e5, "persons", "firms at least this large are always simulated one to one"
    )
    large_firm_valuation: float = P(
        1e9, 1e6, 1e13, "currency", "firms valued (last round) above this are simulated one to one"
    )
    mid_firm_employees: float = P(
        40, 5, 1e4, "persons", "firms at least this large are sampled at the square root of scale"
    )
    people_per_talent_agent: float = P(
        10, 1, 1000, "persons", "people one talent agent stands for at scale 1"
    )
    investors: float = P(1_500, 10, 1e5, "investors", "active VC investors (all sources)")
    universities: int = P(30, 1, 500, "institutions", "universities and research institutes")
    researchers: float = P(6e4, 100, 5e6, "persons", "researchers employed by universities")
    univ_research_budget: float = P(
        6e10, 0, 1e13, "currency/yr", "research spending of universities and institutes"
    )
    univ_budget_growth: float = P(
        0.08, -0.1, 0.3, "1/yr", "yearly growth of university research spending"
    )
    foreign_share: float = P(0.003, 0, 0.8, "share", "foreign nationals among employees")
    returnee_share: float = P(0.012, 0, 0.5, "share", "returnees among employees")
    bachelor_share: float = P(0.55, 0, 1, "share", "employees with a bachelor's degree or higher")
    young_share: float = P(0.45, 0, 1, "share", "employees aged 29 or under")
    soe_share: float = P(0.06, 0, 1, "share", "state-owned firms among firms")
    foreign_invested_share: float = P(0.05, 0, 1, "share", "foreign-invested firms among firms")
    spinoff_share: float = P(0.08, 0, 1, "share", "university or institute spin-offs among firms")
    manufacturing_stage_share: float = P(
        0.25, 0, 1, "share", "firms with general manufacturing stages (non-core functions)"
    )
    manufacturing_cluster_mult: float = P(
        2.0, 0, 10, "x", "manufacturing stages in clusters C3-C5 relative to the share"
    )
    manufacturing_other_mult: float = P(
        0.4, 0, 10, "x", "manufacturing stages in other clusters relative to the share"
    )
    equity_firm_share: float = P(0.05, 0, 1, "share", "firms granting employee equity")
    listed_firms: float = P(180, 0, 1e5, "firms", "listed firms at the start year")
    rd_degree: float = P(1.5, 0, 50, "ties per firm", "mean R&D collaboration ties per firm")
    sector_shares: list[float] = Field(
        default_factory=lambda: [0.42, 0.08, 0.15, 0.07, 0.05, 0.23],
        min_length=6,
        max_length=6,
        description="shares of firms in clusters C1..C6 (normalised to sum 1)",
    )


class ProductionParams(Block):
    """Revenue, value added, profit and productivity (mechanisms 1 and 7)."""

    va_share: float = P(0.13, 0.01, 0.9, "share", "value added as a share of revenue")
    productivity_drift: float = P(
        0.05, -0.2, 0.3, "1/yr", "trend growth of revenue per employee (prices, demand)"
    )
    rd_return: float = P(
        1.0, 0, 20, "1/yr per unit R&D intensity", "productivity growth bought by R&D intensity"
    )
    spillover_return: float = P(
        0.04, 0, 2, "1/yr per unit exposure", "productivity catch-up from network spillovers"
    )
    productivity_noise: float = P(
        0.12, 0, 1, "1/sqrt(yr)", "idiosyncratic volatility of log productivity"
    )
    noise_size_elasticity: float = P(
        0.0,
        0,
        1,
        "elasticity",
        "fall of productivity volatility with size, as growth.noise_size_elasticity for headcount",
    )
    agglomeration: float = P(
        0.015, 0, 0.5, "1/yr", "extra productivity growth in the most knowledge-dense park"
    )
    other_income_share: float = P(
        0.03, 0, 0.3, "share", "non-operating income (investments) as a share of revenue"
    )
    tax_share: float = P(0.3, 0, 0.8, "share", "taxes paid as a share of value added")
    export_share: float = P(0.12, 0, 1, "share", "overseas revenue share of a domestic firm")
    foreign_firm_export_mult: float = P(
        3.0, 1, 10, "x", "overseas revenue share multiplier for foreign-invested firms"
    )
    floor_per_employee: float = P(18, 1, 200, "m2/person", "office floor space per employee")
    rd_intensity: float = P(0.014, 0.001, 0.5, "share", "mean R&D spending / revenue of firms")
    rd_intensity_sigma: float = P(0.8, 0, 3, "log", "spread of log R&D intensity across firms")
    rd_intensity_trend: float = P(0.0, -0.1, 0.2, "1/yr", "yearly growth of firms' R&D intensity")
    decoupling_export_effect: float = P(
        0.5, 0, 1, "share", "cut in overseas revenue at full technology decoupling"
    )
    productivity_reversion: float = P(
        0.05, 0, 2, "1/yr", "erosion of a firm's productivity lead or lag by competition"
    )
    lead_reversion_share: float = P(
        1.0,
        0,
        1,
        "share",
        "share of productivity_reversion that erodes a lead (1: leads and lags alike)",
    )
    rd_lead_scale: float = P(
        1.0, 0.05, 20, "log", "productivity lead over which the return to R&D falls by e"
    )
    max_rd_intensity: float = P(0.6, 0.01, 1, "share", "ceiling on a firm's R&D intensity")
    university_frontier: float = P(
        0.9, 0, 1, "quantile", "knowledge level of universities as a quantile of firms'"
    )
    ai_sector: Literal["C1", "C2", "C3", "C4", "C5", "C6"] = Field(
        "C1", description="cluster whose productivity an AI-wave shock lifts"
    )
    _ai_code: Cluster = PrivateAttr(Cluster.C1)

    def model_post_init(self, context: object, /) -> None:
        """Resolve the cluster label to its code once, at validation."""
        self._ai_code = Cluster.of(self.ai_sector)

    @property
    def ai_code(self) -> Cluster:
        """Code of ``ai_sector``."""
        return self._ai_code


class GrowthParams(Block):
    """Firm growth, funding effect, ageing and death (Gibrat growth with selection)."""

    employment_drift: float = P(-0.005, -0.3, 0.5, "1/yr", "trend growth of a firm's headcount")
    young_firm_growth: float = P(
        0.25, 0, 3, "1/yr", "extra headcount growth of a new firm, fading with age"
    )
    young_age_scale: float = P(3, 0.1, 30, "yr", "age over which the young-firm premium fades")
    productivity_pull: float = P(
        0.03, 0, 3, "1/yr per log", "extra growth of firms more productive than average"
    )
    funding_boost: float = P(0.5, 0, 5, "1/yr", "extra headcount growth after a funding round")
    funding_boost_years: float = P(2, 0.25, 10, "yr", "how long a round's growth boost lasts")
    size_drag: float = P(0.01, 0, 0.5, "1/yr per log", "mean reversion of log firm size")
    growth_noise: float = P(0.35, 0, 2, "1/sqrt(yr)", "idiosyncratic volatility of log headcount")
    noise_size_elasticity: float = P(
        0.0,
        0,
        1,
        "elasticity",
        "fall of headcount volatility with size: sigma ~ (size / reference)^-elasticity",
    )
    noise_reference_employees: float = P(
        10, 1, 1e5, "persons", "firm size at which headcount volatility is growth_noise"
    )
    noise_heterogeneity: float = P(
        0.0,
        0,
        1,
        "share",
        "spread of firm-specific volatility: each firm's shock variance is (1 - h) + h x an "
        "exponential draw of mean 1 (h = 1: yearly growth across firms is Laplace)",
    )
    death_rate: float = P(0.03, 0, 1, "1/yr", "baseline exit hazard of a firm")
    listed_death_mult: float = P(
        0.3, 0, 1, "x", "exit hazard of a listed firm relative to baseline"
    )
    macro_employment_share: float = P(
        0.5, 0, 2, "share", "share of a macro growth shock that reaches headcount growth"
    )
    young_death_rate: float = P(0.2, 0, 3, "1/yr", "extra exit hazard at age 0, fading with age")
    loss_death_rate: float = P(0.5, 0, 5, "1/yr", "extra exit hazard while cash is negative")
    startup_cash_years: float = P(
        0.5, 0, 5, "yr", "cash a new firm starts with, in years of its costs"
    )
    startup_employees: float = P(6, 1, 100, "persons", "headcount of a newly founded firm")


class KnowledgeParams(Block):
    """Patents and knowledge spillover along the collaboration graph (mechanism 1)."""

    patents_per_rd: float = P(
        8.5e-8, 0, 1e-3, "applications/currency", "patent applications per unit of R&D spending"
    )
    patent_trend: float = P(
        0.09, -0.2, 0.5, "1/yr", "yearly growth of patenting propensity (subsidies, practice)"
    )
    patent_trend_years: float = P(
        5, 0, 50, "yr", "years after the start over which the propensity trend runs"
    )
    spillover_patent_gain: float = P(
        0.5, 0, 10, "x per unit exposure", "extra patenting per unit of spillover exposure"
    )
    univ_patents_per_budget: float = P(
        5e-8, 0, 1e-3, "applications/currency", "patent applications per university research spend"
    )
    grant_rate: float = P(0.85, 0, 1, "share", "share of applications eventually granted")
    grant_lag: float = P(1.5, 0.25, 10, "yr", "mean time from application to grant")
    invention_share: float = P(
        0.27, 0, 1, "share", "invention patents among grants at the start year"
    )
    invention_share_trend: float = P(
        0.04, -0.2, 0.5, "1/yr", "yearly growth of the invention share (a shift to inventions)"
    )
    pct_share: float = P(
        0.043, 0, 1, "share", "PCT filings per patent application at the start year"
    )
    pct_share_trend: float = P(
        0.045, -0.2, 0.5, "1/yr", "yearly growth of the PCT share (firms filing abroad more)"
    )
    standards_per_application: float = P(
        0.003, 0, 1, "1/application", "international standards led per leader's application"
    )
    standards_leader_revenue_usd: float = P(
        1.5e9, 1e6, 1e13, "USD/yr", "yearly revenue from which a firm can lead standard-setting"
    )
    standards_history_years: float = P(
        15, 0, 50, "yr", "years of standard-setting before the start, in start-year flows"
    )
    decoupling_pct_effect: float = P(
        0.5, 0, 1, "share", "cut in PCT filings at full technology decoupling"
    )
    mobility_transfer: float = P(
        0.5, 0, 1, "share", "share of the knowledge gap a mover closes for its workforce share"
    )
    papers_per_budget: float = P(
        2e-7, 0, 1e-3, "papers/currency", "research output per university research spend"
    )
    research_quality_trend: float = P(
        0.07, -0.2, 0.5, "1/yr", "yearly growth of research output per unit of spending"
    )
    research_productivity_sd: float = P(
        1.5, 0.1, 3, "log", "spread of log research productivity among researchers"
    )
    top_scientist_share: float = P(
        0.001, 1e-6, 0.5, "share", "researchers above the world-top bar in the start year"
    )


class CollaborationParams(Block):
    """Growth and decay of R&D ties and technology contracts (mechanisms 1 and 9)."""

    tie_rate: float = P(0.3, 0, 10, "ties/firm/yr", "new R&D ties a typical firm starts per year")
    tie_size_elasticity: float = P(
        0.3, 0, 1.5, "elasticity", "how much more often large firms start ties"
    )
    triadic_closure: float = P(
        0.6, 0, 1, "probability", "chance a new tie goes to a partner's partner"
    )
    same_park_bias: float = P(
        0.5, 0, 1, "probability", "chance a non-triadic partner is searched in the same park"
    )
    university_tie_share: float = P(
        0.15, 0, 1, "probability", "chance a new tie is with a university or institute"
    )
    tie_duration: float = P(5, 0.25, 50, "yr", "mean lifetime of an R&D tie")
    alumni_duration: float = P(6, 0.25, 50, "yr", "mean lifetime of an alumni tie")
    contract_per_rd: float = P(
        2.2, 0, 50, "currency/currency", "technology-contract value sold per unit of firm R&D"
    )
    contract_per_univ_budget: float = P(
        0.9, 0, 50, "currency/currency", "contract value sold per unit of university research"
    )
    income_share_contract_gain: float = P(
        0.8, 0, 10, "x", "extra university contracts at full researcher income share"
    )
    outside_demand: float = P(
        3.0, 0, 100, "x local", "outside-region demand for technology relative to local demand"
    )
    branch_demand_gain: float = P(
        0.2, 0, 10, "x per 1000 branches", "extra outside demand per thousand outside branches"
    )


class LabourParams(Block):
    """Wages, cost of living, talent arrival, departure and job mobility (mechanism 6)."""

    wage: float = P(80_000, 1e3, 1e7, "currency/yr", "average wage at the start year")
    wage_tightness: float = P(
        0.15, 0, 3, "1/yr", "extra wage growth when nobody is between jobs (0 at the natural rate)"
    )
    natural_unemployment: float = P(
        0.045, 0.001, 0.5, "share", "share of people between jobs at which wages grow with prices"
    )
    wage_productivity_passthrough: float = P(
        0.6, 0, 2, "share", "share of productivity growth passed into wages"
    )
    rent_sharing: float = P(
        0.5, 0, 1, "elasticity", "how much of a firm's productivity lead or lag shows in its wages"
    )
    education_premium: float = P(0.4, 0, 3, "share", "wage premium of bachelor-plus employees")
    foreign_premium: float = P(0.5, 0, 3, "share", "wage premium of foreign and returnee staff")
    housing_cost_share: float = P(
        0.3, 0, 1, "share of wage", "housing cost of an employee at the start, relative to wage"
    )
    rent_passthrough: float = P(
        0.6, 0, 2, "elasticity", "housing cost response to office-rent growth"
    )
    job_mobility: float = P(0.12, 0, 2, "1/yr", "job-to-job moves per employee per year")
    exit_domestic: float = P(0.035, 0, 1, "1/yr", "departure hazard of domestic employees")
    exit_returnee: float = P(0.08, 0, 1, "1/yr", "departure hazard of returnees")
    exit_foreign: float = P(0.25, 0, 2, "1/yr", "departure hazard of foreign employees")
    exit_cost_elasticity: float = P(
        1.5, 0, 10, "elasticity", "departure response to the cost-of-living to wage ratio"
    )
    equity_retention: float = P(
        0.6, 0, 1, "share", "cut in departure and job-move hazard for equity holders"
    )
    labour_pool_cap: float = P(
        0.0,
        0,
        1e9,
        "persons",
        "largest employment the city's population cap lets the zone's firms reach (0: no cap)",
    )
    pool_cap_steepness: float = P(
        8.0,
        1,
        40,
        "exponent",
        "how sharply hiring, founding and migration slow as employment nears the cap",
    )
    vacancy_fill: float = P(
        2.0, 0, 20, "1/yr", "speed at which domestic migrants fill unmet labour demand"
    )
    returnee_arrival: float = P(
        0.0012, 0, 0.5, "1/yr per employee", "returnee arrivals per employee per year"
    )
    foreign_arrival: float = P(
        0.00025, 0, 0.5, "1/yr per employee", "foreign arrivals per employee per year"
    )
    arrival_attraction_elasticity: float = P(
        1.0, 0, 10, "elasticity", "arrival response to the wage to cost-of-living ratio"
    )
    graduates_per_researcher: float = P(
        0.6, 0, 20, "persons/yr", "graduates staying in the region per university researcher"
    )
    arrival_age: float = P(27, 18, 60, "yr", "mean age of arriving employees")
    graduate_age: float = P(24, 18, 40, "yr", "age of graduates entering work")
    retirement_age: float = P(60, 40, 80, "yr", "age at which employees leave the workforce")
    price_inflation: float = P(0.025, -0.1, 0.3, "1/yr", "general consumer price growth")
    outside_wage_growth: float = P(
        0.08, -0.1, 0.5, "1/yr", "wage growth in the regions talent could go to instead"
    )
    unemployed_exit_mult: float = P(
        3.0, 1, 50, "x", "departure hazard of people between jobs relative to employees"
    )
    returnee_bachelor_share: float = P(0.95, 0, 1, "share", "bachelor-plus share of returnees")
    foreign_bachelor_share: float = P(0.9, 0, 1, "share", "bachelor-plus share of foreign arrivals")
    arrival_age_sd: float = P(4, 0, 20, "yr", "spread of arrival ages")
    decoupling_returnee_effect: float = P(
        0.5, 0, 1, "share", "cut in returnee arrivals at full decoupling (foreign: all of it)"
    )
    migrant_bachelor_share: float = P(
        0.25, 0, 1, "share", "bachelor-plus share of domestic migrants"
    )


class EntrepreneurshipParams(Block):
    """Founding of firms by employees and spin-offs from universities (mechanism 2)."""

    founding_rate: float = P(
        0.0028, 0, 0.2, "firms/employee/yr", "firms founded per employee per year"
    )
    spinoff_rate: float = P(
        0.004, 0, 0.5, "firms/researcher/yr", "spin-offs per researcher per year, before incentives"
    )
    equity_founding_gain: float = P(
        1.0, 0, 20, "x per share", "extra founding per unit share of firms granting equity"
    )
    income_share_spinoff_gain: float = P(
        3.0, 0, 20, "x", "extra spin-offs at full researcher income share"
    )
    funding_access_elasticity: float = P(
        0.5, 0, 5, "elasticity", "founding response to early-stage capital per employee"
    )
    incubator_gain: float = P(
        2.5, 0, 20, "x", "extra founding at full incubator and registration support"
    )
    equity_adoption: float = P(
        0.5, 0, 10, "1/yr", "speed at which firms adopt equity grants toward the policy target"
    )
    sector_inheritance: float = P(
        0.7, 0, 1, "probability", "chance a new firm works in its founder's employer's cluster"
    )
    startup_productivity_gap: float = P(
        0.3, 0, 3, "log", "how far below its origin a new firm's productivity starts"
    )
    startup_size_sigma: float = P(0.5, 0, 3, "log", "spread of log start-up headcount")
    startup_rd_mult: float = P(1.2, 0.1, 10, "x", "R&D intensity of start-ups relative to firms")
    mobility_founding_gain: float = P(
        0.5, 0, 10, "x", "extra researcher spin-offs at full researcher mobility"
    )


class FundingParams(Block):
    """Venture capital supply, deals, valuations, listings and the capital feedback loop."""

    capital_supply: float = P(
        2.5e10, 0, 1e13, "currency/yr", "VC capital invested in the region at the start year"
    )
    capital_trend: float = P(0.09, -0.3, 0.5, "1/yr", "trend growth of capital supply")
    capital_trend_end_year: int = P(
        3000,
        1900,
        3000,
        "year",
        "last year of the observed capital trend; later supply follows confidence only",
    )
    share_government: float = P(0.35, 0, 1, "share", "capital share of government guidance funds")
    share_soe: float = P(0.25, 0, 1, "share", "capital share of SOE and strategic investors")
    share_private: float = P(0.28, 0, 1, "share", "capital share of private domestic VC")
    share_foreign: float = P(0.08, 0, 1, "share", "capital share of foreign VC")
    share_angel: float = P(0.04, 0, 1, "share", "capital share of angels")
    early_stage_share: float = P(0.3, 0, 1, "share", "capital share going to firms aged 3 or less")
    round_size: float = P(
        2e7, 1e4, 1e11, "currency", "median round size (growth-stage rounds are larger)"
    )
    round_size_trend: float = P(
        0.04, -0.2, 0.5, "1/yr", "yearly growth of typical round sizes (deeper markets, prices)"
    )
    round_sigma: float = P(0.8, 0.1, 3, "log", "spread of log round size")
    round_tail_share: float = P(
        0.0, 0, 1, "share", "share of rounds scaled up by a Pareto factor (heavy-tailed rounds)"
    )
    round_tail_exponent: float = P(
        1.5, 1.05, 5, "CCDF exponent", "Pareto exponent of that factor (smaller: heavier tail)"
    )
    growth_round_mult: float = P(4, 1, 100, "x", "growth-stage round size relative to early-stage")
    private_round_mult: float = P(
        1.5, 0.1, 10, "x", "private and foreign rounds relative to government rounds"
    )
    angel_round_mult: float = P(0.1, 0.001, 10, "x", "angel rounds relative to the median round")
    confidence_gain: float = P(
        0.5, 0, 5, "elasticity", "capital supply response to recent exit value (capital feedback)"
    )
    confidence_memory: float = P(2, 0.25, 20, "yr", "memory of investor confidence")
    dilution: float = P(
        0.25, 0.01, 0.9, "share", "equity sold in an early-stage round (post-money = round/share)"
    )
    growth_dilution: float = P(0.045, 0.01, 0.9, "share", "equity sold in a growth-stage round")
    revenue_multiple: float = P(1.5, 0.1, 100, "x", "valuation of a firm as a multiple of revenue")
    government_early_bias: float = P(
        1.3, 0.1, 10, "x", "early-stage share of government and SOE money relative to others"
    )
    investor_age_scale: float = P(
        8, 0.5, 100, "yr", "investors' preference for younger firms (attractiveness e-folding age)"
    )
    early_stage_age: float = P(3, 0.25, 20, "yr", "age up to which a firm counts as early-stage")
    confidence_min: float = P(0.2, 0.01, 1, "x", "lowest investor confidence multiplier")
    confidence_max: float = P(5.0, 1, 100, "x", "highest investor confidence multiplier")
    unicorn_max_age: float = P(
        10, 1, 100, "yr", "oldest age at which a private VC-backed firm counts as a unicorn"
    )
    government_priority_bias: float = P(
        2.0, 1, 20, "x", "preference of government funds for priority clusters and young firms"
    )
    network_bias: float = P(2.0, 1, 20, "x", "preference for firms tied to the investor's network")
    syndication: float = P(0.4, 0, 1, "probability", "chance a round has a co-investor")
    ipo_rate: float = P(
        0.2, 0, 5, "1/yr", "listing hazard of an eligible firm at fully open channels"
    )
    ipo_min_revenue: float = P(3e8, 0, 1e12, "currency/yr", "revenue needed to list")
    unicorn_ipo_rate: float = P(
        0.0,
        0,
        5,
        "1/yr",
        "listing hazard of a private firm valued at a unicorn's value or more, whatever its "
        "revenue, at fully open channels (pre-profit listing, as on the STAR market)",
    )
    winter_markdown: float = P(
        0.0,
        0,
        10,
        "1/yr per unit",
        "yearly log mark-down of private valuations per unit of negative funding climate",
    )
    listing_premium: float = P(
        1.0, 0.1, 20, "x", "market value of a listed firm over its valuation"
    )
    market_sentiment_elasticity: float = P(
        0.5, 0, 3, "elasticity", "how listed market values follow the funding climate"
    )
    priority_clusters: list[Literal["C1", "C2", "C3", "C4", "C5", "C6"]] = Field(
        default_factory=lambda: ["C1", "C2", "C3"],  # type: ignore[arg-type]
        description="clusters government funds and relocation policy treat as priorities",
    )
    _priority_codes: tuple[Cluster, ...] = PrivateAttr(())

    def model_post_init(self, context: object, /) -> None:
        """Resolve the cluster labels to their codes once, at validation."""
        self._priority_codes = tuple(Cluster.of(c) for c in self.priority_clusters)

    @property
    def priority_codes(self) -> tuple[Cluster, ...]:
        """Codes of ``priority_clusters``."""
        return self._priority_codes

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> FundingParams:
        total = (
            self.share_government
            + self.share_soe
            + self.share_private
            + self.share_foreign
            + self.share_angel
        )
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"funding source shares must add up to 1 (they add up to {total:.4g})")
        return self


class ParkParams(Block):
    """Rents and location choice of the sub-parks (mechanisms 4 and 8)."""

    rent_elasticity: float = P(0.7, 0, 5, "elasticity", "rent response to park occupancy")
    floor_growth: float = P(0.05, -0.2, 0.5, "1/yr", "yearly growth of floor space in a park")
    location_rent_elasticity: float = P(
        0.8, 0, 5, "elasticity", "new firms' aversion to high rents when choosing a park"
    )
    cluster_match_gain: float = P(3.0, 0, 50, "x", "pull of a park that lists the firm's cluster")
    amenity_gain: float = P(2.0, 0, 50, "x per unit", "pull of a park's amenities on new firms")
    rent_inflation: float = P(0.0, -0.1, 0.3, "1/yr", "general yearly rent inflation")


class RelocationParams(Block):
    """Crowding out and relocation out of the region; branches outside (mechanisms 4 and 5)."""

    cost_tolerance: float = P(
        0.35, 0, 2, "share of value added", "rent bill above which a firm feels cost pressure"
    )
    cost_relocation_rate: float = P(
        0.3, 0, 10, "1/yr per unit excess", "relocation hazard per unit of excess cost share"
    )
    base_relocation_rate: float = P(0.0015, 0, 0.5, "1/yr", "relocation hazard without pressure")
    pull_relocation_rate: float = P(
        0.01, 0, 1, "1/yr", "relocation hazard at full pull of neighbouring regions"
    )
    branch_rate: float = P(0.06, 0, 2, "1/yr", "branch-opening hazard of an established firm")
    branch_min_employees: float = P(
        30, 1, 1e5, "persons", "headcount needed to open a branch outside"
    )
    branch_history_years: float = P(
        5, 0, 50, "yr", "years of branch opening before the start, in start-year flows"
    )
    branch_pressure_gain: float = P(
        0.5, 0, 50, "x", "extra branch opening under cost pressure or neighbouring pull"
    )
    staff_follow: float = P(
        0.3, 0, 1, "share", "share of a relocating firm's staff that leave the region with it"
    )


class ParkSpec(Block):
    """One sub-park: location, specialisation, floor space and rent at the start year."""

    id: str = Field(description="short identifier")
    name: str = Field("", description="display name")
    core: bool = Field(False, description="part of the crowded core (relocation policy applies)")
    clusters: list[Literal["C1", "C2", "C3", "C4", "C5", "C6"]] = Field(
        description="clusters the park lists as its specialisation"
    )
    firm_share: float = P(0.05, 0, 1, "share", "share of firms located here at the start")
    large_firm_bias: float = P(1.0, 0, 20, "x", "how much more likely large firms sit here")
    rent: float = P(100, 0, 1e5, "currency/m2/month", "office rent at the start year")
    area_km2: float = P(10, 0.01, 5000, "km2", "land area of the park")
    amenity: float = P(0.5, 0, 1, "index", "amenities and services (0 none, 1 best)")

    @model_validator(mode="after")
    def _has_cluster(self) -> ParkSpec:
        if not self.clusters:
            raise ValueError(f"park {self.id!r} must list at least one cluster")
        return self


class ModelParams(Block):
    """All behavioural parameters, one block per mechanism."""

    steps_per_year: Literal[4, 12] = Field(4, description="time steps per year (4: quarterly)")
    population: PopulationParams = Field(
        default_factory=PopulationParams, description="initial state"
    )
    production: ProductionParams = Field(default_factory=ProductionParams, description="production")
    growth: GrowthParams = Field(default_factory=GrowthParams, description="firm growth and exit")
    knowledge: KnowledgeParams = Field(default_factory=KnowledgeParams, description="patents")
    collaboration: CollaborationParams = Field(
        default_factory=CollaborationParams, description="R&D ties and contracts"
    )
    labour: LabourParams = Field(default_factory=LabourParams, description="talent flows")
    entrepreneurship: EntrepreneurshipParams = Field(
        default_factory=EntrepreneurshipParams, description="founding and spin-offs"
    )
    funding: FundingParams = Field(default_factory=FundingParams, description="venture capital")
    parks: ParkParams = Field(default_factory=ParkParams, description="rents and location")
    relocation: RelocationParams = Field(
        default_factory=RelocationParams, description="crowding out and relocation"
    )


def _default_parks() -> list[ParkSpec]:
    return [
        ParkSpec(
            id="region", name="whole region", core=True, clusters=list(CLUSTERS), firm_share=1.0
        )
    ]


class RegionParams(ModelParams):
    """Model parameters plus the region's sub-parks."""

    sub_parks: list[ParkSpec] = Field(
        default_factory=_default_parks, description="the region's sub-parks", min_length=1
    )

    @model_validator(mode="after")
    def _unique_parks(self) -> RegionParams:
        ids = [p.id for p in self.sub_parks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"sub-park ids must be unique; repeated: {', '.join(dupes)}")
        if sum(p.firm_share for p in self.sub_parks) <= 0:
            raise ValueError("at least one sub-park needs a positive firm_share")
        return self
