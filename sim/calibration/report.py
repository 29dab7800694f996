"""calibration.html: one self-contained page (figures inlined as PNG) of a calibration."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.report.html import image, key_values, note, page, table


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def _short(path: str) -> str:
    return path.removeprefix("parameters.")


def shrinkage(s: Any, waves: pd.DataFrame) -> bytes:
    """Each parameter's remaining range after each wave, as a share of its prior."""
    n = len(s.spec.parameters)
    fig = Figure(figsize=(10, 0.3 * n + 1.8), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    for w, row in waves.reset_index(drop=True).iterrows():
        for j, p in enumerate(s.spec.parameters):
            lo, hi = p.bounds
            a = (row[f"{p.path}:low"] - lo) / (hi - lo)
            b = (row[f"{p.path}:high"] - lo) / (hi - lo)
            if np.isfinite(a) and np.isfinite(b):
                y = j + (w - len(waves) / 2) * 0.8 / max(len(waves), 1)
                ax.plot(
                    [a, b], [y, y], lw=3, color=f"C{w}", label=f"wave {w + 1}" if j == 0 else None
                )
    ax.set_yticks(range(n), [_short(p.path) for p in s.spec.parameters], fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the prior range (linear in the parameter)")
    ax.set_title("non-implausible range after each wave")
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def marginals(s: Any, post: pd.DataFrame) -> bytes:
    n = len(s.spec.parameters)
    cols = 4
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(12, 2.0 * rows))
    fig.subplots_adjust(hspace=0.8, wspace=0.3, left=0.04, right=0.99, top=0.95, bottom=0.05)
    for j, p in enumerate(s.spec.parameters):
        ax = fig.add_subplot(rows, cols, j + 1)
        ax.hist(post[p.path], bins=15, range=p.bounds, color="tab:blue", alpha=0.7)
        ax.set_xlim(*p.bounds)
        ax.set_title(_short(p.path), fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_yticks([])
    return _png(fig)


def pairs(s: Any, unit: np.ndarray, ident: pd.DataFrame, k: int = 5) -> bytes | None:
    if len(unit) < 3 or ident.empty:
        return None
    order = ident.sort_values("range_ratio")["parameter"].tolist()[:k]
    idx = [s.paths.index(p) for p in order]
    fig = Figure(figsize=(2.2 * k, 2.2 * k))
    fig.subplots_adjust(hspace=0.1, wspace=0.1, left=0.08, right=0.99, top=0.99, bottom=0.08)
    for a, i in enumerate(idx):
        for b, j in enumerate(idx):
            ax = fig.add_subplot(k, k, a * k + b + 1)
            if a == b:
                ax.hist(unit[:, i], bins=12, range=(0, 1), color="tab:blue", alpha=0.7)
            else:
                ax.scatter(unit[:, j], unit[:, i], s=4, alpha=0.6)
            ax.set_xlim(0, 1)
            ax.set_xticks([])
            ax.set_yticks([])
            if a == k - 1:
                ax.set_xlabel(_short(s.paths[j]), fontsize=6)
            if b == 0:
                ax.set_ylabel(_short(s.paths[i]), fontsize=6)
    return _png(fig)


def intervals(pred: pd.DataFrame) -> bytes:
    """Predictive intervals divided by the observation (log axis): 1 is a perfect hit."""
    n = len(pred)
    fig = Figure(figsize=(9, 0.22 * n + 1.4), layout="constrained")
    ax = fig.add_subplot(1, 1, 1)
    for i, r in enumerate(pred.itertuples(index=False)):
        o = r.observed
        colour = "tab:green" if r.inside90 else "tab:red"
        ax.plot([r.q05 / o, r.q95 / o], [i, i], color=colour, lw=1)
        ax.plot([r.q25 / o, r.q75 / o], [i, i], color=colour, lw=4)
        ax.plot([r.median / o], [i], "k|")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(n), [f"{r.indicator} {r.year} ({r.kind})" for r in pred.itertuples()],
                  fontsize=6)  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("simulated / observed: 50 % (thick) and 90 % (thin) predictive intervals")
    return _png(fig)


def render(s: Any, meta: dict[str, Any], waves: pd.DataFrame, post: pd.DataFrame,
           pred: pd.DataFrame, cov: pd.DataFrame, ident: pd.DataFrame,
           unit: np.ndarray) -> str:  # fmt: skip
    summary = meta.get("posterior", {})
    sections = [
        (
            "Summary",
            key_values(
                [
                    ("spec", meta.get("spec_file")),
                    ("scenario", meta.get("scenario")),
                    ("method", meta.get("method")),
                    ("parameters", len(s.paths)),
                    ("targets fitted", len(meta.get("targets_used", []))),
                    ("targets forecast only", len(meta.get("targets_forecast", []))),
                    ("cut-off / rank", f"{s.spec.cutoff} / {s.rank}"),
                    ("waves", meta.get("stop")),
                    ("posterior", summary),
                    ("runs", meta.get("runs_total")),
                ]
            ),
        ),
        (
            "Waves",
            table(waves[[c for c in waves.columns if ":" not in c]])
            + image(shrinkage(s, waves), "wave shrinkage"),
        ),
        (
            "Coverage",
            table(cov)
            + note(
                "Share of target rows inside the 50 % and 90 % predictive intervals of the "
                "posterior ensemble (parameter and run-to-run uncertainty); median ratio of the "
                "median to the observation and median interval width relative to it."
            ),
        ),
        (
            "Predictive intervals against observations",
            image(intervals(pred), "intervals") + table(pred),
        ),
    ]
    if len(post):
        sections.append(("Posterior marginals", image(marginals(s, post), "marginals")))
        png = pairs(s, unit, ident)
        if png:
            sections.append(("Pairs (the five best identified parameters)", image(png, "pairs")))
        sections.append(("Identifiability", table(ident)))
    if meta.get("targets_left_out"):
        sections.append(("Target rows left out", "<ul>" + "".join(
            f"<li>{x}</li>" for x in meta["targets_left_out"]) + "</ul>"))  # fmt: skip
    return page(f"Calibration {meta.get('name')}", sections)
