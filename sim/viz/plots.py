"""Matplotlib figures of the page: the network view, the ZGC Index and key indicators.

Everything is drawn with matplotlib's object API (``Figure``, no pyplot state) so figures can
be made from the server's worker threads, and rendered to PNG by Solara. Altair is avoided on
purpose: its charts load vega from a CDN in the browser, which fails offline.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sim.indices import BASE_YEAR, FIRST_LEVEL, IndexUnavailable, zgc_index, zgc_index_wide

if TYPE_CHECKING:
    import networkx as nx

    from sim.model import EcosystemModel

EDGE_STYLE: dict[str, tuple[str, float, float]] = {  # kind -> colour, width, alpha
    "employment": ("#b0b0b0", 0.5, 0.5),
    "alumni": ("#c9a0dc", 0.5, 0.6),
    "rd_collaboration": ("#1f77b4", 0.9, 0.7),
    "tech_contract": ("#ff7f0e", 0.9, 0.8),
    "investment": ("#2ca02c", 0.8, 0.7),
    "co_investment": ("#8c1c13", 0.8, 0.7),
}
MARKERS = {"firm": "o", "university": "s", "vc": "D", "talent": "."}
CLASS_LABEL = {"firm": "firm", "university": "university", "vc": "VC investor", "talent": "talent"}

#: key indicators shown under the index: (name, label, divisor, unit)
KEY_INDICATORS: tuple[tuple[str, str, float, str], ...] = (
    ("employment", "Employment", 1e6, "million"),
    ("revenue_total", "Revenue", 1e12, "trillion {cur}"),
    ("patents_granted", "Patents granted", 1e3, "thousand"),
    ("vc_investment_total", "VC investment", 1e9, "billion {cur}"),
    ("new_tech_firms", "New tech firms", 1e3, "thousand"),
    ("foreign_employee_share", "Foreign employees", 0.01, "% of workforce"),
)

DIMENSION_LABEL = {
    "composite": "Composite",
    "innovation_leadership": "Innovation leadership",
    "industrial_development": "Industrial development",
    "entrepreneurship_ecosystem": "Entrepreneurship",
    "openness_collaboration": "Openness & collaboration",
    "livability": "Livability",
}


def clock(model: EcosystemModel) -> str:
    """The last finished period, e.g. ``2012 Q3`` (quarters when a year has four steps)."""
    if model.steps == 0:
        return f"start of {model.cfg.start_year}"
    spy = model.steps_per_year
    done = model.steps - 1
    year = model.cfg.start_year + done // spy
    part = done % spy + 1
    return f"{year} Q{part}" if spy == 4 else f"{year} step {part}/{spy}"


def records_long(records: list[dict[str, float]]) -> pd.DataFrame:
    """The model's yearly records as the long ``replicate,year,indicator,value`` table."""
    if not records:
        return pd.DataFrame(columns=["replicate", "year", "indicator", "value"])
    wide = pd.DataFrame(records)
    long = wide.melt(id_vars="year", var_name="indicator", value_name="value")
    long.insert(0, "replicate", 0)
    long["year"] = long["year"].astype(int)
    return long


def index_series(model: EcosystemModel) -> tuple[pd.DataFrame | None, str]:
    """The ZGC Index (composite and five dimensions) so far, or None and the reason why not."""
    first, last = model.cfg.start_year, model.cfg.end_year
    if not first <= BASE_YEAR <= last:
        return None, (
            f"The ZGC Index is {BASE_YEAR}-based and this scenario runs {first}-{last}, so it "
            "never covers the base year; the key indicators are shown instead."
        )
    years = [int(r["year"]) for r in model.records]
    if BASE_YEAR not in years:
        return None, (
            f"The ZGC Index is {BASE_YEAR} = 100: it appears once the model has finished "
            f"{BASE_YEAR}. Meanwhile, see the key indicators below."
        )
    try:
        wide = zgc_index_wide(zgc_index(records_long(model.records)))
    except IndexUnavailable as exc:
        return None, f"The ZGC Index cannot be computed: {exc.message}"
    return wide, f"ZGC Index, {BASE_YEAR} = 100, from the model's yearly indicators."


