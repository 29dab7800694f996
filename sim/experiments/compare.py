"""Compare scenarios (regions, policies) on harmonised indicators.

Zhongguancun reports in yuan and counts 2.3 million employees; Silicon Valley in dollars with
1.7 million. Raw totals mostly measure size and currency, so a comparison reads only
dimensionless or per-employee quantities (BRIEF section 5): growth multiples since the start
year, shares, per-employee values in US dollars at each scenario's stated rate
(``currency.per_usd``), VC as a share of revenue, flows per 1,000 employees or firms, patents
per 10,000 employees. :data:`HARMONISED` is the one list of them, each with its unit and the
formula on the raw yearly indicators of one replicate.

Every scenario runs with the same replicate seeds, so differences between scenarios are not
differences of luck in the seeds chosen. Values are means over replicates; the replicate-level
table keeps the spread for bands and tests.

Policy transplants: a *transplant* scenario is the Zhongguancun baseline with one set of
Silicon Valley's settings switched in through a lever. :func:`gap_closure` measures, for each
indicator, which fraction of the gap between the base and the target (Silicon Valley) the
transplant closes: ``(transplant - base) / (target - base)``. :func:`find_gap_roles` recognises
the roles from the scenarios' regions and names (see :data:`TRANSPLANT_MARK`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiments.replicate import indicators_frame, replicate_seeds, run_pairs, run_replicates
from sim.scenario import Scenario
from sim.simulate import SimResult

#: columns of ``comparison.csv`` and ``comparison_replicates.csv`` (the output contract)
COLUMNS = ["indicator", "scenario", "year", "value", "unit"]
REPLICATE_COLUMNS = ["indicator", "scenario", "replicate", "year", "value", "unit"]

#: a region-ZGC scenario whose name contains this is a policy transplant (zgc_with_sv_talent)
TRANSPLANT_MARK = "_with_sv_"

#: below this absolute gap (relative to the larger magnitude) a gap fraction is not defined
GAP_TOLERANCE = 1e-6

Formula = Callable[[pd.DataFrame, float], pd.Series]


@dataclass(frozen=True)
class Harmonised:
    """One comparable indicator: name, unit, formula on a replicate's wide yearly table."""

    name: str
    unit: str
    formula: Formula
    description: str


def _col(wide: pd.DataFrame, name: str) -> pd.Series:
    if name in wide.columns:
        return wide[name].astype(float)
    return pd.Series(np.nan, index=wide.index)


def _div(a: pd.Series, b: pd.Series, factor: float = 1.0) -> pd.Series:
    """``factor * a / b``, NaN where ``b`` is not positive (no division warnings)."""
    b = b.where(b > 0)
    return factor * a / b


def _growth(name: str) -> Formula:
    def f(wide: pd.DataFrame, _usd: float) -> pd.Series:
        s = _col(wide, name)
        base = s.iloc[0] if len(s) else np.nan
        return s / base if base and base > 0 else s * np.nan

    return f


def _share(num: str, den: str | None = None, factor: float = 1.0) -> Formula:
    def f(wide: pd.DataFrame, _usd: float) -> pd.Series:
        if den is None:
            return _col(wide, num) * factor
        return _div(_col(wide, num), _col(wide, den), factor)

    return f


def _usd(num: str, den: str | None = None) -> Formula:
    def f(wide: pd.DataFrame, usd: float) -> pd.Series:
        value = _col(wide, num) if den is None else _div(_col(wide, num), _col(wide, den))
        return value / usd

    return f


PER_EMP_USD = "USD per employee per year"

