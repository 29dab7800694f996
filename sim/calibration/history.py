"""History matching in waves, then ABC rejection in the space that survives.

Folder layout (each file written atomically; a killed calibration loses no finished run)::

    spec.yaml              the spec, byte for byte (its hash guards --resume)
    calibration.json       hashes, targets used and left out, timings, the posterior summary
    targets.csv            the resolved targets: key, kind, observed, log-scale errors
    waves/wave-NN/         design.csv and one JSON file per finished (point, replicate) run
    waves/posterior/       the same for the simulator checks of the posterior step
    waves.csv              per wave: runs, failures, non-implausible share, remaining ranges
    runs.parquet           every evaluated run: stage, point, replicate, seed, scale, parameters,
                           each target's simulated value, error text of a failed run
    posterior.csv, predictive.csv, coverage.csv, identifiability.csv, calibration.html

Determinism. Every design is a pure function of the spec and of the saved runs of earlier
waves (Latin hypercube for wave 1; emulator screening and a greedy maximin choice later), each
run's seed a pure function of (spec seed, stage, point, replicate) through ``SeedSequence``,
and the emulators are refitted deterministically. So ``--resume`` after a kill, or any worker
count, gives identical files; runs are reused by their (point, replicate) file.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim import __version__
from sim.calibration.emulator import TargetEmulator, fit_all, predict_all
from sim.calibration.implausibility import implausibility, kth_largest
from sim.calibration.spec import CalibrationSpec, Prior, load_spec
from sim.calibration.targets import Target, all_outputs, resolve_targets
from sim.errors import UserError
from sim.experiments.sweep.design import _set
from sim.experiments.sweep.execute import (
    FAILED_DIR,
    RUNS_DIR,
    Task,
    execute,
    existing_runs,
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
from sim.scenario.loader import SourceMap, dump_yaml, load_scenario_dict, validate
from sim.scenario.schema import Scenario

SPEC_COPY = "spec.yaml"
META = "calibration.json"
WAVES_DIR = "waves"
POSTERIOR_STAGE = "posterior"
#: seed-stream key of the posterior step (waves use their number)
_POSTERIOR_KEY = 999
#: candidate pool kept per wave when choosing a design (enough for a well-spread choice)
_POOL = 4000


class Progress(Protocol):
    """``progress(total, done, label=...)``: start a stage's display; may return a per-run tick
    (the signature of :func:`sim.cli.options.runs_progress`'s callback)."""

    def __call__(self, total: int, done: int, label: str = ...) -> Callable[[], None] | None: ...


# --------------------------------------------------------------------------- parameters


def to_values(priors: list[Prior], unit: np.ndarray) -> np.ndarray:
    """Unit-cube points to parameter values (uniform or log-uniform priors)."""
    unit = np.atleast_2d(unit)
    cols = []
    for j, p in enumerate(priors):
        lo, hi = p.bounds
        u = unit[:, j]
        if p.dist == "logunif":
            cols.append(np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))))
        else:
            cols.append(lo + u * (hi - lo))
    return np.column_stack(cols)


@dataclass
class Setup:
    """Everything derived from the spec before any run."""

    spec: CalibrationSpec
    spec_path: Path
    raw: bytes
    base_data: dict[str, Any]
    base_source: SourceMap
    base: Scenario
    targets: list[Target]
    skipped: list[str]
    spec_hash: str
    base_hash: str

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.spec.parameters]

    @property
    def used(self) -> list[Target]:
        return [t for t in self.targets if t.used]

    @property
    def rank(self) -> int:
        return self.spec.rank_for(len(self.used))

    def scenario_at(self, values: np.ndarray, scale: float) -> Scenario:
        data = copy.deepcopy(self.base_data)
        source = copy.copy(self.base_source)
        for p, v in zip(self.spec.parameters, values, strict=True):
            _set(data, p.path, float(v))
            source[p.path] = (f"calibration parameter {p.path}", None)
        _set(data, "scale", float(scale))
        return validate(data, Scenario, source)