def _node_style(model: EcosystemModel, g: nx.Graph, nodes: list[int]) -> dict[str, Any]:
    """Per-node class, park colour and size (firms by revenue, others by headcount)."""
    o = model.orgs
    park_index = {p: i for i, p in enumerate(model.park_ids)}
    cmap = _park_colours(len(model.park_ids))
    kinds: list[str] = []
    colours: list[Any] = []
    sizes: list[float] = []
    rev, emp = o["rev"], o["emp"]
    firm_rows = [g.nodes[n].get("row", -1) for n in nodes if g.nodes[n].get("kind") == "firm"]
    max_rev = max((rev[r] for r in firm_rows if r >= 0), default=1.0) or 1.0
    uni_rows = [g.nodes[n].get("row", -1) for n in nodes if g.nodes[n].get("kind") == "university"]
    max_emp = max((emp[r] for r in uni_rows if r >= 0), default=1.0) or 1.0
    inv = model.investors["invested"]
    vc_rows = [g.nodes[n].get("row", -1) for n in nodes if g.nodes[n].get("kind") == "vc"]
    max_inv = max((inv[r] for r in vc_rows if r >= 0), default=1.0) or 1.0
    for n in nodes:
        d = g.nodes[n]
        kind = d.get("kind", "talent")
        kind = kind if kind in MARKERS else "talent"
        row = int(d.get("row", -1))
        kinds.append(kind)
        if kind in ("firm", "university"):
            colours.append(cmap[park_index.get(d.get("park"), 0)])
            frac = (rev[row] / max_rev) if kind == "firm" else (emp[row] / max_emp)
            sizes.append(10 + 190 * float(np.sqrt(max(frac, 0.0))))
        elif kind == "vc":
            colours.append("#222222")
            sizes.append(14 + 60 * float(np.sqrt(max(inv[row] / max_inv, 0.0))))
        else:
            colours.append("#9a9a9a")
            sizes.append(5.0)
    return {"kind": kinds, "colour": colours, "size": sizes}


def _park_colours(n: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(max(n, 1))]


def draw_network(
    model: EcosystemModel,
    g: nx.Graph,
    nodes: list[int],
    pos: dict[int, tuple[float, float]],
    *,
    size: tuple[float, float] = (6.0, 6.0),
) -> Figure:
    """The drawn view: nodes by class (marker) and sub-park (colour), edges by type (colour).

    The legend is HTML next to the image (:func:`network_legend_html`): matplotlib legends
    are text layout, the costliest part of a figure that is redrawn every step.
    """
    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.94))
    ax.set_axis_off()
    sub = g.subgraph(nodes)
    by_kind: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {}
    for u, v, kind in sub.edges(data="kind"):
        by_kind.setdefault(kind or "employment", []).append((pos[u], pos[v]))
    for kind in EDGE_ORDER:
        segs = by_kind.get(kind)
        if segs:
            colour, width, alpha = EDGE_STYLE[kind]
            ax.add_collection(
                LineCollection(segs, colors=colour, linewidths=width, alpha=alpha, zorder=1)
            )
    style = _node_style(model, g, nodes)
    xy = np.array([pos[n] for n in nodes]) if nodes else np.zeros((0, 2))
    kinds = np.array(style["kind"])
    colours = np.array(style["colour"], dtype=object)
    sizes = np.array(style["size"])
    for kind in ("talent", "firm", "university", "vc"):
        m = kinds == kind
        if m.any():
            ax.scatter(
                xy[m, 0],
                xy[m, 1],
                s=sizes[m],
                c=list(colours[m]),
                marker=MARKERS[kind],
                edgecolors="white" if kind != "talent" else "none",
                linewidths=0.4,
                zorder=3 if kind != "talent" else 2,
            )
    ax.set_xlim(-1.08, 1.08)
    ax.set_ylim(-1.08, 1.08)
    ax.set_aspect("equal", adjustable="box")
    fig.suptitle(f"Collaboration network, {clock(model)}", x=0.02, ha="left", fontsize=12)
    return fig


#: edges are drawn in this order, the rarer and more telling kinds on top
EDGE_ORDER = (
    "employment",
    "alumni",
    "investment",
    "co_investment",
    "tech_contract",
    "rd_collaboration",
)
_CLASS_SYMBOL = {"firm": "&#9679;", "university": "&#9632;", "vc": "&#9670;", "talent": "&#183;"}


