"""Robust policy search: spec validation (exit 2), the Pareto filter on a known front, the
robustness measures, funding-share normalisation, and a tiny search that resumes identically
after an interruption and gives the same files whatever the worker count."""

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

pytest.importorskip("pymoo")

from sim.cli.main import main as cli_main
from sim.errors import UserError
from sim.experiments.optimize import load_spec, optimize
from sim.experiments.optimize.problem import (
    normalise_shares,
    pareto_mask,
    regret,
    robust_stats,
)
from sim.experiments.optimize.spec import FUNDING_SHARES
from sim.scenario import load

REPO = Path(__file__).resolve().parents[1]

TINY = """\
name: tiny_opt
scenario: zgc_baseline.yaml
scale: 0.01
end_year: 2014
seed: 11
generations: 3
population: 4
replicates: 1
fixed:
  levers.talent_reform.start_year: 2012
  levers.equity_incentives.start_year: 2012
variables:
  - {path: levers.talent_reform.strength}
  - {path: levers.equity_incentives.strength, bounds: [0, 1]}
  - {path: levers.talent_reform.ramp_years, bounds: [0, 3]}
objectives:
  - {indicator: foreign_employee_share, year: 2014, direction: max}
  - {indicator: talent_outflow_rate, year: 2014, direction: min, robustness: p10}
constraints:
  - {indicator: vc_government_share, year: 2014, min: 0.0}
"""

FILES = ("evaluations.csv", "pareto.csv", "convergence.csv")


def write_spec(folder: Path, text: str = TINY) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "scenarios" / "zgc_baseline.yaml", folder / "zgc_baseline.yaml")
    path = folder / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("opt")
    return optimize(write_spec(d), d / "out", workers=1).folder


# --------------------------------------------------------------------------- pure parts


def test_pareto_filter_on_known_front() -> None:
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 15)
    front = np.column_stack([t, 1 - t])  # x + y = 1: no point dominates another
    inner = front[rng.integers(0, 15, 40)] + rng.uniform(0.01, 0.5, (40, 2))  # all dominated
    f = np.vstack([inner, front])
    mask = pareto_mask(f)
    assert mask.sum() == 15 and mask[-15:].all() and not mask[:40].any()
    three = np.array([[1, 2, 3], [2, 1, 3], [1, 2, 4], [0, 5, 5], [1, 2, 3]])
    assert pareto_mask(three).tolist() == [True, True, False, True, True]


def test_robust_stats_and_regret(tmp_path: Path) -> None:
    v = np.array([[1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]])
    hi = robust_stats(v, "max", satisfice=8)
    assert hi["mean"] == 5.5 and hi["p10"] == pytest.approx(1.9)
    assert hi["satisficing"] == pytest.approx(0.3)
    lo = robust_stats(v, "min", satisfice=3)
    assert lo["p10"] == pytest.approx(9.1) and lo["satisficing"] == pytest.approx(0.3)
    assert np.isnan(robust_stats(np.full((1, 3), np.nan), "max", None)["mean"])
    spec, _ = load_spec(write_spec(tmp_path))
    # candidates x members; member 0 best is 3 (cand 2), member 1 best is 5 (cand 0)
    m = np.array([[1.0, 5.0], [2.0, 4.0], [3.0, 1.0]])
    means = {"foreign_employee_share_2014": m, "talent_outflow_rate_2014": m}
    r = regret(spec, means)
    assert r["foreign_employee_share_2014"].tolist() == [2.0, 1.0, 4.0]  # max: best - own
    assert r["talent_outflow_rate_2014"].tolist() == [4.0, 3.0, 2.0]  # min: own - best


def test_funding_shares_fill_the_rest() -> None:
    base = dict(zip(FUNDING_SHARES, [0.05, 0.05, 0.55, 0.20, 0.15], strict=True))
    gov = FUNDING_SHARES[0]
    out = normalise_shares({**base, gov: 0.4}, {gov})
    assert out[gov] == 0.4 and sum(out.values()) == pytest.approx(1)
    # the others keep their proportions
    assert out[FUNDING_SHARES[2]] / out[FUNDING_SHARES[3]] == pytest.approx(0.55 / 0.20)
    both = normalise_shares({**base, gov: 0.8, FUNDING_SHARES[2]: 0.6}, {gov, FUNDING_SHARES[2]})
    assert sum(both.values()) == pytest.approx(1) and both[FUNDING_SHARES[1]] == 0


