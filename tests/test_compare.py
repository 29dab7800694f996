"""``ecosim compare``: output contract, arithmetic of ratios and gap closure, stylised facts.

The fast tests run the real scenarios at a tiny scale over a few years; the arithmetic is
checked on hand-made frames where the right answer is known. The slow tests check the
stylised facts of the domain brief (section 6.5) at 2023: Silicon Valley against the
Zhongguancun baseline.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import compare_cmd
from sim.cli.main import main
from sim.experiments.compare import (
    COLUMNS,
    HARMONISED,
    REPLICATE_COLUMNS,
    TRANSPLANT_MARK,
    find_gap_roles,
    gap_closure,
    gap_fraction,
    harmonise,
    ratio_table,
    run_comparison,
    summarise,
    unique_labels,
)
from sim.experiments.replicate import replicate_seeds
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
ZGC = ROOT / "scenarios" / "zgc_baseline.yaml"
SV = ROOT / "scenarios" / "silicon_valley.yaml"
TALENT = ROOT / "scenarios" / "zgc_with_sv_talent.yaml"
FUNDING = ROOT / "scenarios" / "zgc_with_sv_funding.yaml"
TINY = ["--scale", "0.01", "--end-year", "2012", "--quiet"]
UNITS = {h.name: h.unit for h in HARMONISED}


@pytest.fixture(scope="module")
def pair_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "zgc-vs-sv"
    code = main(
        [
            "compare",
            str(ZGC),
            str(SV),
            "--out",
            str(out),
            "--replications",
            "2",
            "--seed",
            "11",
            *TINY,
        ]
    )
    assert code == 0
    return out


# ------------------------------------------------------------------ output contract


def test_comparison_csv_columns_units_and_means(pair_dir: Path) -> None:
    comp = pd.read_csv(pair_dir / "comparison.csv")
    reps = pd.read_csv(pair_dir / "comparison_replicates.csv")
    assert list(comp.columns) == COLUMNS == ["indicator", "scenario", "year", "value", "unit"]
    assert list(reps.columns) == REPLICATE_COLUMNS
    assert set(comp["scenario"]) == {"zgc_baseline", "silicon_valley"}
    assert set(comp["indicator"]) == set(UNITS)
    assert sorted(comp["year"].unique()) == [2010, 2011, 2012]
    assert set(reps["replicate"]) == {0, 1}
    # every indicator carries its declared unit
    assert (comp["unit"] == comp["indicator"].map(UNITS)).all()
    # value = mean over replicates
    mean = reps.groupby(["indicator", "scenario", "year"])["value"].mean()
    got = comp.set_index(["indicator", "scenario", "year"])["value"]
    assert np.allclose(got.sort_index(), mean.sort_index(), rtol=1e-8, equal_nan=True)
    # growth multiples are 1 in the start year
    start = comp[(comp["indicator"] == "employment_growth") & (comp["year"] == 2010)]
    assert np.allclose(start["value"], 1.0)


def test_per_employee_values_are_in_usd(pair_dir: Path) -> None:
    """ZGC runs in yuan at 6.6 per USD: per-employee values must be divided by it."""
    comp = pd.read_csv(pair_dir / "comparison.csv")
    va = comp[comp["indicator"] == "value_added_per_employee"].set_index(["scenario", "year"])
    zgc = float(va.loc[("zgc_baseline", 2010), "value"])
    # the baseline starts with 2.04e12 yuan of revenue, 13% value added, ~1.2M employees
    assert 20_000 < zgc < 60_000
    assert float(va.loc[("silicon_valley", 2010), "value"]) > 3 * zgc


def test_folder_is_complete_and_html_self_contained(pair_dir: Path) -> None:
    names = {p.name for p in pair_dir.iterdir()}
    assert {
        "comparison.csv",
        "comparison_replicates.csv",
        "comparison.html",
        "compare.json",
    } <= names
    assert not [p for p in pair_dir.parent.iterdir() if p.name.startswith(".")]
    html = (pair_dir / "comparison.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html
    assert "silicon_valley ÷ zgc_baseline, 2012" in html  # ratio table at the end year


def test_every_scenario_uses_the_same_seeds(pair_dir: Path) -> None:
    meta = json.loads((pair_dir / "compare.json").read_text(encoding="utf-8"))
    assert meta["seeds"]["root"] == 11
    assert meta["seeds"]["replicates"] == replicate_seeds(11, 2)
    assert [s["label"] for s in meta["scenarios"]] == ["zgc_baseline", "silicon_valley"]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["compare", str(ZGC)], "at least two"),
        (["compare", str(ZGC), "missing.yaml"], "missing.yaml"),
        (["compare", str(ZGC), str(SV), "--replications", "0"], "--replications"),
        (["compare", str(ZGC), str(SV), "--workers", "0"], "--workers"),
        (["compare", str(ZGC), str(SV), "--scale", "2"], "scale"),
        (["compare", str(ZGC), str(SV), "--end-year", "1990"], "end_year"),
        (["compare", str(ZGC), str(SV), "--gap-base", "zgc_baseline"], "--gap-target"),
        (
            ["compare", str(ZGC), str(SV), "--gap-base", "nope", "--gap-target", "silicon_valley"],
            "nope",
        ),
    ],
)
def test_bad_input_exits_2_without_output(argv, needle, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_no_folder(tmp_path, monkeypatch) -> None:
    def boom(*_a, **_k):
        raise RuntimeError("render failed")

    monkeypatch.setattr(compare_cmd, "render_html", boom)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        main(["compare", str(ZGC), str(SV), "--out", str(out), "--replications", "1", *TINY])
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_transplant_run_has_gap_section(tmp_path) -> None:
    """Transplants run to the common end year; the gap section reads the last common year."""
    out = tmp_path / "gap"
    argv = [
        "compare",
        str(ZGC),
        str(SV),
        str(TALENT),
        str(FUNDING),
        "--out",
        str(out),
        "--replications",
        "1",
        "--scale",
        "0.01",
        "--set",
        "start_year=2022",
        "--end-year",
        "2027",
        "--quiet",
    ]
    assert main(argv) == 0
    comp = pd.read_csv(out / "comparison.csv")
    assert comp.groupby("scenario")["year"].max().eq(2027).all()
    html = (out / "comparison.html").read_text(encoding="utf-8")
    assert "share of the gap closed" in html and "read at 2027" in html
    # before the levers start (2026) a transplant is the baseline, seed for seed
    wide = comp[comp["year"] == 2025].pivot(index="indicator", columns="scenario", values="value")
    assert np.allclose(wide["zgc_with_sv_talent"], wide["zgc_baseline"], equal_nan=True)


# ------------------------------------------------------------------ arithmetic


def _frame(values: dict[tuple[str, str, int], float]) -> pd.DataFrame:
    rows = [
        {"indicator": i, "scenario": s, "year": y, "value": v, "unit": UNITS.get(i, "x")}
        for (i, s, y), v in values.items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_ratio_table_arithmetic() -> None:
    comp = _frame(
        {
            ("foreign_employee_share", "a", 2023): 0.002,
            ("foreign_employee_share", "b", 2023): 0.36,
            ("foreign_employee_share", "c", 2023): 0.001,
            ("avg_wage", "a", 2023): 0.0,
            ("avg_wage", "b", 2023): 5.0,
            ("avg_wage", "c", 2023): 1.0,
        }
    )
    r = ratio_table(comp, [2023]).set_index(["indicator", "other"])
    assert r.loc[("foreign_employee_share", "b"), "ratio"] == pytest.approx(180.0)
    assert r.loc[("foreign_employee_share", "c"), "ratio"] == pytest.approx(0.5)
    assert (r["reference"] == "a").all()
    assert math.isnan(r.loc[("avg_wage", "b"), "ratio"])  # reference 0: undefined
    # a year nobody covers gives NaN, not an error
    assert ratio_table(comp, [2030])["ratio"].isna().all()


def test_gap_fraction_arithmetic() -> None:
    assert gap_fraction(1.0, 3.0, 2.0) == pytest.approx(0.5)
    assert gap_fraction(1.0, 3.0, 3.0) == pytest.approx(1.0)
    assert gap_fraction(1.0, 3.0, 0.0) == pytest.approx(-0.5)
    assert gap_fraction(5.0, 1.0, 4.0) == pytest.approx(0.25)  # target below base
    assert gap_fraction(10.0, 10.0, 11.0) != gap_fraction(10.0, 10.0, 11.0)  # NaN: no gap
    assert math.isnan(gap_fraction(1.0, float("nan"), 2.0))
    comp = _frame(
        {
            ("vc_government_share", "base", 2035): 0.6,
            ("vc_government_share", "sv", 2035): 0.05,
            ("vc_government_share", "t1", 2035): 0.325,
            ("vc_government_share", "t2", 2035): 0.6,
        }
    )
    g = gap_closure(comp, "base", "sv", ["t1", "t2"], 2035).set_index("transplant")
    assert g.loc["t1", "gap_closed"] == pytest.approx(0.5)
    assert g.loc["t2", "gap_closed"] == pytest.approx(0.0)


def test_harmonise_formulas_on_a_hand_made_run() -> None:
    raw = {
        "employment": [100.0, 200.0],
        "value_added_per_employee": [66.0, 132.0],
        "vc_investment_total": [10.0, 30.0],
        "revenue_total": [1000.0, 1500.0],
        "talent_inflow": [5.0, 8.0],
        "firms_relocated_out": [2.0, 4.0],
        "firms_active": [1000.0, 500.0],
        "invention_patents_granted": [1.0, 3.0],
    }
    long = pd.DataFrame(
        [
            {"replicate": 0, "year": 2010 + k, "indicator": n, "value": v[k]}
            for n, v in raw.items()
            for k in range(2)
        ]
    )
    h = harmonise(long, "x", per_usd=6.6).set_index(["indicator", "year"])["value"]
    assert h[("employment_growth", 2011)] == pytest.approx(2.0)
    assert h[("value_added_per_employee", 2011)] == pytest.approx(20.0)
    assert h[("vc_to_revenue", 2011)] == pytest.approx(0.02)
    assert h[("vc_per_employee", 2010)] == pytest.approx(10.0 / 100.0 / 6.6)
    assert h[("talent_inflow_per_1000_employees", 2011)] == pytest.approx(40.0)
    assert h[("relocations_per_1000_firms", 2011)] == pytest.approx(8.0)
    assert h[("invention_patents_per_10k_employees", 2011)] == pytest.approx(150.0)
    assert math.isnan(h[("foreign_employee_share", 2010)])  # not in the run: NaN, no error
    s = summarise(harmonise(pd.concat([long, long.assign(replicate=1)]), "x", 1.0))
    assert list(s.columns) == COLUMNS and s["year"].nunique() == 2


def test_gap_roles_from_regions_and_names() -> None:
    scs = [load(p, ["scale=0.01"])[0] for p in (ZGC, SV, TALENT, FUNDING)]
    labels = [s.name for s in scs]
    assert all(TRANSPLANT_MARK in n for n in labels[2:])
    roles = find_gap_roles(labels, scs)
    assert roles is not None
    assert (roles.base, roles.target) == ("zgc_baseline", "silicon_valley")
    assert roles.transplants == ["zgc_with_sv_talent", "zgc_with_sv_funding"]
    assert find_gap_roles(labels[:2], scs[:2]) is None  # no transplant: no section
    explicit = find_gap_roles(labels, scs, base="zgc_with_sv_talent", target="silicon_valley")
    assert explicit is not None and explicit.transplants == ["zgc_baseline", "zgc_with_sv_funding"]
    with pytest.raises(KeyError):
        find_gap_roles(labels, scs, base="nope", target="silicon_valley")
    assert unique_labels(["a", "b", "a"]) == ["a", "b", "a-2"]


# ------------------------------------------------------------------ stylised facts (slow)


@pytest.fixture(scope="module")
def facts_2023() -> pd.DataFrame:
    """Means over 6 replicates at 2023 (scale 0.1): the megadeal share is a lumpy ratio of a
    few large rounds, so fewer replicates or a smaller scale would make its test a coin toss."""
    scs = [load(p, ["scale=0.1", "end_year=2023"])[0] for p in (ZGC, SV)]
    reps = run_comparison(scs, ["zgc", "sv"], root_seed=2023, replications=6, workers=2)
    at = reps[reps["year"] == 2023]
    return at.groupby(["indicator", "scenario"])["value"].mean().unstack("scenario")


@pytest.mark.slow
def test_sv_foreign_share_at_least_10x(facts_2023: pd.DataFrame) -> None:
    row = facts_2023.loc["foreign_employee_share"]
    assert row["sv"] >= 10 * row["zgc"]


@pytest.mark.slow
def test_sv_value_added_per_employee_usd_at_least_3x(facts_2023: pd.DataFrame) -> None:
    row = facts_2023.loc["value_added_per_employee"]
    assert row["sv"] >= 3 * row["zgc"]


@pytest.mark.slow
def test_sv_megadeal_share_higher(facts_2023: pd.DataFrame) -> None:
    row = facts_2023.loc["vc_megadeal_share"]
    assert row["sv"] > row["zgc"]


@pytest.mark.slow
def test_sv_government_share_lower(facts_2023: pd.DataFrame) -> None:
    row = facts_2023.loc["vc_government_share"]
    assert row["sv"] < row["zgc"]


@pytest.mark.slow
def test_zgc_more_relocations_per_1000_firms(facts_2023: pd.DataFrame) -> None:
    row = facts_2023.loc["relocations_per_1000_firms"]
    assert row["zgc"] > row["sv"]
