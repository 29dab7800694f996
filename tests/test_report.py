"""The report builds from a synthetic run folder and stays self-contained."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import report_cmd
from sim.errors import UserError
from sim.fit import FIT_COLUMNS
from sim.indices import DASHBOARD_COLUMNS, INDICATOR_COLUMNS, WIDE_COLUMNS, model_inputs
from sim.report import build_report, write_run_outputs
from sim.report.build import FIGURE_NAMES
from sim.report.io import degree_counts, weighted_values

EXTRA = {"employment", "patents_granted", "new_tech_firms", "talent_inflow", "talent_outflow"}


def _indicators(start: int, end: int, replicates: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for r in range(replicates):
        for name in sorted(model_inputs() | EXTRA):
            level = rng.uniform(10, 1000)
            for year in range(start, end + 1):
                rows.append((r, year, name, level * 1.08 ** (year - start)))
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _meta(region: str = "ZGC") -> dict:
    currency, rate = ("CNY", 7.0) if region == "ZGC" else ("USD", 1.0)
    return {
        "scenario": {"name": "synthetic", "file": "scenarios/x.yaml", "region": region,
                     "currency": currency, "usd_rate": rate, "start_year": 2010,
                     "end_year": 2023},
        "parameters": {"talent": {"inflow": 0.1}},
        "seeds": [1, 2],
        "levers": {"talent_reform": {"start_year": 2018, "strength": 0.5}},
        "shocks": [],
        "version": "0.1.0",
        "git_commit": "abc1234",
        "wall_time_s": 1.5,
        "agent_counts": {"firms": 100},
    }  # fmt: skip


def _snapshot() -> dict:
    nodes = [{"id": i, "kind": "firm" if i % 3 else "talent", "park": "haidian"} for i in range(40)]
    edges = [[i, (i * 7 + 1) % 40, "collab"] for i in range(40)]
    return {
        "firm_revenue": [1e6 * 1.5**i for i in range(30)],
        "firm_weight": [1.0 + i % 2 for i in range(30)],
        "firm_employees": [5 + i**2 for i in range(30)],
        "degree_histogram": [0, 10, 8, 5, 3, 1],
        "network_sample": {"nodes": nodes, "edges": edges},
    }


def _run_folder(tmp: Path, region: str = "ZGC", start: int = 2010, snapshot: bool = True) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    _indicators(start, 2023).to_csv(tmp / "indicators.csv", index=False)
    (tmp / "run.json").write_text(json.dumps(_meta(region)))
    if snapshot:
        (tmp / "snapshot.json").write_text(json.dumps(_snapshot()))
    return tmp


def _assert_self_contained(page: str) -> None:
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page, flags=re.IGNORECASE)
    assert all(not r.lower().startswith(("http:", "https:", "//")) for r in refs), refs
    assert "<link" not in page.lower() and "<script" not in page.lower()
    assert "@import" not in page


def test_full_report_for_a_zgc_run(tmp_path: Path) -> None:
    run = _run_folder(tmp_path / "run")
    report = build_report(run)
    assert report == run / "report.html"
    page = report.read_text(encoding="utf-8")
    _assert_self_contained(page)
    assert page.count("data:image/png;base64,") == 6
    for name in FIGURE_NAMES:
        assert (run / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    wide = pd.read_csv(run / "zgc_index.csv")
    assert list(wide.columns) == WIDE_COLUMNS
    assert wide.set_index("year").loc[2013].tolist() == pytest.approx([100.0] * 6)
    long = pd.read_csv(run / "zgc_index_replicates.csv")
    assert list(long.columns) == ["replicate", "year", "dimension", "value"]
    assert list(pd.read_csv(run / "sv_dashboard.csv").columns) == DASHBOARD_COLUMNS
    fit = pd.read_csv(run / "fit.csv")
    assert list(fit.columns) == FIT_COLUMNS
    assert "zgc_index.composite" in set(fit.indicator)
    assert "talent_reform" in page and "abc1234" in page
    assert not list(run.glob(".tmp*"))  # atomic writes leave no temporary file
    (run / "snapshot.json").unlink()
    build_report(run)  # a rebuild drops the figures it can no longer draw
    assert not (run / "figures" / "network.png").exists()
    assert (run / "figures" / "zgc_index.png").exists()


def test_sv_run_skips_index_but_keeps_dashboard_and_fit(tmp_path: Path) -> None:
    run = _run_folder(tmp_path / "sv", region="SV", snapshot=False)
    page = build_report(run).read_text(encoding="utf-8")
    _assert_self_contained(page)
    assert "defined for ZGC" in page
    assert "snapshot.json is missing" in page
    assert pd.read_csv(run / "zgc_index.csv").empty
    assert not (run / "figures" / "zgc_index.png").exists()
    assert not pd.read_csv(run / "sv_dashboard.csv").empty
    fit = pd.read_csv(run / "fit.csv")
    assert not fit.empty and not fit.indicator.str.startswith("zgc_index").any()


def test_run_after_2013_reports_why_index_is_missing(tmp_path: Path) -> None:
    run = _run_folder(tmp_path / "late", start=2016)
    page = write_run_outputs(run).read_text(encoding="utf-8")
    assert "needs a run covering 2013" in page
    assert pd.read_csv(run / "zgc_index_replicates.csv").empty


def _parse(argv: list[str]) -> argparse.Namespace:
    """The ``report`` command on its own parser (the full CLI imports every command)."""
    parser = argparse.ArgumentParser(prog="ecosim")
    report_cmd.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_report_and_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    run = _run_folder(tmp_path / "cli", snapshot=False)
    args = _parse(["report", str(run)])
    assert args.func(args) == 0
    assert "report written" in capsys.readouterr().out
    assert (run / "report.html").exists()
    missing = _parse(["report", str(tmp_path / "nowhere")])
    with pytest.raises(UserError, match="run folder not found"):
        missing.func(missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match=r"no indicators\.csv"):
        build_report(empty)
    (empty / "indicators.csv").write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="expected"):
        build_report(empty)


def test_snapshot_forms_are_tolerated() -> None:
    for raw in (
        [1.0, 2.0],
        [[1.0, 2.0], [3.0, 1.0]],
        [{"revenue": 1.0, "weight": 2}],
        {"values": [1, 2], "weights": [1, 1]},
    ):
        assert weighted_values(raw) is not None
    vals, w = weighted_values([1.0, 2.0], [3.0, 4.0])
    assert vals.tolist() == [1.0, 2.0] and w.tolist() == [3.0, 4.0]
    assert weighted_values([1.0, 2.0], [3.0]) is None
    assert weighted_values("junk") is None
    assert weighted_values([{"x": 1}]) is None
    assert degree_counts({"1": 3, "2": 1}) is not None
    assert degree_counts([[1, 3], [2, 1]]) is not None
    deg, cnt = degree_counts([0, 4, 2])
    assert deg.tolist() == [1.0, 2.0] and cnt.tolist() == [4.0, 2.0]