def network_legend_html(model: EcosystemModel) -> str:
    """The network's legend as HTML: classes (shape), ties (colour), sub-parks (colour)."""
    cmap = _park_colours(len(model.park_ids))

    def swatch(colour: Any, symbol: str = "&#9679;") -> str:
        return f"<span style='color:{to_hex(colour)};font-size:14px'>{symbol}</span>"

    rows = ["<b>Shape: class</b>"]
    rows += [f"{swatch('#555555', _CLASS_SYMBOL[k])} {CLASS_LABEL[k]}" for k in MARKERS]
    rows.append("<b>Line: tie</b>")
    rows += [f"{swatch(EDGE_STYLE[k][0], '&#9644;')} {k.replace('_', ' ')}" for k in EDGE_STYLE]
    rows.append("<b>Colour: sub-park</b>")
    rows += [f"{swatch(cmap[i])} {html.escape(name)}" for i, name in enumerate(model.park_names)]
    rows.append(
        "<span style='color:#666'>Size: revenue (firms), researchers (universities), "
        "money invested (VCs)</span>"
    )
    return "<br>".join(rows)


def draw_index(
    model: EcosystemModel,
    *,
    title: str = "Zhongguancun Index",
    size: tuple[float, float] = (6.4, 3.6),
) -> Figure:
    """Composite and first-level ZGC Index over time, or the reason it is not there yet.

    ``title`` lets the page say when the ZGC method is applied to another region.
    """
    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_axes((0.09, 0.1, 0.56, 0.78))
    wide, note = index_series(model)
    ax.set_xlim(model.cfg.start_year - 0.3, model.cfg.end_year + 0.3)
    if wide is None:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            _wrap(note, 60),
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=10,
            color="#444444",
        )
        fig.suptitle(title, fontsize=11, x=0.02, ha="left")
        return fig
    years = wide["year"].to_numpy()
    for dim in FIRST_LEVEL:
        ax.plot(years, wide[dim].to_numpy(), lw=1.4, marker=".", label=DIMENSION_LABEL[dim])
    ax.plot(
        years,
        wide["composite"].to_numpy(),
        color="black",
        lw=2.6,
        marker="o",
        markersize=4,
        label="Composite",
    )
    lines = list(ax.get_lines())
    ax.axhline(100, color="#999999", lw=0.8, ls=":")
    ax.set_ylabel(f"{BASE_YEAR} = 100")
    ax.grid(alpha=0.3)
    fig.legend(
        handles=[lines[-1], *lines[:-1]],  # composite first
        loc="upper left",
        bbox_to_anchor=(0.66, 0.88),
        fontsize=7.5,
        frameon=False,
    )
    last = wide.iloc[-1]
    fig.suptitle(
        f"{title}: {last['composite']:.0f} in {int(last['year'])}",
        fontsize=11,
        x=0.02,
        ha="left",
    )
    return fig


def draw_indicators(
    model: EcosystemModel, currency: str = "CNY", *, size: tuple[float, float] = (6.4, 3.6)
) -> Figure:
    """Key indicators relative to the first year, with their latest levels in the legend.

    One axes rather than six small ones: the figure redraws at each year's end, and the tick
    labels of six axes cost most of a second on a busy two-core machine.
    """
    fig = Figure(figsize=size, dpi=100)
    ax = fig.add_axes((0.09, 0.1, 0.50, 0.78))
    ax.set_xlim(model.cfg.start_year - 0.3, model.cfg.end_year + 0.3)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)
    frame = pd.DataFrame(model.records)
    first = int(frame["year"].iloc[0]) if not frame.empty else model.cfg.start_year
    ax.set_ylabel(f"{first} = 100", fontsize=8)
    handles = []
    for name, label, div, unit in KEY_INDICATORS:
        if frame.empty or name not in frame:
            continue
        values = frame[name].to_numpy(dtype=float)
        base = values[0]
        rel = values / base * 100 if base > 0 else np.full_like(values, np.nan)
        (line,) = ax.plot(frame["year"], rel, marker=".", lw=1.4)
        line.set_label(f"{label}: {values[-1] / div:,.3g} {unit.format(cur=currency)}")
        handles.append(line)
    if handles:
        ax.axhline(100, color="#999999", lw=0.8, ls=":")
        if len(frame) < 2:  # one point: matplotlib would zoom to 96-104
            ax.set_ylim(50, 150)
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.60, 0.88),
            fontsize=7.5,
            frameon=False,
            title=f"level in {int(frame['year'].iloc[-1])}",
            title_fontsize=7.5,
            alignment="left",
        )
    else:
        ax.set_axis_off()
        ax.text(
            0.5,
            0.5,
            "The key indicators appear when the first year is finished.",
            ha="center",
            va="center",
            fontsize=10,
            color="#444444",
            transform=ax.transAxes,
        )
    fig.suptitle("Key indicators (yearly)", fontsize=11, x=0.02, ha="left")
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
