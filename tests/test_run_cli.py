"""The output contract of ``ecosim run``: files, columns, determinism, atomicity, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.cli.main import main
from sim.model.indicators import REQUIRED
from tests.conftest import BASELINE

FAST = ["--scale", "0.01", "--end-year", "2012", "--quiet", "--no-report"]


def test_run_writes_contract_files(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "--out", str(out), "--replications", "2", *FAST]) == 0
    df = pd.read_csv(out / "indicators.csv")
    assert list(df.columns) == ["replicate", "year", "indicator", "value"]
    assert sorted(df["replicate"].unique()) == [0, 1]
    assert sorted(df["year"].unique()) == [2010, 2011, 2012]
    assert set(REQUIRED) <= set(df["indicator"])
    assert not df.duplicated(["replicate", "year", "indicator"]).any()
    meta = json.loads((out / "run.json").read_text())
    for key in (
        "scenario",
        "parameters",
        "seeds",
        "version",
        "git_commit",
        "wall_time_s",
        "agent_counts",
    ):
        assert key in meta
    assert meta["scenario"]["name"] == "zgc_baseline"
    assert meta["scenario"]["file"].endswith("zgc_baseline.yaml")
    assert len(meta["seeds"]["replicates"]) == 2
    assert meta["parameters"]["scale"] == 0.01
    assert {"Firm", "Talent", "VCInvestor", "SubPark"} <= set(meta["agent_counts"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_same_seed_gives_byte_identical_indicators(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    main(["run", str(BASELINE), "--out", str(a), "--seed", "99", *FAST])
    main(["run", str(BASELINE), "--out", str(b), "--seed", "99", *FAST])
    assert (a / "indicators.csv").read_bytes() == (b / "indicators.csv").read_bytes()


def test_bad_input_exits_2_without_output(tmp_path, capsys):
    out = tmp_path / "never"
    code = main(
        ["run", str(BASELINE), "--out", str(out), "--set", "levers.talent_reform.strength=3", *FAST]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "levers.talent_reform.strength" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["run", str(tmp_path / "missing.yaml"), "--out", str(out), *FAST]) == 2
    assert not out.exists()


def test_failure_mid_run_leaves_no_folder(tmp_path, monkeypatch):
    import sim.cli.run_cmd as run_cmd

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(run_cmd, "write_json_atomic", boom)
    out = tmp_path / "crash"
    with pytest.raises(RuntimeError):
        main(["run", str(BASELINE), "--out", str(out), *FAST])
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_python_dash_m_sim_works():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "run" in res.stdout
