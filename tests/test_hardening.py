"""Defects found by an adversarial probe of the command line, one test each (issue 11, item 7).

Data loss first: an existing ``--out`` is never replaced unless ecosim wrote it and ``--force``
is given; then ``--out`` checks before the work, concurrent runs, signals, bounded and
degenerate input, corrupt state files, a full disk, clearer messages, file modes.
"""

from __future__ import annotations

import datetime as real_dt
import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import types
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from tests.conftest import BASELINE, ROOT

FAST = ["--scale", "0.01", "--end-year", "2011", "--quiet", "--no-report"]


def run(out: Path | str, *extra: str) -> int:
    return main(["run", str(BASELINE), "--out", str(out), *FAST, *extra])


def compare(out: Path | str, *extra: str) -> int:
    sv = ROOT / "scenarios" / "silicon_valley.yaml"
    return main(
        ["compare", str(BASELINE), str(sv), "--out", str(out), "--replications", "1",
         "--scale", "0.01", "--end-year", "2011", "--quiet", *extra]
    )  # fmt: skip


@pytest.fixture
def quick_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comparisons without their charts: these tests are about folders, not pages."""
    import sim.cli.compare_cmd as compare_cmd

    monkeypatch.setattr(compare_cmd, "render_html", lambda *a, **k: "<html></html>\n")


def user_folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "thesis.txt").write_text("three years of work\n")
    return path


def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any simulation started fails the test: the checks must come before the work."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the simulation started before --out was checked")

    import sim.cli.compare_cmd as compare_cmd
    import sim.cli.run_cmd as run_cmd

    monkeypatch.setattr(run_cmd, "run_pairs", forbidden)
    monkeypatch.setattr(compare_cmd, "run_comparison", forbidden)


# ------------------------------------------------------------------ data loss (most serious)


@pytest.mark.parametrize("force", [[], ["--force"], ["--overwrite"]])
def test_run_never_replaces_a_user_folder(tmp_path, capsys, force) -> None:
    out = user_folder(tmp_path / "x")
    assert run(out, *force) == 2
    err = capsys.readouterr().err
    assert "already exists" in err or "not replaced" in err
    assert "Traceback" not in err
    assert (out / "thesis.txt").read_text() == "three years of work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]  # nothing staged is left


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_compare_never_replaces_a_user_folder(tmp_path, capsys, monkeypatch, force) -> None:
    no_simulation(monkeypatch)
    out = user_folder(tmp_path / "x")
    assert compare(out, *force) == 2
    assert (out / "thesis.txt").read_text() == "three years of work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


@pytest.mark.parametrize("target", [".", "project"])
def test_out_dot_or_the_project_folder_is_refused(tmp_path, monkeypatch, capsys, target) -> None:
    no_simulation(monkeypatch)
    project = user_folder(tmp_path / "project")
    (project / "pyproject.toml").write_text("[project]\n")
    monkeypatch.chdir(project)
    out = "." if target == "." else str(project)
    for force in ([], ["--force"]):
        assert run(out, *force) == 2
        assert compare(out, *force) == 2
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml", "thesis.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    assert "Traceback" not in capsys.readouterr().err


def test_force_replaces_only_an_earlier_ecosim_run(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    assert run(out, "--seed", "1") == 0
    assert run(out, "--seed", "2") == 2  # no --force: refused, says how
    assert "--force" in capsys.readouterr().err
    assert json.loads((out / "run.json").read_text())["seeds"]["root"] == 1
    assert run(out, "--seed", "3", "--force") == 0
    assert json.loads((out / "run.json").read_text())["seeds"]["root"] == 3
    (out / "notes.txt").write_text("mine\n")  # a user's file inside: not ecosim's folder now
    assert run(out, "--seed", "4", "--force") == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine\n"
    assert json.loads((out / "run.json").read_text())["seeds"]["root"] == 3


def test_report_files_keep_the_folder_replaceable(tmp_path) -> None:
    out = tmp_path / "r"
    assert run(out) == 0  # --no-report: the report files come later
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()
    assert run(out, "--force") == 0  # what `ecosim report` wrote counts as ecosim's


def test_a_comparison_folder_is_not_replaced_by_a_run(tmp_path, capsys, quick_compare) -> None:
    out = tmp_path / "c"
    assert compare(out) == 0
    assert run(out, "--force") == 2
    assert "comparison" in capsys.readouterr().err
    assert (out / "comparison.csv").is_file()
    assert compare(out, "--force") == 0


def test_default_names_in_the_same_second_do_not_collide(tmp_path, monkeypatch) -> None:
    import sim.cli.run_cmd as run_cmd

    class Frozen(real_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2030, 1, 2, 3, 4, 5, tzinfo=tz)

    monkeypatch.setattr(run_cmd, "dt", types.SimpleNamespace(datetime=Frozen, UTC=real_dt.UTC))
    monkeypatch.chdir(tmp_path)
    argv = ["run", str(BASELINE), *FAST]
    assert main([*argv, "--seed", "1"]) == 0
    assert main([*argv, "--seed", "2"]) == 0
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert folders == ["zgc_baseline-20300102-030405", "zgc_baseline-20300102-030405-2"]
    seeds = [json.loads((tmp_path / "runs" / f / "run.json").read_text())["seeds"]["root"]
             for f in folders]  # fmt: skip
    assert seeds == [1, 2]


def test_final_rename_never_replaces_what_another_run_wrote(tmp_path, monkeypatch, capsys):
    import sim.cli.run_cmd as run_cmd

    out = tmp_path / "same"
    real = run_cmd.run_pairs

    def meanwhile(*args, **kwargs):  # another run with the same --out finishes first
        user_folder(out)
        return real(*args, **kwargs)

    monkeypatch.setattr(run_cmd, "run_pairs", meanwhile)
    assert run(out) == 2
    err = capsys.readouterr().err
    assert "appeared" in err and "wrote" not in err
    assert (out / "thesis.txt").read_text() == "three years of work\n"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("same.")]
    assert len(kept) == 1 and (kept[0] / "indicators.csv").is_file()  # nothing lost either


def test_rename_never_replaces_even_an_empty_folder(tmp_path) -> None:
    """``os.rename`` would silently replace an empty folder another run just created."""
    from sim.io import rename_noreplace

    (tmp_path / "stage").mkdir()
    (tmp_path / "stage" / "f").write_text("x")
    (tmp_path / "taken").mkdir()
    with pytest.raises(FileExistsError):
        rename_noreplace(tmp_path / "stage", tmp_path / "taken")
    assert (tmp_path / "stage" / "f").exists() and not list((tmp_path / "taken").iterdir())


# ------------------------------------------------------------------ --out checked first


@pytest.mark.parametrize("kind", ["file", "proc", "empty", "under-a-file", "fifo"])
def test_bad_out_fails_before_simulating(tmp_path, monkeypatch, capsys, kind) -> None:
    no_simulation(monkeypatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x\n")
    os.mkfifo(tmp_path / "a-fifo")
    out = {
        "file": "a-file",
        "proc": "/proc/ecosim-cannot-write-here",
        "empty": "",
        "under-a-file": "a-file/run",
        "fifo": "a-fifo",
    }[kind]
    assert run(out) == 2
    assert compare(out) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "--out" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-fifo", "a-file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_out_fails_before_simulating(tmp_path, monkeypatch, capsys) -> None:
    no_simulation(monkeypatch)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert run(locked / "run") == 2
        assert "cannot create" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def _dead_pid() -> int:
    """A pid no process can have: the kernel hands out pids below ``pid_max``.

    (A pid of a process that just ended may be reused at once on a busy machine.)
    """
    return int(Path("/proc/sys/kernel/pid_max").read_text())


def test_leftover_partial_folders_are_removed_or_reported(tmp_path, capsys) -> None:
    dead = tmp_path / f".old.{_dead_pid()}.abcd1234.partial"
    dead.mkdir()
    (dead / "indicators.csv").write_text("half\n")
    unknown = tmp_path / ".mystery.partial"
    unknown.mkdir()
    assert run(tmp_path / "new") == 0
    err = capsys.readouterr().err.replace("\n", "")  # rich wraps long paths at its width
    assert not dead.exists() and "removed" in err
    assert unknown.exists() and "mystery" in err  # not ours for sure: only reported


# ------------------------------------------------------------------ signals


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_leaves_no_worker_processes(tmp_path, sig) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(BASELINE), "--out", str(out), "--scale",
         "0.05", "--end-year", "2025", "--replications", "6", "--workers", "2", "--quiet",
         "--no-report"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        workers = {c for c in _children(proc.pid) if b"spawn_main" in _cmdline(c)}
        if len(workers) >= 2:
            break
        time.sleep(0.1)
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(1.0)  # the workers are simulating
    everyone = workers | _children(proc.pid)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in everyone):
        time.sleep(0.1)
    assert not [p for p in everyone if _alive(p)], "orphaned worker processes"
    assert proc.returncode in (130, 143)
    assert not out.exists() and not list(tmp_path.iterdir())  # no .partial either
    assert b"Traceback" not in proc.stderr.read()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# ------------------------------------------------------------------ bounded input


def test_oversized_scenario_file_is_refused(tmp_path, capsys) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * 120_000 + "name: big\n")
    assert main(["validate", str(big)]) == 2
    assert "at most 1,000,000" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_fifo_or_device_is_refused_at_once(tmp_path, kind) -> None:
    if kind == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)  # reading it would block forever: nobody writes
    else:
        path = Path("/dev/zero")  # reading it would never end
    try:  # in a child process, so that a blocking read fails the test instead of hanging it
        done = subprocess.run(
            [sys.executable, "-m", "sim", "validate", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading the {kind} blocked")
    assert done.returncode == 2
    assert ("FIFO" in done.stderr) if kind == "fifo" else ("device" in done.stderr)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_replications_are_capped(tmp_path, monkeypatch, capsys, command) -> None:
    no_simulation(monkeypatch)
    args = [str(BASELINE)] if command == "run" else [str(BASELINE), str(BASELINE)]
    assert main([command, *args, "--replications", "1000000", "--out", str(tmp_path / "o")]) == 2
    assert "--replications must be from 1 to 1000" in capsys.readouterr().err


def test_lone_surrogate_gives_a_clean_error(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'extends: {BASELINE}\ndescription: "x \\udcff y"\n', encoding="utf-8")
    assert run_file(bad, tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2: description" in err and "surrogate" in err
    assert len(err) < 1000 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def run_file(scenario: Path, out: Path, *extra: str) -> int:
    return main(["run", str(scenario), "--out", str(out), *FAST, *extra])


# ------------------------------------------------------------------ degenerate input


def test_shock_ending_before_it_starts_is_refused(tmp_path, capsys) -> None:
    bad = tmp_path / "shock.yaml"
    bad.write_text(
        f"extends: {BASELINE}\nshocks:\n  macro_growth:\n"
        "    - {start_year: 2015, end_year: 2012, size: -0.02}\n"
    )
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "shock.yaml:4: shocks.macro_growth[0]" in err and "never act" in err


def test_shock_size_outside_its_documented_range_is_refused(tmp_path, capsys) -> None:
    bad = tmp_path / "shock.yaml"
    bad.write_text(f"extends: {BASELINE}\nshocks:\n  decoupling:\n    - {{size: 3}}\n")
    assert main(["validate", str(bad)]) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_scale_leaving_a_population_empty_is_refused(tmp_path, capsys) -> None:
    out = tmp_path / "tiny"
    assert main(["run", str(BASELINE), "--out", str(out), "--scale", "0.000001",
                 "--end-year", "2011", "--quiet", "--no-report"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "Talent population is empty" in err and "scale" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("key", ["scale", "seed"])
def test_sweep_fixed_scale_or_seed_is_refused(tmp_path, capsys, key) -> None:
    from tests.test_sweep import TINY, write_exp

    text = TINY.replace("fixed:\n", f"fixed:\n  {key}: {0.5 if key == 'scale' else 3}\n")
    exp = write_exp(tmp_path, text)
    assert main(["sweep", str(exp), "--out", str(tmp_path / "s"), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert f"fixed: '{key}' would be overridden" in err
    assert not (tmp_path / "s").exists()


def test_negative_boltzmann_steps_are_refused(capsys) -> None:
    assert main(["bench", "--boltzmann-steps", "-5"]) == 2
    assert "--boltzmann-steps must be from 1" in capsys.readouterr().err


# ------------------------------------------------------------------ corrupt state files


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    from tests.test_sweep import write_exp

    folder = tmp_path_factory.mktemp("sweep")
    exp = write_exp(folder)
    out = folder / "s"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_truncated_sweep_json_on_resume_and_analyze(finished_sweep, tmp_path, capsys) -> None:
    out = _copy(finished_sweep, tmp_path / "s")
    text = (out / "sweep.json").read_text()
    (out / "sweep.json").write_text(text[: len(text) // 2])
    assert main(["analyze", str(out)]) == 2
    exp = finished_sweep.parent / "exp.yaml"
    assert main(["sweep", str(exp), "--out", str(out), "--resume", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("sweep.json") >= 2 and "damaged" in err and "Traceback" not in err


def test_non_numeric_output_in_a_run_file(finished_sweep, tmp_path, capsys) -> None:
    out = _copy(finished_sweep, tmp_path / "s")
    first = sorted((out / "runs").glob("*.json"))[0]
    data = json.loads(first.read_text())
    label = next(iter(data["outputs"]))
    data["outputs"][label] = "abc"
    first.write_text(json.dumps(data))
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert first.name in err and "not a number" in err and "Traceback" not in err


def test_sweep_out_a_file_is_refused(tmp_path, capsys) -> None:
    from tests.test_sweep import write_exp

    exp = write_exp(tmp_path)
    target = tmp_path / "a-file"
    target.write_text("keep\n")
    assert main(["sweep", str(exp), "--out", str(target), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "Traceback" not in err
    assert target.read_text() == "keep\n"


def test_unreachable_dask_scheduler_leaves_no_folder(tmp_path, monkeypatch, capsys) -> None:
    from tests.test_sweep import write_exp

    exp = write_exp(tmp_path)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "s"
    import sim.experiments.sweep.execute as execute

    monkeypatch.setattr(execute, "SCHEDULER_TIMEOUT", "2s")
    code = main(["sweep", str(exp), "--out", str(out), "--executor", "dask",
                 "--scheduler", f"tcp://127.0.0.1:{port}", "--quiet"])  # fmt: skip
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_report_on_truncated_indicators_names_what_is_missing(tmp_path, capsys) -> None:
    out = tmp_path / "r"
    assert run(out, "--replications", "2") == 0
    lines = (out / "indicators.csv").read_text().splitlines(keepends=True)
    (out / "indicators.csv").write_text("".join(lines[: int(len(lines) * 0.7)]))
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "incomplete" in err and "replicate 1 lacks" in err
    lines = lines[: len(lines) // 2]  # replicate 1 entirely gone
    (out / "indicators.csv").write_text("".join(lines))
    assert main(["report", str(out)]) == 2
    assert "replicate(s) 1 missing" in capsys.readouterr().err


# ------------------------------------------------------------------ disk full


def _disk_full_after(monkeypatch, module, name: str, allowed: int) -> None:
    """Let ``allowed`` writes through ``module.name`` succeed, then fail with ENOSPC."""
    real = getattr(module, name)
    calls = {"n": 0}

    def writer(path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > allowed:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, writer)


def test_disk_full_in_the_report_phase_exits_non_zero_naming_files(tmp_path, monkeypatch, capsys):
    import sim.report.build as build

    _disk_full_after(monkeypatch, build, "atomic_write_csv", 2)
    out = tmp_path / "r"
    code = main(["run", str(BASELINE), "--out", str(out), "--scale", "0.01", "--end-year",
                 "2014", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err
    assert code not in (0, 2)
    assert "missing" in err and "sv_dashboard.csv" in err and "report.html" in err
    assert (out / "indicators.csv").is_file()  # the finished run is kept
    assert not (out / "report.html").exists()
    code = main(["report", str(out)])  # the same failure when rebuilding the report
    err = capsys.readouterr().err
    assert code not in (0, 2) and "not written" in err and "report.html" in err


def test_disk_full_while_writing_the_run_is_a_message_not_a_traceback(
    tmp_path, monkeypatch, capsys
):
    import sim.cli.run_cmd as run_cmd

    _disk_full_after(monkeypatch, run_cmd, "write_csv_atomic", 0)
    out = tmp_path / "r"
    assert run(out) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ clearer messages


def test_symlink_loop_in_extends_is_named(tmp_path, capsys) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    (tmp_path / "child.yaml").write_text("extends: a.yaml\nname: x\n")
    assert main(["validate", str(tmp_path / "child.yaml")]) == 2
    err = capsys.readouterr().err
    assert "loop" in err and "not found" not in err and "child.yaml:1" in err


def test_extends_of_a_non_yaml_file_names_the_childs_line(tmp_path, capsys) -> None:
    (tmp_path / "picture.png").write_bytes(bytes(range(128, 256)))
    (tmp_path / "child.yaml").write_text("name: x\nextends: picture.png\n")
    assert main(["validate", str(tmp_path / "child.yaml")]) == 2
    err = capsys.readouterr().err
    assert "child.yaml:2: extends" in err and "picture.png" in err and "UTF-8" in err


def test_a_1500_file_extends_chain_gives_a_message(tmp_path, capsys) -> None:
    (tmp_path / "f0.yaml").write_text(f"extends: {BASELINE}\n")
    for i in range(1, 1500):
        (tmp_path / f"f{i}.yaml").write_text(f"extends: f{i - 1}.yaml\n")
    t0 = time.monotonic()
    assert main(["validate", str(tmp_path / "f1499.yaml")]) == 2
    assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err
    assert "chain is longer than 100 files" in err and "nested too deeply" not in err


def test_viz_port_in_use_fails_before_the_banner(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["viz", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert "serving" not in captured.out and "http://" not in captured.out
    assert f"cannot listen on 127.0.0.1:{port}" in captured.err


def test_viz_unresolvable_host_fails_before_the_banner(capsys) -> None:
    assert main(["viz", "--host", "no-such-host.invalid", "--port", "0"]) == 2
    captured = capsys.readouterr()
    assert "http://" not in captured.out and "cannot resolve host" in captured.err


# ------------------------------------------------------------------ file modes


@pytest.mark.parametrize(
    ("umask", "dmode", "fmode"), [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)]
)
def test_run_and_compare_outputs_follow_the_umask(
    tmp_path, umask, dmode, fmode, quick_compare
) -> None:
    old = os.umask(umask)
    report = [] if umask == 0o022 else ["--no-report"]  # report files: once is enough
    try:
        assert main(["run", str(BASELINE), "--out", str(tmp_path / "r"), "--scale", "0.01",
                     "--end-year", "2014", "--quiet", *report]) == 0  # fmt: skip
        assert compare(tmp_path / "c") == 0
    finally:
        os.umask(old)
    for folder in (tmp_path / "r", tmp_path / "c"):
        assert stat.S_IMODE(folder.stat().st_mode) == dmode
        for path in folder.rglob("*"):
            want = dmode if path.is_dir() else fmode
            assert stat.S_IMODE(path.stat().st_mode) == want, path


def test_indicators_are_unchanged_by_the_new_writer(tmp_path) -> None:
    """The single writer keeps the float format: same bytes as pandas with %.10g."""
    out = tmp_path / "r"
    assert run(out, "--seed", "5") == 0
    df = pd.read_csv(out / "indicators.csv")
    again = df.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    assert (out / "indicators.csv").read_text() == again


# ------------------------------------------------------------------ lazy command imports


def test_only_the_command_run_is_imported() -> None:
    """``sim/cli/main.py`` promises lazy imports: ``validate`` loads no viz, Dask or plots."""
    code = (
        "import sys\nfrom sim.cli.main import main\n"
        f"assert main(['validate', {str(BASELINE)!r}]) == 0\n"
        "heavy = ('sim.cli.viz_cmd', 'sim.cli.sweep_cmd', 'sim.cli.compare_cmd', 'matplotlib',"
        " 'dask', 'solara')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stdout
