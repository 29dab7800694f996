"""The compiled kernels give the same numbers as the numpy code they replace.

Each area's kernels are compared with their numpy path on model states in its own test file;
this one checks whole runs (every kernel at once, through every mechanism) and the switch.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

from sim.model import jit
from sim.scenario import load
from sim.simulate import simulate

pytestmark = pytest.mark.skipif(not jit.ENABLED, reason="numba absent or ECOSIM_JIT=0")


@pytest.mark.parametrize("scenario", ["zgc_baseline", "silicon_valley", "combined_reform"])
def test_whole_run_is_the_same_with_and_without_kernels(
    scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc, _ = load(scenario, ["end_year=2016"])
    config = sc.to_run_config().model_copy(update={"scale": 0.02})
    with_kernels = simulate(config, 7, snapshot=True)
    monkeypatch.setattr(jit, "ENABLED", False)
    without = simulate(config, 7, snapshot=True)
    assert len(with_kernels.records) == len(without.records) > 0
    assert pickle.dumps(with_kernels.records) == pickle.dumps(without.records)
    assert pickle.dumps(with_kernels.snapshot) == pickle.dumps(without.snapshot)


def test_switch_reads_the_environment() -> None:
    code = "from sim.model import jit; print(jit.ENABLED)"
    env = {**os.environ, "ECOSIM_JIT": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
