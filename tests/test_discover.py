"""Scenario discovery on hand-made sweep folders: the case of interest over replicates, PRIM and
CART finding a planted box, the box overlays, and the command's refusals (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from sim.cli.main import main as cli_main
from sim.errors import UserError
from sim.experiments.discover import (
    BOX_COLUMNS,
    DiscoverOptions,
    choose_step,
    discover,
    wilson_interval,
    write_discovery,
)
from sim.scenario import load

REPO = Path(__file__).resolve().parents[1]

EXPERIMENT = """\
name: planted
scenario: zgc_baseline.yaml
method: sobol
sobol: {N: 64}
replications: 3
seed: 1
seed_factor: false
factors:
  - {path: parameters.labour.job_mobility, bounds: [0.05, 0.3]}
  - {path: levers.talent_reform.strength, bounds: [0, 1]}
  - {path: parameters.labour.foreign_arrival, bounds: [0.0001, 0.0005]}
outputs:
  - {indicator: foreign_employee_share, year: 2035}
  - {indicator: foreign_employee_share, summary: change, from: 2025, to: 2035, name: gain}
"""

#: the planted box: job mobility high and talent reform weak
BOX = {"labour.job_mobility": (0.2, 0.3), "talent_reform.strength": (0.0, 0.4)}


def make_sweep(folder: Path, points: int = 400, seed: int = 3, noise: float = 0.1) -> Path:
    """A sweep folder whose output is low (a case) inside the planted box, high outside.

    Each replicate flips to the other side with probability ``noise``, so the case
    probability inside the box is about 0.97 with three replicates and 0.03 outside.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    (folder / "experiment.yaml").write_text(EXPERIMENT, encoding="utf-8")
    shutil.copy(REPO / "scenarios" / "zgc_baseline.yaml", folder / "base_scenario.yaml")
    (folder / "sweep.json").write_text(json.dumps({"experiment": "planted"}), encoding="utf-8")
    x = pd.DataFrame(
        {
            "point": np.arange(points),
            "trajectory": 0,
            "labour.job_mobility": rng.uniform(0.05, 0.3, points),
            "talent_reform.strength": rng.uniform(0, 1, points),
            "labour.foreign_arrival": rng.uniform(0.0001, 0.0005, points),
        }
    )
    inside = np.ones(points, dtype=bool)
    for col, (lo, hi) in BOX.items():
        inside &= x[col].between(lo, hi).to_numpy()
    rows = []
    for p in range(points):
        for r in range(3):
            low = inside[p] != (rng.random() < noise)
            value = rng.uniform(0.001, 0.004) if low else rng.uniform(0.006, 0.01)
            rows.append([p, r, 100 + r, value, value - 0.002])
    cols = ["point", "replicate", "seed", "foreign_employee_share_2035", "gain"]
    x.to_csv(folder / "samples.csv", index=False)
    pd.DataFrame(rows, columns=cols).to_csv(folder / "results.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sd") / "sweep")


def opts(**kw) -> DiscoverOptions:
    base = {"output": "foreign_employee_share@2035", "threshold": 0.005, "direction": "below",
            "resamples": 0, "max_boxes": 1}  # fmt: skip
    return DiscoverOptions(**{**base, **kw})


@pytest.fixture(scope="module")
def prim_result(planted: Path):
    """PRIM at a strict density, with EMA's resampling test (the slow part, done once)."""
    return discover(planted, opts(density=0.9, resamples=4, max_boxes=2))


def test_wilson_interval_known_values() -> None:
    lo, hi = wilson_interval(np.array([0, 3, 5]), np.array([3, 3, 10]))
    # closed forms: k=0 -> [0, z^2/(n+z^2)]; symmetric around 0.5 for k = n/2
    z2 = 1.959963984540054**2
    assert lo[0] == pytest.approx(0, abs=1e-12) and hi[0] == pytest.approx(z2 / (3 + z2))
    assert hi[1] == pytest.approx(1) and lo[1] == pytest.approx(3 / (3 + z2))
    assert lo[2] + hi[2] == pytest.approx(1.0)
    assert lo[2] == pytest.approx(0.2365930, abs=1e-6)


def test_case_probability_over_replicates(planted: Path, prim_result) -> None:
    c = prim_result.cases
    assert len(c) == 400 and (c["replicates"] == 3).all()
    assert set(c["probability"].round(3)) <= {0.0, 0.333, 0.667, 1.0}
    assert ((c["probability"] >= 0.5) == c["case"]).all()
    assert (c["ci_low"] <= c["probability"]).all() and (c["probability"] <= c["ci_high"]).all()
    strict = discover(planted, opts(case_share=1.0))
    assert strict.cases["case"].sum() < c["case"].sum()


