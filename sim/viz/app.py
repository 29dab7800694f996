"""The Solara page: Mesa's SolaraViz with the network, index, indicator and status panels.

Served by ``ecosim viz`` (which runs ``solara run sim.viz.app:Page``). The scenario file and
the demo scale come from environment variables set by the command, because Solara imports
this module itself. Each browser session gets its own model (``use_memo`` in :func:`Page`).

Each panel subscribes to Mesa's ``update_counter``, which Mesa bumps after every step, and
caches its figure on (model, step) or (model, finished years), so a quarter step redraws only
the network and the status text; the yearly charts redraw when a year is finished.
"""

from __future__ import annotations

import html
import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization import solara_viz as _mesa_viz
from mesa.visualization.utils import update_counter

from sim.errors import UserError
from sim.viz.factory import DEMO_SCALE, LEVERS, DemoModel, page_params
from sim.viz.network import NodeLayout, View, select_view
from sim.viz.plots import (
    clock,
    draw_index,
    draw_indicators,
    draw_network,
    index_series,
    network_legend_html,
)

ENV_SCENARIO = "ECOSIM_VIZ_SCENARIO"
ENV_SCALE = "ECOSIM_VIZ_SCALE"
DEFAULT_SCENARIO = Path("scenarios") / "zgc_baseline.yaml"
TITLE = "ecosim: Zhongguancun and Silicon Valley innovation ecosystems"

#: seconds each panel took for its latest drawing (shown on the page, read by the browser test)
_timings: dict[str, float] = {}


def settings() -> tuple[Path, float]:
    """Scenario file and demo scale chosen by ``ecosim viz`` (or the defaults)."""
    path = Path(os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO)
    scale = float(os.environ.get(ENV_SCALE) or DEMO_SCALE)
    return path, scale


def opening_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments of the model the page opens with (the controls' defaults)."""
    return {
        k: (v["value"] if isinstance(v, dict) and "type" in v else v) for k, v in params.items()
    }


class _NetworkState:
    """Per-model drawing state: the layout (computed once) and the latest view."""

    def __init__(self) -> None:
        self.layout = NodeLayout(seed=0)
        self.view: View | None = None


def _network_state(model: DemoModel) -> _NetworkState:
    state = getattr(model, "_viz_network", None)
    if state is None:
        state = _NetworkState()
        model._viz_network = state  # reset builds a new model, hence a new layout
    return state


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _timed_png(name: str, draw: Callable[[], Any]) -> bytes:
    """Draw a figure and encode it, recording how long both took (shown on the page)."""
    t0 = time.perf_counter()
    data = _png(draw())
    _timings[name] = time.perf_counter() - t0
    return data


@solara.component
def NetworkPanel(model: DemoModel) -> None:
    """The collaboration network view, redrawn every step with a fixed layout."""
    update_counter.get()
    state = _network_state(model)

    def draw() -> Any:
        g = model.graph
        state.view = select_view(g)
        pos = state.layout.update(g, state.view.nodes, epoch=len(model.records))
        return draw_network(model, g, state.view.nodes, pos)

    png = solara.use_memo(lambda: _timed_png("network", draw), [id(model), model.steps])
    legend = solara.use_memo(lambda: network_legend_html(model), [id(model)])
    with solara.Column(gap="4px"):
        with solara.Row(gap="8px", style="align-items: flex-start"):
            with solara.Column(style="flex: 3 1 0; min-width: 0"):
                solara.Image(png, width="100%", classes=["ecosim-network"])
            solara.HTML(
                tag="div",
                unsafe_innerHTML=legend,
                style="flex: 1 1 0; font-size: 11px; line-height: 1.35",
            )
        if state.view is not None:
            solara.Text(
                state.view.note,
                style={"font-size": "12px", "color": "#555"},
                classes=["ecosim-network-note"],
            )


@solara.component
def IndexPanel(model: DemoModel) -> None:
    """The ZGC Index (composite and five dimensions), redrawn when a year is finished."""
    update_counter.get()
    years = len(model.records)
    title = "Zhongguancun Index"
    if model.demo.region != "ZGC":
        title = f"ZGC Index method, {model.demo.region} scenario"
    png = solara.use_memo(
        lambda: _timed_png("index", lambda: draw_index(model, title=title)), [id(model), years]
    )
    wide, note = index_series(model)
    with solara.Column(gap="4px"):
        solara.Image(png, width="100%", classes=["ecosim-index"])
        if wide is not None:  # otherwise the figure itself says why there is no index yet
            solara.Text(note, style={"font-size": "12px", "color": "#555"})


@solara.component
def IndicatorPanel(model: DemoModel) -> None:
    """Key indicators, one point per finished year."""
    update_counter.get()
    years = len(model.records)
    currency = model.demo.currency
    png = solara.use_memo(
        lambda: _timed_png("indicators", lambda: draw_indicators(model, currency)),
        [id(model), years],
    )
    solara.Image(png, width="100%", classes=["ecosim-indicators"])


@solara.component
def StatusPanel(model: DemoModel) -> None:
    """What is shown: scenario, seed, scale, levers in effect, clock and drawing times."""
    update_counter.get()
    demo = model.demo
    levers = []
    for key, label in LEVERS:  # read back from the model's config: what is in effect
        lever = getattr(model.cfg.levers, key)
        if lever.strength > 0:
            levers.append(f"{label} {lever.strength:.2f} from {lever.start_year}")
    lever_text = "; ".join(levers) if levers else "none"
    counts = ", ".join(f"{n:,} {k}" for k, n in model.agent_counts().items() if k != "SubPark")
    ms = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in _timings.items())
    finished = ", finished" if not model.running else ""
    lag_ms = (time.perf_counter() - model.step_started) * 1000  # rendered last: step + panels
    lines = [
        f"<b>Now: {clock(model)}</b> (step {model.steps}{finished})",
        f"Scenario <b>{html.escape(demo.scenario_name)}</b> ({html.escape(demo.scenario_file)}), "
        f"seed {demo.seed}, scale {demo.scale:g} of the real population.",
        f"Policy levers beyond history: <span class='ecosim-levers'>"
        f"{html.escape(lever_text)}</span>.",
        f"Agents: {counts}.",
        f"Last drawing: {ms or 'none yet'}; step and drawing took "
        f"<span class='ecosim-render-ms'>{lag_ms:.0f}</span> ms on the server.",
    ]
    # plain HTML, not solara.Markdown: Markdown loads KaTeX, which solara-assets does not ship
    body = "".join(f"<p style='margin:0 0 6px 0'>{line}</p>" for line in lines)
    with solara.Column(gap="2px"):
        solara.HTML(
            tag="div", unsafe_innerHTML=body, style="font-size: 13px", classes=["ecosim-status"]
        )
        solara.Text(
            f"step {model.steps}",
            classes=["ecosim-step"],
            style={"font-size": "11px", "color": "#888"},
        )
        if demo.problem:
            solara.Warning(f"Settings not applied: {demo.problem}")
        solara.Text(
            "Sliders left where the page opened keep the scenario's own values; press Reset "
            "to apply the controls. Step = one quarter.",
            style={"font-size": "12px", "color": "#555"},
        )