#: the harmonised indicators, in report order
HARMONISED: tuple[Harmonised, ...] = (
    Harmonised(
        "employment_growth",
        "multiple of start year",
        _growth("employment"),
        "employment relative to the start year",
    ),
    Harmonised(
        "revenue_growth",
        "multiple of start year",
        _growth("revenue_total"),
        "revenue (own currency, nominal) relative to the start year",
    ),
    Harmonised(
        "firms_growth",
        "multiple of start year",
        _growth("firms_active"),
        "active technology firms relative to the start year",
    ),
    Harmonised(
        "patents_growth",
        "multiple of start year",
        _growth("patent_applications"),
        "patent applications relative to the start year",
    ),
    Harmonised(
        "value_added_per_employee",
        PER_EMP_USD,
        _usd("value_added_per_employee"),
        "value added per employee, in US dollars at the scenario's rate",
    ),
    Harmonised(
        "revenue_per_employee",
        PER_EMP_USD,
        _usd("revenue_total", "employment"),
        "revenue per employee, in US dollars",
    ),
    Harmonised("avg_wage", PER_EMP_USD, _usd("avg_wage"), "average wage, in US dollars"),
    Harmonised(
        "vc_per_employee",
        PER_EMP_USD,
        _usd("vc_investment_total", "employment"),
        "venture capital invested per employee, in US dollars",
    ),
    Harmonised(
        "wage_share_of_value_added",
        "share",
        _share("avg_wage", "value_added_per_employee"),
        "average wage over value added per employee",
    ),
    Harmonised(
        "rd_intensity", "share of revenue", _share("rd_intensity"), "R&D spending over revenue"
    ),
    Harmonised("profit_margin", "share of revenue", _share("profit_margin"), "profit over revenue"),
    Harmonised(
        "vc_to_revenue",
        "share of revenue",
        _share("vc_investment_total", "revenue_total"),
        "venture capital invested over firm revenue",
    ),
    Harmonised(
        "vc_megadeal_share",
        "share of VC amount",
        _share("vc_megadeal_share"),
        "VC amount in rounds of USD 100M or more",
    ),
    Harmonised(
        "vc_government_share",
        "share of VC amount",
        _share("vc_government_share"),
        "VC amount from government and state-owned or strategic investors",
    ),
    Harmonised(
        "foreign_employee_share",
        "share of employees",
        _share("foreign_employee_share"),
        "foreign nationals among employees",
    ),
    Harmonised(
        "returnee_and_foreign_share",
        "share of employees",
        _share("returnee_and_foreign_employees", "employment"),
        "returnees and foreign nationals among employees",
    ),
    Harmonised(
        "bachelor_plus_share",
        "share of employees",
        _share("bachelor_plus_employees", "employment"),
        "employees with a bachelor's degree or higher",
    ),
    Harmonised(
        "young_employee_share",
        "share of employees",
        _share("young_employee_share"),
        "employees aged 29 or under",
    ),
    Harmonised(
        "overseas_revenue_share",
        "share of revenue",
        _share("overseas_revenue", "revenue_total"),
        "overseas revenue over revenue",
    ),
    Harmonised(
        "tech_contract_outside_share",
        "share of contract value",
        _share("tech_contract_outside_share"),
        "technology contracts sold outside",
    ),
    Harmonised(
        "core_revenue_share",
        "share of revenue",
        _share("core_revenue_share"),
        "revenue of firms in core sub-parks",
    ),
    Harmonised(
        "talent_inflow_per_1000_employees",
        "persons per 1,000 employees",
        _share("talent_inflow", "employment", 1e3),
        "arrivals in the year",
    ),
    Harmonised(
        "talent_outflow_per_1000_employees",
        "persons per 1,000 employees",
        _share("talent_outflow", "employment", 1e3),
        "departures in the year",
    ),
    Harmonised(
        "job_moves_per_1000_employees",
        "moves per 1,000 employees",
        _share("job_moves", "employment", 1e3),
        "job-to-job moves in the year",
    ),
    Harmonised(
        "new_firms_per_1000_firms",
        "firms per 1,000 firms",
        _share("new_tech_firms", "firms_active", 1e3),
        "new technology firms founded",
    ),
    Harmonised(
        "relocations_per_1000_firms",
        "firms per 1,000 firms",
        _share("firms_relocated_out", "firms_active", 1e3),
        "firms relocated out of the region in the year",
    ),
    Harmonised(
        "unicorns_per_1000_firms",
        "firms per 1,000 firms",
        _share("unicorns", "firms_active", 1e3),
        "private firms valued at USD 1B+",
    ),
    Harmonised(
        "patent_applications_per_10k_employees",
        "per 10,000 employees",
        _share("patent_applications", "employment", 1e4),
        "patent applications",
    ),
    Harmonised(
        "invention_patents_per_10k_employees",
        "per 10,000 employees",
        _share("invention_patents_granted", "employment", 1e4),
        "invention patents granted",
    ),
    Harmonised(
        "market_cap_to_revenue",
        "multiple of revenue",
        _share("market_cap_total", "revenue_total"),
        "market value of listed firms over revenue",
    ),
    Harmonised(
        "cost_of_living_index",
        "multiple of start year",
        _share("cost_of_living_index"),
        "cost of living relative to the start (housing follows office rents)",
    ),
    Harmonised(
        "network_clustering",
        "coefficient",
        _share("network_clustering"),
        "clustering of the R&D collaboration network",
    ),
)

