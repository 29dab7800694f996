"""The visual server's pieces without a browser: factory, network view, layout, figures, CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from matplotlib.figure import Figure

from sim.cli import viz_cmd
from sim.cli.main import main as cli_main
from sim.errors import UserError
from sim.viz import factory
from sim.viz.factory import DemoModel, load_demo, moved_levers, page_params, scenario_choices
from sim.viz.network import NodeLayout, ViewSpec, select_view, stable_hash
from sim.viz.plots import (
    clock,
    draw_index,
    draw_indicators,
    draw_network,
    index_series,
    records_long,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "zgc_baseline.yaml"


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A folder with a short copy of the baseline (2010-2014) and a broken file."""
    text = BASELINE.read_text(encoding="utf-8").replace("end_year: 2025", "end_year: 2014")
    (tmp_path / "short.yaml").write_text(text, encoding="utf-8")
    late = text.replace("start_year: 2010\n", "start_year: 2015\n", 1).replace(
        "end_year: 2014", "end_year: 2016"
    )
    (tmp_path / "late.yaml").write_text(late, encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("name: broken\nstart_year: soon\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    return tmp_path


# ------------------------------------------------------------------ factory
def test_scenario_choices_lists_yaml_files_only(scenario_dir: Path) -> None:
    assert scenario_choices(scenario_dir) == ["broken.yaml", "late.yaml", "short.yaml"]
    assert scenario_choices(scenario_dir / "missing") == []


def test_load_demo_applies_seed_scale_and_levers(scenario_dir: Path) -> None:
    levers = {"talent_reform_strength": 0.6, "talent_reform_start": 2012}
    scenario, config, seed = load_demo(
        scenario_dir / "short.yaml", seed="42", scale=0.01, levers=levers
    )
    assert seed == 42 and scenario.seed == 42
    assert config.scale == pytest.approx(0.01)
    assert config.levers.talent_reform.strength == pytest.approx(0.6)
    assert config.levers.talent_reform.start_year == 2012
    assert config.levers.funding_mix.strength == 0.0


@pytest.mark.parametrize("seed", ["x", "1.5"])
def test_load_demo_rejects_bad_seed(scenario_dir: Path, seed: str) -> None:
    with pytest.raises(UserError, match="seed"):
        load_demo(scenario_dir / "short.yaml", seed=seed)


def test_moved_levers_keeps_scenario_values_for_untouched_sliders() -> None:
    opening = {
        "talent_reform_strength": 0.0,
        "talent_reform_start": 2020,
        "funding_mix_strength": 0.0,
        "funding_mix_start": 2020,
    }
    assert moved_levers(dict(opening), opening) == {}
    moved = moved_levers({**opening, "funding_mix_strength": 0.5}, opening)
    # moving one slider of a lever applies both of its values
    assert moved == {"funding_mix_strength": 0.5, "funding_mix_start": 2020}


def test_demo_model_from_page_params_and_moved_slider(scenario_dir: Path) -> None:
    params = page_params(scenario_dir / "short.yaml", scale=0.01)
    values = {
        k: (v["value"] if isinstance(v, dict) and "type" in v else v) for k, v in params.items()
    }
    assert params["scenario_file"]["values"] == ["broken.yaml", "late.yaml", "short.yaml"]
    assert params["talent_reform_start"]["min"] == 2010
    assert params["talent_reform_start"]["max"] == 2014
    model = DemoModel(**values)
    assert model.demo.problem == ""
    assert model.cfg.levers.talent_reform.strength == 0.0
    moved = DemoModel(**{**values, "talent_reform_strength": 0.75, "seed": "9"})
    assert moved.cfg.levers.talent_reform.strength == pytest.approx(0.75)
    assert moved.cfg.levers.talent_reform.start_year == params["talent_reform_start"]["value"]
    assert moved.demo.seed == 9


def test_demo_model_falls_back_and_says_why(scenario_dir: Path) -> None:
    model = DemoModel(
        scenario_dir=str(scenario_dir), scenario_file="short.yaml", seed="abc", scale="0.01"
    )
    assert "seed" in model.demo.problem
    assert model.demo.scenario_file == "short.yaml"
    broken = DemoModel(scenario_dir=str(scenario_dir), scenario_file="broken.yaml", scale="0.01")
    assert "broken.yaml" in broken.demo.problem
    assert broken.demo.scenario_file in {"late.yaml", "short.yaml"}


def test_mesa_can_rebuild_the_model_on_reset(scenario_dir: Path) -> None:
    """Mesa's Reset does ``type(model)(**params)`` after checking names against __init__."""
    from mesa.visualization import solara_viz

    params = page_params(scenario_dir / "short.yaml", scale=0.01)
    values = {
        k: (v["value"] if isinstance(v, dict) and "type" in v else v) for k, v in params.items()
    }
    model = DemoModel(**values)
    solara_viz._check_model_params(model, params)  # raises on unknown or missing names
    kwargs = solara_viz._build_model_init_kwargs(
        model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )
    again = type(model)(**kwargs)
    again.step()
    assert again.steps == 1 and isinstance(again, DemoModel)


# ------------------------------------------------------------------ network view
def _toy_graph(n_firms: int = 400, seed: int = 3) -> nx.Graph:
    rng = np.random.default_rng(seed)
    g = nx.Graph()
    for i in range(n_firms):
        g.add_node(i, kind="university" if i % 50 == 0 else "firm", park="p0", row=i)
    for j in range(30):
        g.add_node(10_000 + j, kind="vc", row=j)
    for j in range(2_000):
        g.add_node(20_000 + j, kind="talent", row=j)
        g.add_edge(20_000 + j, int(rng.integers(n_firms)), kind="employment")
    # firms 0-19 form a dense collaboration core; firm 399 has many employees but no ties
    for a in range(20):
        for b in range(a + 1, 20):
            g.add_edge(a, b, kind="rd_collaboration")
    for j in range(200):
        g.add_edge(20_000 + j, 399, kind="employment")
    for j in range(30):
        g.add_edge(10_000 + j, int(rng.integers(n_firms)), kind="investment")
    return g


def test_select_view_ranks_by_collaboration_ties_and_is_bounded() -> None:
    g = _toy_graph()
    spec = ViewSpec(core=10, sample=20, investors=5, talent=15)
    view = select_view(g, spec)
    assert set(view.core) <= set(range(20)) and len(view.core) == 10
    assert 399 not in view.core  # many employees, no collaboration ties
    assert len(view.nodes) <= spec.core + spec.sample + spec.investors + spec.talent
    assert len(set(view.nodes)) == len(view.nodes)
    assert set(view.nodes) <= set(g.nodes)
    kinds = {g.nodes[n]["kind"] for n in view.nodes}
    assert {"firm", "talent"} <= kinds
    assert f"of {g.number_of_nodes():,} nodes" in view.note


def test_select_view_sample_is_stable_across_steps() -> None:
    g = _toy_graph()
    spec = ViewSpec(core=10, sample=20, investors=5, talent=15)
    first = select_view(g, spec)
    g.add_node(5_000, kind="talent")  # an unrelated newcomer changes nothing
    again = select_view(g, spec)
    assert first.nodes == again.nodes
    assert stable_hash(np.array([1, 2, 3])).tolist() == stable_hash(np.array([1, 2, 3])).tolist()
    assert len(set(stable_hash(np.arange(1000)).tolist())) == 1000


def test_small_graph_is_drawn_whole() -> None:
    g = nx.path_graph(5)
    nx.set_node_attributes(g, "firm", "kind")
    view = select_view(g)
    assert view.nodes == [0, 1, 2, 3, 4]
    assert view.note.startswith("Drawing all 5 nodes")


def test_layout_is_computed_once_and_extended_in_place() -> None:
    g = _toy_graph(120)
    view = select_view(g, ViewSpec(core=20, sample=20, investors=5, talent=10))
    layout = NodeLayout(seed=1)
    pos = layout.update(g, view.nodes, epoch=0)
    assert set(pos) == set(view.nodes)
    assert all(-1.0001 <= c <= 1.0001 for xy in pos.values() for c in xy)
    anchor = view.core[0]
    g.add_node(99_999, kind="firm", park="p0", row=0)
    g.add_edge(99_999, anchor, kind="rd_collaboration")
    pos2 = layout.update(g, [*view.nodes, 99_999], epoch=0)
    assert all(pos2[n] == pos[n] for n in view.nodes)  # same epoch: nothing moves
    assert np.hypot(*np.subtract(pos2[99_999], pos2[anchor])) < 0.1  # next to its neighbour
    pos3 = layout.update(g, [*view.nodes, 99_999], epoch=1)  # a new year: a short relaxation
    assert any(pos3[n] != pos2[n] for n in view.nodes)
    assert layout.relaxed_at == 1


# ------------------------------------------------------------------ figures
@pytest.fixture(scope="module")
def short_model() -> DemoModel:
    model = DemoModel(scenario_dir=str(BASELINE.parent), scenario_file=BASELINE.name, scale="0.01")
    return model


def test_clock_index_and_figures(short_model: DemoModel) -> None:
    m = short_model
    assert clock(m) == "start of 2010"
    wide, note = index_series(m)
    assert wide is None and "2013" in note
    for _ in range(3 * m.steps_per_year):
        m.step()
    assert clock(m) == "2012 Q4"
    assert index_series(m)[0] is None  # 2013 not finished yet
    for _ in range(m.steps_per_year):
        m.step()
    wide, note = index_series(m)
    assert wide is not None and "2013 = 100" in note
    base = wide.set_index("year").loc[2013]
    assert base["composite"] == pytest.approx(100.0)
    long = records_long(m.records)
    assert list(long.columns) == ["replicate", "year", "indicator", "value"]
    assert sorted(long["year"].unique()) == [2010, 2011, 2012, 2013]
    g = m.graph
    view = select_view(g)
    pos = NodeLayout().update(g, view.nodes)
    for fig in (draw_network(m, g, view.nodes, pos), draw_index(m), draw_indicators(m)):
        assert isinstance(fig, Figure) and fig.axes


def test_index_reason_when_scenario_misses_base_year(scenario_dir: Path) -> None:
    late = DemoModel(scenario_dir=str(scenario_dir), scenario_file="late.yaml", scale="0.01")
    wide, note = index_series(late)
    assert wide is None and "never covers the base year" in note


# ------------------------------------------------------------------ command line
def _args(**kw: object) -> argparse.Namespace:
    base = {"scenario": str(BASELINE), "host": "127.0.0.1", "port": 8765, "scale": None}
    return argparse.Namespace(**{**base, **kw})


def test_check_args_validates_before_starting(tmp_path: Path) -> None:
    path, scale = viz_cmd.check_args(_args())
    assert path == BASELINE.resolve() and scale == factory.DEMO_SCALE
    with pytest.raises(UserError, match="--port"):
        viz_cmd.check_args(_args(port=70000))
    with pytest.raises(UserError, match="--scale"):
        viz_cmd.check_args(_args(scale=2.0))
    with pytest.raises(UserError):
        viz_cmd.check_args(_args(scenario=str(tmp_path / "missing.yaml")))


def test_cli_bad_scenario_exits_2_without_serving(tmp_path: Path, capsys) -> None:
    code = cli_main(["viz", str(tmp_path / "missing.yaml"), "--port", "0"])
    assert code == 2
    assert "missing.yaml" in capsys.readouterr().err


def test_offline_environment_points_at_packaged_assets() -> None:
    env = viz_cmd.offline_environment(BASELINE, 0.02)
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    root = viz_cmd.assets_dir()
    assert root is not None, "solara-assets is not installed: the page would need the internet"
    assert (root / "requirejs@2.3.6").is_dir()
    assert any(p.name.startswith("solara-vuetify-app@") for p in (root / "@widgetti").iterdir())


def test_app_grid_layout_and_opening_values() -> None:
    from mesa.visualization import solara_viz

    from sim.viz import app

    cells = solara_viz.make_initial_grid_layout(len(app.COMPONENTS))
    assert [c["i"] for c in cells] == [0, 1, 2, 3]
    assert cells[0]["w"] > 6  # the network gets more than Mesa's half-width tile
    assert len(solara_viz.make_initial_grid_layout(2)) == 2  # other pages: Mesa's default
    params = page_params(BASELINE)
    opening = app.opening_kwargs(params)
    assert opening["scenario_file"] == BASELINE.name
    assert opening["opening"]["talent_reform_strength"] == 0.0
