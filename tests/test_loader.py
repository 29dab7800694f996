"""Tests of the generic scenario loader (sim.scenario.loader) with small toy models.

The loader must turn every kind of bad input into a UserError that names the file, the line,
the dotted field path and what is allowed, and must never let another exception through.
"""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.errors import UserError
from sim.scenario.loader import (
    ScenarioError,
    SourceMap,
    allowed_keys,
    apply_overrides,
    deep_merge,
    dump_yaml,
    load_scenario,
    load_scenario_dict,
    parent_path,
    validate,
)

# --------------------------------------------------------------------------- toy models


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Mode(StrEnum):
    FAST = "fast"
    CAREFUL = "careful"


class Lever(Block):
    strength: float = Field(
        0.5, ge=0, le=1, description="How hard", json_schema_extra={"unit": "share"}
    )
    delay: int = Field(0, ge=0, description="Years before it acts")
    kind: Literal["tax", "grant"] = Field("tax", description="Instrument")


class Levers(Block):
    talent_reform: Lever = Field(default_factory=Lever, description="Talent lever")
    capital: Lever | None = Field(None, description="Optional capital lever")


class Event(Block):
    year: int = Field(..., ge=1900, le=2100, description="Calendar year")
    shock: float = Field(0.0, gt=-1, description="Relative change")


class Grant(Block):
    type: Literal["grant"] = Field(description="Tag")
    amount: float = Field(0.0, ge=0, description="Money")


class Loan(Block):
    type: Literal["loan"] = Field(description="Tag")
    rate: float = Field(0.05, ge=0, le=1, description="Interest")


Instrument = Annotated[Grant | Loan, Field(discriminator="type")]


class Toy(Block):
    seed: int = Field(1, ge=0, description="Random seed")
    steps: int = Field(10, ge=1, le=1000, description="Steps")
    rate: float = Field(0.1, ge=0, description="Growth", json_schema_extra={"unit": "1/year"})
    mode: Mode = Field(Mode.FAST, description="Run mode")
    label: str | None = Field(None, description="Free text")
    levers: Levers = Field(default_factory=Levers, description="Policy levers")
    history: list[Event] = Field(default_factory=list, description="Past events")
    regions: dict[str, Lever] = Field(default_factory=dict, description="Per region")
    knob: int | str = Field(0, description="A union")
    instruments: list[Instrument] = Field(default_factory=list, description="Tagged union")

    @model_validator(mode="after")
    def _history_sorted(self) -> Toy:
        years = [e.year for e in self.history]
        if years != sorted(years):
            raise ValueError("history must be in increasing year order")
        return self


class Strict(Block):
    """A model with a required field, to test 'missing'."""

    name: str = Field(..., description="Name of the run")
    size: int = Field(1, ge=1, description="Size")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path | str, model: type[BaseModel] = Toy, **kw: Any) -> UserError:
    with pytest.raises(UserError) as info:
        load_scenario(path, model, **kw)
    return info.value


# --------------------------------------------------------------------------- reading errors


def test_missing_file_is_named(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.yaml")
    assert "nope.yaml" in err.render()
    assert "not found" in err.message


def test_directory_is_rejected(tmp_path: Path) -> None:
    err = error_of(tmp_path)
    assert err.file == str(tmp_path)
    assert "directory" in err.message


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "locked.yaml", "seed: 1\n")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    err = error_of(path)
    assert err.file == str(path)
    assert "cannot read" in err.message and "Permission denied" in err.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n  # another\n", "---\n"])
def test_empty_or_comment_only_file(tmp_path: Path, text: str) -> None:
    err = error_of(write(tmp_path / "empty.yaml", text))
    assert err.file.endswith("empty.yaml")
    assert "empty" in err.message


@pytest.mark.parametrize(
    ("text", "found"), [("- 1\n- 2\n", "a list"), ("3\n", "an integer"), ("hello\n", "text")]
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    err = error_of(write(tmp_path / "top.yaml", text))
    assert "top level must be a mapping" in err.message
    assert found in err.message
    assert err.line == 1


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("seed: 1\n  steps: 2\n", 2, 8, "mapping values are not allowed"),
        ("seed: 1\nlevers:\n\tx: 1\n", 3, 1, "'\\t'"),
        ("seed: [1, 2\nrate: 3\n", 2, 5, "expected ',' or ']'"),
        ("seed: 1\n---\nrate: 2\n", 2, 1, "single document"),
    ],
)
def test_yaml_syntax_error_has_line_and_column(
    tmp_path: Path, text: str, line: int, column: int, words: str
) -> None:
    err = error_of(write(tmp_path / "bad.yaml", text))
    assert err.file.endswith("bad.yaml")
    assert err.line == line
    assert f"column {column}" in err.message
    assert words in err.message


