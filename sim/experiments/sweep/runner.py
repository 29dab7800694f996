"""A sweep from start to finish: design, folder bookkeeping, resume, runs, analysis, files.

Folder layout (every file written atomically)::

    experiment.yaml    the experiment file, byte for byte (its hash guards --resume)
    sweep.json         hashes, sizes, timings
    base_scenario.yaml the base scenario after fixed values, scale and end year
    samples.csv        one row per design point: factor values (and the seed dummy's level)
    runs/              one small JSON file per finished (point, replicate)
    results.csv        one row per (point, replicate): seed and outputs
    sensitivity.csv    output,factor,method,S1,S1_conf,ST,ST_conf,mu_star,mu_star_conf,sigma
    noise.csv          replicate noise share and replications needed, per output
    convergence.csv    Sobol indices at N/4, N/2 and N (empty for other methods)
    sensitivity.html   ranked bar charts with confidence intervals
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import UserError
from sim.experiments.ensemble import Ensemble, Member, ensemble_meta
from sim.experiments.sweep.analysis import (
    CONVERGENCE_COLUMNS,
    NOISE_COLUMNS,
    SENSITIVITY_COLUMNS,
    Analysis,
    analyze,
)
from sim.experiments.sweep.design import (
    Base,
    Design,
    _set,
    base_scenario,
    make_design,
    point_scenario,
    run_seed,
)
from sim.experiments.sweep.execute import (
    FAILED_DIR,
    RUNS_DIR,
    OutputSpec,
    Task,
    check_scheduler,
    execute,
    existing_runs,
    save_result,
)
from sim.experiments.sweep.report import render
from sim.experiments.sweep.schema import SEED_FACTOR, Experiment, load_experiment
from sim.io import (
    ResumableDir,
    prepare_resumable_dir,
    read_state_json,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from sim.scenario.loader import dump_yaml, validate
from sim.scenario.schema import Scenario

EXPERIMENT_COPY = "experiment.yaml"
META = "sweep.json"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def output_specs(exp: Experiment) -> tuple[OutputSpec, ...]:
    return tuple(OutputSpec(o.label, o.indicator, o.summary, *o.years) for o in exp.outputs)


def samples_frame(exp: Experiment, design: Design) -> pd.DataFrame:
    df = pd.DataFrame(design.values, columns=[f.label for f in exp.factors])
    if exp.seed_factor:
        df[SEED_FACTOR] = design.unit[:, -1]
    df.insert(0, "trajectory", design.blocks)
    df.insert(0, "point", np.arange(design.points))
    return df


def plan(
    exp: Experiment, exp_path: Path, source: Any, members: list[Member] | None = None
) -> tuple[Design, list[Task], str]:
    """The design and every task of the sweep, each point validated as a scenario.

    With posterior ``members`` every point runs once per member and replicate: replicate
    ``m * R + r`` is member ``m``'s ``r``-th run (``exp.replications`` is then ``K * R``);
    a member's values are set first, so a factor on the same path wins.
    """
    base = base_scenario(exp, exp_path, source)
    design = make_design(exp)
    specs = output_specs(exp)
    groups = [base] if not members else [_with_member(base, m) for m in members]
    per = exp.replications // len(groups)
    tasks: list[Task] = []
    for p in range(design.points):
        for g, b in enumerate(groups):
            try:
                sc = point_scenario(exp, b, design.values[p])
            except UserError as exc:
                values = dict(zip([f.label for f in exp.factors], design.values[p], strict=True))
                raise UserError(
                    f"design point {p} {values} is not a valid scenario: {exc.render()}",
                    file=str(exp_path), field="factors",
                ) from None  # fmt: skip
            config = sc.to_run_config()
            for r in range(g * per, (g + 1) * per):
                tasks.append(Task(p, r, run_seed(exp, design, p, r), config, specs))
    base_text = dump_yaml(base.scenario.model_dump(mode="json"))
    if members:  # the members are part of what a resumed sweep must match
        base_text += "# ensemble\n" + json.dumps([m.values for m in members], sort_keys=True)
    return design, tasks, base_text


def read_meta(folder: Path) -> dict[str, Any]:
    """``sweep.json`` of a sweep folder; a truncated or edited file is the user's to fix."""
    return read_state_json(
        Path(folder) / META, "restore it or start a new sweep with another --out"
    )