UNITS = {h.name: h.unit for h in HARMONISED}


def harmonise(long: pd.DataFrame, scenario: str, per_usd: float) -> pd.DataFrame:
    """Harmonised indicators of one scenario, per replicate and year.

    Args:
        long: raw indicators, ``replicate,year,indicator,value`` (``indicators.csv``).
        scenario: label written in the ``scenario`` column.
        per_usd: units of the scenario's currency per US dollar.

    Returns:
        ``indicator,scenario,replicate,year,value,unit`` in :data:`HARMONISED` order.
    """
    if per_usd <= 0:
        raise ValueError(f"per_usd must be positive, got {per_usd}")
    frames = []
    for rep, part in long.groupby("replicate", sort=True):
        wide = part.pivot(index="year", columns="indicator", values="value").sort_index()
        for h in HARMONISED:
            values = h.formula(wide, per_usd).astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": h.name,
                        "scenario": scenario,
                        "replicate": int(rep),
                        "year": wide.index.astype(int),
                        "value": values.to_numpy(),
                        "unit": h.unit,
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    order = {h.name: i for i, h in enumerate(HARMONISED)}
    out["_o"] = out["indicator"].map(order)
    out = out.sort_values(["_o", "replicate", "year"], kind="stable").drop(columns="_o")
    return out[REPLICATE_COLUMNS].reset_index(drop=True)


def summarise(replicates: pd.DataFrame) -> pd.DataFrame:
    """Mean over replicates: ``indicator,scenario,year,value,unit`` in input order."""
    keys = ["indicator", "scenario", "year", "unit"]
    out = replicates.groupby(keys, sort=False, dropna=False)["value"].mean().reset_index()
    return out[COLUMNS]


