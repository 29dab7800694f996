"""The year's flows: sums over the steps of the current year, reset after each record.

Each field is one flow a mechanism adds to every step (in real-world units: the scenario's
currency, persons, firms, patents); the indicators read them at year end. A typed field
rather than a string key, so that a misspelt flow is an error, not a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class YearFlows:
    """Flows of the current year, by the mechanism that adds to them."""

    # production
    revenue: float = 0.0
    value_added: float = 0.0
    profit: float = 0.0
    rd_spend: float = 0.0
    tax: float = 0.0
    overseas_revenue: float = 0.0
    wage_bill: float = 0.0
    employee_years: float = 0.0
    papers: float = 0.0
    patent_applications: float = 0.0
    pct_applications: float = 0.0
    patents_granted: float = 0.0
    invention_patents_granted: float = 0.0
    tech_contract_value: float = 0.0
    tech_contract_outside_value: float = 0.0
    # funding
    vc_investment: float = 0.0
    vc_deals: float = 0.0
    vc_megadeal_amount: float = 0.0
    vc_megadeal_count: float = 0.0
    vc_government_amount: float = 0.0
    ipos: float = 0.0
    # firms
    firm_deaths: float = 0.0
    firms_relocated_out: float = 0.0
    # talent (departures also when staff follow a relocated firm)
    talent_inflow: float = 0.0
    talent_outflow: float = 0.0
    job_moves: float = 0.0
    # entry
    new_tech_firms: float = 0.0
    spinoffs: float = 0.0