COMPONENTS = [(NetworkPanel, 0), (IndexPanel, 0), (IndicatorPanel, 0), (StatusPanel, 0)]

#: grid cells (12 columns, rows of 30 px) of the four panels: the network large on the left,
#: index and indicators stacked on the right, the status text under the network
GRID = [
    {"i": 0, "x": 0, "y": 0, "w": 7, "h": 17, "moved": False},
    {"i": 1, "x": 7, "y": 0, "w": 5, "h": 8, "moved": False},
    {"i": 2, "x": 7, "y": 8, "w": 5, "h": 8, "moved": False},
    {"i": 3, "x": 0, "y": 17, "w": 7, "h": 6, "moved": False},
]
_mesa_grid = _mesa_viz.make_initial_grid_layout


def _grid_layout(num_components: int) -> list[dict[str, Any]]:
    """Mesa lays every panel out as a half-width tile; this page wants a larger network."""
    if num_components == len(GRID):
        return [dict(cell) for cell in GRID]
    return _mesa_grid(num_components)


# Mesa 3.5 has no argument for the initial grid; its ComponentsView looks this function up
# at call time, so replacing it here (in the server process only) sets this page's layout.
_mesa_viz.make_initial_grid_layout = _grid_layout


@solara.component
def Page() -> None:
    """One model per browser session, shown through Mesa's SolaraViz."""
    path, scale = settings()

    def make_params() -> dict[str, Any]:
        try:
            return page_params(path, scale)
        except UserError as exc:  # ecosim viz checks the file first; this is the fallback
            raise RuntimeError(exc.render()) from None

    params = solara.use_memo(make_params, [])
    model = solara.use_memo(lambda: DemoModel(**opening_kwargs(params)), [])
    solara.Title(TITLE)
    SolaraViz(model, components=COMPONENTS, model_params=params, name=TITLE, play_interval=150)
