"""``optimize.html``: the Pareto policies, their trade-offs, robustness and the convergence.

Self-contained like the other reports: inline PNGs, no script, no network.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.optimize.spec import OptimizeSpec
from sim.report.figures import _png
from sim.report.html import image, key_values, note, page, table


def tradeoff_figure(spec: OptimizeSpec, ev: pd.DataFrame) -> bytes:
    """Every pair of objectives: all feasible candidates in grey, Pareto policies numbered."""
    objs = [o for o in spec.objectives]
    pairs = [(a, b) for i, a in enumerate(objs) for b in objs[i + 1 :]]
    cols = min(3, len(pairs))
    rows = int(np.ceil(len(pairs) / cols))
    fig = Figure(figsize=(4.2 * cols, 3.6 * rows))
    feas = ev[ev["feasible"]]
    infeas = ev[~ev["feasible"]]
    par = ev[ev["pareto"]]
    for k, (a, b) in enumerate(pairs):
        ax = fig.add_subplot(rows, cols, k + 1)
        ca, cb = f"{a.label}_{a.robustness}", f"{b.label}_{b.robustness}"
        ax.scatter(infeas[ca], infeas[cb], s=8, c="#f0b8b8", label="infeasible")
        ax.scatter(feas[ca], feas[cb], s=10, c="#bbbbbb", label="feasible")
        ax.scatter(par[ca], par[cb], s=26, c="#c0392b", label="Pareto")
        ax.set_xlabel(f"{a.label} ({a.robustness}, {a.direction})", fontsize=7)
        ax.set_ylabel(f"{b.label} ({b.robustness}, {b.direction})", fontsize=7)
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(fontsize=6)
    fig.tight_layout()
    return _png(fig)


def convergence_figure(conv: pd.DataFrame) -> bytes:
    fig = Figure(figsize=(6, 3.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(conv["generation"], conv["hypervolume"], marker="o", color="#3b6ea8")
    ax.set_xlabel("generation")
    ax.set_ylabel("hypervolume (normalised)")
    ax2 = ax.twinx()
    ax2.plot(conv["generation"], conv["pareto_size"], ls="--", color="#999")
    ax2.set_ylabel("non-dominated policies", color="#777")
    fig.tight_layout()
    return _png(fig)


def levers_figure(spec: OptimizeSpec, pareto: pd.DataFrame) -> bytes | None:
    """Parallel coordinates of the Pareto policies' levers on each variable's range."""
    if pareto.empty:
        return None
    fig = Figure(figsize=(max(5.0, 1.3 * len(spec.variables)), 3.6))
    ax = fig.add_subplot(1, 1, 1)
    first = spec.objectives[0]
    colour = pareto[f"{first.label}_{first.robustness}"].to_numpy(float)
    span = np.ptp(colour) or 1.0
    norm = (colour - colour.min()) / span
    for (_, row), c in zip(pareto.iterrows(), norm, strict=True):
        ys = []
        for v in spec.variables:
            lo, hi = v.range
            ys.append((float(row[v.label]) - lo) / (hi - lo))
        ax.plot(range(len(ys)), ys, color=_cmap(c), lw=1, alpha=0.8)
    ax.set_xticks(range(len(spec.variables)), [v.label for v in spec.variables], fontsize=7,
                  rotation=20, ha="right")  # fmt: skip
    ax.set_ylabel("position in the variable's range", fontsize=8)
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"Pareto policies (colour: {first.label}, dark = low)", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def _cmap(v: float) -> Any:
    from matplotlib import colormaps

    return colormaps["viridis"](float(v))


def render(spec: OptimizeSpec, ev: pd.DataFrame, pareto: pd.DataFrame, conv: pd.DataFrame,
           meta: dict[str, Any]) -> str:  # fmt: skip
    about = [
        ("spec", spec.name), ("algorithm", spec.algorithm.upper()),
        ("generations x population", f"{spec.generations} x {spec.population}"),
        ("candidates evaluated", len(ev)), ("feasible", int(ev["feasible"].sum())),
        ("Pareto policies", len(pareto)),
        ("draws per candidate", meta.get("draws_per_candidate")),
        ("ensemble", meta.get("ensemble") or "none (the base's parameters)"),
        ("scale", spec.scale), ("seed", spec.seed),
    ]  # fmt: skip
    intro = f"<p>{spec.description}</p>" if spec.description else ""
    intro += key_values(about)
    goals = pd.DataFrame(
        [{"objective": o.label, "direction": o.direction, "optimised": o.robustness,
          "satisfice": o.satisfice} for o in spec.objectives]
    )  # fmt: skip
    intro += table(goals, numeric=False)
    if spec.constraints:
        cons = pd.DataFrame([{"constraint": c.label, "min": c.min, "max": c.max}
                             for c in spec.constraints])  # fmt: skip
        intro += table(cons)
    intro += (
        "<p class='muted'>Every candidate is run with the same seeds (common random numbers) "
        "for each replicate and posterior member. mean: over the draws; p10: the value 90% of "
        "draws do at least as well as; regret: largest shortfall over members against the best "
        "candidate for that member; satisficing: share of draws meeting the threshold. "
        "Constraints apply to the mean.</p>"
    )
    sections = [("Question", intro)]
    if pareto.empty:
        sections.append(("Pareto policies", note("no feasible candidate: relax a constraint")))
    else:
        sections.append(("Trade-offs", image(tradeoff_figure(spec, ev), "trade-offs")))
        png = levers_figure(spec, pareto)
        if png:
            sections.append(("Levers of the Pareto policies", image(png, "levers")))
        cols = ["policy", "candidate", *[v.label for v in spec.variables]]
        for o in spec.objectives:
            cols += [f"{o.label}_{k}" for k in ("mean", "p10", "regret", "satisficing")]
        cols += [f"{c.label}_mean" for c in spec.constraints]
        first = spec.objectives[0]
        shown = pareto[cols].sort_values(f"{first.label}_{first.robustness}",
                                         ascending=first.direction == "min")  # fmt: skip
        text = "<p>Each row is runnable: <code>ecosim run policy_N.yaml</code>.</p>"
        sections.append(("Pareto policies", text + table(shown)))
    if not conv.empty:
        sections.append(("Convergence", image(convergence_figure(conv), "convergence")
                         + table(conv)))  # fmt: skip
    return page(f"Policy search: {spec.name}", sections)