def test_prim_finds_planted_box(prim_result) -> None:
    d = prim_result
    box = d.boxes[0]
    assert set(box.limits.index) == set(BOX)
    for dim, (lo, hi) in BOX.items():
        assert box.limits.loc[dim, "low"] == pytest.approx(
            lo, abs=0.04 * (0.3 if "mob" in dim else 1)
        )
        assert box.limits.loc[dim, "high"] == pytest.approx(hi, abs=0.06)
        assert box.limits.loc[dim, "qp_low"] < 0.05 or box.limits.loc[dim, "qp_high"] < 0.05
    assert box.coverage > 0.8 and box.density > 0.8
    assert (box.limits["reproduce_coverage"] >= 0.5).all()  # stable under resampling
    chosen = d.trajectory[d.trajectory["chosen"]]
    assert len(chosen) == len(d.boxes)


def test_cart_finds_planted_box(planted: Path) -> None:
    d = discover(planted, opts(method="cart"))
    box = d.boxes[0]
    assert set(box.limits.index) == set(BOX)
    assert box.density > 0.8 and box.coverage > 0.5
    # a leaf of the tree: inside the planted box, not necessarily all of it
    assert box.limits.loc["talent_reform.strength", "high"] < 0.46
    assert box.limits.loc["labour.job_mobility", "low"] > 0.17


def test_summary_output_by_name_and_above(planted: Path) -> None:
    d = discover(planted, opts(output="gain", threshold=0.003, direction="above"))
    # above 0.003 in gain is the complement: the box is outside the planted one
    assert d.output_label == "gain"
    assert d.cases["case"].mean() > 0.5


def test_choose_step_prefers_coverage_at_density() -> None:
    t = pd.DataFrame({"coverage": [1, 0.9, 0.7, 0.3], "density": [0.2, 0.6, 0.85, 1.0],
                      "res_dim": [0, 1, 2, 3]})  # fmt: skip
    assert choose_step(t, 0.8) == 2
    assert choose_step(t, 0.99) == 3
    t["density"] = [0.2, 0.5, 0.55, 0.6]
    assert choose_step(t, 0.8) == 1  # best harmonic mean when none reaches the target


def test_files_and_overlay_validates(planted: Path, prim_result, tmp_path: Path) -> None:
    d = prim_result
    out = write_discovery(planted, d, tmp_path / "disc")
    for name in ("boxes.csv", "trajectory.csv", "cases.csv", "discovery.html", "box_1.yaml"):
        assert (out / name).is_file(), name
    boxes = pd.read_csv(out / "boxes.csv")
    assert list(boxes.columns) == BOX_COLUMNS
    sc, _ = load(out / "box_1.yaml")
    row = boxes[(boxes["box"] == 1) & (boxes["dimension"] == "labour.job_mobility")].iloc[0]
    assert sc.parameters.labour.job_mobility == pytest.approx((row["low"] + row["high"]) / 2)
    text = (out / "box_1.yaml").read_text()
    assert "extends: base_scenario.yaml" in text and "# Restricted parameters" in text
    html = (out / "discovery.html").read_text()
    assert "data:image/png;base64" in html and "<script" not in html
    assert cli_main(["validate", str(out / "box_1.yaml")]) == 0


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--output", "foreign_employee_share@2030", "--below", "0.005"],
         "no output 'foreign_employee_share@2030'"),
        (["--output", "foreign_employee_share@2035", "--below", "-1"], "no design point"),
        (["--output", "foreign_employee_share@2035", "--above", "-1"], "every design point"),
        (["--output", "foreign_employee_share@2035", "--below", "0.005", "--density", "2"],
         "--density"),
    ],
)  # fmt: skip
def test_cli_bad_input_exits_2(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
    words: str,
) -> None:  # fmt: skip
    out = tmp_path / "o"
    code = cli_main(["discover", str(planted), *extra, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert words in err and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_existing_out_and_non_sweep(
    planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    args = ["--output", "foreign_employee_share@2035", "--below", "0.005"]
    assert cli_main(["discover", str(planted), *args, "--out", str(tmp_path / "taken")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli_main(["discover", str(tmp_path), *args, "--out", str(tmp_path / "x")]) == 2
    assert "not a sweep folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as ex:  # argparse: exactly one of --below / --above
        cli_main(["discover", str(planted), "--output", "x@2035", "--below", "1", "--above", "2"])
    assert ex.value.code == 2


def test_incomplete_sweep_is_a_user_error(tmp_path: Path) -> None:
    folder = make_sweep(tmp_path / "s", points=20)
    (folder / "results.csv").unlink()
    with pytest.raises(UserError, match="not finished"):
        discover(folder, opts())
