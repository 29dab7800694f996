"""What each yearly indicator is: unit, flow or stock, meaning (``ecosim.indicator_table()``).

Money is in the scenario's currency (``{currency}`` below is replaced by its code, CNY or USD);
flows are totals over the year's steps, stocks are read at the end of the year. Counts of
firms, people and deals are in real-world units: every agent counts ``weight`` times, so no
indicator depends on the simulated scale.
"""

from __future__ import annotations

import pandas as pd

from sim.model.indicators import EXTRA, REQUIRED

FLOW, STOCK, RATIO = "flow", "stock", "ratio"

#: name -> (unit, kind, meaning)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "employment": ("persons", STOCK, "employees of the region's technology firms"),
    "firms_active": ("firms", STOCK, "technology firms in the region at year end"),
    "new_tech_firms": ("firms/yr", FLOW, "technology firms founded in the year"),
    "firm_deaths": ("firms/yr", FLOW, "firms closed in the year"),
    "revenue_total": ("{currency}/yr", FLOW, "total revenue of the firms"),
    "value_added_total": ("{currency}/yr", FLOW, "value added of the firms"),
    "profit_total": ("{currency}/yr", FLOW, "profit of the firms"),
    "value_added_per_employee": ("{currency}/person/yr", RATIO, "labour productivity"),
    "rd_spend_total": ("{currency}/yr", FLOW, "R&D spending of the firms"),
    "rd_intensity": ("share", RATIO, "R&D spending over revenue"),
    "patent_applications": ("patents/yr", FLOW, "patent applications filed"),
    "patents_granted": ("patents/yr", FLOW, "patents granted"),
    "invention_patents_granted": ("patents/yr", FLOW, "invention patents granted"),
    "invention_patents_per_10k_employees": (
        "patents/10k persons/yr",
        RATIO,
        "invention patents granted per 10,000 employees",
    ),
    "pct_applications": ("applications/yr", FLOW, "international (PCT) patent applications"),
    "tech_contract_value": ("{currency}/yr", FLOW, "value of technology contracts signed"),
    "tech_contract_outside_share": (
        "share",
        RATIO,
        "share of technology-contract value going outside the region",
    ),
    "vc_investment_total": ("{currency}/yr", FLOW, "venture capital invested"),
    "vc_deals": ("deals/yr", FLOW, "venture capital rounds"),
    "vc_megadeal_share": ("share", RATIO, "share of VC money in rounds above USD 100M"),
    "vc_government_share": ("share", RATIO, "share of VC money from government funds"),
    "unicorns": ("firms", STOCK, "private VC-backed firms valued at USD 1B or more"),
    "listed_firms": ("firms", STOCK, "listed firms"),
    "ipos": ("firms/yr", FLOW, "initial public offerings"),
    "market_cap_total": ("{currency}", STOCK, "market value of the listed firms"),
    "firms_relocated_out": ("firms/yr", FLOW, "firms that moved out of the region"),
    "branches_outside_region": (
        "branches",
        STOCK,
        "branches opened outside the region since the start year (cumulative)",
    ),
    "talent_inflow": ("persons/yr", FLOW, "people arriving in the region's workforce"),
    "talent_outflow": ("persons/yr", FLOW, "people leaving the region's workforce"),
    "foreign_employees": ("persons", STOCK, "foreign employees of the firms"),
    "foreign_employee_share": ("share", RATIO, "foreign share of firm employment"),
    "returnee_and_foreign_employees": ("persons", STOCK, "returnee and foreign employees"),
    "bachelor_plus_employees": ("persons", STOCK, "employees with a bachelor's degree or more"),
    "young_employee_share": ("share", RATIO, "share of employees under 30"),
    "avg_wage": ("{currency}/person/yr", RATIO, "average wage"),
    "avg_office_rent": ("{currency}/m2/month", STOCK, "average office rent, weighted by demand"),
    "firms_revenue_over_1e8": ("firms", STOCK, "firms with revenue of 1e8 or more"),
    "firms_revenue_over_1e9": ("firms", STOCK, "firms with revenue of 1e9 or more"),
    "firms_revenue_over_1e10": ("firms", STOCK, "firms with revenue of 1e10 or more"),
    "firms_revenue_over_1e11": ("firms", STOCK, "firms with revenue of 1e11 or more"),
    "collaboration_edges": ("ties", STOCK, "R&D collaboration and contract ties (weighted)"),
    "network_clustering": ("share", RATIO, "mean local clustering of the R&D/contract layer"),
    "overseas_revenue": ("{currency}/yr", FLOW, "revenue from sales abroad"),
    "tax_total": ("{currency}/yr", FLOW, "taxes paid by the firms"),
    "land_output_per_km2": ("{currency}/km2/yr", RATIO, "revenue per square kilometre of park"),
    "profit_margin": ("share", RATIO, "profit over revenue"),
    "tech_contract_outside_value": (
        "{currency}/yr",
        FLOW,
        "technology-contract value going outside the region",
    ),
    "cost_of_living_index": ("index", STOCK, "cost of living (start year = 1)"),
    "real_wage": ("{currency}/person/yr", RATIO, "average wage over the cost-of-living index"),
    "talent_outflow_rate": ("1/yr", RATIO, "talent outflow over employment"),
    "rent_burden": ("share", RATIO, "rent bill over value added"),
    "incubator_graduates": ("firms/yr", FLOW, "firms reaching age three in the year"),
    "university_research_output": ("papers/yr", FLOW, "research output of universities"),
    "top_scientists": ("persons", STOCK, "university researchers above the world-top bar"),
    "international_standards_led": (
        "standards",
        STOCK,
        "international standards led (cumulative, with the pre-start stock)",
    ),
    "branches_outside_stock": (
        "branches",
        STOCK,
        "branches outside the region, with those opened before the start",
    ),
    "listed_firm_market_cap_share": ("share", RATIO, "listed firms' share of firm value"),
    "spinoffs": ("firms/yr", FLOW, "spin-offs from universities and firms"),
    "equity_firm_share": ("share", RATIO, "share of firms granting employee equity"),
    "vc_megadeals": ("deals/yr", FLOW, "VC rounds above USD 100M"),
    "job_moves": ("persons/yr", FLOW, "people changing employer within the region"),
    "network_giant_component_share": (
        "share",
        RATIO,
        "share of organisations in the largest connected component",
    ),
    "network_mean_degree": ("ties/organisation", RATIO, "mean number of partners per agent"),
    "core_revenue_share": ("share", RATIO, "share of revenue earned in the core parks"),
    "investor_confidence": ("index", STOCK, "investor confidence (start = 1)"),
    "unemployed_share": ("share", RATIO, "share of the talent pool between jobs"),
}


