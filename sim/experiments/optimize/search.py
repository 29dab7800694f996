"""The search loop: pymoo's NSGA-II/III asked and told one generation at a time.

Folder layout (every file written atomically)::

    spec.yaml             the spec file as given
    spec.resolved.yaml    the spec after --set; its hash (with the base's) guards --resume
    optimize.json         hashes, budget, timings
    base_scenario.yaml    the base after fixed values, scale and end year
    members.csv           the posterior members used (with --ensemble)
    generations/          gen-NNNN.json: the candidates asked in each generation
    runs/                 one JSON per (candidate, draw), as the sweep writes them
    checkpoint.pkl        the algorithm (and its random state) after the last whole generation
    evaluations.csv       every candidate: variables, robustness per objective, constraints
    convergence.csv       hypervolume of the non-dominated set found so far, per generation
    pareto.csv            the non-dominated feasible candidates (the Pareto policies)
    policy_N.yaml         each Pareto policy as a scenario extending base_scenario.yaml
    optimize.html         trade-offs, convergence, the policies

Resume. The algorithm is pickled after each generation it was told; ``--resume`` loads it and
asks again, which gives the same candidates (pymoo draws from the algorithm's own generator,
which the pickle carries), and runs only the draws not yet on disk. Runs are keyed by
candidate number and draw and seeded from the spec seed and the draw alone, so the result is
the same whatever the worker count, executor, order of completion or interruptions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import UserError
from sim.experiments.ensemble import Member, load_ensemble
from sim.experiments.optimize.problem import (
    Base,
    base_scenario,
    candidate_tasks,
    candidate_values,
    constraint_values,
    draw_matrix,
    frame_of_stats,
    n_constraints,
    objective_values,
    pareto_mask,
    regret,
    robust_stats,
)
from sim.experiments.optimize.spec import OptimizeSpec, load_spec
from sim.experiments.sweep.execute import (
    FAILED_DIR,
    execute,
    read_run,
    run_file,
    save_result,
)
from sim.io import (
    ResumableDir,
    prepare_resumable_dir,
    read_state_json,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from sim.scenario.loader import dump_yaml

META = "optimize.json"
CHECKPOINT = "checkpoint.pkl"
GEN_DIR = "generations"
BASE_COPY = "base_scenario.yaml"


@dataclass
class Archive:
    """Every candidate evaluated so far, in order of its number."""

    ids: list[int]
    generation: list[int]
    x: list[np.ndarray]
    f: list[np.ndarray]
    g: list[np.ndarray]
    stats: list[dict[str, dict[str, float]]]
    member_means: list[dict[str, np.ndarray]]


@dataclass
class Outcome:
    folder: Path
    evaluations: pd.DataFrame
    pareto: pd.DataFrame
    convergence: pd.DataFrame
    meta: dict[str, Any]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_algorithm(spec: OptimizeSpec) -> Any:
    """pymoo's NSGA-II (Deb et al. 2002) or NSGA-III (Deb and Jain 2014), set up on the box."""
    from pymoo.core.problem import Problem

    xl = np.array([v.range[0] for v in spec.variables])
    xu = np.array([v.range[1] for v in spec.variables])
    problem = Problem(n_var=len(xl), n_obj=len(spec.objectives), n_ieq_constr=n_constraints(spec),
                      xl=xl, xu=xu)  # fmt: skip
    if spec.algorithm == "nsga3":
        from pymoo.algorithms.moo.nsga3 import NSGA3
        from pymoo.util.ref_dirs import get_reference_directions

        dirs = get_reference_directions("energy", len(spec.objectives), spec.population,
                                        seed=spec.seed % 2**31)  # fmt: skip
        algorithm = NSGA3(ref_dirs=dirs, pop_size=spec.population, eliminate_duplicates=True)
    else:
        from pymoo.algorithms.moo.nsga2 import NSGA2

        algorithm = NSGA2(pop_size=spec.population, eliminate_duplicates=True)
    algorithm.setup(problem, termination=("n_gen", spec.generations), seed=spec.seed % 2**31,
                    verbose=False)  # fmt: skip
    return algorithm


def _members(spec: OptimizeSpec, ensemble: str | Path | None) -> list[Member | None]:
    if ensemble is None:
        return [None]
    return list(load_ensemble(ensemble).members(spec.members, seed=spec.seed))


#: every name an optimisation writes into its folder (the guard's test of "ecosim wrote it")
OPTIMIZE_FILES = (
    "spec.yaml", "spec.resolved.yaml", META, BASE_COPY, "members.csv", GEN_DIR, "runs",
    FAILED_DIR, CHECKPOINT, "evaluations.csv", "convergence.csv", "pareto.csv",
    "policy_*.yaml", "optimize.html",
)  # fmt: skip


