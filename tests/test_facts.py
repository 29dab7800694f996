"""Stylised-fact checks on hand-made inputs: each check passes what it should and fails what
it should not (a Zipf sample against an exponential one, Laplace against normal growth...)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import facts
from sim.facts import FACT_COLUMNS, FAIL, PASS
from tests.conftest import ROOT


def _verdicts(checks: list[facts.Check]) -> list[str]:
    return [c.verdict for c in checks]


def _firms(sizes: np.ndarray, year: int = 2025, fid=None, age=None) -> pd.DataFrame:
    n = sizes.size
    return pd.DataFrame(
        {
            "year": year,
            "fid": np.arange(n) if fid is None else fid,
            "weight": 1.0,
            "emp": sizes,
            "rev": sizes * 1e6,
            "age": np.full(n, 5.0) if age is None else age,
        }
    )


def test_zipf_sample_passes_f1_and_exponential_fails() -> None:
    rng = np.random.default_rng(1)
    zipf = (1.0 - rng.random(20_000)) ** (-1.0 / 1.0) * 5.0  # Pareto, CCDF exponent 1
    expo, _, n_tail = facts.zipf_exponent(zipf)
    assert 0.85 < expo < 1.15 and n_tail >= facts.MIN_TAIL
    assert _verdicts(facts.f1_zipf(_firms(zipf))) == [PASS, PASS]
    exponential = rng.exponential(50.0, 20_000) + 1.0
    assert FAIL in _verdicts(facts.f1_zipf(_firms(exponential)))


def test_weights_count_each_real_firm() -> None:
    out = facts.expand_weights(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    assert sorted(out.tolist()) == [1.0, 2.0, 2.0, 2.0]


def _growth(g: np.ndarray, size: np.ndarray | None = None) -> pd.DataFrame:
    size = np.full(g.size, 10.0) if size is None else size
    return pd.DataFrame({"g_emp": g, "g_rev": g, "emp0": size, "rev0": size * 1e6})


def test_laplace_growth_passes_f2_and_normal_fails() -> None:
    rng = np.random.default_rng(2)
    assert set(_verdicts(facts.f2_tent(_growth(rng.laplace(0.0, 0.2, 5000))))) == {PASS}
    normal = _verdicts(facts.f2_tent(_growth(rng.normal(0.0, 0.2, 5000))))
    assert normal.count(FAIL) == 4


def test_f3_volatility_falling_with_size() -> None:
    rng = np.random.default_rng(3)
    size = np.exp(rng.uniform(0, 9, 20_000))
    falling = rng.laplace(0, 1, size.size) * 0.5 * size**-0.2
    beta = facts.volatility_beta(size, falling)
    assert 0.15 < beta < 0.25
    assert set(_verdicts(facts.f3_volatility(_growth(falling, size)))) == {PASS}
    flat = rng.laplace(0, 0.5, size.size)  # Gibrat with size-independent noise: beta 0
    assert set(_verdicts(facts.f3_volatility(_growth(flat, size)))) == {FAIL}


def test_f4_exit_hazard_falling_with_age() -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    age = rng.uniform(0, 20, n)
    prev = _firms(np.ones(n), 2024, age=age)
    hazard = 0.04 + 0.25 * np.exp(-age / 3.0)
    alive = rng.random(n) > hazard
    end = _firms(np.ones(alive.sum()), 2025, fid=np.flatnonzero(alive))
    assert set(_verdicts(facts.f4_exit_age(prev, end))) == {PASS}
    alive_flat = rng.random(n) > 0.1  # exits independent of age
    end_flat = _firms(np.ones(alive_flat.sum()), 2025, fid=np.flatnonzero(alive_flat))
    assert FAIL in _verdicts(facts.f4_exit_age(prev, end_flat))


def test_f4_split_firm_is_not_an_exit() -> None:
    prev = _firms(np.array([10.0, 10.0]), 2024, age=np.array([1.0, 20.0]))
    prev["root"] = prev["fid"]
    prev["weight"] = [4.0, 1.0]
    # firm 0 was split into two parts (ids 0 and 7, root 0); firm 1 exited
    end = _firms(np.array([12.0, 12.0]), 2025, fid=np.array([0, 7]))
    end["root"] = [0, 0]
    end["weight"] = [2.0, 2.0]
    checks = facts.f4_exit_age(prev, end)
    assert checks[0].simulated == 0.0  # the young firm's split is no exit; the old one left
    growth = facts.continuing_growth(prev, end)
    assert len(growth) == 1 and np.allclose(growth["g_emp"], np.log(1.2))


def test_f5_heavy_tailed_clustered_network_passes_and_random_fails() -> None:
    import networkx as nx

    g = nx.powerlaw_cluster_graph(3000, 3, 0.6, seed=5)  # preferential attachment + triads
    ties = pd.DataFrame(list(g.edges()), columns=["a", "b"])
    assert set(_verdicts(facts.f5_network(ties))) == {PASS}
    r = nx.gnm_random_graph(3000, ties.shape[0], seed=5)  # Poisson degrees, no clustering
    verdicts = _verdicts(facts.f5_network(pd.DataFrame(list(r.edges()), columns=["a", "b"])))
    assert verdicts.count(FAIL) >= 2


def test_f6_skewed_returns_pass_and_even_returns_fail() -> None:
    rng = np.random.default_rng(6)
    n = 5000
    amount = np.ones(n)
    post = np.full(n, 10.0)
    # half written off or returning little, a few per cent of home runs
    u = rng.random(n)
    multiple = np.where(u < 0.5, rng.uniform(0, 1, n), rng.uniform(1, 3, n))
    multiple[u > 0.95] = rng.pareto(1.2, (u > 0.95).sum()) * 5 + 10
    deals = pd.DataFrame({"amount": amount, "post_money": post, "exit_value": multiple * post})
    assert set(_verdicts(facts.f6_venture(deals))) == {PASS}
    even = deals.assign(exit_value=post * rng.uniform(1.5, 2.5, n))
    assert set(_verdicts(facts.f6_venture(even))) == {FAIL}


def _indicators(years: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for name, (a, b) in years.items():
        for year in range(2025, 2036):
            value = a * (b / a) ** ((year - 2025) / 10)
            rows.append({"replicate": 0, "year": year, "indicator": name, "value": value})
    return pd.DataFrame(rows)


def test_f7_bounded_growth_passes_and_runaway_fails() -> None:
    bounded = _indicators(
        {
            "revenue_total": (12e12, 12e12 * 1.07**10),
            "employment": (3.8e6, 4.6e6),
            "vc_investment_total": (2e11, 2e11 * 1.06**10),
            "unicorns": (300, 300 * 1.05**10),
        }
    )
    assert set(_verdicts(facts.f7_bounded(bounded, labour_cap=6e6))) == {PASS}
    runaway = _indicators(
        {
            "revenue_total": (12.3e12, 45.5e12),
            "employment": (3.8e6, 8.8e6),
            "vc_investment_total": (2e11, 2e11 * 5.4),
            "unicorns": (329, 1510),
        }
    )
    assert set(_verdicts(facts.f7_bounded(runaway, labour_cap=6e6))) == {FAIL}


def test_evaluate_writes_the_contract_columns_and_na_without_data() -> None:
    ind = _indicators({"revenue_total": (1.0, 2.0)})
    out = facts.evaluate("ZGC", ind, firms=_firms(np.ones(10)))
    assert list(out.columns) == FACT_COLUMNS
    assert set(out["verdict"]) <= {PASS, FAIL, facts.NA}
    assert (out.loc[out["fact"] == "F1", "verdict"] == facts.NA).all()
    assert set(facts.summary(out)["fact"]) == {"F1", "F7"}


@pytest.mark.parametrize("region", ["ZGC", "SV"])
def test_evaluate_on_a_small_run(region: str, tmp_path) -> None:
    """End to end: a tiny simulated run yields firm, tie and deal tables the checks read."""
    from sim.scenario import load
    from sim.simulate import simulate

    name = "zgc_baseline" if region == "ZGC" else "silicon_valley"
    scenario, _ = load(ROOT / "scenarios" / f"{name}.yaml", ["scale=0.02", "end_year=2013"])
    res = simulate(scenario.to_run_config(), 1, snapshot=True)
    tables = {k: pd.DataFrame(v) for k, v in res.tables.items()}
    assert sorted(tables["firms"]["year"].unique()) == [2012, 2013]
    assert tables["firms"]["fid"].min() >= 0
    assert set(tables["deals"]["outcome"]) <= {
        "private",
        "listing",
        "acquisition",
        "write_off",
        "relocation",
    }
    out = facts.evaluate(
        region,
        pd.DataFrame(res.records)
        .melt(id_vars="year", var_name="indicator", value_name="value")
        .assign(replicate=0),
        **tables,
    )
    assert {"F1", "F2", "F3", "F4", "F5", "F6"} <= set(out["fact"])


def test_run_folder_has_facts_tables_and_report_section(tmp_path) -> None:
    import json

    from sim.cli.main import main
    from tests.conftest import BASELINE

    out = tmp_path / "run"
    args = ["run", str(BASELINE), "--out", str(out), "--scale", "0.01", "--end-year", "2012"]
    assert main([*args, "--quiet"]) == 0
    table = pd.read_csv(out / "facts.csv")
    assert list(table.columns) == FACT_COLUMNS
    assert {"F1", "F2", "F3", "F4", "F5", "F6"} <= set(table["fact"])
    assert "F7" not in set(table["fact"])  # the run does not reach 2035
    firms = pd.read_parquet(out / "firms.parquet")
    assert sorted(firms["year"].unique()) == [2011, 2012]
    assert (out / "ties.parquet").is_file() and (out / "deals.parquet").is_file()
    snap = json.loads((out / "snapshot.json").read_text())
    assert "firm_revenue" not in snap and "degree_histogram" in snap
    page = (out / "report.html").read_text()
    assert "Stylised facts" in page and "zipf_exponent_employment" in page
    assert (out / "figures" / "firm_size_ccdf.png").is_file()  # drawn from firms.parquet
