"""The distribution check that guards speed-ups which change the random stream (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.experiments import distcheck

REFERENCE = Path(__file__).parent / "data" / "dist_zgc_baseline_s002.json"


def _sample(means: dict[str, float], se: float = 1.0) -> dict:
    return {"stats": {k: {"mean": v, "se": se, "n": 20} for k, v in means.items()}}


def test_identical_samples_pass() -> None:
    ref = _sample({f"x{i}|mean": float(i) for i in range(50)})
    ok, lines = distcheck.verdict(*distcheck.compare(ref, ref))
    assert ok and "largest |z| 0.00" in lines[0]


def test_one_large_shift_fails_and_is_named() -> None:
    ref = _sample({f"x{i}|mean": 0.0 for i in range(50)})
    now = _sample({**{f"x{i}|mean": 0.0 for i in range(50)}, "x7|mean": 7.0})
    ok, lines = distcheck.verdict(*distcheck.compare(ref, now))
    assert not ok and any(line.startswith("x7|mean") for line in lines)


def test_many_moderate_shifts_fail() -> None:
    ref = _sample({f"x{i}|mean": 0.0 for i in range(50)})
    now = _sample({f"x{i}|mean": (3.0 if i < 10 else 0.0) for i in range(50)})
    ok, lines = distcheck.verdict(*distcheck.compare(ref, now))
    assert not ok and "10 of 50 summaries have |z| > 2" in lines[-1]


def test_a_constant_that_changes_or_a_missing_summary_fails() -> None:
    ref = _sample({"c|last": 3.0, "gone|mean": 1.0}, se=0.0)
    now = _sample({"c|last": 3.5}, se=0.0)
    ok, lines = distcheck.verdict(*distcheck.compare(ref, now))
    assert not ok
    assert any("c|last: constant" in line for line in lines)
    assert any("gone|mean: missing" in line for line in lines)


def test_summaries_average_over_years_and_keep_the_last_year() -> None:
    records = [
        {"year": 2010, "a": 1.0},
        {"year": 2011, "a": float("nan")},
        {"year": 2012, "a": 3.0},
    ]
    s = distcheck._summaries(records)
    assert s["a|mean"] == 2.0 and s["a|last"] == 3.0


#: more references made by the code before the fourth speed round changed the random stream:
#: Silicon Valley, the combined reform, and the baseline at scale 0.1 (where the samplers'
#: thinned paths run, the populations being above their row cut-offs)
MORE_REFERENCES = [
    Path(__file__).parent / "data" / name
    for name in (
        "dist_silicon_valley_s002.json",
        "dist_combined_reform_s002.json",
        "dist_zgc_baseline_s01.json",
    )
]


@pytest.mark.slow
@pytest.mark.parametrize("reference", [REFERENCE, *MORE_REFERENCES], ids=lambda p: p.stem)
def test_the_model_keeps_the_reference_distribution(reference: Path) -> None:
    """A scenario over 20 seeds matches the stored sample of the model as it was when the
    reference was built (see the file's ``built_from``). An intended change of the model's
    behaviour rebuilds it: ``python -m sim.experiments.distcheck build`` (its docstring)."""
    ref = json.loads(reference.read_text())
    now = distcheck.sample(ref["scenario"], ref["seeds"], ref["scale"], ref["end_year"])
    ok, lines = distcheck.verdict(*distcheck.compare(ref, now))
    assert ok, "\n".join(lines)


def test_bad_input_is_one_message_and_exit_2(tmp_path, capsys) -> None:
    missing = tmp_path / "none.json"
    assert distcheck.main(["check", str(missing)]) == 2
    assert "cannot read a reference sample" in capsys.readouterr().err
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"scenario": "zgc_baseline", "seeds": "20"}')
    assert distcheck.main(["check", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert "seeds should be a int" in err and "Traceback" not in err
    assert distcheck.main(["build", str(tmp_path / "r.json"), "--seeds", "1"]) == 2
    assert distcheck.main(["build", str(tmp_path / "r.json"), "--scenario", "nope"]) == 2
    assert "no shipped scenario" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_build_never_replaces_other_data_and_asks_before_a_reference(tmp_path, capsys) -> None:
    other = tmp_path / "notes.json"
    other.write_text('{"mine": true}')
    assert distcheck.main(["build", str(other), "--seeds", "2"]) == 2
    assert "not a reference sample" in capsys.readouterr().err
    assert distcheck.main(["build", str(other), "--seeds", "2", "--force"]) == 2
    assert other.read_text() == '{"mine": true}'
    ref = tmp_path / "ref.json"
    ref.write_text(REFERENCE.read_text())
    assert distcheck.main(["build", str(ref), "--seeds", "2"]) == 2
    assert "--force" in capsys.readouterr().err
    assert distcheck.main(["build", str(tmp_path), "--seeds", "2"]) == 2
    assert "is a folder" in capsys.readouterr().err
