"""The module protocol holds: every mechanism, indicator and lever is declared once and the
rest of the code reads the declarations."""

from __future__ import annotations

import dataclasses

import pytest

from sim.model.mechanisms import MECHANISMS, ORG_SCHEMA, TALENT_SCHEMA, ModelState
from sim.model.params import ModelParams
from sim.model.policy import LEVERS, Levers, PolicySchedule, Shocks, schedule_for


def test_mechanisms_declare_known_parameter_blocks_and_typed_state() -> None:
    blocks = set(ModelParams.model_fields)
    state = ModelState()
    for mech in MECHANISMS:
        assert set(mech.params) <= blocks, mech.name
        assert dataclasses.is_dataclass(mech.state), mech.name
        assert isinstance(getattr(state, mech.name), mech.state)
        for f in dataclasses.fields(mech.state):  # every scalar typed and defaulted
            has_default = f.default is not dataclasses.MISSING
            assert has_default or f.default_factory is not dataclasses.MISSING, f.name
    assert [f.name for f in dataclasses.fields(ModelState)] == [m.name for m in MECHANISMS]


def test_row_references_are_declared() -> None:
    refs = {n: c.refers_to for n, c in TALENT_SCHEMA.items() if c.refers_to}
    assert refs == {"employer": "orgs", "alumni": "orgs"}
    assert all(c.refers_to in (None, "orgs", "talent") for c in ORG_SCHEMA.values())


def test_each_lever_declaration_yields_block_step_settings_and_sliders() -> None:
    from sim.viz.factory import LEVERS as SLIDERS

    assert list(Levers.model_fields) == list(LEVERS)
    assert [name for name, _ in SLIDERS] == list(LEVERS)
    for name, spec in LEVERS.items():
        settings = [f.name for f in dataclasses.fields(spec.settings)]
        block = [f for f in spec.schema.model_fields if f not in ("start_year", "end_year")]
        assert block == ["ramp_years", "strength", *settings]
        assert spec.step_schema.model_fields["lever"].annotation.__args__ == (name,)
        # the lever's own values are what strength 1 at full ramp gives
        lever = spec.schema(strength=1.0, start_year=2020, ramp_years=0)
        at = PolicySchedule([], Levers(**{name: lever}), Shocks()).at(2021.0)
        eff = getattr(at, spec.attr)
        assert at.of(spec.settings) is eff
        for f in settings:
            target = getattr(lever, f)
            if target is not None:
                assert getattr(eff, f) == pytest.approx(target)


def test_neutral_settings_come_from_the_declared_parameters() -> None:
    params = ModelParams()
    at = schedule_for(params, [], Levers(), Shocks()).at(2015.0)
    assert at.funding.share_private == params.funding.share_private
    assert at.equity.equity_firm_share == params.population.equity_firm_share
    assert at.talent.foreign_attraction == 1.0