def test_unterminated_quote_points_to_where_it_started(tmp_path: Path) -> None:
    err = error_of(write(tmp_path / "q.yaml", "seed: 1\nlabel: 'open\n"))
    assert "started at line 2" in err.message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"seed: 1\nlabel: caf\xe9\n")
    err = error_of(path)
    assert "UTF-8" in err.message
    assert "0xe9" in err.message
    assert err.line == 2


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffseed: 4\n".encode())
    model, _ = load_scenario(path, Toy)
    assert model.seed == 4


def test_control_character_is_reported_with_line(tmp_path: Path) -> None:
    err = error_of(write(tmp_path / "ctl.yaml", "seed: 1\nlabel: a\x07b\n"))
    assert err.line == 2
    assert "U+0007" in err.message


def test_bad_explicit_tag_is_a_user_error(tmp_path: Path) -> None:
    err = error_of(write(tmp_path / "tag.yaml", "seed: 1\nsteps: !!int abc\n"))
    assert err.line == 2
    assert "abc" in err.message


def test_python_tags_are_refused(tmp_path: Path) -> None:
    err = error_of(write(tmp_path / "py.yaml", "seed: !!python/object:os.system ls\n"))
    assert err.line == 1


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    err = error_of(write(tmp_path / "rec.yaml", "seed: 1\nhistory: &h [*h]\n"))
    assert "recursive alias" in err.message
    assert err.field == "history[0]"


@pytest.mark.parametrize(
    "text", ["label: " + "[" * 3000 + "]" * 3000, "levers: " + "{a: " * 3000 + "1" + "}" * 3000]
)
def test_deeply_nested_document(tmp_path: Path, text: str) -> None:
    err = error_of(write(tmp_path / "deep.yaml", text))
    assert "nested too deeply" in err.message


# --------------------------------------------------------------------------- duplicate keys


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    err = error_of(write(tmp_path / "dup.yaml", "seed: 1\nsteps: 3\nseed: 2\n"))
    assert (err.file, err.line, err.field) == (str(tmp_path / "dup.yaml"), 3, "seed")
    assert "duplicate key 'seed'" in err.message
    assert "line 1" in err.message


def test_duplicate_nested_key_gives_dotted_path(tmp_path: Path) -> None:
    text = "levers:\n  talent_reform:\n    strength: 0.1\n    delay: 1\n    strength: 0.2\n"
    err = error_of(write(tmp_path / "dup.yaml", text))
    assert err.line == 5
    assert err.field == "levers.talent_reform.strength"
    assert err.render().startswith(f"{tmp_path / 'dup.yaml'}:5: levers.talent_reform.strength:")


def test_duplicate_key_inside_list_item(tmp_path: Path) -> None:
    text = "history:\n  - year: 2000\n  - {year: 2001, year: 2002}\n"
    err = error_of(write(tmp_path / "dup.yaml", text))
    assert err.field == "history[1].year"
    assert err.line == 3


def test_merge_key_is_not_a_duplicate(tmp_path: Path) -> None:
    text = (
        "regions:\n"
        "  north: &base {strength: 0.2, delay: 3}\n"
        "  south:\n"
        "    <<: *base\n"
        "    strength: 0.9\n"
    )
    model, source = load_scenario(write(tmp_path / "merge.yaml", text), Toy)
    assert model.regions["south"] == Lever(strength=0.9, delay=3)
    assert source["regions.south.strength"][1] == 5
    assert source["regions.south.delay"][1] == 2


# --------------------------------------------------------------------------- source map