def ratio_table(comparison: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each other scenario against the first one, indicator by indicator, at ``years``.

    ``ratio = other / first``: how many times the first scenario's value the other one
    reaches (the first scenario is the reference). NaN when the first value is zero or
    either value is missing.
    """
    scenarios = list(dict.fromkeys(comparison["scenario"]))
    first, others = scenarios[0], scenarios[1:]
    mean = comparison.set_index(["indicator", "scenario", "year"])["value"]
    rows = []
    for ind in dict.fromkeys(comparison["indicator"]):
        unit = UNITS.get(ind, str(comparison.loc[comparison["indicator"] == ind, "unit"].iat[0]))
        for other in others:
            for year in years:
                a = float(mean.get((ind, first, year), np.nan))
                b = float(mean.get((ind, other, year), np.nan))
                ratio = b / a if np.isfinite(a) and np.isfinite(b) and a != 0 else np.nan
                rows.append(
                    {
                        "indicator": ind,
                        "unit": unit,
                        "year": year,
                        "reference": first,
                        "other": other,
                        "reference_value": a,
                        "other_value": b,
                        "ratio": ratio,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator",
            "unit",
            "year",
            "reference",
            "other",
            "reference_value",
            "other_value",
            "ratio",
        ],
    )


def gap_fraction(base: float, target: float, transplant: float) -> float:
    """``(transplant - base) / (target - base)``; NaN when the gap is (numerically) zero.

    1 means the transplant closes the whole gap, 0 nothing, a negative value that it widens
    the gap, above 1 that it overshoots the target.
    """
    vals = (base, target, transplant)
    if not all(np.isfinite(v) for v in vals):
        return float("nan")
    gap = target - base
    if abs(gap) <= GAP_TOLERANCE * max(abs(base), abs(target), 1e-300):
        return float("nan")
    return float((transplant - base) / gap)


def gap_closure(
    comparison: pd.DataFrame, base: str, target: str, transplants: list[str], year: int
) -> pd.DataFrame:
    """For each indicator and transplant: the fraction of the base-to-target gap it closes."""
    mean = comparison.set_index(["indicator", "scenario", "year"])["value"]
    rows = []
    for ind in dict.fromkeys(comparison["indicator"]):
        b = float(mean.get((ind, base, year), np.nan))
        t = float(mean.get((ind, target, year), np.nan))
        for tr in transplants:
            v = float(mean.get((ind, tr, year), np.nan))
            rows.append(
                {
                    "indicator": ind,
                    "unit": UNITS.get(ind, ""),
                    "year": year,
                    "transplant": tr,
                    "base_value": b,
                    "target_value": t,
                    "transplant_value": v,
                    "gap_closed": gap_fraction(b, t, v),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "indicator",
            "unit",
            "year",
            "transplant",
            "base_value",
            "target_value",
            "transplant_value",
            "gap_closed",
        ],
    )


@dataclass(frozen=True)
class GapRoles:
    """Which scenario is the gap's base, which its target, which are transplants."""

    base: str
    target: str
    transplants: list[str]


def find_gap_roles(
    labels: list[str], scenarios: list[Scenario], base: str | None = None, target: str | None = None
) -> GapRoles | None:
    """The roles of a transplant comparison, or None when the scenarios do not form one.

    Rule (without explicit ``base``/``target``): the target is the one region-SV scenario;
    transplants are region-ZGC scenarios whose name contains :data:`TRANSPLANT_MARK`; the base
    is the one other region-ZGC scenario. With ``base`` and ``target`` given (labels), every
    other scenario is a transplant. Unknown labels raise ``KeyError``.
    """
    if base is not None or target is not None:
        for lbl in (base, target):
            if lbl is not None and lbl not in labels:
                raise KeyError(lbl)
    if base is not None and target is not None:
        others = [lbl for lbl in labels if lbl not in (base, target)]
        return GapRoles(base, target, others) if others and base != target else None
    sv = [lbl for lbl, s in zip(labels, scenarios, strict=True) if s.region == "SV"]
    zgc = [(lbl, s) for lbl, s in zip(labels, scenarios, strict=True) if s.region == "ZGC"]
    trans = [lbl for lbl, s in zgc if TRANSPLANT_MARK in s.name]
    bases = [lbl for lbl, s in zgc if TRANSPLANT_MARK not in s.name]
    tgt = target if target is not None else (sv[0] if len(sv) == 1 else None)
    bse = base if base is not None else (bases[0] if len(bases) == 1 else None)
    trans = [t for t in trans if t not in (bse, tgt)]
    if tgt is None or bse is None or not trans:
        return None
    return GapRoles(bse, tgt, trans)


def unique_labels(names: list[str]) -> list[str]:
    """Scenario names as column labels; a repeated name gets ``-2``, ``-3``, ..."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return out


def _report_done(report: Callable[[str, int], None], label: str, i: int, _r: SimResult) -> None:
    report(label, i)


def run_comparison(
    scenarios: list[Scenario],
    labels: list[str],
    root_seed: int,
    replications: int,
    *,
    workers: int = 1,
    on_done: Callable[[str, int], None] | None = None,
) -> pd.DataFrame:
    """Run every scenario with the same replicate seeds; return the replicate-level table."""
    frames = []
    for label, sc in zip(labels, scenarios, strict=True):
        done: Callable[[int, SimResult], None] | None = None
        if on_done is not None:
            done = functools.partial(_report_done, on_done, label)
        results = run_replicates(
            sc.to_run_config(),
            root_seed,
            replications,
            workers=workers,
            on_done=done,
        )
        frames.append(harmonise(indicators_frame(results), label, sc.currency.per_usd))
    return pd.concat(frames, ignore_index=True)[REPLICATE_COLUMNS]


def run_ensemble_comparison(
    members: list[list[Scenario]],
    labels: list[str],
    root_seed: int,
    replications: int,
    *,
    workers: int = 1,
    on_done: Callable[[str, int], None] | None = None,
) -> pd.DataFrame:
    """Every scenario over the same posterior members and seeds (common random numbers).

    ``members[i][m]`` is scenario ``i`` with member ``m``'s values. Replicate ``m * R + r`` of
    every scenario uses member ``m`` and the same seed, so a difference between scenarios is
    neither luck in the seeds nor a different draw of parameters.
    """
    frames = []
    for label, scs in zip(labels, members, strict=True):
        seeds = replicate_seeds(root_seed, len(scs) * replications)
        pairs = [(scs[i // replications].to_run_config(), s) for i, s in enumerate(seeds)]
        done: Callable[[int, SimResult], None] | None = None
        if on_done is not None:
            done = functools.partial(_report_done, on_done, label)
        results = run_pairs(pairs, workers=workers, on_done=done)
        frames.append(harmonise(indicators_frame(results), label, scs[0].currency.per_usd))
    return pd.concat(frames, ignore_index=True)[REPLICATE_COLUMNS]
