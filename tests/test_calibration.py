"""ecosim calibrate: spec checks, implausibility arithmetic, resume, the ensemble run."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import calibrate, setup
from sim.calibration.implausibility import implausibility, kth_largest, non_implausible
from sim.cli.main import main as cli_main
from sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]

TINY = """\
name: tiny
scenario: {scenario}
end_year: 2016
seed: 3
parameters:
  - {{path: parameters.entrepreneurship.founding_rate, bounds: [0.0014, 0.0056]}}
  - {{path: parameters.knowledge.patents_per_rd, bounds: [4.25e-8, 1.7e-7], dist: logunif}}
targets:
  include: [new_tech_firms, patents_granted, revenue_total, value_added_total]
waves:
  - {{runs: 5, replicates: 2, scale: 0.005}}
  - {{runs: 4, replicates: 1, scale: 0.005}}
candidates: 400
posterior: {{candidates: 4, members: 3}}
"""


def write_spec(folder: Path, text: str | None = None, **fmt: str) -> Path:
    path = folder / "spec.yaml"
    scenario = str(ROOT / "scenarios" / "zgc_baseline.yaml")
    path.write_text((text or TINY).format(scenario=scenario, **fmt), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("calib")
    res = calibrate(write_spec(base), base / "out", workers=1)
    return res.folder


# --------------------------------------------------------------------------- arithmetic


def test_implausibility_on_hand_made_numbers() -> None:
    z = np.array([0.0, 1.0, 2.0])
    mean = np.array([[3.0, 1.0, 2.0], [0.0, -1.0, 6.0]])
    var = np.array([[1.0, 4.0, 1.0], [4.0, 1.0, 4.0]])
    imp = implausibility(z, mean, var)
    assert imp == pytest.approx(np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 2.0]]))
    # bounds: only the wrong side counts
    kinds = ["lower_bound", "upper_bound", "level"]
    b = implausibility(z, np.array([[1.0, 0.0, 2.0], [-2.0, 3.0, 2.0]]), np.ones((2, 3)), kinds)
    assert b == pytest.approx(np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 0.0]]))
    rows = np.array([[5.0, 1.0, 4.0, 2.0], [0.5, np.nan, 0.1, 0.2]])
    assert kth_largest(rows, 1) == pytest.approx([5.0, math.inf])
    assert kth_largest(rows, 2) == pytest.approx([4.0, 0.5])
    assert kth_largest(rows, 3) == pytest.approx([2.0, 0.2])
    assert non_implausible(rows, 2, 3.0).tolist() == [False, True]
    assert non_implausible(rows, 3, 3.0).tolist() == [True, True]


def test_rank_auto_follows_the_number_of_targets(tmp_path: Path) -> None:
    s = setup(write_spec(tmp_path))
    assert len(s.used) == 10  # levels, ratios to 2010 and a bound of 4 indicators to 2016
    assert s.rank == 1
    assert s.spec.rank_for(15) == 2 and s.spec.rank_for(40) == 3


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("parameters.knowledge.patents_per_rd,", "parameters.knowledge.no_such,", "no_such"),
        ("[0.0014, 0.0056]", "[0.0014, 0.3]", "allowed range"),
        ("include: [new_tech_firms,", "include: [no_such_row,", "unknown target"),
        ("include: [new_tech_firms, patents_granted, revenue_total, value_added_total]",
         "include: [new_tech_firms@2015]\n  exclude: [new_tech_firms@2015]", "both included"),
        ("include: [new_tech_firms, patents_granted, revenue_total, value_added_total]",
         "include: [revenue_total]\n  qualities: [ambiguous]", "no target"),
        ("seed: 3", "seed: 3\nfixed:\n  parameters.entrepreneurship.founding_rate: 0.003",
         "both fixed and calibrated"),
        ("members: 3", "members: 30", "cannot exceed"),
        ("scale: 0.005}}\n  - {{runs: 4", "scale: 0.05}}\n  - {{runs: 4", "must not decrease"),
        ("include: [new_tech_firms,", "include: [zgc_index.composite@2023,", "does not cover"),
    ],
)  # fmt: skip
def test_bad_spec_is_one_message_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    assert old in TINY, old
    spec = write_spec(tmp_path, TINY.replace(old, new))
    out = tmp_path / "out"
    assert cli_main(["calibrate", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.count("\n") <= 3
    assert not out.exists()


def test_resume_on_a_folder_of_another_spec_is_refused(clean: Path, tmp_path: Path) -> None:
    other = write_spec(tmp_path, TINY.replace("seed: 3", "seed: 4"))
    before = sorted(p.name for p in clean.iterdir())
    with pytest.raises(UserError, match="another spec"):
        calibrate(other, clean, resume=True)
    with pytest.raises(UserError, match="--resume"):
        calibrate(write_spec(tmp_path), clean)
    assert sorted(p.name for p in clean.iterdir()) == before


# --------------------------------------------------------------------------- folder


def test_calibration_folder_contract(clean: Path) -> None:
    for name in ("waves.csv", "runs.parquet", "posterior.csv", "predictive.csv",
                 "identifiability.csv", "calibration.html", "coverage.csv"):  # fmt: skip
        assert (clean / name).is_file(), name
    post = pd.read_csv(clean / "posterior.csv")
    assert list(post.columns[:2]) == ["member", "weight"]
    assert len(post) >= 3 and post["weight"].sum() == pytest.approx(1.0)
    pred = pd.read_csv(clean / "predictive.csv")
    assert list(pred.columns) == ["indicator", "year", "kind", "observed", "median", "q05",
                                  "q25", "q75", "q95", "inside90"]  # fmt: skip
    assert (pred["q05"] <= pred["median"]).all() and (pred["median"] <= pred["q95"]).all()
    waves = pd.read_csv(clean / "waves.csv")
    assert waves["runs"].tolist() == [10, 4]
    assert {"nonimplausible_share", "parameters.entrepreneurship.founding_rate:low"} <= set(
        waves.columns
    )
    runs = pd.read_parquet(clean / "runs.parquet")
    assert len(runs) == 10 + 4 + 4
    assert {"stage", "seed", "scale", "error"} <= set(runs.columns)
    html = (clean / "calibration.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in html and "<script src" not in html


def test_resume_after_lost_runs_gives_identical_files(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    for p in sorted((out / "waves").rglob("point-*.json"))[::5]:
        p.unlink()
    for name in ("posterior.csv", "predictive.csv", "waves.csv"):
        (out / name).unlink()
    calibrate(write_spec(tmp_path), out, resume=True)
    for name in ("posterior.csv", "predictive.csv", "waves.csv", "identifiability.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "runs.parquet"), pd.read_parquet(clean / "runs.parquet")
    )


@pytest.mark.slow
def test_sigkill_then_resume_with_other_worker_count(clean: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "calibrate", str(spec), "--out", str(out), "--quiet"]
    proc = subprocess.Popen([*cmd, "--workers", "2"], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            n = len(list((out / "waves").rglob("point-*.json"))) if out.exists() else 0
            if n >= 8 or proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (out / "posterior.csv").exists()
    done = subprocess.run([*cmd, "--resume", "--workers", "1"], cwd=tmp_path, timeout=600,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in ("posterior.csv", "predictive.csv", "waves.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


# --------------------------------------------------------------------------- ensemble


def test_ensemble_run_numbers_replicates_over_members(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", str(ROOT / "scenarios" / "zgc_baseline.yaml"), "--ensemble", str(clean),
            "--members", "2", "--replications", "2", "--scale", "0.005", "--end-year", "2012",
            "--out", str(out), "--quiet", "--no-report"]  # fmt: skip
    assert cli_main(args) == 0
    ind = pd.read_csv(out / "indicators.csv")
    assert list(ind.columns) == ["replicate", "year", "indicator", "value"]
    assert sorted(ind["replicate"].unique()) == [0, 1, 2, 3]
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    members = meta["ensemble"]["replicate_members"]
    assert len(members) == 4 and members[0] == members[1] and members[2] == members[3]
    assert len(meta["seeds"]["replicates"]) == 4
    # each member's values reached the model: founding differs between members
    post = pd.read_csv(clean / "posterior.csv").set_index("member")
    vals = {m: post.loc[m, "parameters.entrepreneurship.founding_rate"] for m in members}
    assert meta["ensemble"]["member_values"][str(members[0])][
        "parameters.entrepreneurship.founding_rate"
    ] == pytest.approx(vals[members[0]])


def test_ensemble_without_posterior_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "notcalib"
    empty.mkdir()
    out = tmp_path / "run"
    args = ["run", str(ROOT / "scenarios" / "zgc_baseline.yaml"), "--ensemble", str(empty),
            "--scale", "0.005", "--end-year", "2012", "--out", str(out), "--quiet"]  # fmt: skip
    assert cli_main(args) == 2
    assert "posterior.csv" in capsys.readouterr().err
    assert not out.exists()
    assert cli_main(["run", args[1], "--members", "3", "--out", str(out), "--quiet"]) == 2


def test_sweep_over_members_records_them_and_reanalyses(clean: Path, tmp_path: Path) -> None:
    shutil.copy(ROOT / "scenarios" / "zgc_baseline.yaml", tmp_path / "zgc_baseline.yaml")
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        "name: t\nscenario: zgc_baseline.yaml\nmethod: morris\n"
        "morris: {trajectories: 2, levels: 4}\nreplications: 1\nseed: 7\nscale: 0.005\n"
        "end_year: 2012\nfactors:\n"
        "  - {path: parameters.labour.job_mobility, bounds: [0.05, 0.3]}\n"
        "outputs:\n  - {indicator: employment, year: 2012}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["sweep", str(exp), "--ensemble", str(clean), "--members", "2", "--workers", "1",
            "--out", str(out), "--quiet"]  # fmt: skip
    assert cli_main(args) == 0
    res = pd.read_csv(out / "results.csv")
    assert sorted(res["replicate"].unique()) == [0, 1]  # members x replicates
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert meta["ensemble"]["members"] == 2 and meta["replications"] == 2
    before = (out / "sensitivity.csv").read_bytes()
    assert cli_main(["analyze", str(out)]) == 0
    assert (out / "sensitivity.csv").read_bytes() == before


@pytest.mark.parametrize(("name", "scenario"), [("zgc", "talent_reform.yaml"),
                                                ("sv", "silicon_valley.yaml")])  # fmt: skip
def test_shipped_ensembles_resolve_by_name_and_run(
    name: str, scenario: str, tmp_path: Path
) -> None:
    from sim.experiments.ensemble import load_ensemble

    ens = load_ensemble(name)
    assert len(ens) >= 100 and ens.parameters
    out = tmp_path / "run"
    args = ["run", str(ROOT / "scenarios" / scenario), "--ensemble", name, "--members", "1",
            "--scale", "0.005", "--end-year", "2011", "--out", str(out), "--quiet",
            "--no-report"]  # fmt: skip
    assert cli_main(args) == 0
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert meta["ensemble"]["members"] == 1


def test_pattern_targets_plug_in_as_bounds_or_levels(tmp_path: Path) -> None:
    text = TINY.replace(
        "  include: [new_tech_firms, patents_granted, revenue_total, value_added_total]",
        "  include: [revenue_total@2015]\n  patterns:\n"
        "    - {{name: bounded_growth, indicator: revenue_total, summary: growth, from: 2011, "
        "to: 2016, value: 4.0, kind: upper_bound}}\n"
        "    - {{name: firms_mean, indicator: new_tech_firms, summary: mean, from: 2012, "
        "to: 2014, value: 10000, error: 0.8}}",
    )
    s = setup(write_spec(tmp_path, text))
    pats = {t.key: t for t in s.targets if t.quality == "pattern"}
    growth, mean = pats["pattern:bounded_growth"], pats["pattern:firms_mean"]
    assert growth.kind == "upper_bound" and len(growth.outputs) == 2
    outs = {"pattern:bounded_growth": 6.0, "pattern:bounded_growth#base": 2.0}
    assert growth.value(outs) == pytest.approx(3.0)
    assert mean.kind == "level" and mean.obs_sd == pytest.approx(math.log(1.8))
    assert mean.value({"pattern:firms_mean": 12000.0}) == pytest.approx(12000.0)
    bad = text.replace("to: 2016, value: 4.0", "to: 2030, value: 4.0")
    with pytest.raises(UserError, match=r"set end_year"):
        setup(write_spec(tmp_path, bad))