def test_source_map_records_keys_and_items(tmp_path: Path) -> None:
    text = (
        "seed: 3\n"  # 1
        "levers:\n"  # 2
        "  talent_reform:\n"  # 3
        "    strength: 0.4\n"  # 4
        "history:\n"  # 5
        "  - year: 2000\n"  # 6
        "    shock: 0.1\n"  # 7
        "  - year: 2005\n"  # 8
    )
    path = write(tmp_path / "s.yaml", text)
    _, source = load_scenario_dict(path)
    expected = {
        "seed": 1,
        "levers": 2,
        "levers.talent_reform": 3,
        "levers.talent_reform.strength": 4,
        "history": 5,
        "history[0]": 6,
        "history[0].shock": 7,
        "history[1].year": 8,
    }
    for key, line in expected.items():
        assert source[key] == (str(path), line), key
    assert source.files == [str(path)]


def test_locate_falls_back_to_closest_parent() -> None:
    source = SourceMap({"a": ("f.yaml", 2), "a.b[1]": ("f.yaml", 5)})
    assert source.locate("a.b[1].c.d") == ("f.yaml", 5)
    assert source.locate("a.x") == ("f.yaml", 2)
    source.files = ["f.yaml"]
    assert source.locate("zzz") == ("f.yaml", None)


@pytest.mark.parametrize(
    ("path", "parent"), [("a.b[2].c", "a.b[2]"), ("a.b[2]", "a.b"), ("a.b", "a"), ("a", "")]
)
def test_parent_path(path: str, parent: str) -> None:
    assert parent_path(path) == parent


# --------------------------------------------------------------------------- extends


def test_deep_merge_semantics() -> None:
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "l": [1, 2, 3], "s": {"k": 1}, "keep": 1}
    child = {"a": {"y": {"q": 9}, "z": 3}, "l": [7], "s": 5}
    merged = deep_merge(base, child)
    assert merged == {"a": {"x": 1, "y": {"p": 1, "q": 9}, "z": 3}, "l": [7], "s": 5, "keep": 1}
    assert base["a"]["y"] == {"p": 1, "q": 2}, "the base must not be modified"


def test_extends_chain_merges_and_records_provenance(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml",
        "seed: 1\nsteps: 5\nlevers:\n  talent_reform:\n    strength: 0.2\n    delay: 4\n"
        "history:\n  - year: 2000\n  - year: 2001\n  - year: 2002\n",
    )
    write(
        tmp_path / "b.yaml", "extends: a.yaml\nsteps: 6\nlevers:\n  talent_reform:\n    delay: 7\n"
    )
    write(tmp_path / "c.yaml", "extends: b.yaml\nhistory:\n  - year: 1999\nrate: 0.3\n")
    data, source = load_scenario_dict(tmp_path / "c.yaml")
    assert data == {
        "seed": 1,
        "steps": 6,
        "levers": {"talent_reform": {"strength": 0.2, "delay": 7}},
        "history": [{"year": 1999}],
        "rate": 0.3,
    }
    assert "extends" not in data and "extends" not in source
    assert source.files == [str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml")]
    assert source["seed"] == (str(tmp_path / "a.yaml"), 1)
    assert source["steps"] == (str(tmp_path / "b.yaml"), 2)
    assert source["levers.talent_reform.strength"] == (str(tmp_path / "a.yaml"), 5)
    assert source["levers.talent_reform.delay"] == (str(tmp_path / "b.yaml"), 5)
    assert source["history[0].year"] == (str(tmp_path / "c.yaml"), 3)
    assert "history[2]" not in source, "lines of the replaced base list must be dropped"


def test_extends_is_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    write(tmp_path / "bases" / "core.yaml", "seed: 9\n")
    write(tmp_path / "bases" / "mid.yaml", "extends: core.yaml\nsteps: 2\n")
    write(tmp_path / "runs" / "x.yaml", "extends: ../bases/mid.yaml\nrate: 1.5\n")
    model, source = load_scenario(tmp_path / "runs" / "x.yaml", Toy)
    assert (model.seed, model.steps, model.rate) == (9, 2, 1.5)
    assert Path(source.files[0]).resolve() == (tmp_path / "bases" / "core.yaml").resolve()


def test_errors_in_a_base_point_to_the_base_file(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "seed: 1\nsteps: 5000\n")
    write(tmp_path / "child.yaml", "extends: base.yaml\nrate: 0.2\n")
    err = error_of(tmp_path / "child.yaml")
    assert (err.file, err.line, err.field) == (str(tmp_path / "base.yaml"), 2, "steps")


def test_self_extends_is_a_cycle(tmp_path: Path) -> None:
    write(tmp_path / "me.yaml", "extends: me.yaml\nseed: 1\n")
    err = error_of(tmp_path / "me.yaml")
    assert "cycle" in err.message
    assert err.message.count("me.yaml") == 2


def test_extends_cycle_shows_the_chain(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", "extends: b.yaml\n")
    write(tmp_path / "b.yaml", "extends: c.yaml\n")
    write(tmp_path / "c.yaml", "extends: a.yaml\n")
    err = error_of(tmp_path / "a.yaml")
    chain = " -> ".join(str(tmp_path / n) for n in ("a.yaml", "b.yaml", "c.yaml", "a.yaml"))
    assert chain in err.message


def test_missing_base_is_named_with_the_extends_line(tmp_path: Path) -> None:
    write(tmp_path / "child.yaml", "seed: 2\nextends: gone.yaml\n")
    err = error_of(tmp_path / "child.yaml")
    assert (err.file, err.line, err.field) == (str(tmp_path / "child.yaml"), 2, "extends")
    assert "gone.yaml" in err.message and "not found" in err.message


@pytest.mark.parametrize("value", ["[a.yaml, b.yaml]", "3", "''", "null"])
def test_extends_must_be_one_path(tmp_path: Path, value: str) -> None:
    write(tmp_path / "child.yaml", f"extends: {value}\n")
    err = error_of(tmp_path / "child.yaml")
    assert err.field == "extends" and err.line == 1
    assert "must be the path of one scenario file" in err.message


def test_broken_base_is_reported_in_the_base(tmp_path: Path) -> None:
    write(tmp_path / "base.yaml", "seed: 1\nseed: 2\n")
    write(tmp_path / "child.yaml", "extends: base.yaml\n")
    err = error_of(tmp_path / "child.yaml")
    assert err.file == str(tmp_path / "base.yaml") and err.line == 2


# --------------------------------------------------------------------------- overrides


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("rate=0.8", 0.8),
        ("rate=3", 3),
        ("label=true", True),
        ("label=hello world", "hello world"),
        ("label='0.8'", "0.8"),
        ("label=[1, 2]", [1, 2]),
        ("label={a: 1}", {"a": 1}),
        ("label=null", None),
        ("label=", None),
        ("label=a=b", "a=b"),
    ],
)
def test_override_values_are_yaml_typed(text: str, value: Any) -> None:
    out = apply_overrides({"rate": 0.1}, [text], SourceMap())
    assert out[text.split("=")[0]] == value
    assert type(out[text.split("=")[0]]) is type(value)


