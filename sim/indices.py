"""The Zhongguancun Index tree and a Silicon Valley Index style dashboard, computed from a run.

The ZGC Index (seed 002, Table 2) has 5 first-level dimensions, 11 second-level and 35
third-level indicators, with 2013 as the base year and unpublished weights. The model can stand
for only part of the 35 (it has no Nobel laureates, no export customs data, no foreign direct
investment), so the tree below says, for each third-level indicator, which model indicator
stands for it or why none can. Dimensions are then formed from the indicators that exist, which
keeps the index honest: an unsimulated indicator never enters as a constant 100 that would drag
its dimension towards the base.

Everything here is a pure function on DataFrames so that it can be tested on hand-made inputs and
reused by the report, the comparison and the sweep commands.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.errors import UserError

#: base year of the ZGC Index (= 100)
BASE_YEAR = 2013

#: columns of a run's ``indicators.csv`` (long format)
INDICATOR_COLUMNS = ["replicate", "year", "indicator", "value"]

FIRST_LEVEL: tuple[str, ...] = (
    "innovation_leadership",
    "industrial_development",
    "entrepreneurship_ecosystem",
    "openness_collaboration",
    "livability",
)

#: second-level dimension -> its first-level dimension, in the order of Table 2
SECOND_LEVEL: dict[str, str] = {
    "innovation_input": "innovation_leadership",
    "innovation_output": "innovation_leadership",
    "innovation_economy": "industrial_development",
    "quality_efficiency": "industrial_development",
    "entrepreneurial_vitality": "entrepreneurship_ecosystem",
    "commercialisation_incubation": "entrepreneurship_ecosystem",
    "international_expansion": "openness_collaboration",
    "resource_inflow": "openness_collaboration",
    "regional_collaboration": "openness_collaboration",
    "business_environment": "livability",
    "quality_of_life": "livability",
}

#: columns of the mean-over-replicates wide table
WIDE_COLUMNS = ["year", "composite", *FIRST_LEVEL]


class IndexUnavailable(UserError):
    """The ZGC Index cannot be computed from this run (it is 2013-based).

    It is a :class:`UserError` so that the CLI shows the message without a traceback; the report
    catches it and says why the index is missing instead of rebasing to another year, which
    would make the values incomparable with the published index.
    """


@dataclass(frozen=True)
class Derived:
    """A model quantity formed from two indicators of ``indicators.csv``."""

    left: str
    right: str
    op: Literal["ratio", "product"]
    meaning: str


#: derived quantities a third-level indicator may point to
DERIVED: dict[str, Derived] = {
    "tech_income_share": Derived(
        "tech_contract_value", "revenue_total", "ratio", "technology-contract value / revenue"
    ),
    "tax_per_employee": Derived("tax_total", "employment", "ratio", "tax / employment"),
    "young_employees": Derived(
        "young_employee_share", "employment", "product", "young employee share x employment"
    ),
}


@dataclass(frozen=True)
class ThirdLevel:
    """One third-level indicator of Table 2 and what stands for it in the model."""

    number: int
    key: str
    name_en: str
    name_zh: str
    second: str
    model: str | None
    direction: int = 1
    note: str = ""

    @property
    def first(self) -> str:
        return SECOND_LEVEL[self.second]


_NO_AGENT = "the model has no agent or event for it"
T = ThirdLevel
#: the 35 third-level indicators (seed 002, Table 2), in the table's order
TREE: tuple[ThirdLevel, ...] = (
    T(1, "top_scientists", "World-top scientists", "全球顶尖科学家数量", "innovation_input",
      "top_scientists",
      note="proxy: university researchers above a fixed world-top bar of research "
      "productivity (the start-year top share), a lognormal tail that thins as quality rises"),
    T(2, "top500_institutions", "Global TOP500 universities and institutes",
      "全球TOP500高校和科研机构", "innovation_input", None,
      note="universities are a fixed exogenous set in the model; a constant would only pull "
      "the dimension towards 100"),
    T(3, "rd_intensity", "Firm R&D expenditure intensity", "企业研发经费投入强度",
      "innovation_input", "rd_intensity"),
    T(4, "top_awards", "Top S&T awards (equivalent count)", "顶级科技奖项获奖数量（当量）",
      "innovation_output", None, note=f"prizes are not simulated: {_NO_AGENT}"),
    T(5, "highly_cited_papers", "ESI highly cited papers", "ESI高被引论文数量",
      "innovation_output", "university_research_output",
      note="proxy: the model counts research output of universities and institutes, not "
      "citations; growth of the count stands for growth of highly cited papers"),
    T(6, "international_standards", "International standards led (cumulative)",
      "累计主导创制国际标准数", "innovation_output", "international_standards_led",
      note="leading firms (revenue of knowledge.standards_leader_revenue_usd, USD 1.5 billion, "
      "or more) lead standards in proportion "
      "to their patenting; the stock includes standards led before the start year"),
    T(7, "pct_applications", "PCT patent applications", "PCT专利申请量", "innovation_output",
      "pct_applications"),
    T(8, "invention_patents_per_10k", "Invention patents granted per 10,000 employees",
      "每万名从业人员当年发明专利授权数", "innovation_output",
      "invention_patents_per_10k_employees"),
    T(9, "hightech_revenue", "Revenue of national high-tech firms", "国家高新技术企业总收入",
      "innovation_economy", "revenue_total",
      note="all active tech firms of the model; the statistics cover certified firms only"),
    T(10, "tech_income_share", "Share of technology income", "技术收入占比",
      "innovation_economy", "tech_income_share",
      note="derived: technology-contract value / revenue, the part of income sold as technology"),
    T(11, "listed_market_cap", "Market value of listed and NEEQ tech firms",
      "科技型上市企业和新三板挂牌企业总市值", "innovation_economy", "market_cap_total"),
    T(12, "world_class_firms", "World-class innovative leading firms",
      "世界一流创新型领军企业数", "quality_efficiency", "firms_revenue_over_1e10",
      note="firms above 10 billion of revenue (scenario currency); at 100 billion the model "
      "holds 0-2 firms, too few to rebase on 2013 in every replicate"),
    T(13, "labour_productivity", "Labour productivity", "劳动生产率", "quality_efficiency",
      "value_added_per_employee"),
    T(14, "profit_margin", "Firm profit margin", "企业利润率", "quality_efficiency",
      "profit_margin"),
    T(15, "land_output", "Output per unit of land", "地均产出", "quality_efficiency",
      "land_output_per_km2"),
    T(16, "tax_per_head", "Tax per employee", "人均税收", "quality_efficiency",
      "tax_per_employee", note="derived: tax / employment"),
    T(17, "outstanding_entrepreneurs", "World-class innovation and entrepreneurship talent",
      "全球杰出双创人才数量", "entrepreneurial_vitality", None,
      note="a ranking list of entrepreneurs; founders carry no fame attribute"),
    T(18, "young_employees", "Employees aged 29 or under", "29岁及以下从业人员数",
      "entrepreneurial_vitality", "young_employees",
      note="derived: young employee share x employment"),
    T(19, "service_institutions", "Innovation and entrepreneurship service institutions",
      "创新创业服务机构数", "entrepreneurial_vitality", None,
      note="incubators and service firms are not agents; their effect is in firm founding rates"),
    T(20, "new_tech_firms", "Newly registered tech firms", "新注册科技型企业数",
      "entrepreneurial_vitality", "new_tech_firms"),
    T(21, "tech_contract_value", "Technology-contract turnover", "技术合同成交额",
      "commercialisation_incubation", "tech_contract_value"),
    T(22, "unicorns", "Unicorn firms", "独角兽企业数", "commercialisation_incubation",
      "unicorns"),
    T(23, "incubator_graduates", "Firms graduating from incubators", "孵化机构毕业企业数量",
      "commercialisation_incubation", "incubator_graduates",
      note="firms reaching age 3 in the year, the usual incubation period"),
    T(24, "equity_investment", "Equity investment received in the year",
      "企业当年获得股权投资额", "commercialisation_incubation", "vc_investment_total"),
    T(25, "overseas_revenue", "Overseas revenue of listed firms", "上市企业海外收入",
      "international_expansion", "overseas_revenue",
      note="overseas revenue of all firms; listed firms earn nearly all of it"),
    T(26, "exports", "Total exports", "出口总额", "international_expansion", None,
      note="no separate goods trade; overseas sales are already counted once in indicator 25"),
    T(27, "tech_contracts_abroad", "Technology contracts flowing abroad",
      "流向境外的技术交易合同成交额", "international_expansion", None,
      note="contract partners are inside or outside the region only; abroad is not "
      "distinguished from other provinces"),
    T(28, "outward_fdi", "Outward direct investment", "企业境外直接投资额",
      "international_expansion", None, note=f"foreign affiliates are not simulated: {_NO_AGENT}"),
    T(29, "returnees_foreign", "Returnees and foreign employees", "留学归国人员和外籍从业人员数",
      "resource_inflow", "returnee_and_foreign_employees"),
    T(30, "fdi_used", "Foreign direct investment used", "实际利用外资额", "resource_inflow",
      None, note="foreign capital enters only as VC deals; FDI into plants and offices is not "
      "modelled"),
    T(31, "mnc_headquarters", "Regional headquarters of multinationals", "跨国公司地区总部数",
      "resource_inflow", None, note=f"multinationals are not agents: {_NO_AGENT}"),
    T(32, "tech_contracts_other_provinces", "Technology contracts to other provinces",
      "流向外省市的技术交易合同成交额", "regional_collaboration", "tech_contract_outside_value",
      note="contracts with partners outside the region; the small part going abroad is included"),
    T(33, "branches_other_provinces", "Branches set up in other provinces",
      "企业外省市设立分子公司数量", "regional_collaboration", "branches_outside_stock",
      note="branches firms run outside the region: those opened since the start plus the "
      "stock opened before it (the statistic counts existing branches, not only new ones)"),
    T(34, "business_environment", "Global business-environment rating", "全球营商环境综合评价",
      "business_environment", "rent_burden", -1,
      note="partial proxy: the burden of operating costs (firms' rent bill over their value "
      "added, lower is better); the institutional part of the rating is not simulated"),
    T(35, "city_quality", "Global city-quality rating", "全球城市品质综合评价",
      "quality_of_life", "real_wage", 1,
      note="proxy: purchasing power of the average wage (wage over the rent- and price-based "
      "cost of living); amenities, air and services are not simulated"),
)  # fmt: skip
del T


def node_names() -> list[str]:
    """Every weightable node: composite's children, second-level names and third-level keys."""
    return [*FIRST_LEVEL, *SECOND_LEVEL, *(t.key for t in TREE)]