def prepare_optimize_dir(
    out: str | Path, *, force: bool = False, resume: bool = False
) -> ResumableDir:
    """Check an optimisation's ``--out`` with the shared guard (never a user's folder)."""
    return prepare_resumable_dir(
        out, kind="optimisation", key=META, files=OPTIMIZE_FILES, force=force, resume=resume
    )


def _check_folder(out: Path, key: str, resume: bool) -> None:
    """On ``--resume``: the folder must hold this optimisation (same spec, base, ensemble)."""
    meta = out / META
    if not resume:
        return  # a new search: the guard checked the folder
    if not meta.exists():
        if not out.exists():
            raise UserError("nothing to resume: the folder does not exist", file=str(out))
        return  # killed before its first state file: starts again
    saved = read_state_json(meta, "restore it or start a new optimisation with another --out")
    if saved.get("key") != key:
        raise UserError(
            "the spec (after --set), its base scenario or the ensemble changed since this "
            "optimisation started; resume only with the same inputs", file=str(out),
        )  # fmt: skip


def _load_checkpoint(out: Path) -> dict[str, Any] | None:
    path = out / CHECKPOINT
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            state = pickle.load(fh)  # our own file, written by this module
        state["generation"], state["next_id"], state["algorithm"]
    except Exception as exc:
        raise UserError(
            f"the checkpoint cannot be read ({type(exc).__name__}); start a new optimisation",
            file=str(path),
        ) from None
    return state


def _gen_file(out: Path, gen: int) -> Path:
    return out / GEN_DIR / f"gen-{gen:04d}.json"


def _manifest(out: Path, gen: int, first_id: int, x: np.ndarray) -> None:
    """Record the candidates asked; on resume they must be those already recorded."""
    path = _gen_file(out, gen)
    data = {"generation": gen, "first_id": first_id, "x": x.tolist()}
    if path.is_file():
        old = read_state_json(path, "start a new optimisation with another --out")
        if old.get("first_id") != first_id or not np.array_equal(np.array(old["x"]), x):
            raise UserError(
                f"generation {gen} asked different candidates than the saved ones; the "
                "folder does not match this spec (start a new optimisation)", file=str(path),
            )  # fmt: skip
        return
    write_json_atomic(path, data)


class Runner:
    """Runs tasks for one generation after another, keeping a local process pool alive.

    A generation is a few dozen runs; starting a pool (and importing the model in each
    worker) for each would cost more than the runs on a busy machine. The sweep's executor
    serves the other cases (one worker, Dask), with the same ``run_task`` and result files.
    """

    def __init__(self, workers: int, executor: str) -> None:
        self.workers, self.executor = workers, executor
        self.pool: Any = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=exc[0] is None, cancel_futures=True)

    def run(self, tasks: list[Any], on_result: Callable[[dict[str, Any]], None]) -> None:
        if not tasks:
            return
        if self.executor != "process" or self.workers <= 1:
            execute(tasks, on_result, workers=self.workers, executor=self.executor)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from sim.experiments.sweep.execute import run_task

        if self.pool is None:  # forkserver: no inherited progress-display thread
            ctx = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        futures = [self.pool.submit(run_task, t) for t in tasks]
        try:
            for fut in as_completed(futures):
                on_result(fut.result())
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _evaluate_generation(
    spec: OptimizeSpec, base: Base, members: list[Member | None], out: Path, first_id: int,
    x: np.ndarray, *, runner: Runner, tick: Callable[[], None] | None, cpu: list[float],
) -> list[list[dict[str, Any]]]:  # fmt: skip
    tasks = []
    for i, xi in enumerate(x):
        tasks += candidate_tasks(spec, base, members, first_id + i, xi)
    saved: dict[tuple[int, int], dict[str, Any]] = {}
    todo = []
    for t in tasks:
        path = run_file(out, t.point, t.rep)
        if path.is_file():
            run = read_run(path)
            if int(run["seed"]) != t.seed:
                raise UserError("a saved run does not belong to this optimisation",
                                file=str(path))  # fmt: skip
            saved[(t.point, t.rep)] = run
        else:
            todo.append(t)
    failed: list[str] = []

    def on_result(result: dict[str, Any]) -> None:
        save_result(out, result)
        cpu[0] += float(result.get("cpu_seconds", 0.0))
        if result.get("error"):
            failed.append(f"candidate {result['point']} draw {result['rep']}")
        else:
            saved[(int(result["point"]), int(result["rep"]))] = result
        if tick:
            tick()

    runner.run(todo, on_result)
    if failed:
        raise UserError(
            f"{len(failed)} run(s) failed ({', '.join(failed[:5])}); tracebacks are in "
            f"{FAILED_DIR}/; --resume retries them", file=str(out),
        )  # fmt: skip
    draws = len(members) * spec.replicates
    return [[saved[(first_id + i, r)] for r in range(draws)] for i in range(len(x))]