def setup(spec_path: Path) -> Setup:
    """Load and check the spec, its scenario and its targets; raises UserError, writes nothing."""
    spec_path = Path(spec_path)
    spec, src = load_spec(spec_path)
    raw = spec_path.read_bytes()
    scen_path = (spec_path.parent / spec.scenario).resolve()
    if not scen_path.is_file():
        raise UserError(
            f"scenario '{spec.scenario}' not found next to the spec", file=str(spec_path),
            field="scenario",
        )  # fmt: skip
    data, source = load_scenario_dict(scen_path)
    data = copy.deepcopy(data)
    for key, value in spec.fixed.items():
        _set(data, key, value)
        source.drop_under(key)
        source[key] = (str(spec_path), src.locate(f"fixed.{key}")[1])
    if spec.end_year is not None:
        _set(data, "end_year", spec.end_year)
        source["end_year"] = (str(spec_path), src.locate("end_year")[1])
    base = validate(data, Scenario, source)
    # every prior corner must be a valid scenario (cross-field rules, e.g. share sums)
    for corner in (0.0, 1.0):
        values = to_values(spec.parameters, np.full((1, len(spec.parameters)), corner))[0]
        for p, v in zip(spec.parameters, values, strict=True):
            d = copy.deepcopy(data)
            _set(d, p.path, float(v))
            try:
                validate(d, Scenario, source)
            except UserError as exc:
                raise UserError(
                    f"prior bound {v:g} of {p.path} is not a valid scenario value: "
                    f"{exc.render()}", file=str(spec_path), field="parameters",
                ) from None  # fmt: skip
    targets, skipped = resolve_targets(spec, base, str(spec_path))
    base_text = dump_yaml(base.model_dump(mode="json"))
    return Setup(
        spec, spec_path, raw, data, source, base, targets, skipped,
        _spec_hash(raw, spec), hashlib.sha256(base_text.encode()).hexdigest(),
    )  # fmt: skip


def _spec_hash(raw: bytes, spec: CalibrationSpec) -> str:
    """The file's bytes and the resolved spec: a changed ``extends`` parent changes it too."""
    resolved = json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(raw + b"\0" + resolved).hexdigest()


# --------------------------------------------------------------------------- folder


#: every name a calibration writes into its folder (the guard's test of "ecosim wrote it")
CALIBRATION_FILES = (
    SPEC_COPY, META, "targets.csv", WAVES_DIR, "waves.csv", "runs.parquet", "posterior.csv",
    "predictive.csv", "coverage.csv", "identifiability.csv", "calibration.html",
)  # fmt: skip


def prepare_calibration_dir(
    out: str | Path, *, force: bool = False, resume: bool = False
) -> ResumableDir:
    """Check a calibration's ``--out`` with the shared guard (never a user's folder)."""
    return prepare_resumable_dir(
        out, kind="calibration", key=META, files=CALIBRATION_FILES, force=force, resume=resume
    )


def check_folder(out: Path, s: Setup, resume: bool) -> None:
    """On ``--resume``: refuse a folder made from another spec or scenario."""
    meta = out / META
    if not resume or not meta.exists():  # a new one (the guard checked), or killed early
        return
    old = read_state_json(meta, "restore it or start a new calibration with another --out")
    if old.get("spec_hash") != s.spec_hash:
        raise UserError(
            "this folder was made from another spec (content hash differs); resume only with "
            "the same file, or start a new calibration with another --out", file=str(out),
        )  # fmt: skip
    if old.get("base_hash") != s.base_hash:
        raise UserError(
            "the scenario changed since this calibration started; start a new one",
            file=str(out),
        )


def run_seed(spec: CalibrationSpec, stage: int, point: int, rep: int) -> int:
    seq = np.random.SeedSequence(spec.seed, spawn_key=(stage, point, rep))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


# --------------------------------------------------------------------------- screening


@dataclass
class WaveFit:
    """A finished wave: its emulators, and which screen points pass them."""

    emulators: list[TargetEmulator]
    screen_pass: np.ndarray


def wave_implausibility(s: Setup, fit: WaveFit, unit: np.ndarray) -> np.ndarray:
    """The rank-th largest implausibility of each point under one wave's emulators."""
    used = s.used
    mean, v_em, v_st = predict_all(fit.emulators, unit)
    obs = np.array([t.obs_sd**2 + t.disc_sd**2 for t in used])
    z = np.array([t.z for t in used])
    imp = implausibility(z, mean, v_em + v_st + obs[None, :], [t.kind for t in used])
    return kth_largest(imp, s.rank)


