"""The built wheel works outside the repository: scenarios by name, package data, API.

Slow (builds a wheel and a fresh virtual environment, about half a minute). The fresh venv
gets the wheel itself; its third-party dependencies are borrowed from the test's own
environment through a ``.pth`` path line (no network needed), which does not make the
project's source importable: ``sim`` and ``ecosim`` must come from the installed wheel.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
PACKAGES = ("sim", "ecosim", "scenarios", "experiments")


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_installed_wheel_runs_a_shipped_scenario_outside_the_repository(tmp_path: Path):
    src = tmp_path / "src"  # a clean copy: no stale build/ folder can leak into the wheel
    src.mkdir()
    for name in SOURCES:
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(src)],
        tmp_path,
        env,
    )  # fmt: skip
    (wheel,) = dist.glob("ecosim-*.whl")

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    py = venv / "bin" / "python"
    purelib = Path(
        _run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
             tmp_path, env).stdout.strip()
    )  # fmt: skip
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (purelib / "borrowed_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    _run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
         str(wheel)],
        tmp_path,
        env,
    )  # fmt: skip

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run(
        [str(py), "-c", "import sim, ecosim; print(sim.__file__); print(ecosim.__file__)"],
        work,
        env,
    ).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where

    ecosim = venv / "bin" / "ecosim"
    args = ["run", "zgc_baseline", "--scale", "0.01", "--end-year", "2011", "--quiet"]
    _run([str(ecosim), *args, "--out", "out"], work, env)
    assert (work / "out" / "indicators.csv").is_file()
    assert (work / "out" / "report.html").is_file()
    _run([str(ecosim), "validate", "combined_reform"], work, env)  # extends between shipped
    (work / "mine.yaml").write_text("extends: zgc_baseline.yaml\nname: mine\n", "utf-8")
    assert "OK" in _run([str(ecosim), "validate", "mine.yaml"], work, env).stdout
    listing = _run([str(ecosim), "scenarios"], work, env).stdout
    assert "shipped with ecosim" in listing and "silicon_valley" in listing
    code = (
        "import ecosim; s = ecosim.parameter_space();"
        "print(s.set_index('path').loc['parameters.labour.job_mobility', 'sweep_high'])"
    )
    assert _run([str(py), "-c", code], work, env).stdout.strip() == "0.24"
