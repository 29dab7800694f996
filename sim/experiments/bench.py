"""Speed benchmark: the baseline at its default scale, at the full population and at 0.01,
against Mesa's own Boltzmann wealth example at the default scale's agent count.

Agent-steps per second = sum over steps of live agents / seconds spent stepping (construction
excluded). Mesa's example is measured the same way, with its default density of one agent
per grid cell and its per-step data collection, since that is how the example ships.

The machine's speed drifts by 10-20% between calls on a shared host, so each side of the ratio
is a median: ecosim's default-scale row is the median of ``repeats`` whole runs (5: a burst of
the host that slows one or two runs, seen in calls of the bench with 3, no longer sets it),
and Mesa's rate comes from its median step (which drops Mesa's slow steps: the ratio errs in
Mesa's favour).
The two sides are interleaved: each default-scale run is followed by a block of Mesa's steps
(the ``boltzmann_steps`` split over the runs), so a slow or fast stretch of the host falls on
both sides of the ratio rather than on one.

The "seconds" of a row are those of :func:`sim.simulate.simulate`, construction included: what
a user waits for one run. The full-population run is made in a fresh child process so that its
peak resident memory is that run's alone (imports included, earlier runs of the bench not), and
so that one-off costs of a first run in a process (caches, compiled kernels) are counted.

The small-scale figure is the median of a few runs in the bench's own process, after the larger
runs: that is how an ensemble, a calibration or a sweep worker runs many small simulations.
Before the first timed run, one simulated year at the default scale (not timed) brings in the
modules and first-call costs that any process pays once, whatever it then runs: every compiled
kernel the default-scale runs call is loaded by then (a year at the small scale left five,
used only on larger arrays, to the first timed run). Mesa's example is likewise timed after
its modules are imported.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.model import RunConfig
from sim.simulate import simulate


@dataclass
class BenchRow:
    label: str
    scale: float
    wall_seconds: float
    build_seconds: float
    run_seconds: float
    agents: int
    steps: int
    agent_steps: int

    @property
    def rate(self) -> float:
        return self.agent_steps / self.run_seconds if self.run_seconds > 0 else float("nan")


def bench_model(config: RunConfig, seed: int, label: str) -> BenchRow:
    t0 = time.perf_counter()
    res = simulate(config, seed)
    wall = time.perf_counter() - t0
    return BenchRow(
        label=label,
        scale=config.scale,
        wall_seconds=wall,
        build_seconds=res.build_seconds,
        run_seconds=res.run_seconds,
        agents=round(res.agent_steps / max(res.steps, 1)),
        steps=res.steps,
        agent_steps=res.agent_steps,
    )


class BoltzmannTimer:
    """Mesa's ``boltzmann_wealth_model`` example with ``n_agents`` agents, stepped in blocks.

    The bench steps it in blocks between ecosim's timed runs, so that both sides of the
    ratio sample the same stretch of the machine's time: on a shared host whose speed drifts
    by 10-20% within a minute, a Mesa measurement made in one go before or after ecosim's runs
    can land in a faster or slower stretch than theirs. Each step is timed alone.
    """

    def __init__(self, n_agents: int, seed: int = 1) -> None:
        from mesa.examples.basic.boltzmann_wealth_model.model import (
            BoltzmannScenario,
            BoltzmannWealth,
        )

        side = max(1, math.ceil(math.sqrt(n_agents)))
        self.n_agents = n_agents
        t0 = time.perf_counter()
        self.model = BoltzmannWealth(
            BoltzmannScenario(n=n_agents, width=side, height=side, rng=seed)
        )
        self.build_seconds = time.perf_counter() - t0
        self.step_seconds: list[float] = []

    def run(self, steps: int) -> None:
        """Step the example ``steps`` times, timing each step."""
        for _ in range(steps):
            ts = time.perf_counter()
            self.model.step()
            self.step_seconds.append(time.perf_counter() - ts)

    def row(self) -> BenchRow:
        """The example's row: the median step, times the steps taken.

        A step slowed by the machine does not move the rate (a choice in Mesa's favour: its
        slow steps, garbage collections included, are dropped).
        """
        steps = len(self.step_seconds)
        return BenchRow(
            "mesa boltzmann",
            1.0,
            self.build_seconds + sum(self.step_seconds),
            self.build_seconds,
            statistics.median(self.step_seconds) * steps,
            self.n_agents,
            steps,
            self.n_agents * steps,
        )


def blocks(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole blocks, larger ones first (no block
    is empty unless ``total < parts``)."""
    parts = max(1, parts)
    base, extra = divmod(max(0, total), parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# --------------------------------------------------------------------------- full population


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    On Linux it is ``VmHWM`` of ``/proc/self/status``: the high-water mark of this process's
    own memory. ``ru_maxrss`` is not used there because Linux carries it over through
    ``exec``, so a child started by a large parent would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS: bytes; others: KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / per_mb


def bench_in_child(config: RunConfig, seed: int, label: str) -> tuple[BenchRow, float]:
    """One run in a fresh Python process: its row and the process's peak RSS in MB.

    The child reports its own peak (the whole process: interpreter, imports, model), so
    nothing the bench did before in this process, nor another child, can inflate it.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "sim.experiments.bench", str(int(seed)), label],
        input=config.model_dump_json(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the benchmark child process failed:\n{proc.stderr.strip()}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return BenchRow(**out["row"]), float(out["peak_rss_mb"])


def _child_main(argv: list[str]) -> int:
    """Child side of :func:`bench_in_child`: config JSON on stdin, one JSON line on stdout."""
    seed, label = int(argv[0]), argv[1]
    config = RunConfig.model_validate_json(sys.stdin.read())
    row = bench_model(config, seed, label)
    peak = peak_rss_mb()
    print(json.dumps({"row": asdict(row), "peak_rss_mb": peak}))
    return 0


# --------------------------------------------------------------------------- the whole bench


@dataclass
class BenchReport:
    """Everything one ``ecosim bench`` call measures."""

    scenario: str
    seed: int
    default: BenchRow  # the median of default_runs (the lower middle one of an even number)
    default_runs: list[BenchRow]
    full: BenchRow
    small_runs: list[BenchRow]
    mesa: BenchRow
    peak_rss_mb: float
    machine: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.default.rate / self.mesa.rate

    @property
    def small_seconds(self) -> float:
        """Median wall seconds of the small-scale runs (construction included)."""
        return statistics.median(r.wall_seconds for r in self.small_runs)

    @property
    def runs_per_hour_per_core(self) -> float:
        return 3600.0 / self.small_seconds

    def rows(self) -> list[BenchRow]:
        return [self.default, self.full, *self.small_runs[:1], self.mesa]

    def to_json(self) -> dict[str, Any]:
        """The ``ecosim bench --json`` object (seconds: simulate() wall, construction included)."""
        return {
            "ratio": self.ratio,
            "default_scale_seconds": self.default.wall_seconds,
            "full_scale_seconds": self.full.wall_seconds,
            "small_scale_seconds": self.small_seconds,
            "peak_rss_mb": self.peak_rss_mb,
            "runs_per_hour_per_core": self.runs_per_hour_per_core,
            "default_scale": self.default.scale,
            "full_scale": self.full.scale,
            "small_scale": self.small_runs[0].scale,
            "default_agents": self.default.agents,
            "full_agents": self.full.agents,
            "small_agents": self.small_runs[0].agents,
            "default_step_seconds": self.default.run_seconds,
            "default_agent_steps_per_second": self.default.rate,
            "mesa_agent_steps_per_second": self.mesa.rate,
            "small_scale_runs_seconds": [r.wall_seconds for r in self.small_runs],
            "default_scale_runs_seconds": [r.wall_seconds for r in self.default_runs],
            "scenario": self.scenario,
            "seed": self.seed,
            "rows": [asdict(r) | {"agent_steps_per_second": r.rate} for r in self.rows()],
            "machine": self.machine,
        }


def run_bench(
    config: RunConfig,
    seed: int,
    *,
    scenario: str,
    full_scale: float = 1.0,
    small_scale: float = 0.01,
    small_repeats: int = 5,
    repeats: int = 5,
    boltzmann_steps: int = 20,
    progress: Any = None,
) -> BenchReport:
    """Time the rows of ``ecosim bench``; ``progress(text)`` is told what is being timed."""

    def say(text: str) -> None:
        if progress is not None:
            progress(text)

    def at(scale: float) -> RunConfig:
        return config.model_copy(update={"scale": scale})

    say("warming up (one year at the default scale, not timed) ...")
    simulate(config.model_copy(update={"end_year": config.start_year}), seed)
    repeats = max(1, repeats)
    say(
        f"timing the default scale ({config.scale:g}, {repeats} runs), each followed by "
        "a block of Mesa's example at the same agent count ..."
    )
    default_runs = [bench_model(config, seed, "default scale")]
    # every run has the same agents (one seed, one config): the example is built once
    mesa_timer = BoltzmannTimer(default_runs[0].agents)
    for i, block in enumerate(blocks(boltzmann_steps, repeats)):
        if i:
            default_runs.append(bench_model(config, seed, "default scale"))
        mesa_timer.run(block)
    default = sorted(default_runs, key=lambda r: r.wall_seconds)[(len(default_runs) - 1) // 2]
    mesa = mesa_timer.row()
    say(f"timing the full population (scale {full_scale:g}) in a fresh process ...")
    full, peak = bench_in_child(at(full_scale), seed, "full population")
    say(f"timing scale {small_scale:g} ({small_repeats} runs) ...")
    small = [
        bench_model(at(small_scale), seed, f"scale {small_scale:g}") for _ in range(small_repeats)
    ]
    return BenchReport(
        scenario=scenario,
        seed=seed,
        default=default,
        default_runs=default_runs,
        full=full,
        small_runs=small,
        mesa=mesa,
        peak_rss_mb=peak,
        machine=machine_description(),
    )


# --------------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def _ram_gib() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def machine_description() -> dict[str, Any]:
    """CPU, cores, memory and the versions that matter for speed (no host names, no paths)."""
    import mesa
    import numpy

    versions = {"python": platform.python_version(), "numpy": numpy.__version__}
    versions["mesa"] = mesa.__version__
    ram = _ram_gib()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "ram_gib": round(ram, 1) if ram is not None else None,
        "system": f"{platform.system()} {platform.machine()}",
        **versions,
    }


def machine_text(machine: dict[str, Any]) -> str:
    """One-line description of the machine for the history file."""
    parts = [str(machine.get("cpu", "?")), f"{machine.get('cores', '?')} cores"]
    if machine.get("ram_gib") is not None:
        parts.append(f"{machine['ram_gib']:g} GiB")
    parts.append(str(machine.get("system", "")))
    for key in ("python", "numpy", "mesa"):
        if key in machine:
            parts.append(f"{key} {machine[key]}")
    return "; ".join(p for p in parts if p)


# --------------------------------------------------------------------------- history file

#: columns of ``benchmarks/history.csv`` (one row per recorded bench)
HISTORY_COLUMNS = [
    "date",
    "commit",
    "machine",
    "ratio",
    "default_scale_seconds",
    "full_scale_seconds",
    "small_scale_seconds",
    "peak_rss_mb",
    "runs_per_hour_per_core",
    "default_agent_steps_per_second",
    "mesa_agent_steps_per_second",
    "note",
]


def history_problem(path: Path) -> str | None:
    """Why ``path`` cannot take a history row (checked before the bench spends a minute)."""
    if path.is_dir():
        return "is a folder, not a CSV file"
    if not path.exists():
        return None if path.parent.is_dir() else "its folder does not exist"
    try:
        with path.open(newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot be read ({exc})"
    if header and header != HISTORY_COLUMNS:
        return f"has the columns {header}, expected {HISTORY_COLUMNS}"
    return None


def history_row(report: BenchReport, commit: str | None, note: str) -> dict[str, str]:
    data = report.to_json()
    row = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit or "unknown",
        "machine": machine_text(report.machine),
        "note": note,
    }
    digits = {"ratio": 1, "peak_rss_mb": 0, "runs_per_hour_per_core": 0}
    for key in HISTORY_COLUMNS:
        if key not in row:
            value = float(data[key])
            row[key] = f"{value:.{digits.get(key, 3 if 'seconds' in key else 0)}f}"
    return row


def append_history(path: Path, row: dict[str, str]) -> None:
    """Add ``row`` to the history file (written whole through a temporary file)."""
    from sim.io import write_text_atomic

    old = path.read_text() if path.exists() else ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    if not old.strip():
        old = ""
        writer.writeheader()
    elif not old.endswith("\n"):
        old += "\n"
    writer.writerow(row)
    write_text_atomic(path, old + buf.getvalue())


if __name__ == "__main__":  # the child of bench_in_child
    sys.exit(_child_main(sys.argv[1:]))