def test_override_creates_blocks_and_records_provenance() -> None:
    data = {"levers": {"talent_reform": {"strength": 0.1, "delay": 1}}}
    source = SourceMap({"levers.talent_reform.strength": ("s.yaml", 4)})
    out = apply_overrides(
        data, ["levers.talent_reform.strength=0.9", "levers.capital.delay=2"], source
    )
    assert out["levers"] == {
        "talent_reform": {"strength": 0.9, "delay": 1},
        "capital": {"delay": 2},
    }
    assert data["levers"]["talent_reform"]["strength"] == 0.1, "input must not be modified"
    assert source["levers.talent_reform.strength"] == (
        "--set levers.talent_reform.strength=0.9",
        None,
    )
    assert source.overrides == ["levers.talent_reform.strength=0.9", "levers.capital.delay=2"]


def test_override_replaces_null_block_and_indexes_lists() -> None:
    data = {"levers": {"capital": None}, "history": [{"year": 2000}, {"year": 2001}]}
    out = apply_overrides(data, ["levers.capital.delay=5", "history[1].year=2010"], SourceMap())
    assert out["levers"]["capital"] == {"delay": 5}
    assert out["history"][1] == {"year": 2010}


def test_override_drops_stale_lines_below_the_path() -> None:
    source = SourceMap({"history": ("s.yaml", 3), "history[0].year": ("s.yaml", 4)})
    apply_overrides({"history": [{"year": 1}]}, ["history=[]"], source)
    assert "history[0].year" not in source
    assert source["history"] == ("--set history=[]", None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("rate", "no '=' found"),
        ("=0.3", "path before '=' is empty"),
        ("  =0.3", "path before '=' is empty"),
        ("a..b=1", "bad path"),
        ("a[x]=1", "bad path"),
        ("history[5].year=1", "out of range"),
        ("rate.x=1", "not a block of keys"),
        ("levers[0]=1", "not a list"),
        ("rate=[1, 2", "YAML error"),
        ("rate={a: 1, a: 2}", "duplicate key"),
    ],
)
def test_bad_override_names_the_flag(text: str, words: str) -> None:
    data = {"rate": 0.1, "history": [{"year": 1}], "levers": {}}
    with pytest.raises(UserError) as info:
        apply_overrides(data, [text], SourceMap())
    assert info.value.file == f"--set {text}"
    assert words in info.value.message


