"""Speed benchmark: the baseline at its scale and at a tenth of it, against Mesa's own
Boltzmann wealth example at the same number of agents, measured in the same process.

Agent-steps per second = sum over steps of live agents / seconds spent stepping (construction
excluded). Mesa's example is measured the same way, with its default density of one agent
per grid cell and its per-step data collection, since that is how the example ships.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

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


def bench_boltzmann(n_agents: int, steps: int = 20, seed: int = 1) -> BenchRow:
    """Mesa's ``boltzmann_wealth_model`` example with ``n_agents`` agents."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = max(1, math.ceil(math.sqrt(n_agents)))
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=side, height=side, rng=seed))
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return BenchRow(
        "mesa boltzmann",
        1.0,
        t2 - t0,
        t1 - t0,
        t2 - t1,
        n_agents,
        steps,
        n_agents * steps,
    )
