"""The Python API: ``import ecosim``, runs equal to ``ecosim run``, results, parameters, Mesa."""

from __future__ import annotations

import filecmp
import math
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import ecosim
from sim.cli.main import main
from sim.errors import UserError
from sim.model.indicators import EXTRA, REQUIRED

SMALL = {"scale": 0.01, "end_year": 2012}


def test_public_names():
    for name in (
        "load_scenario",
        "run",
        "Result",
        "parameter_space",
        "indicator_table",
        "EcosystemModel",
        "Firm",
        "University",
        "Talent",
        "VCInvestor",
        "SubPark",
        "Scenario",
    ):
        assert hasattr(ecosim, name), name
    assert issubclass(ecosim.University, ecosim.Firm)
    assert "zgc_baseline" in ecosim.scenario_names()


def test_run_gives_the_numbers_of_ecosim_run(tmp_path: Path):
    cli = tmp_path / "cli"
    args = ["run", "zgc_baseline", "--scale", "0.01", "--end-year", "2012"]
    assert main([*args, "--replications", "2", "--quiet", "--no-report", "--out", str(cli)]) == 0
    result = ecosim.run("zgc_baseline", replications=2, **SMALL)
    api = result.save(tmp_path / "api", report=False)
    assert filecmp.cmp(cli / "indicators.csv", api / "indicators.csv", shallow=False)
    scenario = ecosim.load_scenario("zgc_baseline")
    again = ecosim.run(scenario, replications=2, **SMALL)  # a Scenario object: same numbers
    assert np.array_equal(again.indicators["value"], result.indicators["value"])
    assert result.seeds == again.seeds and len(result.seeds) == 2


def test_result_units_index_fit_and_round_trip(tmp_path: Path):
    result = ecosim.run("zgc_baseline", scale=0.01, end_year=2014)
    ind = result.indicators
    assert list(ind.columns) == ["replicate", "year", "indicator", "value", "unit"]
    units = dict(zip(ind["indicator"], ind["unit"], strict=False))
    assert units["revenue_total"] == "CNY/yr" and units["employment"] == "persons"
    assert all(units[name] for name in REQUIRED)
    wide = result.wide()
    assert wide.index.names == ["replicate", "year"] and "employment" in wide.columns
    index = result.index()
    assert index.set_index("year").loc[2013, "composite"] == pytest.approx(100.0)
    fit = result.fit()
    assert {"indicator", "observed", "simulated", "ratio"} <= set(fit.columns) and len(fit)
    saved = result.save(tmp_path / "run", report=False)  # the report: tests/test_report.py
    assert (saved / "run.json").is_file() and (saved / "scenario.resolved.yaml").is_file()
    back = ecosim.Result.load(saved)
    pd.testing.assert_frame_equal(back.indicators, result.indicators, check_exact=False)
    assert back.scenario.model_dump() == result.scenario.model_dump()
    assert back.meta["units"]["revenue_total"] == "CNY/yr"
    with pytest.raises(UserError, match="run folder not found"):
        ecosim.Result.load(tmp_path / "missing")


def test_overrides_are_validated_like_set():
    s = ecosim.load_scenario("zgc_baseline", {"parameters.labour.job_mobility": np.float64(0.2)})
    assert s.parameters.labour.job_mobility == 0.2
    t = s.with_overrides({"parameters.labour.job_mobility": np.float32(0.5), "scale": 0.02})
    assert t.parameters.labour.job_mobility == 0.5 and t.scale == 0.02
    with pytest.raises(UserError, match=r"job_mobility: must be between 0 and 2"):
        s.with_overrides({"parameters.labour.job_mobility": -5})
    with pytest.raises(UserError, match="did you mean 'job_mobility'"):
        s.with_overrides({"parameters.labour.job_mobilty": 0.1})
    with pytest.raises(UserError, match="no settings"):
        ecosim.load_scenario("zgc_baseline", {"levers.funding_mix.strength": 0.5})
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        s.parameters.labour.model_copy(update={"job_mobility": -5})
    assert ecosim.load_scenario("zgc_baseline", ["end_year=2012"]).end_year == 2012


def test_shipped_names_resolve_and_a_path_wins(tmp_path: Path, monkeypatch):
    shipped = ecosim.load_scenario("combined_reform")  # extends zgc_baseline.yaml by name
    assert shipped.name == "combined_reform" and shipped.end_year == 2035
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zgc_baseline").write_text("name: mine\nend_year: 2011\n", encoding="utf-8")
    assert ecosim.load_scenario("zgc_baseline").name == "mine"
    with pytest.raises(UserError, match=r"shipped scenarios: .*zgc_baseline"):
        ecosim.load_scenario("no_such_scenario")
    # a local file may extend a shipped scenario by name
    (tmp_path / "mine.yaml").write_text(
        "extends: talent_reform.yaml\nname: mine\nend_year: 2030\n", encoding="utf-8"
    )
    mine = ecosim.load_scenario("mine.yaml")
    assert mine.name == "mine" and mine.end_year == 2030
    assert mine.levers.talent_reform.strength == 1.0