def unit_of(name: str, currency: str = "currency") -> str:
    """The unit of indicator ``name`` with the currency filled in ("" when unknown)."""
    entry = CATALOGUE.get(name)
    return entry[0].replace("{currency}", currency) if entry else ""


def indicator_units(currency: str = "currency") -> dict[str, str]:
    """``{indicator: unit}`` for every catalogued indicator (written to ``run.json``)."""
    return {name: unit_of(name, currency) for name in CATALOGUE}


def indicator_table(currency: str = "currency") -> pd.DataFrame:
    """Every yearly indicator: ``name, unit, kind (flow/stock/ratio), meaning, contract``.

    ``contract`` is True for the indicators ``ecosim run`` promises in ``indicators.csv``;
    the others are extras (used by the Zhongguancun Index and the reports).
    """
    names = list(dict.fromkeys([*REQUIRED, *EXTRA, *CATALOGUE]))
    rows = []
    for name in names:
        unit, kind, meaning = CATALOGUE.get(name, ("", "", ""))
        rows.append(
            {
                "name": name,
                "unit": unit.replace("{currency}", currency),
                "kind": kind,
                "meaning": meaning,
                "contract": name in REQUIRED,
            }
        )
    return pd.DataFrame(rows, columns=["name", "unit", "kind", "meaning", "contract"])