def _score(spec: OptimizeSpec, runs: list[dict[str, Any]], n_members: int):
    stats: dict[str, dict[str, float]] = {}
    means: dict[str, np.ndarray] = {}
    for o in spec.outputs:
        mat = draw_matrix(spec, runs, o.label, n_members)
        direction = getattr(o, "direction", "max")
        stats[o.label] = robust_stats(mat, direction, getattr(o, "satisfice", None))
        with np.errstate(all="ignore"):
            means[o.label] = np.nanmean(mat, axis=1) if np.isfinite(mat).any() else mat[:, 0]
    return stats, means, objective_values(spec, stats), constraint_values(spec, stats)


def optimize(
    spec_path: Path,
    out: Path | None = None,
    *,
    overrides: list[str] | None = None,
    workers: int = 1,
    executor: str = "process",
    resume: bool = False,
    ensemble: str | Path | None = None,
    progress: Callable[[int, int], Callable[[], None]] | None = None,
    stop_after: int | None = None,
    force: bool = False,
    notes: Callable[[list[str]], None] | None = None,
) -> Outcome:
    """Run (or resume) an optimisation and write its folder; returns the tables.

    ``progress(total, done)`` may return a callback invoked per finished run. ``stop_after``
    ends the session after that many generations (tests of resume use it). ``out`` is checked
    by the shared guard: an existing folder is used only with ``resume`` or ``force`` (start
    again) and only when ecosim wrote it as an optimisation; ``notes`` receives what the guard
    tidied (leftovers of killed runs).
    """
    spec_path = Path(spec_path)
    spec, source = load_spec(spec_path, overrides)
    base = base_scenario(spec, spec_path, source)
    members = _members(spec, ensemble)
    out_text = out if out is not None else Path("optimizations") / spec.name
    out = Path(out_text)
    target = prepare_optimize_dir(out_text, force=force, resume=resume)
    if notes is not None:
        notes(target.notes)
    resolved = dump_yaml(spec.model_dump(mode="json", by_alias=True))
    base_text = dump_yaml(base.scenario.model_dump(mode="json"))
    members_frame = pd.DataFrame(
        [{"member": m.member, "weight": m.weight, **m.values} for m in members if m is not None]
    )
    members_csv = members_frame.to_csv(index=False) if len(members_frame) else ""
    key = _hash(resolved + "\0" + base_text + "\0" + members_csv)
    _check_folder(out, key, resume)
    draws = len(members) * spec.replicates
    meta: dict[str, Any] = {
        "spec": spec.name, "spec_file": spec_path.name, "key": key, "algorithm": spec.algorithm,
        "generations": spec.generations, "population": spec.population,
        "replicates": spec.replicates, "members": len(members) if ensemble else 0,
        "ensemble": str(ensemble) if ensemble else None, "draws_per_candidate": draws,
        "ecosim": __version__,
    }  # fmt: skip
    target.create()
    if not (out / META).exists():
        write_json_atomic(out / META, {**meta, "started": _now()})
    write_text_atomic(out / "spec.yaml", spec_path.read_text(encoding="utf-8"))
    write_text_atomic(out / "spec.resolved.yaml", resolved)
    write_text_atomic(out / BASE_COPY, base_text)
    if members_csv:
        write_text_atomic(out / "members.csv", members_csv)
    for stale in (out / "runs").glob(".*.tmp"):
        stale.unlink(missing_ok=True)

    state = _load_checkpoint(out) if resume else None
    if state is None:
        algorithm, gen, next_id = make_algorithm(spec), 0, 0
    else:
        algorithm, gen, next_id = state["algorithm"], state["generation"], state["next_id"]
        np.random.set_state(state["np_random"])
    archive = _rebuild_archive(spec, out, gen, len(members))
    total = spec.generations * spec.population * draws
    done_runs = len(list((out / "runs").glob("*.json"))) if (out / "runs").is_dir() else 0
    tick = progress(total, min(done_runs, total)) if progress else None
    t0, cpu = time.perf_counter(), [0.0]
    session_gens = 0
    with Runner(workers, executor) as runner:
        while gen < spec.generations and (stop_after is None or session_gens < stop_after):
            gen, next_id = _generation(spec, base, members, out, algorithm, archive, gen,
                                       next_id, runner, tick, cpu)  # fmt: skip
            session_gens += 1
    evaluations, convergence = _tables(spec, base, archive)
    pareto = evaluations[evaluations["pareto"]].copy()
    pareto.insert(0, "policy", np.arange(1, len(pareto) + 1))
    wall = time.perf_counter() - t0
    meta_now = json.loads((out / META).read_text(encoding="utf-8"))
    meta_now.update(meta)
    meta_now.update({
        "generations_done": gen, "candidates": len(archive.ids),
        "finished": gen >= spec.generations, "last_session_seconds": round(wall, 2),
        "last_session_run_cpu_seconds": round(cpu[0], 1), "workers": workers,
        "executor": executor, "pareto_policies": len(pareto), "last_saved": _now(),
    })  # fmt: skip
    write_json_atomic(out / META, meta_now)
    if gen >= spec.generations:
        _write_final(spec, base, out, evaluations, pareto, convergence, meta_now)
    return Outcome(out, evaluations, pareto, convergence, meta_now)


