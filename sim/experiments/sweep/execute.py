"""Running the design: one task per (point, replicate), saved as its own file when it finishes.

A task carries everything a worker needs (the run config, the seed, the outputs to read) and
returns plain data, so the same function runs in a local process pool or on a Dask cluster.
The parent writes each result atomically to ``runs/point-PPPPPP-rep-RR.json`` as it arrives:
a sweep killed at any moment leaves only whole files, and ``--resume`` runs what is missing.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.experiments.pool import process_pool
from sim.io import write_json_atomic
from sim.model import RunConfig

RUNS_DIR = "runs"
FAILED_DIR = "failed"


@dataclass(frozen=True)
class OutputSpec:
    """What a worker reads from a run (plain data, so it pickles anywhere)."""

    label: str
    indicator: str
    summary: str | None
    first: int
    last: int


@dataclass(frozen=True)
class Task:
    point: int
    rep: int
    seed: int
    config: RunConfig
    outputs: tuple[OutputSpec, ...]


def run_file(folder: Path, point: int, rep: int) -> Path:
    return Path(folder) / RUNS_DIR / f"point-{point:06d}-rep-{rep:02d}.json"


def output_values(records: list[dict[str, float]], specs: Iterable[OutputSpec]) -> dict[str, float]:
    """Read each output from a run's yearly records (index dimensions computed on demand)."""
    specs = list(specs)
    by_year = {int(r["year"]): r for r in records}
    index: dict[tuple[str, int], float] | None = None
    if any(s.indicator.startswith("zgc_index.") for s in specs):
        index = _index_values(records)
    out: dict[str, float] = {}
    for s in specs:
        years = range(s.first, s.last + 1)
        if s.indicator.startswith("zgc_index."):
            dim = s.indicator.split(".", 1)[1]
            series = [index.get((dim, y), float("nan")) for y in years]  # type: ignore[union-attr]
        else:
            series = [float(by_year.get(y, {}).get(s.indicator, float("nan"))) for y in years]
        out[s.label] = _summarise(series, s.summary)
    return out


def _index_values(records: list[dict[str, float]]) -> dict[tuple[str, int], float]:
    from sim.experiments.replicate import indicators_frame
    from sim.indices import IndexUnavailable, zgc_index
    from sim.simulate import SimResult

    res = SimResult(0, records, {}, 0, 0.0, 0.0, 0)
    try:
        idx = zgc_index(indicators_frame([res]))
    except IndexUnavailable:
        return {}
    return {
        (str(d), int(y)): float(v)
        for d, y, v in idx[["dimension", "year", "value"]].itertuples(index=False)
    }


def _summarise(series: list[float], summary: str | None) -> float:
    if summary is None:
        return series[0]
    if summary == "growth":
        return series[-1] / series[0] if series[0] not in (0.0,) else float("nan")
    if summary == "change":
        return series[-1] - series[0]
    return float(np.mean(series))


def run_task(task: Task) -> dict[str, Any]:
    """Run one (point, replicate); never raises, so one failure does not stop a cluster."""
    from sim.simulate import simulate

    t0, c0 = time.perf_counter(), time.process_time()
    try:
        res = simulate(task.config, task.seed)
        values = output_values(res.records, task.outputs)
        error = None
    except Exception:  # a model failure at an extreme corner of the design; reported
        values, error = {}, traceback.format_exc()
    return {
        "point": task.point,
        "rep": task.rep,
        "seed": task.seed,
        "outputs": values,
        "seconds": round(time.perf_counter() - t0, 3),
        "cpu_seconds": round(time.process_time() - c0, 3),
        "error": error,
    }


def read_run(path: Path) -> dict[str, Any]:
    """One saved run; anything unexpected in it (truncated, edited) is a UserError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        int(data["point"]), int(data["rep"]), int(data["seed"]), dict(data["outputs"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f"cannot read run file: {exc}; delete it and finish the sweep with --resume",
            file=str(path),
        ) from None
    for label, value in data["outputs"].items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(
                f"output {label!r} is {value!r}, not a number; delete the file and finish "
                "the sweep with --resume",
                file=str(path),
            )
    return data


def existing_runs(folder: Path) -> dict[tuple[int, int], dict[str, Any]]:
    """Every saved run of a sweep folder, by (point, replicate)."""
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for path in sorted((Path(folder) / RUNS_DIR).glob("point-*-rep-*.json")):
        data = read_run(path)
        found[(int(data["point"]), int(data["rep"]))] = data
    return found


def save_result(folder: Path, result: dict[str, Any]) -> None:
    """A finished run as its own file; a failed one goes to ``failed/`` and is retried on
    ``--resume``."""
    point, rep = int(result["point"]), int(result["rep"])
    if result.get("error"):
        path = Path(folder) / FAILED_DIR / f"point-{point:06d}-rep-{rep:02d}.json"
        write_json_atomic(path, result)
        return
    keys = ("point", "rep", "seed", "outputs", "seconds", "cpu_seconds")
    data = {k: result[k] for k in keys if k in result}
    write_json_atomic(run_file(folder, point, rep), data)
    stale = Path(folder) / FAILED_DIR / f"point-{point:06d}-rep-{rep:02d}.json"
    stale.unlink(missing_ok=True)


def execute(
    tasks: list[Task],
    on_result: Callable[[dict[str, Any]], None],
    *,
    workers: int = 1,
    executor: str = "process",
    scheduler: str | None = None,
) -> None:
    """Run the tasks in parallel and call ``on_result`` in the parent as each finishes."""
    if not tasks:
        return
    if executor == "dask":
        _execute_dask(tasks, on_result, workers, scheduler)
    elif workers <= 1:
        for t in tasks:
            on_result(run_task(t))
    else:
        # forkserver: workers do not inherit the progress display's thread (fork + threads);
        # Ctrl-C, SIGTERM or a failing save stops queued runs and the workers at once
        with process_pool(workers, "forkserver") as pool:
            futures = [pool.submit(run_task, t) for t in tasks]
            for fut in as_completed(futures):
                on_result(fut.result())


#: how long ``check_scheduler`` tries to reach a scheduler
SCHEDULER_TIMEOUT = "10s"


def check_scheduler(scheduler: str) -> None:
    """Connect to a Dask scheduler once, so an unreachable one is reported before any file."""
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise UserError(f"--executor dask needs dask[distributed] installed ({exc})") from None
    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise UserError(
            f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="--scheduler"
        ) from None
    client.close()


def _execute_dask(
    tasks: list[Task], on_result: Callable[[dict[str, Any]], None], workers: int,
    scheduler: str | None,
) -> None:  # fmt: skip
    import logging

    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise UserError(f"--executor dask needs dask[distributed] installed ({exc})") from None
    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise UserError(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="--scheduler"
                ) from None
        else:
            cluster = LocalCluster(
                n_workers=max(1, workers), threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR,
            )  # fmt: skip
            client = Client(cluster)
        with client:
            futures = client.map(run_task, tasks, pure=False)
            for fut in dask_completed(futures):
                on_result(fut.result())
    finally:
        if cluster is not None:
            cluster.close()
