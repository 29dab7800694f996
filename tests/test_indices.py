"""The ZGC Index tree and the SV dashboard on hand-made indicator tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import UserError
from sim.indices import (
    BASE_YEAR,
    FIRST_LEVEL,
    INDICATOR_COLUMNS,
    SECOND_LEVEL,
    TREE,
    WIDE_COLUMNS,
    IndexUnavailable,
    index_coverage,
    mapping_table,
    model_inputs,
    sv_dashboard,
    third_level_values,
    zgc_index,
    zgc_index_wide,
)


def _long(values: dict[str, dict[int, float]], replicates: int = 1) -> pd.DataFrame:
    """Build ``indicators.csv`` rows; replicate r multiplies every value by (1 + r)."""
    rows = [
        (r, year, name, v * (1 + r))
        for r in range(replicates)
        for name, by_year in values.items()
        for year, v in by_year.items()
    ]
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _synthetic(replicates: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for r in range(replicates):
        for name in sorted(model_inputs()):
            level = rng.uniform(1, 1000)
            for year in range(2011, 2024):
                rows.append((r, year, name, level * 1.1 ** (year - 2011) * rng.uniform(0.9, 1.1)))
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _dims(index_long: pd.DataFrame, replicate: int, year: int) -> dict[str, float]:
    sel = index_long[(index_long.replicate == replicate) & (index_long.year == year)]
    return dict(zip(sel.dimension, sel.value, strict=True))


def test_tree_has_5_11_35_and_table_order() -> None:
    assert len(TREE) == 35
    assert [t.number for t in TREE] == list(range(1, 36))
    assert len({t.key for t in TREE}) == 35
    assert len(SECOND_LEVEL) == 11
    assert set(SECOND_LEVEL.values()) == set(FIRST_LEVEL)
    assert {t.second for t in TREE} == set(SECOND_LEVEL)
    for t in TREE:
        assert t.direction in (1, -1)
        assert t.model is not None or t.note, f"{t.key} needs a reason why it is not simulated"
    assert len(mapping_table()) == 35


def test_every_dimension_is_100_in_2013_for_every_replicate() -> None:
    idx = zgc_index(_synthetic(replicates=3))
    base = idx[idx.year == BASE_YEAR]
    assert set(base.replicate) == {0, 1, 2}
    assert set(base.dimension) == {"composite", *FIRST_LEVEL, *SECOND_LEVEL}
    np.testing.assert_allclose(base.value, 100.0)
    assert list(idx.columns) == ["replicate", "year", "dimension", "value"]


def test_equal_weight_aggregation_and_missing_third_level() -> None:
    # innovation_input has only rd_intensity (x2); innovation_output has pct (x3) and
    # patents per 10k (x5); highly cited papers (university_research_output) is missing.
    df = _long(
        {
            "rd_intensity": {2013: 0.01, 2014: 0.02},
            "pct_applications": {2013: 10, 2014: 30},
            "invention_patents_per_10k_employees": {2013: 4, 2014: 20},
            "real_wage": {2013: 1.0, 2014: 1.0},
        }
    )
    d = _dims(zgc_index(df), 0, 2014)
    assert d["innovation_input"] == pytest.approx(200.0)
    assert d["innovation_output"] == pytest.approx((300.0 + 500.0) / 2)
    assert d["innovation_leadership"] == pytest.approx((200.0 + 400.0) / 2)
    assert d["quality_of_life"] == pytest.approx(100.0)
    assert d["livability"] == pytest.approx(100.0)  # business environment absent: mean of one
    assert "industrial_development" not in d  # nothing simulated there in this run
    assert d["composite"] == pytest.approx((300.0 + 100.0) / 2)


def test_weights_change_the_mean() -> None:
    df = _long(
        {
            "pct_applications": {2013: 10, 2014: 30},
            "invention_patents_per_10k_employees": {2013: 4, 2014: 20},
        }
    )
    d = _dims(zgc_index(df, weights={"pct_applications": 3.0}), 0, 2014)
    assert d["innovation_output"] == pytest.approx((3 * 300.0 + 500.0) / 4)
    with pytest.raises(UserError, match="unknown ZGC Index node"):
        zgc_index(df, weights={"nonsense": 1.0})
    with pytest.raises(UserError, match=">= 0"):
        zgc_index(df, weights={"pct_applications": -1.0})


def test_lower_is_better_is_inverted() -> None:
    df = _long(
        {
            "real_wage": {2013: 1.0, 2014: 0.8, 2015: 1.25},
            "rent_burden": {2013: 0.1, 2014: 0.2, 2015: 0.1},
        }
    )
    idx = zgc_index(df)
    assert _dims(idx, 0, 2014)["quality_of_life"] == pytest.approx(80.0)
    assert _dims(idx, 0, 2015)["quality_of_life"] == pytest.approx(125.0)
    assert _dims(idx, 0, 2014)["business_environment"] == pytest.approx(50.0)  # inverted
    assert _dims(idx, 0, 2014)["livability"] == pytest.approx(65.0)


def test_derived_indicators() -> None:
    df = _long(
        {
            "tax_total": {2013: 100.0, 2014: 300.0},
            "employment": {2013: 10.0, 2014: 15.0},
            "young_employee_share": {2013: 0.5, 2014: 0.4},
        }
    )
    third = third_level_values(df).xs(2014, level="year").iloc[0]
    assert third["tax_per_head"] == pytest.approx(200.0)  # 20 per head vs 10
    assert third["young_employees"] == pytest.approx(120.0)  # 6 vs 5


def test_replicates_are_normalised_separately() -> None:
    df = _long({"pct_applications": {2013: 10, 2014: 20}}, replicates=2)  # rep 1 doubled
    idx = zgc_index(df)
    assert _dims(idx, 0, 2014)["innovation_output"] == pytest.approx(200.0)
    assert _dims(idx, 1, 2014)["innovation_output"] == pytest.approx(200.0)


def test_zero_base_leaves_indicator_out() -> None:
    df = _long({"unicorns": {2013: 0, 2014: 3}, "tech_contract_value": {2013: 5.0, 2014: 10.0}})
    d = _dims(zgc_index(df), 0, 2014)
    assert d["commercialisation_incubation"] == pytest.approx(200.0)
    table = index_coverage(df).set_index("third_level")
    assert table.loc["tech_contract_value", "base_2013"] == pytest.approx(5.0)
    cov = table["status"]
    assert cov["unicorns"] == "zero base"
    assert cov["tech_contract_value"] == "used"
    assert cov["top500_institutions"] == "not simulated"
    assert cov["exports"] == "not simulated"
    assert cov["profit_margin"] == "missing from run"


def test_run_without_2013_raises() -> None:
    df = _long({"pct_applications": {2015: 10, 2016: 20}})
    with pytest.raises(IndexUnavailable, match="covering 2013"):
        zgc_index(df)
    assert issubclass(IndexUnavailable, Exception)


def test_run_without_any_index_input_raises() -> None:
    df = _long({"firms_active": {2013: 10, 2014: 20}})
    with pytest.raises(IndexUnavailable, match="none of the indicators"):
        zgc_index(df)


def test_duplicated_rows_raise() -> None:
    df = _long({"pct_applications": {2013: 10}})
    with pytest.raises(ValueError, match="duplicated"):
        zgc_index(pd.concat([df, df]))


def test_wide_table_is_mean_over_replicates() -> None:
    idx = zgc_index(_synthetic(replicates=2))
    wide = zgc_index_wide(idx)
    assert list(wide.columns) == WIDE_COLUMNS
    assert list(wide.year) == list(range(2011, 2024))
    y = idx[(idx.year == 2020) & (idx.dimension == "livability")].value.mean()
    assert wide.set_index("year").loc[2020, "livability"] == pytest.approx(y)


def test_sv_dashboard_sections_and_forms() -> None:
    df = _long(
        {
            "employment": {2013: 1000.0, 2014: 1100.0},
            "patents_granted": {2013: 50.0, 2014: 55.0},
            "avg_wage": {2013: 70000.0, 2014: 77000.0},
            "talent_inflow": {2013: 30.0, 2014: 40.0},
            "talent_outflow": {2013: 10.0, 2014: 15.0},
            "avg_office_rent": {2013: 700.0, 2014: 700.0},
        }
    )
    dash = sv_dashboard(df, {"scenario": {"usd_rate": 7.0}})
    assert list(dash.columns) == ["replicate", "year", "section", "indicator", "value"]
    assert set(dash.section) == {"People", "Economy", "Place"}
    v = dash[dash.year == 2014].set_index("indicator")["value"]
    assert v["patents_per_10k_employees"] == pytest.approx(500.0)
    assert v["avg_wage_usd"] == pytest.approx(11000.0)
    assert v["net_talent_inflow"] == pytest.approx(25.0)
    assert v["employment_growth"] == pytest.approx(0.1)
    assert v["avg_office_rent_usd"] == pytest.approx(100.0)
    assert "vc_deals" not in set(dash.indicator)  # absent from the run: no row
    no_rate = sv_dashboard(df, {})
    assert not any(n.endswith("_usd") for n in no_rate.indicator)
    assert no_rate.value.notna().all()


def test_mapping_doc_lists_every_indicator_and_model_input() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "MODEL.md"
    text = doc.read_text(encoding="utf-8")
    for t in TREE:
        assert t.name_zh in text, t.key
    for name in model_inputs():
        assert f"`{name}" in text, name
