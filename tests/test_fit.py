"""Fit-table arithmetic, one kind at a time, on hand-made targets."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.fit import (
    FIT_COLUMNS,
    closeness,
    dimension_growth,
    fit_table,
    load_targets,
    ranking_disagreements,
)
from sim.indices import INDICATOR_COLUMNS, WIDE_COLUMNS


def _targets(rows: list[tuple]) -> pd.DataFrame:
    cols = ["region", "indicator", "year", "value", "unit", "kind", "source", "note", "quality"]
    return pd.DataFrame(
        [(r[0], r[1], r[2], r[3], "u", r[4], "src", "", "good") for r in rows], columns=cols
    )


@pytest.fixture()
def indicators() -> pd.DataFrame:
    # two replicates: x grows 10, 20, ..., replicate 1 is 3x replicate 0 -> mean is 2x rep 0
    rows = []
    for r, factor in ((0, 1.0), (1, 3.0)):
        for i, year in enumerate(range(2010, 2016)):
            rows.append((r, year, "x", 10.0 * (i + 1) * factor))
            rows.append((r, year, "s", 0.1 * factor))
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _row(fit: pd.DataFrame, kind: str) -> pd.Series:
    sel = fit[fit.kind == kind]
    assert len(sel) == 1, kind
    return sel.iloc[0]


def test_level_share_ratio_cumulative(indicators: pd.DataFrame) -> None:
    targets = _targets(
        [
            ("ZGC", "x", 2015, 100.0, "level"),  # mean 2015 = 2 * 60 = 120
            ("ZGC", "s", 2012, 0.25, "share"),  # mean = 0.2
            ("ZGC", "x", 2015, 4.0, "ratio_to:2010"),  # 120 / 20 = 6
            ("ZGC", "x", 2014, 300.0, "cumulative_5yr"),  # 2*(10+20+30+40+50) = 300
        ]
    )
    fit = fit_table(indicators, None, "ZGC", targets)
    assert list(fit.columns) == FIT_COLUMNS
    assert _row(fit, "level")[["simulated", "ratio"]].tolist() == pytest.approx([120.0, 1.2])
    assert _row(fit, "share")[["simulated", "ratio"]].tolist() == pytest.approx([0.2, 0.8])
    assert _row(fit, "ratio_to:2010")[["simulated", "ratio"]].tolist() == pytest.approx([6, 1.5])
    assert _row(fit, "cumulative_5yr")[["simulated", "ratio"]].tolist() == pytest.approx([300, 1])


def test_bounds_are_pass_fail(indicators: pd.DataFrame) -> None:
    targets = _targets(
        [
            ("ZGC", "x", 2015, 100.0, "lower_bound"),  # 120 >= 100 holds
            ("ZGC", "x", 2015, 100.0, "upper_bound"),  # 120 <= 100 fails
        ]
    )
    fit = fit_table(indicators, None, "ZGC", targets)
    lo, up = _row(fit, "lower_bound"), _row(fit, "upper_bound")
    assert lo.simulated == pytest.approx(120.0) and lo.ratio == 1.0
    assert up.simulated == pytest.approx(120.0) and up.ratio == 0.0
    assert closeness("lower_bound", lo.ratio) == "pass"
    assert closeness("upper_bound", up.ratio) == "fail"


def test_uncovered_and_other_region_rows_are_left_out(indicators: pd.DataFrame) -> None:
    targets = _targets(
        [
            ("ZGC", "x", 2020, 1.0, "level"),  # year not simulated
            ("ZGC", "x", 2015, 2.0, "ratio_to:2005"),  # base year not simulated
            ("ZGC", "x", 2012, 1.0, "cumulative_5yr"),  # window 2008-2012 not covered
            ("ZGC", "y", 2012, 1.0, "level"),  # indicator not produced
            ("SV", "x", 2012, 1.0, "level"),  # other region
        ]
    )
    assert fit_table(indicators, None, "ZGC", targets).empty
    assert len(fit_table(indicators, None, "SV", targets)) == 1


def test_index_rows_come_from_the_index_table(indicators: pd.DataFrame) -> None:
    wide = pd.DataFrame([[2013, 100, 100, 100, 100, 100, 100], [2015, 150, 200, 120, 180, 160, 90]])
    wide.columns = WIDE_COLUMNS
    targets = _targets(
        [("ZGC", "zgc_index.composite", 2015, 300.0, "index"),
         ("ZGC", "zgc_index.livability", 2015, 120.0, "index")]
    )  # fmt: skip
    fit = fit_table(indicators, wide, "ZGC", targets).set_index("indicator")
    assert fit.loc["zgc_index.composite", "ratio"] == pytest.approx(0.5)
    assert fit.loc["zgc_index.livability", "simulated"] == pytest.approx(90.0)
    assert fit_table(indicators, None, "ZGC", targets).empty


def test_zero_observed_gives_nan_ratio(indicators: pd.DataFrame) -> None:
    fit = fit_table(indicators, None, "ZGC", _targets([("ZGC", "x", 2015, 0.0, "level")]))
    assert math.isnan(fit.ratio.iloc[0])
    assert closeness("level", fit.ratio.iloc[0]) == "n/a"


def test_closeness_bands() -> None:
    assert closeness("level", 1.2) == "good"
    assert closeness("level", 1 / 1.2) == "good"
    assert closeness("share", 1.4) == "fair"
    assert closeness("index", 0.5) == "poor"
    assert closeness("level", -1.0) == "poor"


def test_packaged_targets_load_and_match_columns() -> None:
    targets = load_targets()
    assert {"ZGC", "SV"} <= set(targets.region)
    kinds = set(targets.kind)
    assert {"level", "share", "index", "lower_bound", "upper_bound", "cumulative_5yr"} <= kinds
    assert any(k.startswith("ratio_to:") for k in kinds)
    assert targets.source.notna().all()


def _index_fit(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"indicator": f"zgc_index.{d}", "year": y, "kind": "index", "observed": o,
             "simulated": s, "ratio": s / o, "quality": "good", "source": "t"}
            for d, y, o, s in rows
        ],
        columns=FIT_COLUMNS,
    )  # fmt: skip


def test_growth_ranking_uses_the_latest_complete_year() -> None:
    fit = _index_fit(
        [
            ("a", 2020, 300, 100),  # 2020 lacks c: not complete
            ("b", 2020, 200, 400),
            ("a", 2023, 400, 390),
            ("b", 2023, 396, 300),  # within 2% of a: tied, not judged
            ("c", 2023, 120, 350),  # observed slowest, simulated faster than b
        ]
    )
    g = dimension_growth(fit, ["a", "b", "c"])
    assert g["year"].unique().tolist() == [2023]
    assert g["dimension"].tolist() == ["a", "b", "c"]
    assert g["observed_rank"].tolist() == [1, 2, 3]
    assert g["simulated_rank"].tolist() == [1, 3, 2]
    assert ranking_disagreements(g) == [("b", "c")]
    assert dimension_growth(fit, ["a", "b", "c", "d"]).empty
