"""Tests of ``ecosim validate`` and ``ecosim scenarios`` (issue 3), through the CLI entry point.

Every bad input must exit 2 with a message that names the file (and the field where there
is one) and no traceback; ``ecosim run`` with a bad scenario must leave no output folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.cli.scenario_cmds import explain_rows, lever_fields
from sim.model.policy import Levers
from sim.scenario import load

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
LIBRARY = {
    "talent_reform.yaml": "talent_reform",
    "equity_incentives.yaml": "equity_incentives",
    "relocation_pressure.yaml": "relocation_pressure",
    "funding_mix_private.yaml": "funding_mix",
}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- validate


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_scenario_validates(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 0, err
    assert f"OK: {path}" in out
    assert err == ""


def test_validate_summary_shows_the_resolved_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    path = SCENARIOS / "talent_reform.yaml"
    code, out, _ = run_cli(
        capsys,
        "validate",
        path,
        "--set",
        "scale=0.02",
        "--set",
        "levers.talent_reform.strength=0.5",
    )
    assert code == 0
    assert "scenario   talent_reform  (region ZGC, CNY" in out
    assert "years      2010-2035   scale 0.02   seed 20101" in out
    assert "zgc_baseline.yaml -> " in out and "talent_reform.yaml" in out
    assert "levers.talent_reform.strength=0.5" in out and "scale=0.02" in out
    scenario, _ = load(path)
    assert f"history    {len(scenario.history)} step(s)" in out
    assert "levers     talent_reform" in out
    assert "foreign_attraction" in out and "decoupling" in out and "shocks" in out
    assert len(out.splitlines()) < 60  # one screen


def test_validate_blends_lever_with_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "tr.yaml",
        "name: tr\nend_year: 2030\nhistory:\n"
        "  - {lever: talent_reform, start_year: 2018, ramp_years: 0, foreign_attraction: 2}\n"
        "levers:\n  talent_reform: {start_year: 2026, ramp_years: 2, strength: 0.5,"
        " foreign_attraction: 4}\n",
    )
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 0
    assert "settings at full ramp (2028)" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("foreign_attraction"))
    assert "2 -> 3 " in line and "(default)" not in line  # halfway from history to the lever
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("housing_subsidy"))
    assert "0 -> 0.25" in line and "(default)" in line  # the default 0.5 acts at half strength


def test_validate_marks_lever_defaults(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A talent lever moves every field, written or not; the summary must say which are
    defaults. A funding-mix lever leaves unwritten fields as history left them."""
    base = SCENARIOS / "zgc_baseline.yaml"
    path = write(
        tmp_path,
        "tr.yaml",
        f"extends: {base}\nname: tr\nend_year: 2030\n"
        "levers:\n  talent_reform: {strength: 1, start_year: 2026, foreign_attraction: 2}\n"
        "  funding_mix: {strength: 1, start_year: 2026, round_size: 2}\n",
    )
    code, out, _ = run_cli(capsys, "validate", path)
    assert code == 0
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("    ")}
    assert "(default)" not in lines["foreign_attraction"]
    assert "(default)" in lines["housing_subsidy"]  # 0.2 after the 2018 reform -> 0.5
    assert "(default)" not in lines["round_size"]
    assert "(not set: unchanged)" in lines["listing_openness"]  # the STAR market stays
    assert "(not set: unchanged)" in lines["share_government"]


def test_lever_fields_history_only_without_levers() -> None:
    scenario, source = load(SCENARIOS / "zgc_baseline.yaml", ["end_year=2030"])
    assert all(getattr(scenario.levers, n).strength == 0 for n in Levers.model_fields)
    rows = lever_fields(scenario, source, "equity_incentives")
    assert {r.name for r in rows} == {"equity_firm_share", "researcher_income_share", "soe_scope"}
    assert all(r.history == pytest.approx(r.effective) for r in rows)


# --------------------------------------------------------------------------- bad input


