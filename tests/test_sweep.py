"""Sensitivity sweeps: experiment validation, output contract, determinism across worker counts,
resume after SIGKILL, analysis on known functions, and the Dask executor."""

from __future__ import annotations

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

from sim.cli.main import main as cli_main
from sim.errors import UserError
from sim.experiments.sweep import analyze_dir, load_experiment, sweep
from sim.experiments.sweep.analysis import SENSITIVITY_COLUMNS, analyze
from sim.experiments.sweep.design import Design, make_design, run_seed
from sim.experiments.sweep.schema import SEED_FACTOR, Experiment

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "scenarios" / "zgc_baseline.yaml"

TINY = """\
name: tiny
scenario: zgc_baseline.yaml
method: morris
morris: {trajectories: 2, levels: 4}
replications: 2
seed: 7
scale: 0.01
end_year: 2014
fixed:
  levers.talent_reform.start_year: 2012
factors:
  - {path: levers.talent_reform.strength, bounds: [0, 1]}
  - {path: parameters.labour.job_mobility, bounds: [0.05, 0.3]}
outputs:
  - {indicator: foreign_employee_share, year: 2014}
  - {indicator: zgc_index.composite, year: 2014}
  - {indicator: revenue_total, summary: growth, from: 2011, to: 2014}
"""


def write_exp(folder: Path, text: str = TINY, name: str = "exp.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BASE, folder / "zgc_baseline.yaml")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One uninterrupted tiny sweep, run with one worker."""
    d = tmp_path_factory.mktemp("clean")
    out, _, _ = sweep(write_exp(d), d / "out", workers=1)
    return out


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("job_mobility", "job_mobilty", "factors[1].path", "allowed: wage"),
        ("bounds: [0.05, 0.3]", "bounds: [0.05, 3]", "factors[1].bounds", "[0.0, 2.0]"),
        ("bounds: [0, 1]", "bounds: [0.5, 0.5]", "factors[0].bounds", "low < high"),
        ("method: morris", "method: sobl", "method", "did you mean 'sobol'"),
        ("levels: 4}", "levels: 4, foo: 1}", "morris.foo", "allowed keys"),
        ("foreign_employee_share, year", "foreign_share, year", "outputs[0].indicator",
         "unknown indicator"),
        ("zgc_index.composite", "zgc_index.happiness", "outputs[1].indicator", "composite"),
        ("from: 2011, to: 2014", "to: 2014", "outputs[2]", "needs from and to"),
        ("bounds: [0, 1]}", "bounds: [0, 1], dist: norm, mean: 0.5}", "factors[0]",
         "needs sd"),
        ("path: parameters.labour.job_mobility", "path: parameters.labour",
         "factors[1].path", "is a block"),
        ("path: parameters.labour.job_mobility", "path: name", "factors[1].path",
         "not a numeric field"),
        ("replications: 2", "replications: 0", "replications", "between 1 and 1000"),
    ],
)  # fmt: skip
def test_bad_experiment_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    assert old in TINY
    path = write_exp(tmp_path, TINY.replace(old, new, 1))
    with pytest.raises(UserError) as err:
        load_experiment(path)
    msg = err.value.render()
    assert msg.startswith(f"{path}:"), msg
    assert f": {field}:" in msg and words in msg, msg


def test_sobol_n_power_of_two_and_method_blocks(tmp_path: Path) -> None:
    text = TINY.replace("method: morris\nmorris: {trajectories: 2, levels: 4}",
                        "method: sobol\nsobol: {N: 12}")  # fmt: skip
    with pytest.raises(UserError, match="power of 2"):
        load_experiment(write_exp(tmp_path, text))
    text = TINY.replace("method: morris", "method: sobol")
    with pytest.raises(UserError, match="does not apply to method sobol"):
        load_experiment(write_exp(tmp_path, text))


