"""Levers that cannot act are refused (no settings) or flagged (start after the end year)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.errors import UserError
from sim.scenario import load
from sim.scenario.checks import check_levers_can_act, lever_warnings


def test_strength_without_settings_is_refused(capsys):
    code = main(["validate", "zgc_baseline", "--set", "levers.funding_mix.strength=0.5"])
    err = capsys.readouterr().err
    assert code == 2
    assert "levers.funding_mix.strength" in err and "no settings" in err
    assert "Traceback" not in err
    scenario, source = load("zgc_baseline", ["levers.funding_mix.strength=0.5"])
    with pytest.raises(UserError, match="capital_supply"):
        check_levers_can_act(scenario, source)


def test_run_refuses_it_before_simulating(tmp_path: Path, capsys):
    out = tmp_path / "out"
    code = main(
        ["run", "zgc_baseline", "--set", "levers.funding_mix.strength=0.5", "--out", str(out)]
    )
    assert code == 2 and not out.exists()
    assert "no settings" in capsys.readouterr().err


def test_lever_starting_after_the_end_is_flagged(tmp_path: Path, capsys):
    scenario, _ = load("talent_reform", ["end_year=2011"])
    (warning,) = lever_warnings(scenario)
    assert "levers.talent_reform starts in 2026" in warning
    assert main(["validate", "talent_reform", "--set", "end_year=2011"]) == 0
    assert "warning: levers.talent_reform starts in 2026" in capsys.readouterr().out
    out = tmp_path / "run"
    args = ["run", "talent_reform", "--end-year", "2011", "--scale", "0.01", "--quiet"]
    assert main([*args, "--no-report", "--out", str(out)]) == 0
    meta = json.loads((out / "run.json").read_text())
    assert meta["warnings"] == [warning]
    assert "never acts" in capsys.readouterr().err
    assert lever_warnings(load("talent_reform")[0]) == []