BAD_FILES = {
    "unknown_key": (
        "name: x\nlevers:\n  talent_reform:\n    strenght: 1\n",
        ["levers.talent_reform.strenght", "did you mean 'strength'", ":4:"],
    ),
    "out_of_range": (
        "name: x\nlevers:\n  equity_incentives:\n    strength: 1.5\n",
        ["levers.equity_incentives.strength", "between 0 and 1", ":4:"],
    ),
    "duplicated_key": ("name: x\nscale: 0.1\nscale: 0.2\n", ["duplicate key 'scale'", ":3:"]),
    "empty": ("# only a comment\n", ["empty"]),
    "yaml_syntax": ("name: x\nlevers: [\n", ["YAML error"]),
    "wrong_type": ("name: x\nend_year: soon\n", ["end_year", "whole number"]),
    "shares": (
        "name: x\nlevers:\n  funding_mix: {strength: 1, share_government: 0.5, share_soe: 0.5,"
        " share_private: 0.5, share_foreign: 0, share_angel: 0}\n",
        ["levers.funding_mix", "add up to 1"],
    ),
    "missing_base": ("name: x\nextends: nowhere.yaml\n", ["nowhere.yaml", "extends", "not found"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_exits_2_naming_file_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    text, needles = BAD_FILES[case]
    path = write(tmp_path, f"{case}.yaml", text)
    code, out, err = run_cli(capsys, "validate", path)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and str(path) in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "validate", tmp_path / "absent.yaml")
    assert code == 2
    assert "absent.yaml" in err and "not found" in err


def test_cyclic_extends(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    code, _, err = run_cli(capsys, "validate", tmp_path / "a.yaml")
    assert code == 2
    assert "cycle" in err and "a.yaml -> " in err and "b.yaml" in err and "extends" in err


@pytest.mark.parametrize(
    ("flag", "needles"),
    [
        ("levers.talent_reform.strength=2", ["levers.talent_reform.strength", "between 0 and 1"]),
        ("levers.talent_reform.strength", ["levers.talent_reform.strength", "="]),
        ("levers.talent_reform.foo=1", ["levers.talent_reform.foo", "unknown key"]),
        ("scale=zero", ["scale"]),
    ],
)
def test_bad_set_exits_2(capsys: pytest.CaptureFixture[str], flag: str, needles: list[str]) -> None:
    code, out, err = run_cli(capsys, "validate", SCENARIOS / "talent_reform.yaml", "--set", flag)
    assert code == 2
    assert out == ""
    for needle in needles:
        assert needle in err, (needle, err)
    assert "Traceback" not in err


_PATHS = st.sampled_from(
    [
        "scale",
        "seed",
        "end_year",
        "region",
        "levers.talent_reform.strength",
        "levers.funding_mix.share_angel",
        "levers.relocation_pressure",
        "history[0].start_year",
        "history[9].lever",
        "parameters.sub_parks[0].rent",
        "shocks.decoupling",
        "name",
    ]
) | st.text(alphabet="abc._[]0123456789=", min_size=0, max_size=30)
_VALUES = st.sampled_from(
    [
        "0.5",
        "-1",
        "1e9",
        "[1, 2]",
        "{a: 1}",
        "null",
        "true",
        "''",
        "x: [",
        "!!python/object:os.system ls",
        "2026",
        "ZGC",
    ]
) | st.text(max_size=20)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=_PATHS, value=_VALUES)
def test_fuzz_set_never_crashes(capsys: pytest.CaptureFixture[str], path: str, value: str) -> None:
    """Whatever ``--set`` gets, validate answers 0 or 2, and 2 comes with a message."""
    code, _, err = run_cli(
        capsys, "validate", SCENARIOS / "zgc_baseline.yaml", f"--set={path}={value}"
    )
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("error: ") and "Traceback" not in err


def test_run_with_bad_scenario_leaves_no_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write(
        tmp_path,
        "bad.yaml",
        f"extends: {SCENARIOS / 'zgc_baseline.yaml'}\nlevers:\n  talent_reform:\n    strength: 7\n",
    )
    out_dir = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", bad, "--out", out_dir, "--quiet", "--scale", "0.01")
    assert code == 2
    assert "levers.talent_reform.strength" in err
    assert not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]
    code, _, err = run_cli(
        capsys,
        "run",
        SCENARIOS / "zgc_baseline.yaml",
        "--out",
        out_dir,
        "--quiet",
        "--set",
        "levers.funding_mix.round_size=-1",
    )
    assert code == 2 and "round_size" in err
    assert not out_dir.exists()


# --------------------------------------------------------------------------- scenarios


def listing_rows(out: str) -> dict[str, dict[str, str]]:
    """The listing table as {file: {column: cell}}, read by the header's column starts.

    Tests the content, not the alignment: whatever widths rich picks, each cell starts where
    its header does.
    """
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("file "))
    names = lines[head].split()
    starts = [lines[head].index(n) for n in names]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[head + 2 :]:
        if not line.strip():
            break
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        rows[cells[0]] = dict(zip(names, cells, strict=True))
    return rows