def test_scenarios_lists_shipped_and_local(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "shipped with ecosim" in out and "zgc_baseline" in out
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text("name: mine\n", encoding="utf-8")
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "mine.yaml" in out and "shipped with ecosim" in out


def test_parameter_space_and_indicator_table():
    space = ecosim.parameter_space()
    assert list(space.columns[:6]) == ["path", "default", "low", "high", "unit", "meaning"]
    row = space.set_index("path").loc["parameters.labour.job_mobility"]
    assert row["low"] == 0 and row["high"] == 2 and row["unit"] == "1/yr"
    assert (row["sweep_low"], row["sweep_high"]) == (0.06, 0.24)
    assert "morris_levers" in row["swept_in"]
    levers = ecosim.parameter_space("levers.funding_mix")
    assert levers["path"].str.startswith("levers.funding_mix.").all()
    assert math.isnan(levers.set_index("path").loc["levers.funding_mix.capital_supply", "default"])
    with pytest.raises(UserError, match="no parameter under"):
        ecosim.parameter_space("parameters.nothing")
    table = ecosim.indicator_table()
    assert set(REQUIRED) | set(EXTRA) <= set(table["name"])
    assert (table["unit"] != "").all() and set(table["kind"]) == {"flow", "stock", "ratio"}
    assert table.set_index("name").loc["revenue_total", "kind"] == "flow"


def test_ensemble_runs_number_replicates_over_members(tmp_path: Path):
    folder = tmp_path / "cal"
    folder.mkdir()
    (folder / "posterior.csv").write_text(
        "member,weight,parameters.labour.job_mobility\n0,1,0.1\n1,1,0.2\n", encoding="utf-8"
    )
    result = ecosim.run("zgc_baseline", replications=2, ensemble=folder, members=2, **SMALL)
    reps = result.indicators.drop_duplicates("replicate")
    assert reps["replicate"].tolist() == [0, 1, 2, 3]
    assert reps["member"].tolist() == [0, 0, 1, 1]
    assert result.meta["ensemble"]["members"] == [0, 0, 1, 1]
    back = ecosim.Result.load(result.save(tmp_path / "run", report=False))
    assert back.indicators.drop_duplicates("replicate")["member"].tolist() == [0, 0, 1, 1]


def test_mesa_batch_run_with_the_built_in_datacollector():
    data = mesa.batch_run(
        ecosim.EcosystemModel,
        parameters={
            "scenario": "zgc_baseline",
            "scale": 0.01,
            "end_year": 2011,
            "collect": True,
            "overrides": [{}, {"parameters.labour.job_mobility": 0.2}],
        },
        rng=[1, 2],
        max_steps=100,
        display_progress=False,
    )
    frame = pd.DataFrame(data)
    assert len(frame) == 4 and (frame["year"] == 2011).all()
    assert (frame["employment"] > 0).all()
    same_seed = frame[frame["rng"] == 1]["employment"].to_numpy()
    assert same_seed[0] != same_seed[1]  # the override acts


def test_mesa_scenario_object_and_run_for():
    from mesa.experimental.scenarios import Scenario as MesaScenario

    sc = MesaScenario(rng=5, scale=0.01, end_year=2011, **{"parameters.labour.job_mobility": 0.2})
    m = ecosim.EcosystemModel(sc)
    assert m.scenario is sc and sc.model is m
    assert m.cfg.params.labour.job_mobility == 0.2 and m.end_year == 2011
    m.run_for(4)
    assert len(m.records) == 1 and m.running
    m.run_for(40)
    assert len(m.records) == 2 and not m.running  # steps past the end do nothing
    with pytest.raises(UserError, match="unknown Mesa Scenario attribute"):
        ecosim.EcosystemModel(MesaScenario(rng=1, density=0.5))
    cfg = ecosim.load_scenario("zgc_baseline").to_run_config()
    assert ecosim.EcosystemModel(cfg, end_year=2011, rng=1).end_year == 2011


def test_datacollector_agenttype_reporters_file_universities_apart():
    m = ecosim.EcosystemModel("zgc_baseline", scale=0.01, end_year=2011, rng=3)
    dc = mesa.DataCollector(
        agenttype_reporters={
            ecosim.Firm: {"revenue": "revenue"},
            ecosim.University: {"researchers": "researchers"},
        }
    )
    dc.collect(m)  # the first collect, before anyone read model.agents
    n_univ = int((m.orgs["active"] & m.orgs["is_univ"]).sum())
    assert len(dc.get_agenttype_vars_dataframe(ecosim.University)) == n_univ
    assert len(dc.get_agenttype_vars_dataframe(ecosim.Firm)) == m.agent_counts()["Firm"]
