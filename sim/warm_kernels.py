"""Compile the model's kernels once, at set-up, so that no run pays numba's compile time.

numba compiles a kernel at its first call and caches it on disk next to the sources; with a
cold cache the first run in a fresh clone would spend 10-20 s compiling. ``make setup`` runs
this module once after installing: two short runs at a small scale (the Zhongguancun baseline
and Silicon Valley, through a year end and a compaction) call every kernel a run calls. A
kernel reached only by a rarer path compiles at its first use and is cached from then on.

    python -m sim.warm_kernels
"""

from __future__ import annotations

import sys
import time

from sim.model import jit
from sim.scenario import load
from sim.simulate import simulate


def warm(scenarios: tuple[str, ...] = ("zgc_baseline", "silicon_valley")) -> float:
    """Run each scenario for two years at scale 0.01; return the seconds taken."""
    t0 = time.perf_counter()
    for name in scenarios:
        scenario, _ = load(name, [])
        config = scenario.to_run_config()
        config = config.model_copy(update={"scale": 0.01, "end_year": config.start_year + 2})
        simulate(config, scenario.seed, snapshot=True)
    return time.perf_counter() - t0


def main() -> int:
    if not jit.ENABLED:
        print("compiled kernels are off (ECOSIM_JIT=0 or numba absent): nothing to compile")
        return 0
    print("compiling the model's kernels once (numba; cached for later runs) ...", flush=True)
    print(f"done in {warm():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
