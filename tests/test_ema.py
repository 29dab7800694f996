"""The EMA Workbench adapter builds a model from parameter_space() and runs experiments."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.errors import UserError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # ema_workbench warns about optional parallel back ends
    ema_workbench = pytest.importorskip("ema_workbench")

import ecosim
import ecosim.ema

UNCERTAIN = ["parameters.production.rd_return", "parameters.labour.job_mobility"]
LEVER = ["levers.talent_reform.strength"]
OUTCOMES = ["revenue_total@2013", "foreign_employee_share@2013", "zgc_index.composite@2013"]


def _model(**kw):
    return ecosim.ema.model(
        "zgc_baseline",
        uncertainties=UNCERTAIN,
        levers=LEVER,
        outcomes=OUTCOMES,
        scale=0.01,
        end_year=2013,
        overrides={"levers.talent_reform.start_year": 2011},  # acts within the short run
        **kw,
    )


def test_names_bounds_and_defaults_come_from_parameter_space():
    m = _model(replications=2)
    # defaults are the scenario's values (zgc_baseline carries calibrated ones)
    space = ecosim.parameter_space(scenario=ecosim.load_scenario("zgc_baseline"))
    space = space.set_index("path")
    rd = m.uncertainties["parameters_production_rd_return"]
    path = "parameters.production.rd_return"
    assert rd.variable_name == [path]
    assert (rd.lower_bound, rd.upper_bound) == (
        space.loc[path, "sweep_low"],
        space.loc[path, "sweep_high"],
    )
    assert rd.default == space.loc[path, "default"]
    assert [o.name for o in m.outcomes] == [ecosim.ema.ema_name(o) for o in OUTCOMES]
    assert m.outcomes["revenue_total_2013"].variable_name == ("revenue_total@2013",)
    assert len(m.replications) == 2
    seeds = [r["seed"] for r in m.replications]
    assert seeds == ecosim.run("zgc_baseline", replications=2, scale=0.01, end_year=2011).seeds


def test_four_experiments_run_and_prim_finds_a_box():
    from ema_workbench import SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import prim

    m = _model(replications=1)
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = perform_experiments(m, scenarios=2, policies=2, evaluator=evaluator)
    assert len(experiments) == 4
    for name in OUTCOMES:
        values = outcomes[ecosim.ema.ema_name(name)]
        assert values.shape == (4,) and np.isfinite(values).all()
    rev = outcomes["revenue_total_2013"]
    assert len(set(rev.round(0))) == 4  # every experiment differs
    x = experiments[[ecosim.ema.ema_name(p) for p in UNCERTAIN + LEVER]]
    box = prim.Prim(x, rev > np.median(rev), mass_min=0.25).find_box()
    assert box.coverage > 0


def test_bad_names_and_idle_levers_are_refused():
    with pytest.raises(UserError, match="not a numeric scenario parameter"):
        ecosim.ema.model(uncertainties=["parameters.labour.nope"], outcomes=OUTCOMES)
    with pytest.raises(UserError, match="unknown indicator"):
        ecosim.ema.model(outcomes=["revenue@2013"])
    with pytest.raises(UserError, match="year outside the run"):
        ecosim.ema.model(outcomes=["revenue_total@2040"])
    with pytest.raises(UserError, match="varying it would change nothing"):
        ecosim.ema.model(levers=LEVER, outcomes=OUTCOMES, end_year=2013)
