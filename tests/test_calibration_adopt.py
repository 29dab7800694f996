"""Adopting a posterior into a scenario file: the medoid member, comments kept, still valid."""

from pathlib import Path

import pandas as pd
import pytest

from sim.calibration.adopt import adopt, medoid
from sim.errors import UserError
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]


def test_medoid_is_the_member_nearest_the_marginal_medians() -> None:
    post = pd.DataFrame(
        {
            "member": [0, 1, 2, 3, 4],
            "weight": [0.2] * 5,
            "a": [1.0, 2.0, 3.0, 4.0, 5.0],
            "b": [50.0, 30.0, 10.0, 20.0, 40.0],
        }
    )
    # ranks of a: .2 .4 .6 .8 1; of b: 1 .6 .2 .4 .8; medians .6 and .6 -> member 1 or 2,
    # member 1 at distance .04 + 0, member 2 at 0 + .16
    assert medoid(post) == 1


def test_adopt_writes_the_medoid_keeps_comments_and_validates(tmp_path: Path) -> None:
    scenario = tmp_path / "zgc.yaml"
    text = (ROOT / "scenarios" / "zgc_baseline.yaml").read_text(encoding="utf-8")
    scenario.write_text(text, encoding="utf-8")
    cal = tmp_path / "cal"
    cal.mkdir()
    pd.DataFrame(
        {
            "member": [0, 1, 2],
            "weight": [1 / 3] * 3,
            "parameters.production.va_share": [0.1, 0.12, 0.14],
            "parameters.growth.young_firm_growth": [0.2, 0.25, 0.3],
        }
    ).to_csv(cal / "posterior.csv", index=False)
    values = adopt(cal, scenario, "test", pick="medoid")
    assert values == {
        "parameters.production.va_share": 0.12,
        "parameters.growth.young_firm_growth": 0.25,
    }
    new = scenario.read_text(encoding="utf-8")
    assert "calibrated: posterior medoid, member 1 (test)" in new
    # every comment line of the original survives
    comments = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#")]
    assert all(c in new for c in comments)
    sc, _ = load(scenario)
    assert sc.parameters.production.va_share == pytest.approx(0.12)
    assert sc.parameters.growth.young_firm_growth == pytest.approx(0.25)


def test_adopt_refuses_a_folder_without_posterior(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="posterior"):
        adopt(tmp_path, tmp_path / "x.yaml")


def test_adopt_median_takes_each_weighted_median(tmp_path: Path) -> None:
    scenario = tmp_path / "zgc.yaml"
    scenario.write_text(
        (ROOT / "scenarios" / "zgc_baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    pd.DataFrame(
        {
            "member": [0, 1, 2, 3],
            "weight": [0.1, 0.1, 0.7, 0.1],
            "parameters.production.va_share": [0.1, 0.12, 0.15, 0.16],
        }
    ).to_csv(tmp_path / "posterior.csv", index=False)
    values = adopt(tmp_path, scenario, "test")  # default: median; weight pulls it to 0.15
    assert values == {"parameters.production.va_share": 0.15}
    assert "calibrated: posterior median (test)" in scenario.read_text(encoding="utf-8")


def test_status_renders_the_shipped_calibration_tables() -> None:
    from sim.calibration.status import status

    folder = ROOT / "experiments" / "calibration" / "zgc"
    text = status(folder)
    n_rows = len(pd.read_csv(folder / "predictive.csv"))
    table = [ln for ln in text.splitlines() if ln.startswith("| ") and "|---" not in ln]
    # waves + header, coverage rows + header, predictive rows + header
    assert sum(1 for ln in table if ln.count("|") == 10) == n_rows + 1
    assert "inside 90 %" in text
    with pytest.raises(UserError, match="not a finished calibration"):
        status(ROOT / "scenarios")


def test_adopt_bad_input_is_one_message_and_leaves_the_file(tmp_path: Path) -> None:
    cal = tmp_path / "cal"
    cal.mkdir()
    pd.DataFrame(
        {"member": [0], "weight": [1.0], "parameters.production.productivity_drift": [9.0]}
    ).to_csv(cal / "posterior.csv", index=False)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(UserError, match="left unchanged") as err:  # 9 is out of range
        adopt(cal, scenario)
    assert err.value.file == str(scenario)
    assert scenario.read_text(encoding="utf-8") == "name: x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal", "s.yaml"]  # no trial left
    scenario.write_text("name: x\nparameters: 5\n", encoding="utf-8")
    with pytest.raises(UserError, match="parameters is not a mapping"):
        adopt(cal, scenario)
    with pytest.raises(UserError, match="file not found"):
        adopt(cal, tmp_path / "missing.yaml")
    (cal / "posterior.csv").write_text("member,weight\n", encoding="utf-8")
    with pytest.raises(UserError, match="one per parameter path"):
        adopt(cal, scenario)


def test_status_of_a_damaged_folder_is_one_message(tmp_path: Path) -> None:
    import shutil

    from sim.calibration.status import status

    folder = tmp_path / "cal"
    shutil.copytree(ROOT / "experiments" / "calibration" / "zgc", folder)
    (folder / "waves.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"waves\.csv lacks the columns"):
        status(folder)
    (folder / "calibration.json").write_text("{bad", encoding="utf-8")
    with pytest.raises(UserError, match="damaged"):
        status(folder)