def passes(s: Setup, fits: list[WaveFit], unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-implausible under every wave so far, and the last wave's implausibility."""
    ok = np.ones(unit.shape[0], bool)
    last = np.zeros(unit.shape[0])
    for f in fits:
        last = wave_implausibility(s, f, unit)
        ok &= last <= s.spec.cutoff
    return ok, last


def screen_points(s: Setup) -> np.ndarray:
    """A fixed uniform sample of the prior (unit space): the share's denominator."""
    rng = np.random.default_rng(np.random.SeedSequence(s.spec.seed, spawn_key=(0, 0, 1)))
    return rng.random((s.spec.candidates, len(s.spec.parameters)))


def nroy_pool(
    s: Setup, fits: list[WaveFit], screen: np.ndarray, stage: int, need: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Non-implausible candidates: screen survivors, topped up around them when few.

    Returns the pool (unit space), each member's implausibility under the last wave, and
    whether any non-implausible point was found at all. When none is, the pool is the ``need``
    least implausible screen points (the next wave looks where the model came closest).
    """
    ok = np.all([f.screen_pass for f in fits], axis=0) if fits else np.ones(len(screen), bool)
    _, imp = passes(s, fits, screen) if fits else (None, np.zeros(len(screen)))
    pool, pimp = screen[ok][:_POOL], imp[ok][:_POOL]
    if len(pool) == 0:
        order = np.argsort(imp, kind="stable")[:need]
        return screen[order], imp[order], False
    rng = np.random.default_rng(np.random.SeedSequence(s.spec.seed, spawn_key=(stage, 0, 2)))
    rounds = 0
    while len(pool) < need and rounds < 10:  # perturb around survivors (hmer-style top-up)
        sd = np.maximum(pool.std(axis=0) if len(pool) > 1 else 0.05, 0.02)
        base = pool[rng.integers(0, len(pool), size=max(need * 5, 200))]
        cand = np.clip(base + rng.normal(0.0, 1.0, base.shape) * sd, 0.0, 1.0)
        cok, cimp = passes(s, fits, cand)
        pool = np.vstack([pool, cand[cok]])
        pimp = np.concatenate([pimp, cimp[cok]])
        rounds += 1
    return pool, pimp, True


def maximin(pool: np.ndarray, imp: np.ndarray, n: int) -> np.ndarray:
    """A well-spread subset: start at the least implausible point, then add the farthest."""
    if len(pool) <= n:
        return pool
    chosen = [int(np.argmin(imp))]
    dist = np.linalg.norm(pool - pool[chosen[0]], axis=1)
    for _ in range(n - 1):
        k = int(np.argmax(dist))
        chosen.append(k)
        dist = np.minimum(dist, np.linalg.norm(pool - pool[k], axis=1))
    return pool[np.sort(chosen)]


def wave_design(
    s: Setup, fits: list[WaveFit], screen: np.ndarray, wave: int
) -> tuple[np.ndarray, bool]:
    """The unit-space design of ``wave`` (1-based) and whether it lies in a non-empty NROY."""
    n = s.spec.waves[wave - 1].runs
    d = len(s.spec.parameters)
    if wave == 1:
        lhs = qmc.LatinHypercube(d=d, seed=np.random.default_rng([s.spec.seed, 1]))
        return lhs.random(n), True
    pool, imp, found = nroy_pool(s, fits, screen, wave, n)
    return maximin(pool, imp, n), found


# --------------------------------------------------------------------------- running


@dataclass
class StageRuns:
    """The runs of one stage (a wave or the posterior step), in design order."""

    unit: np.ndarray
    values: np.ndarray
    scale: float
    reps: int
    seeds: np.ndarray  #: (points, reps)
    raw: np.ndarray  #: (points, reps, targets) raw simulated values (NaN: failed)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    seconds: float = 0.0

    def logs(self, targets: list[Target]) -> list[np.ndarray]:
        return [t.transform(self.raw[:, :, j]) for j, t in enumerate(targets)]


def run_stage(
    s: Setup, folder: Path, stage: int, unit: np.ndarray, scale: float, reps: int, *,
    workers: int, executor: str, scheduler: str | None, progress: Progress | None, label: str,
) -> StageRuns:  # fmt: skip
    """Run every (point, replicate) of a stage that has no saved file yet; read them all."""
    values = to_values(s.spec.parameters, unit)
    outputs = all_outputs(s.targets)
    tasks = []
    seeds = np.zeros((len(unit), reps), dtype=np.int64)
    for p in range(len(unit)):
        try:
            config = s.scenario_at(values[p], scale).to_run_config()
        except UserError as exc:  # a cross-field rule the corners did not catch
            raise UserError(f"{label} point {p} is not a valid scenario: {exc.render()}",
                            file=str(s.spec_path), field="parameters") from None  # fmt: skip
        for r in range(reps):
            seeds[p, r] = run_seed(s.spec, stage, p, r)
            tasks.append(Task(p, r, int(seeds[p, r]), config, outputs))
    folder.mkdir(parents=True, exist_ok=True)
    design = pd.DataFrame(values, columns=s.paths)
    design.insert(0, "point", np.arange(len(unit)))
    write_csv_atomic(folder / "design.csv", design)
    for stale in (folder / RUNS_DIR).glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    done = existing_runs(folder)
    for (p, r), run in done.items():
        if p >= len(unit) or r >= reps or int(run["seed"]) != seeds[p, r]:
            raise UserError(f"saved run point {p} rep {r} of {label} does not belong to this "
                            "calibration", file=str(folder))  # fmt: skip
    todo = [t for t in tasks if (t.point, t.rep) not in done]
    tick = progress(len(tasks), len(tasks) - len(todo), label=label) if progress else None
    t0 = time.perf_counter()
    errors: dict[tuple[int, int], str] = {}

    def on_result(result: dict[str, Any]) -> None:
        save_result(folder, result)
        if tick:
            tick()

    execute(todo, on_result, workers=workers, executor=executor, scheduler=scheduler)
    wall = time.perf_counter() - t0
    done = existing_runs(folder)
    raw = np.full((len(unit), reps, len(s.targets)), np.nan)
    for p in range(len(unit)):
        for r in range(reps):
            saved = done.get((p, r))
            if saved is None:
                errors[(p, r)] = _failure(folder, p, r)
                continue
            outs = saved["outputs"]
            raw[p, r, :] = [t.value(outs) for t in s.targets]
    return StageRuns(unit, values, scale, reps, seeds, raw, errors, wall)


def _failure(folder: Path, p: int, r: int) -> str:
    path = folder / FAILED_DIR / f"point-{p:06d}-rep-{r:02d}.json"
    try:
        text = json.loads(path.read_text(encoding="utf-8")).get("error") or "failed"
    except (OSError, ValueError):
        return "failed"
    lines = [ln for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "failed"


# --------------------------------------------------------------------------- whole run


@dataclass
class Result:
    folder: Path
    waves: pd.DataFrame
    posterior: pd.DataFrame
    predictive: pd.DataFrame
    coverage: pd.DataFrame
    identifiability: pd.DataFrame
    meta: dict[str, Any]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def calibrate(
    spec_path: Path, out: Path | None = None, *, workers: int = 1, executor: str = "process",
    scheduler: str | None = None, resume: bool = False, progress: Progress | None = None,
    force: bool = False, notes: Callable[[list[str]], None] | None = None,
) -> Result:  # fmt: skip
    """Run (or finish) a calibration and write every file of its folder.

    ``out`` is checked by the shared guard: an existing folder is used only with ``resume``
    (finish it) or ``force`` (start again) and only when ecosim wrote it as a calibration;
    ``notes`` receives what the guard tidied (leftovers of killed runs).
    """
    from sim.calibration import outputs as outs

    s = setup(Path(spec_path))
    out_text = out if out is not None else Path("calibrations") / s.spec.name
    out = Path(out_text)
    target = prepare_calibration_dir(out_text, force=force, resume=resume)
    if notes is not None:
        notes(target.notes)
    check_folder(out, s, resume)
    t_start = time.perf_counter()
    target.create()
    meta: dict[str, Any] = {
        "name": s.spec.name, "spec_file": s.spec_path.name, "spec_hash": s.spec_hash,
        "base_hash": s.base_hash, "scenario": s.spec.scenario, "region": s.base.region,
        "ecosim": __version__, "parameters": s.paths, "rank": s.rank, "cutoff": s.spec.cutoff,
        "targets_used": [t.key for t in s.used],
        "targets_forecast": [t.key for t in s.targets if not t.used],
        "targets_left_out": s.skipped,
        "method": "history matching (emulators, implausibility) then ABC rejection on the "
                  "simulator inside the final non-implausible space",
    }  # fmt: skip
    if not (out / META).exists():
        write_json_atomic(out / META, {**meta, "started": _now()})
    write_text_atomic(out / SPEC_COPY, s.raw.decode("utf-8"))
    write_csv_atomic(out / "targets.csv", outs.targets_frame(s.targets))
    screen = screen_points(s)
    fits: list[WaveFit] = []
    stages: list[tuple[str, StageRuns]] = []
    wave_rows: list[dict[str, Any]] = []
    stop = "all waves run"
    for w, wave in enumerate(s.spec.waves, 1):
        unit, found = wave_design(s, fits, screen, w)
        runs = run_stage(s, out / WAVES_DIR / f"wave-{w:02d}", w, unit, wave.scale,
                         wave.replicates, workers=workers, executor=executor,
                         scheduler=scheduler, progress=progress, label=f"wave {w}")  # fmt: skip
        stages.append((f"wave-{w}", runs))
        emus = fit_all(unit, [np.asarray(y) for y in _used_logs(s, runs)])
        fit = WaveFit(emus, np.zeros(len(screen), bool))
        fit.screen_pass = wave_implausibility(s, fit, screen) <= s.spec.cutoff
        fits.append(fit)
        wave_rows.append(outs.wave_row(s, w, wave, runs, fits, screen, found))
        write_csv_atomic(out / "waves.csv", pd.DataFrame(wave_rows))
        outs.write_runs(out / "runs.parquet", s, stages)
        share = wave_rows[-1]["nonimplausible_share"]
        prev = wave_rows[-2]["nonimplausible_share"] if len(wave_rows) > 1 else 1.0
        if w < len(s.spec.waves):
            if share <= s.spec.stop_share:
                stop = f"stopped after wave {w}: non-implausible share {share:.3g} at or below "
                stop += f"stop_share {s.spec.stop_share}"
                break
            if w > 1 and prev > 0 and share / prev > s.spec.stop_shrink:
                stop = f"stopped after wave {w}: it kept {share / prev:.2f} of the previous space"
                break
    # posterior: ABC rejection on the simulator, proposals from the final NROY space
    post = s.spec.posterior
    pool, _imp, found = nroy_pool(s, fits, screen, _POSTERIOR_KEY, post.candidates)
    seq = np.random.SeedSequence(s.spec.seed, spawn_key=(_POSTERIOR_KEY, 0, 3))
    rng = np.random.default_rng(seq)
    pick = np.sort(rng.choice(len(pool), size=min(post.candidates, len(pool)), replace=False))
    cand = pool[pick]
    runs = run_stage(s, out / WAVES_DIR / POSTERIOR_STAGE, _POSTERIOR_KEY, cand,
                     s.spec.posterior_scale, post.replicates, workers=workers,
                     executor=executor, scheduler=scheduler, progress=progress,
                     label="posterior")  # fmt: skip
    stages.append((POSTERIOR_STAGE, runs))
    outs.write_runs(out / "runs.parquet", s, stages)
    meta["session_seconds_by_stage"] = {name: round(r.seconds, 1) for name, r in stages}
    result = outs.finish(out, s, fits, runs, wave_rows, stop, found, meta, t_start)
    return result


def _used_logs(s: Setup, runs: StageRuns) -> list[np.ndarray]:
    logs = runs.logs(s.targets)
    return [y for y, t in zip(logs, s.targets, strict=True) if t.used]
