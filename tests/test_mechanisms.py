"""Each mechanism of BRIEF section 3 moves its outcome in the documented direction.

Every test changes one parameter (or lever) and compares paired replicates (same seeds): the
effect must exceed twice its standard error. A mechanism that is switched off or wired
backwards fails its test.

Formulas that only rescale a quantity (a trend on a share, a pre-start stock, the sentiment
factor on listed values) are checked against the state they read in
``tests/test_indicator_accounting.py``: a paired run would pass as long as the factor exists.
"""

from __future__ import annotations

import pytest

from tests.conftest import paired_effect, small_config

CASES = [
    # (mechanism, overrides, indicator, year, expected sign)
    (
        "knowledge spillover raises productivity",
        ["parameters.production.spillover_return=0.3"],
        "value_added_per_employee",
        2016,
        +1,
    ),
    (
        "R&D intensity raises patents",
        ["parameters.production.rd_intensity=0.04"],
        "patent_applications",
        2014,
        +1,
    ),
    (
        "founding: a higher founding rate means more new firms",
        ["parameters.entrepreneurship.founding_rate=0.006"],
        "new_tech_firms",
        2014,
        +1,
    ),
    (
        "capital feedback: more capital supply means more VC",
        ["parameters.funding.capital_supply=7.5e10"],
        "vc_investment_total",
        2014,
        +1,
    ),
    (
        "crowding out: lower cost tolerance means more relocations",
        ["parameters.relocation.cost_tolerance=0.02"],
        "firms_relocated_out",
        2014,
        +1,
    ),
    (
        "relocation policy: pressure pushes firms out",
        [
            "levers.relocation_pressure.strength=1",
            "levers.relocation_pressure.start_year=2011",
            "levers.relocation_pressure.prohibited_exit=0.4",
        ],
        "firms_relocated_out",
        2014,
        +1,
    ),
    (
        "relocation policy: neighbours' pull opens branches",
        [
            "levers.relocation_pressure.strength=1",
            "levers.relocation_pressure.start_year=2011",
            "levers.relocation_pressure.neighbour_pull=1",
        ],
        "branches_outside_region",
        2014,
        +1,
    ),
    (
        "talent attraction: foreign arrivals raise the foreign share",
        ["parameters.labour.foreign_arrival=0.005"],
        "foreign_employee_share",
        2014,
        +1,
    ),
    pytest.param(
        "talent attraction: housing subsidy lowers departures",
        [
            "levers.talent_reform.strength=1",
            "levers.talent_reform.start_year=2011",
            "levers.talent_reform.housing_subsidy=0.8",
        ],
        "talent_outflow_rate",
        2014,
        -1,
        # seeded, so deterministic: XPASS (a failure) tells when the effect is back
        marks=pytest.mark.xfail(
            strict=True,
            reason="with the calibrated baseline the net effect on the outflow rate is "
            "ambiguous (2014: -0.0029 +- 0.0012 over 12 paired replicates; 2016: +0.0012 +- "
            "0.0012): the known talent-outflow weakness of docs/MODEL.md section 9",
        ),
    ),
    (
        "equity incentives raise founding",
        [
            "levers.equity_incentives.strength=1",
            "levers.equity_incentives.start_year=2011",
            "levers.equity_incentives.equity_firm_share=0.9",
        ],
        "new_tech_firms",
        2014,
        +1,
    ),
    (
        "outward spillover: outside demand raises the outside share",
        ["parameters.collaboration.outside_demand=10"],
        "tech_contract_outside_share",
        2013,
        +1,
    ),
    (
        "funding mix: a private mix lowers the government share",
        [
            "levers.funding_mix.strength=1",
            "levers.funding_mix.start_year=2011",
            "levers.funding_mix.share_government=0.05",
            "levers.funding_mix.share_soe=0.05",
            "levers.funding_mix.share_private=0.6",
            "levers.funding_mix.share_foreign=0.2",
            "levers.funding_mix.share_angel=0.1",
        ],
        "vc_government_share",
        2014,
        -1,
    ),
    (
        "standards: a lower bar for leading firms means more standards led",
        ["parameters.knowledge.standards_leader_revenue_usd=1e8"],
        "international_standards_led",
        2014,
        +1,
    ),
    (
        "scale without intensity: a lower value-added share lowers value added per employee",
        ["parameters.production.va_share=0.08"],
        "value_added_per_employee",
        2012,
        -1,
    ),
]


@pytest.mark.parametrize(
    "name,overrides,indicator,year,sign",
    CASES,
    ids=[(c.values[0] if hasattr(c, "values") else c[0]) for c in CASES],
)
def test_mechanism_direction(name, overrides, indicator, year, sign):
    # rates are noisier than counts at this small scale: a larger sample for them
    scale = 0.04 if indicator.endswith("_rate") else 0.02
    base = small_config(end_year=year, scale=scale)
    other = small_config(overrides, end_year=year, scale=scale)
    diff, se = paired_effect(base, other, indicator, year, reps=4)
    assert sign * diff > 2 * se, f"{name}: diff {diff:.4g} (se {se:.3g}) has the wrong sign"
    assert sign * diff > 0