def test_cli_bad_input_exits_2_without_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_exp(tmp_path, TINY.replace("year: 2014}", "year: 2030}", 1))
    out = tmp_path / "out"
    code = cli_main(["sweep", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "outputs[0]" in err and "2010-2014" in err
    assert not out.exists()


# --------------------------------------------------------------------------- contract


def test_output_contract(clean: Path) -> None:
    exp, _ = load_experiment(clean / "experiment.yaml")
    points = 2 * (len(exp.factors) + 2)  # trajectories x (factors + seed dummy + 1)
    samples = pd.read_csv(clean / "samples.csv")
    assert len(samples) == points
    for f in exp.factors:
        assert samples[f.label].between(*f.bounds).all()
    results = pd.read_csv(clean / "results.csv")
    assert len(results) == points * exp.replications
    assert list(results.columns[:3]) == ["point", "replicate", "seed"]
    assert results[[o.label for o in exp.outputs]].notna().all().all()
    assert len(list((clean / "runs").glob("point-*-rep-*.json"))) == len(results)
    text = (clean / "sensitivity.csv").read_text()
    assert text.splitlines()[0] == ",".join(SENSITIVITY_COLUMNS)
    sens = pd.read_csv(clean / "sensitivity.csv")
    assert len(sens) == len(exp.outputs) * (len(exp.factors) + 1)
    assert set(sens["factor"]) == {*(f.label for f in exp.factors), SEED_FACTOR}
    assert sens[["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()  # Morris has none
    assert sens["mu_star"].notna().all() and (sens["mu_star"] >= 0).all()
    noise = pd.read_csv(clean / "noise.csv")
    assert noise["noise_share"].between(0, 1).all()
    html = (clean / "sensitivity.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html and "http" not in html


def test_same_results_whatever_the_worker_count(clean: Path, tmp_path: Path) -> None:
    out, _, _ = sweep(write_exp(tmp_path), tmp_path / "out", workers=2)
    for name in ("samples.csv", "results.csv", "sensitivity.csv", "noise.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


def test_seeds_depend_on_content_not_order() -> None:
    exp = Experiment.model_validate(
        {"name": "s", "scenario": "x.yaml", "method": "morris", "replications": 3,
         "factors": [{"path": "levers.funding_mix.strength", "bounds": [0, 1]}],
         "outputs": [{"indicator": "employment", "year": 2015}]}
    )  # fmt: skip
    d = make_design(exp)
    seeds = {(p, r): run_seed(exp, d, p, r) for p in range(d.points) for r in range(3)}
    assert len(set(seeds.values())) > d.points  # replicates differ
    same_level = [p for p in range(d.points) if d.blocks[p] == d.blocks[0]
                  and d.unit[p, -1] == d.unit[0, -1]]  # fmt: skip
    assert all(seeds[(p, 1)] == seeds[(0, 1)] for p in same_level)  # common random numbers


# --------------------------------------------------------------------------- resume


def test_resume_runs_only_missing_and_guards_the_experiment(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    runs = sorted((out / "runs").glob("*.json"))
    for p in runs[::3]:
        p.unlink()
    (out / "sensitivity.csv").unlink()
    with pytest.raises(UserError, match="--resume"):
        sweep(write_exp(tmp_path), out)
    with pytest.raises(UserError, match="incomplete"):
        analyze_dir(out)
    _, _, meta = sweep(write_exp(tmp_path), out, resume=True)
    assert meta["last_session_runs"] == len(runs[::3])
    assert (out / "sensitivity.csv").read_bytes() == (clean / "sensitivity.csv").read_bytes()
    changed = write_exp(tmp_path, TINY.replace("seed: 7", "seed: 8"))
    with pytest.raises(UserError, match="content hash differs"):
        sweep(changed, out, resume=True)


def test_sigkill_then_resume_gives_identical_sensitivity(clean: Path, tmp_path: Path) -> None:
    exp = write_exp(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out), "--quiet"]
    proc = subprocess.Popen([*cmd, "--workers", "2"], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    total = len(list((clean / "runs").glob("*.json")))
    try:
        while time.monotonic() < deadline:
            n = len(list((out / "runs").glob("point-*.json"))) if (out / "runs").exists() else 0
            if n >= 3 or proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, all started here
        proc.wait()
    saved = len(list((out / "runs").glob("point-*.json")))
    assert 3 <= saved < total, saved
    assert not (out / "sensitivity.csv").exists()
    done = subprocess.run([*cmd, "--resume", "--workers", "1"], cwd=tmp_path, timeout=300,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / "sensitivity.csv").read_bytes() == (clean / "sensitivity.csv").read_bytes()
    assert (out / "results.csv").read_bytes() == (clean / "results.csv").read_bytes()


def test_analyze_recomputes_from_saved_runs(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    for name in ("sensitivity.csv", "results.csv", "sensitivity.html", "noise.csv"):
        (out / name).unlink()
    assert cli_main(["analyze", str(out)]) == 0
    for name in ("sensitivity.csv", "results.csv", "noise.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
    assert (out / "sensitivity.html").exists()


# --------------------------------------------------------------------------- analysis


def _synthetic(
    method: str, opts: dict, reps: int, noise_sd: float
) -> tuple[Experiment, tuple[Design, pd.DataFrame]]:
    """A known model: y = 4 a + 1 b + 0 c + noise; a explains ~94% of the signal variance."""
    exp = Experiment.model_validate({
        "name": "syn", "scenario": "x.yaml", "method": method, method: opts,
        "replications": reps, "seed": 3,
        "factors": [{"path": f"levers.{lv}.strength", "bounds": [0, 1]}
                    for lv in ("talent_reform", "funding_mix", "equity_incentives")],
        "outputs": [{"name": "y", "indicator": "employment", "year": 2015}],
    })  # fmt: skip
    d = make_design(exp)
    rng = np.random.default_rng(0)
    rows = []
    for p in range(d.points):
        a, b, _ = d.values[p]
        for r in range(reps):
            rows.append([p, r, 0, 4 * a + b + rng.normal(0, noise_sd)])
    return exp, (d, pd.DataFrame(rows, columns=["point", "replicate", "seed", "y"]))


def test_sobol_indices_convergence_and_noise_on_a_known_function() -> None:
    exp, (d, res) = _synthetic("sobol", {"N": 256}, reps=4, noise_sd=0.3)
    a = analyze(exp, d.unit, res)
    s = a.sensitivity.set_index("factor")
    assert s.loc["talent_reform.strength", "ST"] == pytest.approx(16 / 17, abs=0.08)
    assert s.loc["equity_incentives.strength", "ST"] < 0.03
    assert s.loc[SEED_FACTOR, "ST"] < 0.05  # noise averaged over 4 replicates is small
    assert sorted(a.convergence["N"].unique()) == [64, 128, 256]
    # signal variance 17/12, noise variance 0.09: noise share of single runs ~ 0.06
    nz = a.noise.iloc[0]
    assert nz["noise_share"] == pytest.approx(0.09 / (0.09 + 17 / 12), abs=0.02)
    need = 0.09 / (0.05**2 * 17 / 12)
    assert nz["replications_needed"] == pytest.approx(need, rel=0.25)


def test_wide_intervals_are_warned_and_morris_ranks() -> None:
    exp, (d, res) = _synthetic("sobol", {"N": 8}, reps=1, noise_sd=2.0)
    a = analyze(exp, d.unit, res)
    assert any("wider than 0.1" in w for w in a.warnings)
    exp, (d, res) = _synthetic("morris", {"trajectories": 20}, reps=2, noise_sd=0.0)
    m = analyze(exp, d.unit, res).sensitivity.set_index("factor")["mu_star"]
    assert m["talent_reform.strength"] == pytest.approx(4, rel=1e-6)
    assert m["funding_mix.strength"] == pytest.approx(1, rel=1e-6)
    assert m["equity_incentives.strength"] == pytest.approx(0, abs=1e-9)


def test_log_outputs_are_analysed_on_the_log_scale() -> None:
    exp, (d, res) = _synthetic("morris", {"trajectories": 20}, reps=1, noise_sd=0.0)
    exp = exp.model_copy(update={"outputs": [exp.outputs[0].model_copy(update={"log": True})]})
    res["y"] = 10.0 ** res["y"]  # log10 brings back the linear model
    m = analyze(exp, d.unit, res).sensitivity.set_index("factor")["mu_star"]
    assert m["talent_reform.strength"] == pytest.approx(4, rel=1e-6)


def test_fast_method_gives_first_and_total_order() -> None:
    exp, (d, res) = _synthetic("fast", {"N": 129, "M": 4}, reps=1, noise_sd=0.0)
    s = analyze(exp, d.unit, res).sensitivity.set_index("factor")
    assert s.loc["talent_reform.strength", "S1"] > 0.8
    assert s[["mu_star", "sigma"]].isna().all().all()


# --------------------------------------------------------------------------- dask


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_results(clean: Path, tmp_path: Path) -> None:
    out, _, _ = sweep(write_exp(tmp_path), tmp_path / "out", workers=2, executor="dask")
    for name in ("results.csv", "sensitivity.csv"):
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