def test_invalid_override_value_is_reported_against_the_flag(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "levers:\n  talent_reform:\n    strength: 0.1\n")
    err = error_of(path, overrides=["levers.talent_reform.strength=2"])
    assert err.file == "--set levers.talent_reform.strength=2"
    assert err.line is None
    assert err.field == "levers.talent_reform.strength"
    assert "between 0 and 1" in err.message


def test_override_of_unknown_key_is_caught_by_validation(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "seed: 1\n")
    err = error_of(path, overrides=["levers.talent_reform.strenght=0.5"])
    assert "did you mean 'strength'" in err.message


# --------------------------------------------------------------------------- validation messages


def check(path: Path, model: type[BaseModel] = Toy) -> ScenarioError:
    err = error_of(path, model)
    assert isinstance(err, ScenarioError)
    return err


def test_range_error_with_both_bounds_and_unit(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "seed: 1\nlevers:\n  talent_reform:\n    strength: 1.5\n")
    err = check(path)
    assert (err.file, err.line, err.field) == (str(path), 4, "levers.talent_reform.strength")
    assert err.message == "must be between 0 and 1 (share), got 1.5"


def test_range_error_lower_bound_only(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "seed: -3\n"))
    assert err.message == "must be >= 0, got -3"
    assert err.line == 1


def test_range_error_strict_bound_in_list(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "history:\n  - year: 2000\n    shock: -1\n"))
    assert err.field == "history[0].shock"
    assert err.line == 3
    assert "must be > -1, got -1" in err.message


def test_type_error_names_expected_type_and_range(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "levers:\n  talent_reform:\n    strength: lots\n"))
    assert err.message == "expected a number between 0 and 1 (share), got 'lots' (text)"


def test_int_from_float(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "steps: 2.5\n"))
    assert err.message.startswith("expected a whole number between 1 and 1000, got 2.5")


def test_unknown_key_lists_allowed_keys_and_suggests(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "seed: 1\nlevers:\n  talent_reform:\n    strenght: 0.3\n")
    err = check(path)
    assert (err.line, err.field) == (4, "levers.talent_reform.strenght")
    assert "unknown key 'strenght'" in err.message
    assert "did you mean 'strength'?" in err.message
    assert "allowed keys: strength, delay, kind" in err.message


def test_unknown_top_level_key_without_close_match(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "seed: 1\nzzzzzz: 2\n"))
    assert "did you mean" not in err.message
    assert (
        "allowed keys: seed, steps, rate, mode, label, levers, history, regions, knob, instruments"
        in (err.message)
    )


@pytest.mark.parametrize(
    ("text", "field", "keys"),
    [
        ("levers:\n  capital:\n    strengh: 1\n", "levers.capital.strengh", "strength, delay"),
        ("history:\n  - year: 2000\n    shok: 1\n", "history[0].shok", "year, shock"),
        ("regions:\n  north:\n    dela: 1\n", "regions.north.dela", "strength, delay"),
    ],
)
def test_unknown_key_in_optional_list_and_dict_blocks(
    tmp_path: Path, text: str, field: str, keys: str
) -> None:
    err = check(write(tmp_path / "s.yaml", text))
    assert err.field == field
    assert err.line == 3
    assert keys in err.message
    assert "did you mean" in err.message


def test_literal_and_enum_errors_list_allowed_values(tmp_path: Path) -> None:
    text = "mode: fsat\nlevers:\n  talent_reform:\n    kind: loan\n"
    err = check(write(tmp_path / "s.yaml", text))
    assert err.message.splitlines()[0] == "2 invalid values:"
    assert f"{tmp_path / 's.yaml'}:1: mode: must be one of 'fast', 'careful', got 'fsat'" in (
        err.message
    )
    assert "did you mean 'fast'?" in err.message
    assert ":4: levers.talent_reform.kind: must be one of 'tax', 'grant', got 'loan'" in (
        err.message
    )


