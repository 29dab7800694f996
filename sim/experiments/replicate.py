"""Replicated runs of one scenario, serially or in worker processes.

Replicate seeds are spawned from the root seed with ``numpy.random.SeedSequence``, so each
replicate's stream is independent and its results do not depend on how many workers ran it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import as_completed

import numpy as np
import pandas as pd

from sim.experiments.pool import process_pool
from sim.model import RunConfig
from sim.simulate import SimResult, simulate


def replicate_seeds(root: int, replications: int) -> list[int]:
    """Independent 32-bit seeds for each replicate, derived from the root seed."""
    children = np.random.SeedSequence(int(root)).spawn(int(replications))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def _one(args: tuple[RunConfig, int, bool]) -> SimResult:
    config, seed, snapshot = args
    return simulate(config, seed, snapshot=snapshot)


def run_replicates(
    config: RunConfig,
    root_seed: int,
    replications: int,
    *,
    workers: int = 1,
    on_done: Callable[[int, SimResult], None] | None = None,
    on_year: Callable[[int, int], None] | None = None,
) -> list[SimResult]:
    """Run ``replications`` replicates; replicate 0 also returns a snapshot for reports."""
    seeds = replicate_seeds(root_seed, replications)
    return run_pairs(
        [(config, s) for s in seeds], workers=workers, on_done=on_done, on_year=on_year
    )


def run_pairs(
    pairs: list[tuple[RunConfig, int]],
    *,
    workers: int = 1,
    on_done: Callable[[int, SimResult], None] | None = None,
    on_year: Callable[[int, int], None] | None = None,
) -> list[SimResult]:
    """Run each ``(config, seed)``, in order; run 0 also returns a snapshot for reports.

    Ensemble runs pass one config per posterior member and replicate; results come back in
    the order given whatever the worker count.
    """
    results: list[SimResult | None] = [None] * len(pairs)
    if workers <= 1 or len(pairs) == 1:
        for i, (config, s) in enumerate(pairs):
            cb = (lambda y, i=i: on_year(i, y)) if on_year else None
            result = simulate(config, s, snapshot=(i == 0), on_year=cb)
            results[i] = result
            if on_done:
                on_done(i, result)
    else:
        # spawn: a fresh interpreter per worker, safe whatever threads the parent runs;
        # Ctrl-C or SIGTERM stops the workers too (process_pool)
        with process_pool(workers, "spawn") as pool:
            futures = {
                pool.submit(_one, (config, s, i == 0)): i for i, (config, s) in enumerate(pairs)
            }
            for fut in as_completed(futures):
                i = futures[fut]
                result = fut.result()
                results[i] = result
                if on_done:
                    on_done(i, result)
    return [r for r in results if r is not None]


def indicators_frame(results: list[SimResult]) -> pd.DataFrame:
    """Long table ``replicate,year,indicator,value`` in a stable order."""
    frames = []
    for i, res in enumerate(results):
        wide = pd.DataFrame(res.records)
        long = wide.melt(id_vars="year", var_name="indicator", value_name="value")
        long.insert(0, "replicate", i)
        frames.append(long)
    df = pd.concat(frames, ignore_index=True)
    df["year"] = df["year"].astype(int)
    return df[["replicate", "year", "indicator", "value"]]