def _with_member(base: Base, member: Member) -> Base:
    """The base scenario with one posterior member's values (validated like --set)."""
    import copy

    data = copy.deepcopy(base.data)
    source = copy.copy(base.source)
    for path, value in member.values.items():
        _set(data, path, value)
        source[path] = (f"posterior member {member.member}", None)
    return Base(data, source, validate(data, Scenario, source))


#: every name a sweep writes into its folder (the guard's test of "ecosim wrote it")
SWEEP_FILES = (
    EXPERIMENT_COPY, META, "base_scenario.yaml", "samples.csv", RUNS_DIR, FAILED_DIR,
    "results.csv", "sensitivity.csv", "noise.csv", "convergence.csv", "sensitivity.html",
    "warnings.json",
)  # fmt: skip


def prepare_sweep_dir(out: Path, *, force: bool = False, resume: bool = False) -> ResumableDir:
    """Check a sweep's ``--out`` with the shared guard (:func:`sim.io.prepare_resumable_dir`)."""
    return prepare_resumable_dir(
        out, kind="sweep", key=META, files=SWEEP_FILES, force=force, resume=resume
    )


def _check_folder(out: Path, exp_hash: str, base_hash: str, resume: bool) -> None:
    """On ``--resume``: the folder's state must come from the same experiment and base."""
    meta_path = out / META
    if not resume or not meta_path.exists():
        return  # a new sweep (the guard checked the folder) or one killed before sweep.json
    meta = read_meta(out)
    if meta.get("experiment_hash") != exp_hash:
        raise UserError(
            "the experiment file changed since this sweep started (content hash differs); "
            "resume only with the same file, or start a new sweep with another --out",
            file=str(out),
        )
    if meta.get("base_hash") != base_hash:
        raise UserError(
            "the base scenario changed since this sweep started; start a new sweep",
            file=str(out),
        )