def test_model_validator_message_is_shown(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "history:\n  - year: 2005\n  - year: 2001\n"))
    assert err.message == "history must be in increasing year order"
    assert err.field is None and err.file == str(tmp_path / "s.yaml")


def test_missing_required_key_points_to_parent(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "history:\n  - shock: 0.1\n"))
    assert err.field == "history[0].year"
    assert err.line == 2
    assert "required key 'year' is missing (Calendar year)" in err.message
    err = check(write(tmp_path / "t.yaml", "size: 2\n"), Strict)
    assert "required key 'name' is missing" in err.message


def test_scalar_where_a_block_is_expected(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "levers:\n  talent_reform: 0.5\n"))
    assert err.field == "levers.talent_reform"
    assert "expected a block of keys" in err.message
    assert "strength, delay, kind" in err.message
    assert "got 0.5 (a number)" in err.message


def test_list_expected(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "history:\n  year: 2000\n"))
    assert err.field == "history"
    assert "expected a list" in err.message


def test_union_tags_are_not_part_of_the_path(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "knob: [1]\n"))
    assert all(p.path == "knob" for p in err.problems)
    assert "expected a whole number" in err.message and "expected text" in err.message


def test_tagged_union_errors_point_at_the_tag(tmp_path: Path) -> None:
    text = (
        "instruments:\n"
        "  - type: grnat\n"  # 2
        "    amount: 1\n"
        "  - amount: 2\n"  # 4
        "  - type: loan\n"
        "    amont: 3\n"  # 6
    )
    err = check(write(tmp_path / "s.yaml", text))
    by_path = {p.path: p for p in err.problems}
    assert set(by_path) == {"instruments[0].type", "instruments[1].type", "instruments[2].amont"}
    bad_tag = by_path["instruments[0].type"]
    assert bad_tag.line == 2
    assert bad_tag.message == "must be one of 'grant', 'loan', got 'grnat' (did you mean 'grant'?)"
    missing = by_path["instruments[1].type"]
    assert missing.line == 4
    assert missing.message == "required key 'type' is missing; it must be one of 'grant', 'loan'"
    extra = by_path["instruments[2].amont"]
    assert extra.line == 6
    assert "allowed keys: type, rate" in extra.message, "keys of the Loan member only"


def test_non_text_key(tmp_path: Path) -> None:
    err = check(write(tmp_path / "s.yaml", "seed: 1\n7: x\n"))
    assert "keys must be text" in err.message


def test_several_errors_make_one_user_error(tmp_path: Path) -> None:
    text = "seed: -1\nsteps: 0\nrate: x\nextra: 1\n"
    path = write(tmp_path / "s.yaml", text)
    err = check(path)
    lines = err.message.splitlines()
    assert lines[0] == "4 invalid values:"
    assert len(lines) == 5
    assert [p.line for p in err.problems] == [1, 2, 3, 4]
    assert err.render().startswith(f"{path}: 4 invalid values:")
    assert lines[4].strip().startswith(f"{path}:4: extra: unknown key 'extra'")


def test_validate_alone_with_empty_source() -> None:
    with pytest.raises(ScenarioError) as info:
        validate({"seed": "x"}, Toy, SourceMap())
    assert info.value.field == "seed"
    assert info.value.file is None


def test_allowed_keys_helper() -> None:
    assert allowed_keys(Toy, "levers") == ["talent_reform", "capital"]
    assert allowed_keys(Toy, "levers.capital") == ["strength", "delay", "kind"]
    assert allowed_keys(Toy, "history[0]") == ["year", "shock"]
    assert allowed_keys(Toy, ("regions", "north")) == ["strength", "delay", "kind"]
    assert allowed_keys(Toy, "seed") == []


def test_valid_file_loads(tmp_path: Path) -> None:
    text = (
        "seed: 3\nmode: careful\nlevers:\n  capital: {strength: 0.7, kind: grant}\n"
        "history:\n  - {year: 2000}\n  - {year: 2003, shock: -0.5}\n"
    )
    model, _ = load_scenario(write(tmp_path / "ok.yaml", text), Toy)
    assert model.mode is Mode.CAREFUL
    assert model.levers.capital == Lever(strength=0.7, kind="grant")
    assert model.history[1] == Event(year=2003, shock=-0.5)


