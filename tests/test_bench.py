"""``ecosim bench``: the --json contract and the history file, at a tiny configuration."""

from __future__ import annotations

import csv
import json
import statistics

from sim.cli.main import main
from sim.experiments.bench import HISTORY_COLUMNS, blocks
from tests.conftest import BASELINE

TINY = [
    str(BASELINE),
    "--scale",
    "0.01",
    "--full-scale",
    "0.01",
    "--small-repeats",
    "2",
    "--boltzmann-steps",
    "1",
    "--end-year",
    "2011",
]

KEYS = (
    "ratio",
    "default_scale_seconds",
    "full_scale_seconds",
    "small_scale_seconds",
    "peak_rss_mb",
    "runs_per_hour_per_core",
)


def test_bench_json_is_one_object_with_the_figures(tmp_path, capsys) -> None:
    history = tmp_path / "history.csv"
    args = [*TINY, "--json", "--record", str(history), "--note", "tiny, from the tests"]
    assert main(["bench", *args]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)  # the whole of stdout is one JSON object
    for key in KEYS:
        assert isinstance(data[key], float) and data[key] > 0, key
    assert data["small_scale_seconds"] == statistics.median(data["small_scale_runs_seconds"])
    assert data["full_agents"] == data["default_agents"] > 0
    # a real process: interpreter, numpy, Mesa and the model take tens of MB at least
    assert 20 < data["peak_rss_mb"] < 4096
    assert "timing" in err  # progress on stderr
    rows = list(csv.DictReader(history.open()))
    assert len(rows) == 1 and list(rows[0]) == HISTORY_COLUMNS
    assert rows[0]["note"] == "tiny, from the tests"
    assert float(rows[0]["ratio"]) > 0 and "cores" in rows[0]["machine"]
    # a second record appends under the same header
    assert main(["bench", *TINY, "--json", "--record", str(history)]) == 0
    capsys.readouterr()
    lines = history.read_text().splitlines()
    assert len(lines) == 3 and lines[0] == ",".join(HISTORY_COLUMNS)


def test_bench_refuses_a_foreign_history_file_before_timing(tmp_path, capsys) -> None:
    bad = tmp_path / "history.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["bench", *TINY, "--record", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "--record" in err and "expected" in err and "timing" not in err
    assert bad.read_text() == "a,b\n1,2\n"


def test_bench_refuses_a_scale_out_of_range(capsys) -> None:
    assert main(["bench", "--full-scale", "1.5"]) == 2
    assert "--full-scale must be in (0, 1]" in capsys.readouterr().err


def test_recording_a_row_does_not_mark_the_tree_dirty(tmp_path) -> None:
    import shutil
    import subprocess

    import pytest

    from sim.cli.bench_cmd import is_dirty

    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "history.csv").write_text("date\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "code.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "start")
    assert not is_dirty(tmp_path / "src")
    (tmp_path / "benchmarks" / "history.csv").write_text("date\nrow\n")
    assert not is_dirty(tmp_path / "src")  # the history alone: clean
    (tmp_path / "src" / "code.py").write_text("x = 2\n")
    assert is_dirty(tmp_path / "src")  # any other tracked file, anywhere in the tree


def test_bench_default_row_is_the_median_of_its_repeats(capsys) -> None:
    assert main(["bench", *TINY, "--json", "--repeats", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    runs = data["default_scale_runs_seconds"]
    assert len(runs) == 3 and data["default_scale_seconds"] == statistics.median(runs)
    assert main(["bench", *TINY, "--repeats", "0"]) == 2
    assert "--repeats must be from 1 to 100" in capsys.readouterr().err


def test_mesa_steps_are_split_over_the_default_runs(capsys) -> None:
    """Mesa's example is stepped in blocks between the default-scale runs: all the steps
    asked for are taken, whatever the split."""
    assert blocks(20, 3) == [7, 7, 6] and blocks(1, 3) == [1, 0, 0] and blocks(5, 1) == [5]
    assert all(sum(blocks(t, p)) == t for t in range(0, 30) for p in range(1, 6))
    assert main(["bench", *TINY, "--json", "--repeats", "2", "--boltzmann-steps", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    mesa = next(r for r in data["rows"] if r["label"] == "mesa boltzmann")
    assert mesa["steps"] == 3 and mesa["agents"] == data["default_agents"]