def test_scenarios_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scenarios", "--dir", SCENARIOS)
    assert code == 0
    rows = listing_rows(out)
    assert set(rows) == {path.name for path in SHIPPED}
    reform = rows["talent_reform.yaml"]
    assert (reform["name"], reform["region"], reform["years"]) == (
        "talent_reform", "ZGC", "2010-2035"
    )  # fmt: skip
    assert reform["description"].startswith("Talent reform from 2026")
    assert f"{len(SHIPPED)} scenario file(s)" in out


def test_scenarios_lists_a_broken_file_with_its_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path, "good.yaml", "name: good\ndescription: a fine one\nend_year: 2020\n")
    write(tmp_path, "broken.yaml", "name: broken\nscale: 3\n")
    write(tmp_path, "notes.txt", "not a scenario")
    code, out, _ = run_cli(capsys, "scenarios", "--dir", tmp_path)
    assert code == 0
    rows = listing_rows(out)
    assert set(rows) == {"good.yaml", "broken.yaml"}  # notes.txt is not a scenario
    assert rows["good.yaml"]["description"] == "a fine one"
    assert rows["good.yaml"]["years"] == "2010-2020"
    assert rows["broken.yaml"]["name"] == ""
    assert rows["broken.yaml"]["description"].startswith("error:")
    assert "scale" in rows["broken.yaml"]["description"]
    assert "2 scenario file(s)" in out and "1 with errors" in out


def test_scenarios_missing_dir(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "scenarios", "--dir", tmp_path / "nope")
    assert code == 2 and "nope" in err and "--dir" in err


def test_explain_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scenarios", "--explain")
    assert code == 0
    line = next(ln for ln in out.splitlines() if ln.startswith("levers.talent_reform.strength "))
    assert line.split()[1:5] == ["0", "[0,", "1]", "share"]
    assert "nothing beyond history" in line
    assert any(ln.startswith("parameters.labour.exit_foreign ") for ln in out.splitlines())
    assert any(ln.startswith("history[lever=funding_mix].share_angel ") for ln in out.splitlines())
    assert any(ln.startswith("shocks.decoupling[].size ") for ln in out.splitlines())
    assert "scale" in out and "(0, 1]" in out


def test_explain_block(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "scenarios", "--explain", "levers.funding_mix")
    assert code == 0
    paths = [ln.split()[0] for ln in out.splitlines()[3:]]
    assert paths[0] == "levers.funding_mix"
    assert all(p.startswith("levers.funding_mix") for p in paths)
    assert "levers.funding_mix.listing_openness" in paths
    assert not any(p.startswith("levers.talent_reform") for p in paths)


def test_explain_covers_every_lever_field() -> None:
    rows = {r.path: r for r in explain_rows("levers")}
    for lever, info in Levers.model_fields.items():
        model = info.annotation
        for field in model.model_fields:  # type: ignore[union-attr]
            row = rows[f"levers.{lever}.{field}"]
            assert row.meaning, row
            if field != "end_year":
                assert row.range and row.unit, row


def test_explain_unknown_block(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "scenarios", "--explain", "levers.talent_refrom")
    assert code == 2 and out == ""
    assert "levers.talent_refrom" in err and "did you mean 'levers.talent_reform'" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- the library


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_library_scenarios_switch_their_lever_on_from_2026(name: str) -> None:
    raw = yaml.safe_load((SCENARIOS / name).read_text(encoding="utf-8"))
    assert raw["extends"] == "zgc_baseline.yaml"
    scenario, _ = load(SCENARIOS / name)
    assert scenario.end_year == 2035
    lever = LIBRARY[name]
    active = [n for n in Levers.model_fields if getattr(scenario.levers, n).strength > 0]
    assert active == [lever]
    assert getattr(scenario.levers, lever).start_year == 2026
    assert "seed 00" in scenario.description


def test_combined_reform_repeats_the_single_levers() -> None:
    combined, _ = load(SCENARIOS / "combined_reform.yaml")
    assert combined.end_year == 2035
    for name, lever in LIBRARY.items():
        single, _ = load(SCENARIOS / name)
        assert getattr(combined.levers, lever) == getattr(single.levers, lever), lever


def test_validate_schedule_matches_the_models() -> None:
    """validate rebuilds the model's policy schedule; it must give the same settings."""
    from sim.cli.scenario_cmds import _schedule
    from sim.model import EcosystemModel

    scenario, _ = load(SCENARIOS / "combined_reform.yaml", ["scale=0.005"])
    model = EcosystemModel(scenario.to_run_config(), rng=1)
    mine = _schedule(scenario, scenario.levers)
    for t in (2009.0, 2016.5, 2019.25, 2027.0, 2035.0):
        assert mine.at(t) == model.schedule.at(t), t