def test_dump_yaml_keeps_order_and_reads_back() -> None:
    model = Toy(history=[Event(year=2000)], mode=Mode.CAREFUL)
    text = dump_yaml(model.model_dump())
    assert text.splitlines()[0] == "seed: 1"
    assert "&" not in text and "!!" not in text
    assert Toy.model_validate(yaml.safe_load(text)) == model
    assert dump_yaml({"t": (1, 2)}) == "t:\n- 1\n- 2\n"


@pytest.mark.parametrize(
    "text", ["a\x85b", "\u2028", "x\u2029 ", "中关村", "  lead", "null", "1.5"]
)
def test_dump_yaml_round_trips_awkward_strings(text: str) -> None:
    dumped = dump_yaml({"label": text})
    assert yaml.load(dumped, Loader=yaml.SafeLoader) == {"label": text}
    assert "中关村" not in text or "中关村" in dumped, "non-ASCII text stays readable"


# --------------------------------------------------------------------------- fuzzing

_FUZZ_DIR = Path(tempfile.mkdtemp(prefix="ecosim-loader-"))
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def load_text(text: str | bytes) -> Toy | None:
    """Load text as a scenario; None when it raised UserError (anything else fails the test)."""
    path = _FUZZ_DIR / "fuzz.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        model, _ = load_scenario(path, Toy)
    except UserError:
        return None
    return model


YAML_TOKENS = [
    "seed", "steps", "rate", "levers", "talent_reform", "strength", "history", "year", "mode",
    "regions", "extends", "knob", ":", ": ", "- ", "\n", "  ", "\t", "[", "]", "{", "}", ",",
    "&a ", "*a", "<<: ", "!!int ", "!!str ", "!!python/name:os.system", "'", '"', "#", "---",
    "? ", "|", ">", "0.5", "-1", "1e9", ".nan", "~", "true", "fast", "2000", "%YAML 1.1",
    "\x00", "é", "\ufeff",
]  # fmt: skip


@FUZZ
@given(st.text(max_size=200))
def test_fuzz_random_text_never_crashes(text: str) -> None:
    result = load_text(text)
    assert result is None or isinstance(result, Toy)


@FUZZ
@given(st.binary(max_size=120))
def test_fuzz_random_bytes_never_crash(data: bytes) -> None:
    result = load_text(data)
    assert result is None or isinstance(result, Toy)


@FUZZ
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join))
def test_fuzz_yamlish_text_never_crashes(text: str) -> None:
    result = load_text(text)
    assert result is None or isinstance(result, Toy)


def levers_strategy() -> st.SearchStrategy[dict[str, Any]]:
    lever = st.fixed_dictionaries(
        {},
        optional={
            "strength": st.floats(0, 1),
            "delay": st.integers(0, 50),
            "kind": st.sampled_from(["tax", "grant"]),
        },
    )
    return st.fixed_dictionaries({}, optional={"talent_reform": lever, "capital": lever})


def valid_scenarios() -> st.SearchStrategy[dict[str, Any]]:
    event = st.fixed_dictionaries(
        {"year": st.integers(1900, 2100)}, optional={"shock": st.floats(-0.99, 5)}
    )
    history = st.lists(event, max_size=4).map(lambda evs: sorted(evs, key=lambda e: e["year"]))
    return st.fixed_dictionaries(
        {},
        optional={
            "seed": st.integers(0, 2**31),
            "steps": st.integers(1, 1000),
            "rate": st.floats(0, 1e6),
            "mode": st.sampled_from(["fast", "careful"]),
            "label": st.none() | st.text(max_size=20),
            "levers": levers_strategy(),
            "history": history,
            "knob": st.integers(-5, 5) | st.text(max_size=5),
            "instruments": st.lists(
                st.fixed_dictionaries({"type": st.just("grant"), "amount": st.floats(0, 1e9)})
                | st.fixed_dictionaries({"type": st.just("loan"), "rate": st.floats(0, 1)}),
                max_size=3,
            ),
        },
    )


@FUZZ
@given(valid_scenarios())
def test_fuzz_valid_input_round_trips(data: dict[str, Any]) -> None:
    model = load_text(yaml.safe_dump(data))
    assert model is not None, data
    assert model == Toy.model_validate(data)
    again = load_text(dump_yaml(model.model_dump(mode="json")))
    assert again == model