def model_inputs() -> set[str]:
    """The ``indicators.csv`` indicators the index reads (derived ones expanded)."""
    names: set[str] = set()
    for t in TREE:
        if t.model is None:
            continue
        d = DERIVED.get(t.model)
        names.update((d.left, d.right) if d else (t.model,))
    return names


def mapping_table() -> pd.DataFrame:
    """The tree as a table (one row per third-level indicator), for docs and the report."""
    return pd.DataFrame(
        [
            {
                "number": t.number,
                "first_level": t.first,
                "second_level": t.second,
                "third_level": t.key,
                "name_en": t.name_en,
                "name_zh": t.name_zh,
                "model_indicator": t.model or "",
                "direction": t.direction,
                "note": t.note,
            }
            for t in TREE
        ]
    )


def to_wide(indicators_long: pd.DataFrame) -> pd.DataFrame:
    """Pivot ``replicate,year,indicator,value`` to one row per (replicate, year).

    Duplicated (replicate, year, indicator) rows are an error of the producer, not something
    to average away, so they raise.
    """
    missing = [c for c in INDICATOR_COLUMNS if c not in indicators_long.columns]
    if missing:
        raise ValueError(f"indicators table lacks column(s) {missing}; needs {INDICATOR_COLUMNS}")
    df = indicators_long[INDICATOR_COLUMNS]
    dup = df.duplicated(["replicate", "year", "indicator"])
    if dup.any():
        first = df[dup].iloc[0]
        raise ValueError(
            "indicators table has duplicated rows, e.g. replicate "
            f"{first['replicate']}, year {first['year']}, indicator {first['indicator']}"
        )
    wide = df.pivot(index=["replicate", "year"], columns="indicator", values="value")
    wide.columns.name = None
    return wide.astype(float).sort_index()


