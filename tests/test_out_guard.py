"""The shared ``--out`` guard on every command that writes a folder (issue 11, item 7).

``run`` and ``compare`` are tested in test_hardening.py; here ``sweep``, ``calibrate``,
``optimize``, ``discover``, ``Result.save`` and the leftovers of a killed ``--force`` swap.
The rule everywhere: a user's folder (any file ecosim did not write) is never touched, with
or without ``--force`` (exit 2); ``--force`` replaces only an earlier folder of the same kind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.errors import UserError
from sim.io import MARKER, clean_leftover_stages, prepare_resumable_dir
from tests.test_hardening import _dead_pid, user_folder

SWEEP = """\
name: guard
scenario: zgc_baseline.yaml
method: morris
morris: {trajectories: 2, levels: 4}
replications: 1
seed: 7
scale: 0.01
end_year: 2011
factors:
  - {path: parameters.labour.job_mobility, bounds: [0.05, 0.3]}
outputs:
  - {indicator: foreign_employee_share, year: 2011}
"""


def sweep_file(folder: Path) -> Path:
    from tests.test_sweep import write_exp

    return write_exp(folder / "exp", SWEEP)


def calibrate_file(folder: Path) -> Path:
    from tests.test_calibration import write_spec

    folder.mkdir(exist_ok=True)
    return write_spec(folder)


def optimize_file(folder: Path) -> Path:
    from tests.test_optimize import write_spec

    return write_spec(folder / "spec")


def command(name: str, spec: Path, out: Path, *extra: str) -> list[str]:
    args = [name, str(spec), "--out", str(out), "--quiet", *extra]
    return [*args, "--workers", "1"]


MAKERS = {"sweep": sweep_file, "calibrate": calibrate_file, "optimize": optimize_file}


def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any run started fails the test: the folder is refused before the work."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the work started before --out was checked")

    import sim.calibration.history as history
    import sim.experiments.optimize.search as search
    import sim.experiments.sweep.runner as runner

    monkeypatch.setattr(runner, "execute", forbidden)
    monkeypatch.setattr(search, "execute", forbidden)
    monkeypatch.setattr(history, "screen_points", forbidden)


# ------------------------------------------------------------------ a user's folder


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("flags", [[], ["--force"], ["--overwrite"], ["--resume"]])
def test_a_user_folder_is_never_touched(tmp_path, capsys, monkeypatch, name, flags) -> None:
    no_work(monkeypatch)
    spec = MAKERS[name](tmp_path)
    out = user_folder(tmp_path / "x")
    assert main(command(name, spec, out, *flags)) == 2
    err = capsys.readouterr().err
    assert "nothing is replaced" in err and "not written by ecosim" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"]
    assert (out / "thesis.txt").read_text() == "three years of work\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_another_kind_is_not_replaced(tmp_path, capsys, monkeypatch, name) -> None:
    """A sweep folder is not a calibration folder: --force does not cross kinds."""
    no_work(monkeypatch)
    spec = MAKERS[name](tmp_path)
    out = tmp_path / "other"
    other = "calibration" if name != "calibrate" else "sweep"
    prepare_resumable_dir(out, kind=other, key="x.json", files=()).create()
    assert main(command(name, spec, out, "--force")) == 2
    assert f"ecosim {other} folder" in capsys.readouterr().err
    assert json.loads((out / MARKER).read_text())["kind"] == other


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("target", [".", ""])
def test_dot_and_empty_out_are_refused(tmp_path, capsys, monkeypatch, name, target) -> None:
    no_work(monkeypatch)
    spec = MAKERS[name](tmp_path)
    project = user_folder(tmp_path / "project")
    monkeypatch.chdir(project)
    assert main([name, str(spec), "--out", target, "--force", "--quiet"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in project.iterdir()) == ["thesis.txt"]


def test_discover_never_touches_a_user_folder(tmp_path, capsys) -> None:
    from tests.test_discover import make_sweep

    sweep = make_sweep(tmp_path / "sweep", points=60)
    args = ["discover", str(sweep), "--output", "foreign_employee_share@2035",
            "--below", "0.005", "--max-boxes", "1"]  # fmt: skip
    out = user_folder(tmp_path / "x")
    for flags in ([], ["--force"]):
        assert main([*args, "--out", str(out), *flags]) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.txt"]
    # --force replaces an earlier discovery, and only that
    disc = tmp_path / "d"
    assert main([*args, "--out", str(disc)]) == 0
    assert json.loads((disc / MARKER).read_text())["kind"] == "discovery"
    assert main([*args, "--out", str(disc)]) == 2
    assert "--force" in capsys.readouterr().err
    (disc / "boxes.csv").write_text("stale\n")
    assert main([*args, "--out", str(disc), "--overwrite"]) == 0
    assert (disc / "boxes.csv").read_text() != "stale\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# ------------------------------------------------------------------ --force on its own kind


def test_sweep_force_replaces_only_its_own_folder(tmp_path, capsys) -> None:
    spec = sweep_file(tmp_path)
    out = tmp_path / "s"
    assert main(command("sweep", spec, out)) == 0
    meta = json.loads((out / MARKER).read_text())
    assert meta["kind"] == "sweep"
    assert main(command("sweep", spec, out)) == 2  # a new sweep on it: says how
    err = capsys.readouterr().err
    assert "--resume" in err and "--force" in err
    assert main(command("sweep", spec, out, "--resume")) == 0  # resume still works
    (out / "runs" / "stale.json").write_text("{}")  # inside runs/: ecosim's area
    assert main(command("sweep", spec, out, "--force")) == 0
    assert not (out / "runs" / "stale.json").exists()  # a fresh sweep replaced it
    assert (out / "sensitivity.csv").is_file()
    (out / "notes.txt").write_text("mine\n")  # a user's file at the top: not ours now
    assert main(command("sweep", spec, out, "--force")) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert main(command("sweep", spec, out, "--force", "--resume")) == 2  # which one?
    assert "give one of them" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kind", "key", "sub", "prepare"),
    [
        ("calibration", "calibration.json", "waves",
         "sim.calibration.history:prepare_calibration_dir"),
        ("optimisation", "optimize.json", "runs",
         "sim.experiments.optimize.search:prepare_optimize_dir"),
        ("sweep", "sweep.json", "runs", "sim.experiments.sweep.runner:prepare_sweep_dir"),
    ],
)  # fmt: skip
def test_force_replaces_an_earlier_folder_of_the_kind(tmp_path, kind, key, sub, prepare) -> None:
    import importlib

    module, name = prepare.split(":")
    prep = getattr(importlib.import_module(module), name)
    out = tmp_path / "f"
    prep(out).create()
    (out / key).write_text("{}")
    (out / sub).mkdir()
    (out / sub / "old.json").write_text("{}")
    with pytest.raises(UserError, match="already holds"):
        prep(out)
    assert prep(out, resume=True).create() == out.absolute()
    assert (out / sub / "old.json").exists()  # resume keeps it
    prep(out, force=True).create()
    assert sorted(p.name for p in out.iterdir()) == [MARKER]  # started again
    assert json.loads((out / MARKER).read_text())["kind"] == kind
    # a legacy folder (no marker) of the kind is recognised by its state file
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / key).write_text("{}")
    prep(legacy, force=True).create()
    assert sorted(p.name for p in legacy.iterdir()) == [MARKER]


# ------------------------------------------------------------------ Result.save


def test_result_save_follows_the_out_rule(tmp_path) -> None:
    import ecosim

    result = ecosim.run("zgc_baseline", scale=0.01, end_year=2011)
    mine = user_folder(tmp_path / "mine")
    for force in (False, True):
        with pytest.raises(UserError):
            result.save(mine, report=False, force=force)
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.txt"]
    out = tmp_path / "r"
    result.save(out, report=False)
    with pytest.raises(UserError, match="--force"):
        result.save(out, report=False)
    result.save(out, report=False, force=True)
    assert (out / "indicators.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ------------------------------------------------------------------ killed --force swaps


def test_a_killed_force_swap_is_tidied_by_the_next_run(tmp_path, capsys) -> None:
    from tests.test_hardening import run

    pid = _dead_pid()
    # killed after the new folder was in place: the moved-aside old one is removed
    (tmp_path / "done").mkdir()
    old = tmp_path / f".done.{pid}.replaced"
    old.mkdir()
    (old / "run.json").write_text("{}")
    # killed between the two renames: the earlier folder is put back, not lost
    lost = tmp_path / f".earlier.{pid}.replaced"
    lost.mkdir()
    (lost / "run.json").write_text('{"old": true}')
    assert run(tmp_path / "new") == 0
    err = capsys.readouterr().err
    assert not old.exists() and "removed" in err
    assert not lost.exists() and "put back" in err
    assert json.loads((tmp_path / "earlier" / "run.json").read_text()) == {"old": True}


def test_a_live_force_swap_is_left_alone(tmp_path) -> None:
    import os

    live = tmp_path / f".busy.{os.getpid() + 0}.replaced"
    live.mkdir()
    assert clean_leftover_stages(tmp_path) == []  # our own pid: a swap in progress
    assert live.exists()
    shutil.rmtree(live)


# ------------------------------------------------------------------ ecosim report


def test_a_report_failing_part_way_keeps_the_marker_true(tmp_path, monkeypatch, capsys) -> None:
    """What a failed ``ecosim report`` did write is recorded, so --force still replaces it."""
    import sim.report.build as build
    from tests.test_hardening import _disk_full_after, run

    out = tmp_path / "r"
    assert run(out) == 0  # --no-report
    with monkeypatch.context() as m:
        _disk_full_after(m, build, "atomic_write_csv", 2)
        assert main(["report", str(out)]) == 1
    written = {p.name for p in out.iterdir()} - {MARKER}
    listed = set(json.loads((out / MARKER).read_text())["files"])
    assert written <= listed and len(written) > 4  # the report's first files are listed
    assert run(out, "--force") == 0
    assert main(["report", str(out)]) == 0
    assert written | {"report.html"} <= set(json.loads((out / MARKER).read_text())["files"])
    capsys.readouterr()


def test_a_failed_command_leaves_no_parent_folder_it_made(tmp_path, monkeypatch) -> None:
    """Bad input after the --out check (here: no sweep folder) leaves nothing behind."""
    from sim.cli.main import main as cli

    monkeypatch.chdir(tmp_path)
    assert cli(["discover", "nodir", "--output", "employment@2020", "--below", "1"]) == 2
    assert list(tmp_path.iterdir()) == []
