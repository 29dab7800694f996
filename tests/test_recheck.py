"""``python -m sim.calibration.recheck``: re-running a shipped posterior on the current model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.calibration import recheck

ROOT = Path(__file__).resolve().parents[1]


def test_missing_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "r.json"
    code = recheck.main([str(tmp_path / "nope"), "--out", str(out)])
    assert code == 2
    assert "not a finished calibration folder" in capsys.readouterr().err
    assert not out.exists()


def test_a_changed_spec_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "r.json"
    code = recheck.main(
        [
            str(ROOT / "experiments" / "calibration" / "sv"),
            "--spec",
            str(ROOT / "experiments" / "calibrate_zgc.yaml"),
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert "differs from the one the calibration was made with" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_two_members_rerun(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    folder = ROOT / "experiments" / "calibration" / "sv"
    code = recheck.main(
        [
            str(folder),
            "--spec",
            str(ROOT / "experiments" / "calibrate_sv.yaml"),
            "--out",
            str(out),
            "--members",
            "2",
            "--workers",
            "1",
        ]
    )
    assert code == 0
    report = json.loads(out.read_text())
    assert report["members"] == 2 and report["failed_runs"] == 0
    assert {r["rows"] for r in report["fresh_coverage"]} == {"ensemble", "with_errors"}
    medians = [r["fresh_median"] for r in report["targets"]]
    assert len(medians) == len(report["targets"]) > 0
    assert all(m == m for m in medians)  # no NaN: every target read from the runs


def test_careless_outputs_and_counts_are_refused_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = str(ROOT / "experiments" / "calibration" / "sv")
    spec = str(ROOT / "experiments" / "calibrate_sv.yaml")
    mine = tmp_path / "mine.json"
    mine.write_text('{"keep": true}')
    assert recheck.main([folder, "--spec", spec, "--out", str(mine)]) == 2
    assert "--force" in capsys.readouterr().err
    assert mine.read_text() == '{"keep": true}'
    assert recheck.main([folder, "--spec", spec, "--out", str(tmp_path)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert recheck.main([folder, "--spec", spec, "--out", str(tmp_path / "no" / "r.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    out = tmp_path / "r.json"
    for flag in ("--members", "--replicates", "--workers"):
        assert recheck.main([folder, "--spec", spec, "--out", str(out), flag, "0"]) == 2
        err = capsys.readouterr().err
        assert f"{flag} must be at least 1" in err and "Traceback" not in err
    assert not out.exists()


def test_a_malformed_posterior_is_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import shutil

    folder = tmp_path / "sv"
    shutil.copytree(ROOT / "experiments" / "calibration" / "sv", folder)
    (folder / "posterior.csv").write_text("member,weight,x\n0,1,2\n")
    out = tmp_path / "r.json"
    spec = str(ROOT / "experiments" / "calibrate_sv.yaml")
    assert recheck.main([str(folder), "--spec", spec, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "differs from the one the calibration was made with" in err or "malformed" in err
    assert "Traceback" not in err and not out.exists()
