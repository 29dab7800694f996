"""``discovery.html``: the coverage-density trade-off, the chosen boxes and where the cases lie.

Self-contained like the other reports: inline PNGs, no script, no network.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from sim.report.figures import _png
from sim.report.html import image, key_values, note, page, table

if TYPE_CHECKING:
    from sim.experiments.discover import Box, Discovery


def tradeoff_figure(d: Discovery) -> bytes:
    """Coverage against density along each peeling trajectory (or CART leaf), chosen boxes
    ringed: the analyst's trade-off between explaining many cases and few false alarms."""
    fig = Figure(figsize=(6.5, 4.6))
    ax = fig.add_subplot(1, 1, 1)
    t = d.trajectory
    sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22)
    bar = fig.colorbar(sc, ax=ax, label="restricted dimensions")
    bar.set_ticks(sorted({int(v) for v in t["res_dim"]}))
    chosen = t[t["chosen"]]
    ax.scatter(chosen["coverage"], chosen["density"], s=140, facecolors="none",
               edgecolors="#c0392b", linewidths=1.6, label="chosen box")  # fmt: skip
    for _, r in chosen.iterrows():
        ax.annotate(f"box {int(r['box'])}", (r["coverage"], r["density"]), fontsize=8,
                    xytext=(6, -10), textcoords="offset points")  # fmt: skip
    ax.axhline(d.options.density, color="#999", ls="--", lw=0.8, label="density target")
    ax.set_xlabel("coverage (share of all cases inside the box)")
    ax.set_ylabel("density (share of the box's points that are cases)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return _png(fig)


def limits_figure(d: Discovery, box: Box) -> bytes | None:
    """Each restricted factor's box range on its sweep range (0 = sweep low, 1 = sweep high)."""
    if box.limits.empty:
        return None
    lim = box.limits
    fig = Figure(figsize=(6.5, 0.45 * len(lim) + 1.2))
    ax = fig.add_subplot(1, 1, 1)
    for i, (dim, row) in enumerate(lim.iterrows()):
        lo, hi = d.ranges[str(dim)]
        a, b = (row["low"] - lo) / (hi - lo), (row["high"] - lo) / (hi - lo)
        ax.plot([0, 1], [i, i], color="#ddd", lw=6, solid_capstyle="butt")
        ax.plot([a, b], [i, i], color="#3b6ea8", lw=6, solid_capstyle="butt")
        ax.text(1.02, i, f"[{row['low']:.3g}, {row['high']:.3g}]", va="center", fontsize=7)
    ax.set_yticks(range(len(lim)), [str(x) for x in lim.index], fontsize=8)
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.5, 1], ["sweep low", "", "sweep high"], fontsize=7)
    ax.set_title(f"box {box.number}: coverage {box.coverage:.2f}, density {box.density:.2f}",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    return _png(fig)


def scatter_figure(d: Discovery, box: Box) -> bytes | None:
    """The points on the box's two first restricted factors, cases in red, box drawn."""
    dims = [str(x) for x in box.limits.index[:2]]
    if len(dims) < 2:
        return None
    c = d.cases
    fig = Figure(figsize=(5.8, 4.6))
    ax = fig.add_subplot(1, 1, 1)
    case = c["case"].to_numpy(bool)
    ax.scatter(c.loc[~case, dims[0]], c.loc[~case, dims[1]], s=12, c="#9cc3e6", label="no case")
    ax.scatter(c.loc[case, dims[0]], c.loc[case, dims[1]], s=14, c="#c0392b", label="case")
    lo0, hi0 = box.limits.loc[dims[0], ["low", "high"]]
    lo1, hi1 = box.limits.loc[dims[1], ["low", "high"]]
    ax.plot([lo0, hi0, hi0, lo0, lo0], [lo1, lo1, hi1, hi1, lo1], color="#222", lw=1.2)
    ax.set_xlabel(dims[0], fontsize=8)
    ax.set_ylabel(dims[1], fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(f"box {box.number} on its first two restricted factors", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def render(d: Discovery) -> str:
    from sim.experiments.discover import boxes_frame

    o = d.options
    c = d.cases
    about = [
        ("sweep experiment", d.experiment.name), ("output", d.output_label),
        ("case of interest", f"{d.output_label} {o.direction} {o.threshold:g} in at least "
                             f"{o.case_share:g} of a point's replicates"),
        ("method", o.method.upper()), ("design points", len(c)),
        ("cases", int(c["case"].sum())),
        ("replicates per point", f"{int(c['replicates'].min())}-{int(c['replicates'].max())}"),
        ("density target", o.density), ("minimum mass", o.mass_min),
    ]  # fmt: skip
    intro = key_values(about)
    intro += (
        "<p class='muted'>A point's probability is the share of its replicates (seeds) that "
        f"cross the threshold, with a {o.confidence:.0%} Wilson interval (cases.csv). Coverage: "
        "share of all cases inside a box; density: share of a box's points that are cases; "
        "mass: share of all points inside. Quasi-p-values (Bryant and Lempert 2010) test each "
        "restriction with a one-sided binomial test: small values mean the restriction "
        "matters. Reproduce coverage/density: share of PRIM runs on random halves of the data "
        "that restrict the same factor (resampling stability).</p>"
    )
    sections = [("Question", intro)]
    if d.warnings:
        sections.append(("Warnings", "".join(note(w) for w in d.warnings)))
    sections.append(("Coverage-density trade-off", image(tradeoff_figure(d), "trade-off")))
    frame = boxes_frame(d)
    for b in d.boxes:
        inner = f"<p>{b.cases} cases among {b.points} points: coverage {b.coverage:.3f}, "
        inner += f"density {b.density:.3f}, mass {b.mass:.3f}. "
        inner += f"Runnable scenario at its midpoint: <code>box_{b.number}.yaml</code>.</p>"
        for png in (limits_figure(d, b), scatter_figure(d, b)):
            if png:
                inner += image(png, f"box {b.number}")
        cols = ["dimension", "low", "high", "sweep_low", "sweep_high", "qp_low", "qp_high",
                "reproduce_coverage", "reproduce_density"]  # fmt: skip
        part = frame[frame["box"] == b.number][cols]
        inner += table(part) if not part.empty else "<p>No factor is restricted.</p>"
        sections.append((f"Box {b.number}", inner))
    share = np.round(c["probability"].to_numpy(float), 3)
    hist = ", ".join(f"{v:g}: {n}" for v, n in zip(*np.unique(share, return_counts=True),
                                                    strict=True))  # fmt: skip
    sections.append(("Case probabilities", f"<p>points by probability: {escape(hist)}</p>"))
    title = f"Scenario discovery: {d.output_label} {o.direction} {o.threshold:g}"
    return page(title, sections)