def sweep(
    exp_path: Path,
    out: Path | None = None,
    *,
    workers: int = 1,
    resume: bool = False,
    executor: str = "process",
    scheduler: str | None = None,
    progress: Callable[[int, int], Callable[[], None]] | None = None,
    ensemble: tuple[Ensemble, list[Member]] | None = None,
    force: bool = False,
    notes: Callable[[list[str]], None] | None = None,
) -> tuple[Path, Analysis, dict[str, Any]]:
    """Run (or finish) a sweep and write all its files; returns folder, analysis and meta.

    ``out`` is checked by the shared guard: an existing folder is used only with ``resume``
    (finish it) or ``force`` (start it again) and only when it is a sweep ecosim wrote;
    ``notes`` receives what the guard tidied (leftovers of killed runs).

    ``progress(total, already_done)`` may return a callback invoked once per finished run.
    """
    exp_path = Path(exp_path)
    exp, source = load_experiment(exp_path)
    raw = exp_path.read_bytes()
    out_text = out if out is not None else Path("sweeps") / exp.name
    out = Path(out_text)  # Path("") is ".": the guard sees the text as given
    members = ensemble[1] if ensemble else None
    if members:
        exp = exp.model_copy(update={"replications": exp.replications * len(members)})
    design, tasks, base_text = plan(exp, exp_path, source, members)
    exp_hash, base_hash = file_hash(raw), file_hash(base_text.encode())
    target = prepare_sweep_dir(out_text, force=force, resume=resume)
    if notes is not None:
        notes(target.notes)
    _check_folder(out, exp_hash, base_hash, resume)
    meta = {
        "experiment": exp.name, "experiment_file": exp_path.name, "experiment_hash": exp_hash,
        "base_hash": base_hash, "method": exp.method, "points": design.points,
        "replications": exp.replications, "runs": len(tasks), "ecosim": __version__,
    }  # fmt: skip
    if ensemble:
        meta["ensemble"] = ensemble_meta(*ensemble, exp.replications // len(ensemble[1]))
    if executor == "dask" and scheduler:  # before the folder exists: nothing half-made
        check_scheduler(scheduler)
    target.create()
    if not (out / META).exists():  # first: a killed first session is still resumable
        write_json_atomic(out / META, {**meta, "started": _now()})
    # deterministic content (the hashes matched), so rewriting on resume is harmless
    write_text_atomic(out / EXPERIMENT_COPY, raw.decode("utf-8"))
    write_text_atomic(out / "base_scenario.yaml", base_text)
    write_csv_atomic(out / "samples.csv", samples_frame(exp, design))
    for stale in (out / "runs").glob(".*.tmp"):  # half-written by a killed session
        stale.unlink(missing_ok=True)
    done = existing_runs(out)
    todo = [t for t in tasks if (t.point, t.rep) not in done]
    seeds = {(t.point, t.rep): t.seed for t in tasks}
    for (p, r), run in done.items():
        if seeds.get((p, r)) != int(run["seed"]):
            raise UserError(f"saved run point {p} rep {r} does not belong to this design",
                            file=str(out))  # fmt: skip
    tick = progress(len(tasks), len(tasks) - len(todo)) if progress else None
    t0 = time.perf_counter()
    failed: list[str] = []
    cpu = [0.0]

    def on_result(result: dict[str, Any]) -> None:
        save_result(out, result)
        cpu[0] += float(result.get("cpu_seconds", 0.0))
        if result.get("error"):
            failed.append(f"point {result['point']} rep {result['rep']}")
        if tick:
            tick()

    execute(todo, on_result, workers=workers, executor=executor, scheduler=scheduler)
    wall = time.perf_counter() - t0
    if failed:
        raise UserError(
            f"{len(failed)} run(s) failed ({', '.join(failed[:5])}...); tracebacks are in "
            f"{FAILED_DIR}/; they are retried by --resume", file=str(out),
        )  # fmt: skip
    meta_now = read_meta(out)
    meta_now.update(meta)
    meta_now.update({"last_finished": _now(), "last_session_runs": len(todo),
                     "last_session_seconds": round(wall, 2), "workers": workers,
                     "last_session_run_cpu_seconds": round(cpu[0], 1),
                     "executor": executor})  # fmt: skip
    write_json_atomic(out / META, meta_now)
    analysis = analyze_dir(out)
    return out, analysis, meta_now


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def results_frame(exp: Experiment, runs: dict[tuple[int, int], dict[str, Any]]) -> pd.DataFrame:
    outs = [o.label for o in exp.outputs]
    rows = []
    for p, r in sorted(runs):
        run = runs[(p, r)]
        vals = run["outputs"]
        rows.append([p, r, int(run["seed"]), *(float(vals.get(o, np.nan)) for o in outs)])
    return pd.DataFrame(rows, columns=["point", "replicate", "seed", *outs])


def analyze_dir(folder: Path) -> Analysis:
    """Recompute every analysis file of a finished sweep from its saved runs."""
    folder = Path(folder)
    if not (folder / META).is_file() or not (folder / EXPERIMENT_COPY).is_file():
        raise UserError("not a sweep folder (no sweep.json / experiment.yaml)", file=str(folder))
    exp, _ = load_experiment(folder / EXPERIMENT_COPY)
    meta = read_meta(folder)
    if meta.get("ensemble"):  # members x replicates per point
        exp = exp.model_copy(update={"replications": int(meta["replications"])})
    design = make_design(exp)
    runs = existing_runs(folder)
    expected = design.points * exp.replications
    missing = [(p, r) for p in range(design.points) for r in range(exp.replications)
               if (p, r) not in runs]  # fmt: skip
    if missing:
        raise UserError(
            f"the sweep is incomplete: {expected - len(missing)} of {expected} runs saved; "
            f"finish it with: ecosim sweep {meta.get('experiment_file', 'EXPERIMENT.yaml')} "
            f"--out {folder} --resume", file=str(folder),
        )  # fmt: skip
    for (p, r), run in runs.items():
        if (
            p >= design.points
            or r >= exp.replications
            or int(run["seed"]) != run_seed(exp, design, p, r)
        ):
            raise UserError(f"run point {p} rep {r} does not belong to this design",
                            file=str(folder))  # fmt: skip
    results = results_frame(exp, runs)
    result = analyze(exp, design.unit, results)
    write_csv_atomic(folder / "results.csv", results)
    write_csv_atomic(folder / "sensitivity.csv", result.sensitivity[SENSITIVITY_COLUMNS])
    write_csv_atomic(folder / "noise.csv", result.noise[NOISE_COLUMNS])
    write_csv_atomic(folder / "convergence.csv", result.convergence[CONVERGENCE_COLUMNS])
    write_json_atomic(folder / "warnings.json", result.warnings)
    write_text_atomic(folder / "sensitivity.html", render(exp, meta, result))
    return result
