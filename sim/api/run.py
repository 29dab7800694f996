"""``ecosim.run``: replicated runs from Python, the same numbers as ``ecosim run``.

The replicate seeds come from the scenario's root seed exactly as on the command line
(:func:`sim.experiments.replicate.replicate_seeds`), and the runs go through the same
:func:`sim.experiments.replicate.run_replicates`, so ``run("zgc_baseline", replications=2)``
and ``ecosim run zgc_baseline --replications 2`` write identical ``indicators.csv`` values.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sim.api.results import Result
from sim.api.scenarios import load_scenario
from sim.errors import UserError
from sim.experiments.ensemble import DEFAULT_MEMBERS, load_ensemble
from sim.experiments.metadata import run_metadata
from sim.experiments.replicate import indicators_frame, replicate_seeds, run_replicates
from sim.model import RunConfig
from sim.scenario import Scenario
from sim.simulate import SimResult, simulate


def _convenience(seed: int | None, scale: float | None, end_year: int | None) -> dict[str, Any]:
    """The keyword arguments as overrides, in the CLI's order (seed, scale, end_year)."""
    out: dict[str, Any] = {}
    if seed is not None:
        out["seed"] = seed
    if scale is not None:
        out["scale"] = scale
    if end_year is not None:
        out["end_year"] = end_year
    return out


def _check_counts(replications: int, workers: int) -> None:
    if int(replications) < 1:
        raise UserError("replications must be at least 1", field="replications")
    if int(workers) < 1:
        raise UserError("workers must be at least 1", field="workers")


def _simulate_job(args: tuple[RunConfig, int, bool]) -> SimResult:
    config, seed, snapshot = args
    return simulate(config, seed, snapshot=snapshot)


def _run_jobs(
    jobs: list[tuple[RunConfig, int, bool]], workers: int, done: Callable[[], None]
) -> list[SimResult]:
    """Run (config, seed, snapshot) jobs in order; results do not depend on ``workers``."""
    out: list[SimResult] = []
    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            out.append(_simulate_job(job))
            done()
        return out
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for result in pool.map(_simulate_job, jobs):
            out.append(result)
            done()
    return out


@contextlib.contextmanager
def _progress(show: bool, label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar over simulated years on standard error (a no-op when not shown)."""
    if not show:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TextColumn("years"), console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def run(
    scenario: str | Path | Scenario,
    *,
    replications: int = 1,
    seed: int | None = None,
    workers: int = 1,
    scale: float | None = None,
    end_year: int | None = None,
    ensemble: str | Path | None = None,
    members: int | None = DEFAULT_MEMBERS,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> Result:
    """Run ``scenario`` (shipped name, path or :class:`Scenario`) and return a :class:`Result`.

    ``seed``, ``scale`` and ``end_year`` act like the CLI flags of the same names (validated
    overrides). With ``ensemble`` (a calibration folder or a shipped ensemble name) each of
    ``members`` posterior members runs ``replications`` replicates; replicates are numbered
    over members x replicates (member-major) and ``Result.indicators`` has a ``member``
    column. Nothing is written to disk; ``Result.save(dir)`` writes a run folder.
    ``progress=True`` shows a progress bar (simulated years) on standard error.
    """
    _check_counts(replications, workers)
    extra = _convenience(seed, scale, end_year)
    if isinstance(scenario, Scenario):
        resolved = load_scenario(scenario, {**(overrides or {}), **extra} or None)
        label = scenario.name
    elif overrides:
        resolved = load_scenario(load_scenario(scenario, overrides), extra or None)
        label = str(scenario)
    else:  # the CLI's own path: text overrides read as YAML, as `--seed/--scale/--end-year`
        resolved = load_scenario(scenario, [f"{k}={v}" for k, v in extra.items()] or None)
        label = str(scenario)
    source = getattr(resolved, "_source", None)
    applied = list(source.overrides) if source is not None else []
    start = time.perf_counter()
    member_of: list[int] | None = None
    chosen = load_ensemble(ensemble).members(members) if ensemble is not None else []
    n_runs = len(chosen) * replications if chosen else replications
    years = resolved.end_year - resolved.start_year + 1
    with _progress(progress, f"{resolved.name} x{n_runs}", years * n_runs) as advance:
        if ensemble is None:
            seeds = replicate_seeds(resolved.seed, replications)
            results = run_replicates(
                resolved.to_run_config(),
                resolved.seed,
                replications,
                workers=workers,
                on_year=(lambda _i, _y: advance(1)) if workers <= 1 else None,
                on_done=(lambda _i, _r: advance(years)) if workers > 1 else None,
            )
        else:
            seeds = replicate_seeds(resolved.seed, n_runs)
            jobs, member_of = [], []
            for j, member in enumerate(chosen):
                config = resolved.with_overrides(member.values).to_run_config()
                for r in range(replications):
                    i = j * replications + r
                    jobs.append((config, seeds[i], i == 0))
                    member_of.append(member.member)
            results = _run_jobs(jobs, workers, lambda: advance(years))
    wall = time.perf_counter() - start
    meta = run_metadata(resolved, label, source, applied, seeds, results, wall)
    if ensemble is not None:
        meta["ensemble"] = {"source": str(ensemble), "members": member_of}
    frame = indicators_frame(results)
    if member_of is not None:
        frame["member"] = frame["replicate"].map(dict(enumerate(member_of)))
    result = Result.from_frame(resolved, frame, meta, results[0].snapshot)
    result.tables = results[0].tables
    return result
