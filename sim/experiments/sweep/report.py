"""``sensitivity.html``: ranked bar charts with confidence intervals, noise and convergence.

Self-contained like the run report: figures are inline PNGs, no network, no scripts.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.sweep.analysis import Analysis
from sim.experiments.sweep.schema import SEED_FACTOR, Experiment
from sim.report.figures import _png
from sim.report.html import image, key_values, note, page, table


def _bars(frame: pd.DataFrame, method: str, title: str) -> bytes | None:
    """Horizontal bars, most influential factor on top; the seed dummy in grey."""
    if method == "morris":
        keys = [("mu_star", "mu_star_conf", "μ*")]
        rank = "mu_star"
    else:
        keys = [("ST", "ST_conf", "ST (total)"), ("S1", "S1_conf", "S1 (first order)")]
        rank = "ST"
    f = frame.dropna(subset=[rank]).sort_values(rank, ascending=True)
    if f.empty:
        return None
    fig = Figure(figsize=(7.5, 0.35 * len(f) + 1.3))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(f))
    h = 0.8 / len(keys)
    colours = ["#3b6ea8", "#9cc3e6"]
    for k, (col, conf, lab) in enumerate(keys):
        vals = f[col].to_numpy(float)
        err = np.nan_to_num(f[conf].to_numpy(float))
        c = [("#999999" if n == SEED_FACTOR else colours[k]) for n in f["factor"]]
        ax.barh(y + (k - (len(keys) - 1) / 2) * h, vals, height=h, xerr=err, color=c,
                ecolor="#333333", capsize=2, label=lab)  # fmt: skip
    ax.set_yticks(y, f["factor"].tolist(), fontsize=8)
    ax.axvline(0, color="#555555", lw=0.6)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(" / ".join(k[2] for k in keys) + "  (bars: 95% interval)", fontsize=8)
    if len(keys) > 1:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return _png(fig)


def _convergence_table(conv: pd.DataFrame, output: str) -> str:
    c = conv[conv["output"] == output]
    if c.empty:
        return ""
    wide = c.pivot(index="factor", columns="N", values="ST")
    wide.columns = [f"ST at N={n}" for n in wide.columns]
    wide = wide.reset_index().sort_values(wide.columns[-1], ascending=False)
    return "<h3>Convergence of ST (N/4, N/2, N)</h3>" + table(wide)


def render(exp: Experiment, meta: dict, result: Analysis) -> str:
    """The whole page."""
    sections: list[tuple[str, str]] = []
    about = [
        ("experiment", exp.name), ("method", exp.method), ("design points", meta.get("points")),
        ("replications", exp.replications), ("runs", meta.get("runs")),
        ("scale", exp.scale), ("seed", exp.seed),
        ("seed as dummy factor", exp.seed_factor), ("base scenario", exp.scenario),
    ]  # fmt: skip
    intro = key_values(about)
    if exp.description:
        intro = f"<p>{escape(exp.description)}</p>" + intro
    if exp.seed_factor:
        intro += (
            f"<p class='muted'>'{SEED_FACTOR}' (grey) is a dummy factor standing for the "
            "model's own randomness: a factor ranked below it cannot be told from noise.</p>"
        )
    sections.append(("Experiment", intro))
    if result.warnings:
        sections.append(("Warnings", "".join(note(w) for w in result.warnings)))
    for o in exp.outputs:
        out = o.label
        f = result.sensitivity[result.sensitivity["output"] == out]
        png = _bars(f, exp.method, f"{out} (log10)" if o.log else out)
        inner = image(png, f"sensitivity of {out}") if png else "<p>No indices.</p>"
        cols = ["factor", "S1", "S1_conf", "ST", "ST_conf"]
        if exp.method == "morris":
            cols = ["factor", "mu_star", "mu_star_conf", "sigma"]
        rank = cols[1] if exp.method == "morris" else "ST"
        inner += table(f[cols].sort_values(rank, ascending=False, na_position="last"))
        inner += _convergence_table(result.convergence, out)
        sections.append((f"Output {out}" + (" (analysed as log10)" if o.log else ""), inner))
    nz = result.noise.copy()
    text = (
        "<p>noise_share: share of the variance of single runs that is between replicates at "
        "the same design point (the model's own randomness), on the scale analysed (log10 "
        "for outputs marked log). replications_needed: replicates "
        f"per point for the standard error of a point's mean to fall below {exp.precision:g} "
        "times the output's between-point standard deviation.</p>"
    )
    if exp.replications < 2:
        text += note("one replicate per point: the replicate spread cannot be estimated; see "
                     f"the '{SEED_FACTOR}' index instead")  # fmt: skip
    sections.append(("Noise and replications", text + table(nz)))
    return page(f"Sensitivity: {exp.name}", sections)