def _model_series(wide: pd.DataFrame, name: str) -> pd.Series | None:
    """The column standing for ``name`` (derived if needed), or None when the run lacks it."""
    d = DERIVED.get(name)
    if d is None:
        return wide[name] if name in wide.columns else None
    if d.left not in wide.columns or d.right not in wide.columns:
        return None
    left, right = wide[d.left], wide[d.right]
    if d.op == "product":
        return left * right
    return left / right.where(right != 0)


def third_level_values(indicators_long: pd.DataFrame) -> pd.DataFrame:
    """Normalised third-level indicators, 2013 = 100 per replicate, NaN where unavailable.

    Rows are (replicate, year); columns the keys of the simulated third-level indicators.
    ``direction = -1`` indicators are inverted as ``base / value * 100`` so that, like in the
    published index, a rise always means an improvement. A replicate whose 2013 value is zero,
    negative or missing cannot be rebased, so the indicator is left out of that replicate.
    """
    wide = to_wide(indicators_long)
    years = wide.index.get_level_values("year")
    if BASE_YEAR not in set(years):
        span = f"{int(years.min())}-{int(years.max())}" if len(years) else "no years"
        raise IndexUnavailable(
            f"the ZGC Index is 2013-based and needs a run covering {BASE_YEAR}; this run covers "
            f"{span}. Start the scenario in {BASE_YEAR} or earlier."
        )
    reps = wide.index.get_level_values("replicate").unique()
    lacking = [r for r in reps if (r, BASE_YEAR) not in wide.index]
    if lacking:
        raise IndexUnavailable(
            f"the ZGC Index needs {BASE_YEAR} in every replicate; replicate(s) {lacking} lack it"
        )
    out: dict[str, pd.Series] = {}
    for t in TREE:
        if t.model is None:
            continue
        s = _model_series(wide, t.model)
        if s is None:
            continue
        base = s.xs(BASE_YEAR, level="year")
        base = base.where(np.isfinite(base) & (base > 0))
        b = base.reindex(s.index.get_level_values("replicate")).to_numpy()
        v = s.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            inverted = np.where(v > 0, b / v * 100.0, np.nan)
            norm = v / b * 100.0 if t.direction > 0 else inverted
        out[t.key] = pd.Series(norm, index=s.index)
    if not out or all(s.isna().all() for s in out.values()):
        raise IndexUnavailable(
            "none of the indicators the ZGC Index reads is in this run with a positive "
            f"{BASE_YEAR} value (looked for {sorted(model_inputs())})"
        )
    return pd.DataFrame(out, index=wide.index)


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    if not weights:
        return {}
    known = set(node_names())
    unknown = sorted(set(weights) - known)
    if unknown:
        raise UserError(
            f"unknown ZGC Index node(s) {unknown}; weights may be given for {sorted(known)}",
            field="weights",
        )
    bad = {k: v for k, v in weights.items() if not (math.isfinite(v) and v >= 0)}
    if bad:
        raise UserError(f"weights must be finite and >= 0, got {bad}", field="weights")
    return {k: float(v) for k, v in weights.items()}