def _generation(
    spec: OptimizeSpec, base: Base, members: list[Member | None], out: Path, algorithm: Any,
    archive: Archive, gen: int, next_id: int, runner: Runner,
    tick: Callable[[], None] | None, cpu: list[float],
) -> tuple[int, int]:  # fmt: skip
    """Ask, run, score, tell, checkpoint: one generation. Returns (generation, next id)."""
    from pymoo.core.evaluator import Evaluator
    from pymoo.problems.static import StaticProblem

    pop = algorithm.ask()
    x = np.array(pop.get("X"), dtype=float)
    int_cols = [j for j, v in enumerate(spec.variables) if v.is_int]
    if int_cols:  # the algorithm is told the values that were run
        x[:, int_cols] = np.round(x[:, int_cols])
        pop.set("X", x)
    gen += 1
    _manifest(out, gen, next_id, x)
    results = _evaluate_generation(spec, base, members, out, next_id, x, runner=runner,
                                   tick=tick, cpu=cpu)  # fmt: skip
    fs, gs = [], []
    for i, runs in enumerate(results):
        stats, means, f, g = _score(spec, runs, len(members))
        fs.append(f)
        gs.append(g)
        _append(archive, next_id + i, gen, x[i], f, g, stats, means)
    kwargs: dict[str, Any] = {"F": np.array(fs)}
    if n_constraints(spec):
        kwargs["G"] = np.array(gs)
    Evaluator().eval(StaticProblem(algorithm.problem, **kwargs), pop)
    algorithm.tell(infills=pop)
    next_id += len(x)
    state = {"algorithm": algorithm, "generation": gen, "next_id": next_id,
             "np_random": np.random.get_state()}  # fmt: skip
    _write_bytes_atomic(out / CHECKPOINT, pickle.dumps(state))
    evaluations, convergence = _tables(spec, base, archive)
    write_csv_atomic(out / "evaluations.csv", evaluations)
    write_csv_atomic(out / "convergence.csv", convergence)
    return gen, next_id


def _append(archive: Archive, cid: int, gen: int, x, f, g, stats, means) -> None:
    archive.ids.append(cid)
    archive.generation.append(gen)
    archive.x.append(np.asarray(x, float))
    archive.f.append(f)
    archive.g.append(g)
    archive.stats.append(stats)
    archive.member_means.append(means)


def _rebuild_archive(spec: OptimizeSpec, out: Path, gens_done: int, n_members: int) -> Archive:
    """The candidates of the generations already told, read back from the folder."""
    archive = Archive([], [], [], [], [], [], [])
    draws = n_members * spec.replicates
    for gen in range(1, gens_done + 1):
        path = _gen_file(out, gen)
        data = read_state_json(path, "start a new optimisation with another --out")
        first = int(data["first_id"])
        for i, xi in enumerate(data["x"]):
            runs = [read_run(run_file(out, first + i, r)) for r in range(draws)]
            stats, means, f, g = _score(spec, runs, n_members)
            _append(archive, first + i, gen, np.array(xi, float), f, g, stats, means)
    return archive