# a mutation: (dotted path of the bad value, how to apply it, value)
BAD_VALUES = {
    "seed": [-1, "x", 1.5, [1]],
    "steps": [0, 1001, {"a": 1}],
    "rate": [-0.1, "fast", None],
    "mode": ["slow", 3],
    "levers.talent_reform.strength": [1.01, -0.5, "high", [0.5]],
    "levers.capital.delay": [-1, 0.5],
    "levers.capital.kind": ["loan"],
    "history[0].year": [1800, "year"],
    "instruments[0].type": ["gift", None, 3],
}
UNKNOWN_KEY_BLOCKS = ["", "levers", "levers.talent_reform", "levers.capital", "history[0]"]


def set_dotted(data: dict[str, Any], path: str, value: Any) -> None:
    node: Any = data
    parts = path.replace("[0]", ".0").split(".") if path else []
    for part, nxt in zip(parts, [*parts[1:], None], strict=True):
        key: Any = int(part) if part.isdigit() else part
        if nxt is None:
            node[key] = value
            return
        if isinstance(key, int):
            while len(node) <= key:
                node.append({"year": 2000})
        elif not isinstance(node.get(key), dict | list):
            node[key] = [] if nxt.isdigit() else {}
        node = node[key]


@FUZZ
@given(
    valid_scenarios(),
    st.sampled_from(sorted(BAD_VALUES)),
    st.data(),
)
def test_fuzz_bad_value_is_reported_at_its_path(
    data: dict[str, Any], path: str, draw: st.DataObject
) -> None:
    value = draw.draw(st.sampled_from(BAD_VALUES[path]))
    set_dotted(data, path, value)
    with pytest.raises(UserError) as info:
        load_scenario(write_fuzz(yaml.safe_dump(data)), Toy)
    assert path in info.value.render()


@FUZZ
@given(valid_scenarios(), st.sampled_from(UNKNOWN_KEY_BLOCKS), st.text("abcxyz_", min_size=1))
def test_fuzz_unknown_key_is_reported_with_allowed_keys(
    data: dict[str, Any], block: str, key: str
) -> None:
    set_dotted(data, f"{block}.zz_{key}" if block else f"zz_{key}", 1)
    with pytest.raises(UserError) as info:
        load_scenario(write_fuzz(yaml.safe_dump(data)), Toy)
    text = info.value.render()
    assert f"unknown key 'zz_{key}'" in text
    assert "allowed keys: " in text


def write_fuzz(text: str) -> Path:
    return write(_FUZZ_DIR / "fuzz.yaml", text)


# --------------------------------------------------------------------------- real scenario files

REPO = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted(
    (REPO / "scenarios").glob("*.yaml"), key=lambda p: p.name != "zgc_baseline.yaml"
)


def real_schema() -> type[BaseModel]:
    schema = pytest.importorskip("sim.scenario.schema")
    return schema.Scenario


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_real_scenario_loads_and_round_trips(path: Path) -> None:
    scenario = real_schema()
    model, source = load_scenario(path, scenario)
    assert source.files[-1] == str(path)
    dumped = dump_yaml(model.model_dump(mode="json"))
    assert scenario.model_validate(yaml.load(dumped, Loader=yaml.SafeLoader)) == model


@pytest.mark.skipif(not SCENARIO_FILES, reason="no scenario files yet")
def test_real_scenario_override_errors_are_readable(tmp_path: Path) -> None:
    scenario = real_schema()
    path = SCENARIO_FILES[0]
    err = error_of(path, scenario, overrides=["scale=2", "seeed=3"])
    assert err.message.splitlines()[0] == "2 invalid values:"
    assert "--set scale=2: scale: must be > 0 and <= 1 (share), got 2" in err.message
    assert "unknown key 'seeed' (did you mean 'seed'?)" in err.message


@pytest.mark.skipif(not SCENARIO_FILES, reason="no scenario files yet")
def test_real_scenario_extended_by_a_child_file(tmp_path: Path) -> None:
    scenario = real_schema()
    child = write(tmp_path / "child.yaml", f"extends: {SCENARIO_FILES[0]}\nname: child\n")
    model, source = load_scenario(child, scenario)
    base, _ = load_scenario(SCENARIO_FILES[0], scenario)
    assert model == base.model_copy(update={"name": "child"})
    assert source.files == [str(SCENARIO_FILES[0]), str(child)]