def _weighted_mean(frame: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Row-wise weighted mean over the non-missing columns (NaN when none is present)."""
    if frame.shape[1] == 0:
        return pd.Series(np.nan, index=frame.index)
    w = np.array([weights.get(c, 1.0) for c in frame.columns])
    vals = frame.to_numpy(dtype=float)
    present = np.isfinite(vals)
    wsum = (present * w).sum(axis=1)
    total = np.where(present, vals, 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(wsum > 0, total / wsum, np.nan)
    return pd.Series(mean, index=frame.index)


def zgc_index(
    indicators_long: pd.DataFrame, weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """The ZGC Index of a run, long ``replicate,year,dimension,value`` (2013 = 100).

    Dimensions are ``composite``, the five first-level and the eleven second-level names. Each
    level is the weighted mean of the *available* members of the level below (weights 1 unless
    ``weights`` maps a node name to another value), so a dimension rests on what the model can
    simulate rather than on placeholders. Raises :class:`IndexUnavailable` when the run does not
    cover 2013.
    """
    w = _check_weights(weights)
    third = third_level_values(indicators_long)
    levels: dict[str, pd.Series] = {}
    for second in SECOND_LEVEL:
        cols = [t.key for t in TREE if t.second == second and t.key in third.columns]
        levels[second] = _weighted_mean(third[cols], w)
    for first in FIRST_LEVEL:
        members = pd.DataFrame({s: levels[s] for s, f in SECOND_LEVEL.items() if f == first})
        levels[first] = _weighted_mean(members, w)
    levels["composite"] = _weighted_mean(pd.DataFrame({f: levels[f] for f in FIRST_LEVEL}), w)
    order = ["composite", *FIRST_LEVEL, *SECOND_LEVEL]
    frame = pd.DataFrame({k: levels[k] for k in order}, index=third.index)
    long = frame.reset_index().melt(
        id_vars=["replicate", "year"], var_name="dimension", value_name="value"
    )
    long = long.dropna(subset=["value"])
    long["dimension"] = pd.Categorical(long["dimension"], categories=order, ordered=True)
    long = long.sort_values(["replicate", "dimension", "year"])
    long["dimension"] = long["dimension"].astype(str)
    return long.reset_index(drop=True)[["replicate", "year", "dimension", "value"]]


def zgc_index_wide(index_long: pd.DataFrame) -> pd.DataFrame:
    """Mean over replicates, one row per year: ``year,composite,<five first-level>``."""
    if index_long.empty:
        return pd.DataFrame(columns=WIDE_COLUMNS)
    mean = index_long.groupby(["year", "dimension"])["value"].mean().unstack("dimension")
    mean = mean.reindex(columns=WIDE_COLUMNS[1:])
    return mean.reset_index()[WIDE_COLUMNS]


def index_coverage(indicators_long: pd.DataFrame) -> pd.DataFrame:
    """Per third-level indicator: its model stand-in, whether this run could use it, and its
    2013 value (mean over replicates). A small count in 2013 (a few unicorns) makes a huge
    multiple later and can dominate its dimension, so the report shows the base next to it.
    """
    wide = to_wide(indicators_long)
    has_base = BASE_YEAR in set(wide.index.get_level_values("year"))
    rows: list[dict[str, Any]] = []
    for t in TREE:
        base_mean = math.nan
        if t.model is None:
            status = "not simulated"
        else:
            s = _model_series(wide, t.model)
            if s is None:
                status = "missing from run"
            elif not has_base:
                status = f"no {BASE_YEAR} value"
            else:
                base = s.xs(BASE_YEAR, level="year")
                base_mean = float(base.mean())
                status = "used" if bool((np.isfinite(base) & (base > 0)).any()) else "zero base"
        rows.append(
            {
                "number": t.number,
                "first_level": t.first,
                "second_level": t.second,
                "third_level": t.key,
                "model_indicator": t.model or "",
                "direction": t.direction,
                "status": status,
                "base_2013": base_mean,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Silicon Valley Index style dashboard
# --------------------------------------------------------------------------------------------

#: columns of the dashboard table
DASHBOARD_COLUMNS = ["replicate", "year", "section", "indicator", "value"]

_Rule = tuple[str, str, str, tuple[str, ...], float]
#: (section, dashboard name, operation, model indicators, scale). Operations: ``raw``;
#: ``ratio`` a/b*scale; ``diff`` a-b; ``growth`` year-on-year change of a; ``usd`` a/usd_rate;
#: ``usd_ratio`` a/b/usd_rate. Per-employee, share and USD forms make ZGC and SV comparable,
#: which raw totals in two currencies and two sizes are not.
DASHBOARD: tuple[_Rule, ...] = (
    ("People", "talent_inflow", "raw", ("talent_inflow",), 1.0),
    ("People", "talent_outflow", "raw", ("talent_outflow",), 1.0),
    ("People", "net_talent_inflow", "diff", ("talent_inflow", "talent_outflow"), 1.0),
    ("People", "foreign_employees", "raw", ("foreign_employees",), 1.0),
    ("People", "foreign_employee_share", "raw", ("foreign_employee_share",), 1.0),
    ("People", "returnee_and_foreign_employees", "raw", ("returnee_and_foreign_employees",), 1.0),
    ("People", "returnee_and_foreign_share", "ratio",
     ("returnee_and_foreign_employees", "employment"), 1.0),
    ("People", "bachelor_plus_employees", "raw", ("bachelor_plus_employees",), 1.0),
    ("People", "bachelor_plus_share", "ratio", ("bachelor_plus_employees", "employment"), 1.0),
    ("People", "young_employee_share", "raw", ("young_employee_share",), 1.0),
    ("Economy", "employment", "raw", ("employment",), 1.0),
    ("Economy", "employment_growth", "growth", ("employment",), 1.0),
    ("Economy", "firms_active", "raw", ("firms_active",), 1.0),
    ("Economy", "new_tech_firms", "raw", ("new_tech_firms",), 1.0),
    ("Economy", "new_tech_firms_per_10k_employees", "ratio",
     ("new_tech_firms", "employment"), 1e4),
    ("Economy", "firm_deaths", "raw", ("firm_deaths",), 1.0),
    ("Economy", "value_added_per_employee", "raw", ("value_added_per_employee",), 1.0),
    ("Economy", "value_added_per_employee_usd", "usd", ("value_added_per_employee",), 1.0),
    ("Economy", "avg_wage", "raw", ("avg_wage",), 1.0),
    ("Economy", "avg_wage_usd", "usd", ("avg_wage",), 1.0),
    ("Economy", "rd_intensity", "raw", ("rd_intensity",), 1.0),
    ("Economy", "patents_granted", "raw", ("patents_granted",), 1.0),
    ("Economy", "patents_per_10k_employees", "ratio", ("patents_granted", "employment"), 1e4),
    ("Economy", "invention_patents_per_10k_employees", "raw",
     ("invention_patents_per_10k_employees",), 1.0),
    ("Economy", "vc_investment_total", "raw", ("vc_investment_total",), 1.0),
    ("Economy", "vc_investment_total_usd", "usd", ("vc_investment_total",), 1.0),
    ("Economy", "vc_investment_per_employee_usd", "usd_ratio",
     ("vc_investment_total", "employment"), 1.0),
    ("Economy", "vc_deals", "raw", ("vc_deals",), 1.0),
    ("Economy", "vc_megadeal_share", "raw", ("vc_megadeal_share",), 1.0),
    ("Economy", "vc_government_share", "raw", ("vc_government_share",), 1.0),
    ("Economy", "ipos", "raw", ("ipos",), 1.0),
    ("Economy", "unicorns", "raw", ("unicorns",), 1.0),
    ("Economy", "listed_firms", "raw", ("listed_firms",), 1.0),
    ("Economy", "market_cap_total_usd", "usd", ("market_cap_total",), 1.0),
    ("Place", "avg_office_rent", "raw", ("avg_office_rent",), 1.0),
    ("Place", "avg_office_rent_usd", "usd", ("avg_office_rent",), 1.0),
    ("Place", "cost_of_living_index", "raw", ("cost_of_living_index",), 1.0),
    ("Place", "land_output_per_km2", "raw", ("land_output_per_km2",), 1.0),
    ("Place", "firms_relocated_out", "raw", ("firms_relocated_out",), 1.0),
    ("Place", "relocated_out_per_1k_firms", "ratio", ("firms_relocated_out", "firms_active"), 1e3),
    ("Place", "branches_outside_region", "raw", ("branches_outside_region",), 1.0),
)  # fmt: skip


def _usd_rate(run_meta: Mapping[str, Any] | None) -> float | None:
    """Currency units per USD from ``run.json``, or None when absent or unusable."""
    scenario = (run_meta or {}).get("scenario") or {}
    try:
        rate = float(scenario.get("usd_rate"))  # type: ignore[arg-type]  # None: TypeError
    except (TypeError, ValueError):
        return None
    return rate if math.isfinite(rate) and rate > 0 else None


def _dashboard_series(
    wide: pd.DataFrame, op: str, names: tuple[str, ...], scale: float, rate: float | None
) -> pd.Series | None:
    if any(n not in wide.columns for n in names):
        return None
    cols = [wide[n] for n in names]
    if op == "raw":
        return cols[0]
    if op == "diff":
        return cols[0] - cols[1]
    if op == "growth":
        return cols[0].groupby(level="replicate").pct_change(fill_method=None)
    if op in ("ratio", "usd_ratio"):
        s = cols[0] / cols[1].where(cols[1] != 0) * scale
        if op == "ratio":
            return s
        return s / rate if rate else None
    if op == "usd":
        return cols[0] / rate if rate else None
    raise ValueError(f"unknown dashboard operation {op!r}")


def sv_dashboard(
    indicators_long: pd.DataFrame, run_meta: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """A Silicon Valley Index style dashboard: ``replicate,year,section,indicator,value``.

    Like the SV Index it is a set of tracked series, not a composite: sections People, Economy
    and Place (Society and Governance have no counterpart in the model). Rows are produced only
    for indicators the run has; USD forms need ``run_meta['scenario']['usd_rate']``.
    """
    wide = to_wide(indicators_long)
    rate = _usd_rate(run_meta)
    parts: list[pd.DataFrame] = []
    for section, name, op, names, scale in DASHBOARD:
        s = _dashboard_series(wide, op, names, scale, rate)
        if s is None:
            continue
        part = s.rename("value").reset_index()
        part["section"] = section
        part["indicator"] = name
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=DASHBOARD_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[DASHBOARD_COLUMNS]
    out = out.replace([np.inf, -np.inf], np.nan).dropna(subset=["value"])
    return out.reset_index(drop=True)