def _tables(spec: OptimizeSpec, base: Base, archive: Archive) -> tuple[pd.DataFrame, pd.DataFrame]:
    """evaluations (with regret, feasibility and the Pareto flag) and convergence."""
    n = len(archive.ids)
    ev = pd.DataFrame({"candidate": archive.ids, "generation": archive.generation})
    for v in spec.variables:
        col = [candidate_values(spec, base, x)[v.path] for x in archive.x]
        ev[v.label] = col if not v.is_int else [int(c) for c in col]
    stats = frame_of_stats(spec, archive.stats)
    if n:
        means = {o.label: np.vstack([m[o.label] for m in archive.member_means])
                 for o in spec.objectives}  # fmt: skip
        reg = regret(spec, means)
        for o in spec.objectives:
            i = stats.columns.get_loc(f"{o.label}_satisficing") + 1
            stats.insert(i, f"{o.label}_regret", reg[o.label])
    ev = pd.concat([ev, stats], axis=1)
    g = np.array(archive.g) if n else np.zeros((0, 0))
    feasible = (g <= 0).all(axis=1) if g.size else np.ones(n, dtype=bool)
    ev["feasible"] = feasible
    f = np.array(archive.f) if n else np.zeros((0, len(spec.objectives)))
    mask = np.zeros(n, dtype=bool)
    if feasible.any():
        idx = np.flatnonzero(feasible)
        mask[idx[pareto_mask(f[idx])]] = True
    ev["pareto"] = mask
    return ev, _convergence(spec, archive, f, feasible)


def _convergence(spec: OptimizeSpec, archive: Archive, f: np.ndarray, feasible: np.ndarray):
    """Hypervolume (pymoo) of the non-dominated feasible set found up to each generation.

    Objectives are normalised by the ideal and nadir points of the final non-dominated set,
    the reference point is 1.1 in every objective, so values lie in [0, 1.1^k].
    """
    from pymoo.indicators.hv import HV

    gens = np.array(archive.generation, dtype=int)
    rows = []
    ok = np.flatnonzero(feasible)
    front = f[ok][pareto_mask(f[ok])] if ok.size else np.zeros((0, f.shape[1]))
    if len(front):
        ideal, nadir = front.min(axis=0), front.max(axis=0)
        span = np.where(nadir - ideal > 0, nadir - ideal, 1.0)
        hv = HV(ref_point=np.full(f.shape[1], 1.1))
    for gen in range(1, (gens.max() if gens.size else 0) + 1):
        upto = np.flatnonzero((gens <= gen) & feasible)
        value, size = 0.0, 0
        if upto.size and len(front):
            pts = f[upto][pareto_mask(f[upto])]
            size = len(pts)
            value = float(hv((pts - ideal) / span))
        rows.append({"generation": gen, "evaluations": int((gens <= gen).sum()),
                     "feasible": int(((gens <= gen) & feasible).sum()),
                     "pareto_size": size, "hypervolume": value})  # fmt: skip
    return pd.DataFrame(
        rows, columns=["generation", "evaluations", "feasible", "pareto_size", "hypervolume"]
    )


def policy_yaml(spec: OptimizeSpec, base: Base, row: pd.Series, number: int) -> str:
    """One Pareto policy as a scenario extending the base copy."""
    x = np.array([row[v.label] for v in spec.variables], dtype=float)
    values = candidate_values(spec, base, x)
    body: dict[str, Any] = {}
    for path, value in values.items():
        node = body
        steps = path.split(".")
        for s in steps[:-1]:
            node = node.setdefault(s, {})
        node[steps[-1]] = value
    head = [f"# Pareto policy {number} of optimisation '{spec.name}' (candidate "
            f"{int(row['candidate'])}, generation {int(row['generation'])})"]  # fmt: skip
    for o in spec.objectives:
        head.append(
            f"#   {o.label} ({o.direction}): mean {row[f'{o.label}_mean']:.6g}, "
            f"p10 {row[f'{o.label}_p10']:.6g}, regret {row[f'{o.label}_regret']:.6g}"
        )
    for c in spec.constraints:
        head.append(f"#   constraint {c.label}: mean {row[f'{c.label}_mean']:.6g}")
    doc = {"extends": BASE_COPY, "name": f"{spec.name}_policy_{number}"[:80],
           "description": f"Pareto policy {number} of {spec.name}", **body}  # fmt: skip
    return "\n".join(head) + "\n" + dump_yaml(doc)


def _write_final(spec, base, out, evaluations, pareto, convergence, meta) -> None:
    from sim.experiments.optimize.report import render
    from sim.scenario import load

    write_csv_atomic(out / "pareto.csv", pareto)
    for stale in out.glob("policy_*.yaml"):
        stale.unlink()
    for _, row in pareto.iterrows():
        path = out / f"policy_{int(row['policy'])}.yaml"
        write_text_atomic(path, policy_yaml(spec, base, row, int(row["policy"])))
        load(path)  # must validate
    write_text_atomic(out / "optimize.html", render(spec, evaluations, pareto, convergence, meta))