# --------------------------------------------------------------------------- bad specs


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("path: levers.talent_reform.strength}", "path: parameters.labour.job_mobility}",
         "variables[0].path", "not a lever field"),
        ("bounds: [0, 1]}", "bounds: [0, 2]}", "variables[1]", "allowed range [0.0, 1.0]"),
        ("direction: max}", "direction: up}", "objectives[0].direction", "'max'"),
        ("robustness: p10}", "robustness: satisficing}", "objectives[1]", "needs satisfice"),
        ("min: 0.0}", "}", "constraints[0]", "give min, max or both"),
        ("population: 4", "population: 2", "population", "between 4 and"),
        ("generations: 3", "generation: 3", "generation", "unknown key"),
        ("year: 2014, direction: max", "year: 2030, direction: max", "objectives[0]",
         "2010-2014"),
        ("scenario: zgc_baseline.yaml", "scenario: nowhere.yaml", "scenario", "not found"),
    ],
)  # fmt: skip
def test_bad_spec_names_file_field_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str,
    words: str,
) -> None:  # fmt: skip
    assert old in TINY
    path = write_spec(tmp_path, TINY.replace(old, new, 1))
    out = tmp_path / "out"
    code = cli_main(["optimize", str(path), "--out", str(out), "--quiet", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(path) in err and field in err and words in err, err
    assert "Traceback" not in err and not out.exists()


def test_set_overrides_spec_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path)
    spec, _ = load_spec(path, ["generations=2", "population=8"])
    assert (spec.generations, spec.population) == (2, 8)
    code = cli_main(["optimize", str(path), "--set", "population=1", "--quiet",
                     "--out", str(tmp_path / "o")])  # fmt: skip
    assert code == 2 and "--set population=1" in capsys.readouterr().err


def test_refuses_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_spec(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    code = cli_main(["optimize", str(path), "--out", str(tmp_path / "mine"), "--quiet"])
    assert code == 2 and "nothing is replaced" in capsys.readouterr().err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


# --------------------------------------------------------------------------- a tiny search


def test_outputs_and_policies(clean: Path) -> None:
    ev = pd.read_csv(clean / "evaluations.csv")
    assert len(ev) == 12 and ev["generation"].tolist() == [1] * 4 + [2] * 4 + [3] * 4
    pareto = pd.read_csv(clean / "pareto.csv")
    assert len(pareto) == ev["pareto"].sum() >= 1
    for col in ("foreign_employee_share_2014_mean", "foreign_employee_share_2014_p10",
                "foreign_employee_share_2014_regret", "talent_outflow_rate_2014_satisficing",
                "vc_government_share_2014_mean"):  # fmt: skip
        assert col in pareto.columns
    # the Pareto rows are exactly the non-dominated feasible ones of all candidates
    f = np.column_stack([-ev["foreign_employee_share_2014_mean"],
                         ev["talent_outflow_rate_2014_p10"]])  # fmt: skip
    assert (pareto_mask(f) == ev["pareto"].to_numpy()).all()
    conv = pd.read_csv(clean / "convergence.csv")
    assert conv["generation"].tolist() == [1, 2, 3]
    assert (np.diff(conv["hypervolume"]) >= -1e-12).all() and conv["hypervolume"].iloc[-1] > 0
    for n in pareto["policy"]:
        sc, _ = load(clean / f"policy_{n}.yaml")
        row = pareto[pareto["policy"] == n].iloc[0]
        assert sc.levers.talent_reform.strength == pytest.approx(row["talent_reform.strength"])
        assert sc.levers.talent_reform.start_year == 2012  # fixed in the spec, via the base
    html = (clean / "optimize.html").read_text()
    assert "data:image/png;base64" in html and "<script" not in html


def test_resume_after_interruption_is_identical(clean: Path, tmp_path: Path) -> None:
    path = write_spec(tmp_path)
    out = tmp_path / "out"
    part = optimize(path, out, workers=1, stop_after=1)
    assert part.meta["generations_done"] == 1 and not (out / "pareto.csv").exists()
    # a run of the next generation already on disk (a kill mid-generation) is reused
    first_of_next = clean / "runs" / "point-000004-rep-00.json"
    shutil.copy(first_of_next, out / "runs" / first_of_next.name)
    with pytest.raises(UserError, match="already holds"):
        optimize(path, out, workers=1)
    optimize(path, out, workers=1, resume=True, stop_after=1)
    optimize(path, out, workers=1, resume=True)
    for name in FILES:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
    with pytest.raises(UserError, match="changed since"):
        optimize(path, out, overrides=["seed=12"], resume=True)


def test_ensemble_members_are_draws(tmp_path: Path) -> None:
    calib = tmp_path / "calib"
    calib.mkdir()
    pd.DataFrame({"member": [0, 1, 2], "weight": [1.0, 1.0, 1.0],
                  "parameters.labour.job_mobility": [0.08, 0.12, 0.2]}).to_csv(
        calib / "posterior.csv", index=False)  # fmt: skip
    path = write_spec(tmp_path)
    res = optimize(path, tmp_path / "o", workers=1, ensemble=calib,
                   overrides=["generations=1", "members=2"])  # fmt: skip
    assert res.meta["draws_per_candidate"] == 2
    assert len(list((tmp_path / "o" / "runs").glob("*.json"))) == 4 * 2
    assert (tmp_path / "o" / "members.csv").is_file()


@pytest.mark.slow
def test_worker_count_and_sigkill_resume_identical(clean: Path, tmp_path: Path) -> None:
    path = write_spec(tmp_path)
    two = optimize(path, tmp_path / "two", workers=2).folder
    for name in FILES:
        assert (two / name).read_bytes() == (clean / name).read_bytes(), name
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "optimize", str(path), "--out", str(out), "--quiet",
           "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not (out / "checkpoint.pkl").exists():
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert cli_main(["optimize", str(path), "--out", str(out), "--resume", "--quiet",
                     "--workers", "2"]) == 0  # fmt: skip
    for name in FILES:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name
