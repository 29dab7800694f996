"""The report's figures, each rendered to PNG bytes.

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas directly, without
``pyplot``: no global state, no GUI backend, safe in worker processes and in tests.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.fit import INDEX_PREFIX
from sim.indices import FIRST_LEVEL

#: indicators drawn against observations, in this order, when the run has them
KEY_INDICATORS: tuple[str, ...] = (
    "revenue_total",
    "employment",
    "value_added_per_employee",
    "rd_intensity",
    "patents_granted",
    "invention_patents_per_10k_employees",
    "new_tech_firms",
    "tech_contract_value",
    "vc_investment_total",
    "unicorns",
    "returnee_and_foreign_employees",
    "foreign_employee_share",
)

_OBS_MARKERS = {"level": "o", "share": "o", "index": "o", "lower_bound": "^", "upper_bound": "v"}
_DPI = 100
_GRID = {"left": 0.06, "right": 0.985, "top": 0.9, "bottom": 0.06, "hspace": 0.35, "wspace": 0.22}


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return buf.getvalue()


def band(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Mean and replicate band per group: 10-90 % with 5+ replicates, else min-max.

    With only a few replicates the 10th and 90th percentiles are interpolations between two or
    three points and would look more precise than they are, so the full range is shown instead.
    """
    n = frame["replicate"].nunique()
    g = frame.groupby(list(by))["value"]
    lo, hi = (g.quantile(0.1), g.quantile(0.9)) if n >= 5 else (g.min(), g.max())
    out = pd.DataFrame({"mean": g.mean(), "lo": lo, "hi": hi}).reset_index()
    out.attrs["band"] = "10-90 %" if n >= 5 else "min-max"
    return out


def _plot_band(ax: Any, b: pd.DataFrame, label: str) -> None:
    ax.fill_between(b["year"], b["lo"], b["hi"], color="tab:blue", alpha=0.2, lw=0)
    ax.plot(b["year"], b["mean"], color="tab:blue", lw=1.8, label=label)


def _year_axis(ax: Any) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.grid(alpha=0.3)


def _log_if_spread(ax: Any, values: pd.Series) -> None:
    """Log scale when simulated and observed differ by orders of magnitude, so both show."""
    v = values[np.isfinite(values)]
    if len(v) and (v > 0).all() and v.max() / v.min() > 20:
        ax.set_yscale("log")


def _plot_observed(ax: Any, obs: pd.DataFrame) -> None:
    for kind, marker in _OBS_MARKERS.items():
        sel = obs[obs["kind"] == kind]
        if not sel.empty:
            ax.scatter(sel["year"], sel["value"], marker=marker, color="tab:red", zorder=3,
                       s=28, label="observed" if kind in ("level", "index") else kind)  # fmt: skip


def index_figure(index_long: pd.DataFrame, targets: pd.DataFrame) -> bytes:
    """Composite and the five first-level dimensions over time against the published values."""
    fig = Figure(figsize=(12, 7))
    fig.subplots_adjust(**_GRID)  # fixed spacing: constrained layout doubles drawing time
    axes = fig.subplots(2, 3, sharex=True).ravel()
    b_all = band(index_long, ["dimension", "year"])
    for ax, dim in zip(axes, ["composite", *FIRST_LEVEL], strict=True):
        b = b_all[b_all["dimension"] == dim]
        _plot_band(ax, b, f"simulated (mean, {b_all.attrs['band']} band)")
        _plot_observed(ax, targets[targets["indicator"] == INDEX_PREFIX + dim])
        ax.axhline(100, color="grey", lw=0.6, ls=":")
        ax.set_title(dim.replace("_", " "))
        _year_axis(ax)
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("Zhongguancun Index (2013 = 100)")
    return _png(fig)


def key_indicators_figure(indicators_long: pd.DataFrame, targets: pd.DataFrame) -> bytes | None:
    """Small multiples of the key indicators the run has, with observed points and bounds."""
    names = [n for n in KEY_INDICATORS if n in set(indicators_long["indicator"])]
    if not names:
        return None
    ncol = 3
    nrow = -(-len(names) // ncol)
    fig = Figure(figsize=(12, 2.8 * nrow))
    fig.subplots_adjust(**{**_GRID, "top": 1 - 0.25 / nrow, "bottom": 0.2 / nrow})
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False).ravel())
    sub = indicators_long[indicators_long["indicator"].isin(names)]
    b_all = band(sub, ["indicator", "year"])
    for ax, name in zip(axes, names, strict=False):
        b = b_all[b_all["indicator"] == name]
        obs = targets[(targets["indicator"] == name) & targets["kind"].isin(list(_OBS_MARKERS))]
        _plot_band(ax, b, "simulated")
        _plot_observed(ax, obs)
        _log_if_spread(ax, pd.concat([b["lo"], b["hi"], obs["value"]]))
        ax.set_title(name.replace("_", " "), fontsize=10)
        _year_axis(ax)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=8, loc="upper left")
    return _png(fig)


def ccdf(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted complementary CDF ``P(X >= x)`` at each distinct positive value."""
    keep = (values > 0) & (weights > 0) & np.isfinite(values) & np.isfinite(weights)
    v, w = values[keep], weights[keep]
    if v.size == 0:
        return np.array([]), np.array([])
    order = np.argsort(v)[::-1]
    v, w = v[order], w[order]
    p = np.cumsum(w) / w.sum()
    last = np.r_[v[1:] != v[:-1], True]  # the last (cumulative) row of each distinct value
    return v[last][::-1], p[last][::-1]


def loglog_figure(x: np.ndarray, p: np.ndarray, title: str, xlabel: str) -> bytes:
    fig = Figure(figsize=(5.5, 4), layout="constrained")
    ax = fig.subplots()
    ax.loglog(x, p, marker=".", ls="none", color="tab:blue")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("P(X ≥ x)")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    return _png(fig)


def network_figure(sample: dict[str, Any], max_nodes: int = 600) -> bytes | None:
    """A drawing of the network sample, nodes coloured by kind, with a fixed layout seed."""
    nodes = [n for n in sample.get("nodes") or [] if isinstance(n, dict) and "id" in n]
    if not nodes:
        return None
    nodes = nodes[:max_nodes]
    g = nx.Graph()
    for n in nodes:
        g.add_node(n["id"], kind=str(n.get("kind", "?")))
    for e in sample.get("edges") or []:
        if isinstance(e, list | tuple) and len(e) >= 2 and e[0] in g and e[1] in g:
            g.add_edge(e[0], e[1])
    pos = nx.spring_layout(g, seed=0, iterations=50)
    fig = Figure(figsize=(7, 7), layout="constrained")
    ax = fig.subplots()
    segs = [(pos[u], pos[v]) for u, v in g.edges()]
    ax.add_collection(LineCollection(segs, colors="0.7", linewidths=0.4, zorder=1))
    kinds = sorted({d["kind"] for _, d in g.nodes(data=True)})
    colours = [f"C{i % 10}" for i in range(len(kinds))]
    for kind, colour in zip(kinds, colours, strict=True):
        ids = [n for n, d in g.nodes(data=True) if d["kind"] == kind]
        xy = np.array([pos[n] for n in ids])
        size = 8 + 4 * np.sqrt([g.degree(n) for n in ids])
        ax.scatter(xy[:, 0], xy[:, 1], s=size, color=colour, label=kind, zorder=2, lw=0)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_axis_off()
    ax.set_title(f"Collaboration network sample ({g.number_of_nodes()} nodes, "
                 f"{g.number_of_edges()} edges)")  # fmt: skip
    return _png(fig)
