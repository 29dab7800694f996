"""Read scenario files (YAML) into validated pydantic models, with errors a user can act on.

The loader is generic: it never imports the scenario schema, it receives the model class. This
keeps it testable with toy models and lets the same code read experiment files later.

Three steps, each usable alone (the visual server and ``ecosim validate`` need the middle ones):

1. :func:`load_scenario_dict` reads YAML with ruamel.yaml (YAML 1.2; its round-trip reader
   refuses duplicate keys and keeps the line of every key and item), follows ``extends:``
   chains and records where every key came from in a :class:`SourceMap` (dotted path ->
   file, line). Only regular files up to 1 MB are read; ``extends`` chains stop at 100 files.
2. :func:`apply_overrides` applies ``--set dotted.path=value`` flags on top.
3. :func:`validate` runs the model and turns every pydantic error into one readable line that
   names the file, the line, the dotted field path and what is allowed.

Every problem with the user's input is raised as :class:`sim.errors.UserError`; nothing else
escapes for bad input, so the CLI never shows a traceback.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import reprlib
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.errors import UserError
from sim.scenario.introspect import field_unit
from sim.scenario.introspect import is_model as _is_model
from sim.scenario.introspect import literal_values as _literal_values
from sim.scenario.introspect import metadata_bounds as _bounds
from sim.scenario.introspect import model_field as _model_field
from sim.scenario.introspect import union_members as _union_members
from sim.scenario.introspect import unwrap as _unwrap
from sim.scenario.sourcemap import SourceMap, child_path, item_path, parent_path
from sim.scenario.yamlfile import MAX_FILE_BYTES, NotAScenarioFile, parse_yaml, read_text

__all__ = [
    "MAX_FILE_BYTES",
    "ScenarioError",
    "SourceMap",
    "allowed_keys",
    "apply_overrides",
    "dump_yaml",
    "load_scenario",
    "load_scenario_dict",
    "parent_path",
    "validate",
]

#: the key that makes a scenario file inherit from another one
EXTENDS_KEY = "extends"
#: the longest ``extends`` chain followed (the shipped ones have two files)
MAX_EXTENDS = 100

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 6
_short.maxlevel = 3


# --------------------------------------------------------------------------- one file


def _load_one(path: Path, label: str) -> tuple[dict[str, Any], SourceMap]:
    """One file, not following ``extends``: a mapping and its line map."""
    text = read_text(path, label)
    data, lines = parse_yaml(text, label)
    if data is None:
        raise NotAScenarioFile(
            "file is empty (or only comments); expected a mapping of scenario settings",
            file=label,
        )
    if not isinstance(data, dict):
        raise NotAScenarioFile(
            f"the top level must be a mapping of keys (key: value), found {_kind(data)}",
            file=label,
            line=lines.locate("")[1],
        )
    return data, lines


# --------------------------------------------------------------------------- extends


def load_scenario_dict(path: str | Path) -> tuple[dict[str, Any], SourceMap]:
    """Read a scenario file, following ``extends:`` chains; return raw data and its sources.

    The child's mappings override the base's key by key; lists are replaced whole (merging lists
    item by item would make the result impossible to predict). ``extends`` itself is removed.
    """
    return _load_chain(Path(path), str(path), [])


def _load_chain(
    path: Path, label: str, chain: list[tuple[Path, str]]
) -> tuple[dict[str, Any], SourceMap]:
    """Follow ``extends`` from ``path`` to the root base (a loop, not recursion: a long chain
    must give a message, not a RecursionError), then merge from the base down."""
    loaded: list[tuple[dict[str, Any], SourceMap, str]] = []
    named_by: tuple[str, int | None, Any] | None = None  # the child's extends line
    while True:
        real = _real_path(path)
        if any(real == seen for seen, _ in chain):
            shown = " -> ".join([lbl for _, lbl in chain] + [label])
            first_label = chain[0][1]
            raise UserError(
                f"'extends' forms a cycle: {shown}", file=first_label, field=EXTENDS_KEY
            )
        if len(chain) >= MAX_EXTENDS:
            first, last = chain[0][1], chain[-1][1]
            raise UserError(
                f"the 'extends' chain is longer than {MAX_EXTENDS} files ({first} -> ... -> "
                f"{last} -> {label}); a scenario should extend a base that extends few others",
                file=first,
                field=EXTENDS_KEY,
            )
        try:
            data, lines = _load_one(path, label)
        except NotAScenarioFile as exc:
            if named_by is None:
                raise
            child, line, value = named_by
            raise UserError(
                f"base scenario {value!r} is not a YAML scenario file: {exc.render()}",
                file=child,
                line=line,
                field=EXTENDS_KEY,
            ) from None
        chain = [*chain, (real, label)]
        loaded.append((data, lines, label))
        if EXTENDS_KEY not in data:
            break
        base_label = _extends_target(data[EXTENDS_KEY], label, lines)
        line = lines.locate(EXTENDS_KEY)[1]
        base_path = Path(base_label)
        if not os.path.lexists(base_path):  # none beside the child: a shipped scenario's name?
            from sim.scenario.library import shipped_path

            shipped = shipped_path(str(data[EXTENDS_KEY]).strip())
            if shipped is not None:
                base_path, base_label = shipped, str(shipped)
        if not os.path.lexists(base_path):
            raise UserError(
                f"base scenario {data[EXTENDS_KEY]!r} not found (looked for {base_label})",
                file=label,
                line=line,
                field=EXTENDS_KEY,
            )
        named_by = (label, line, data[EXTENDS_KEY])
        path, label = base_path, base_label
    merged, merged_lines, base_label = loaded.pop()
    merged_lines.files = [base_label]
    while loaded:
        data, lines, label = loaded.pop()
        overlay = {k: v for k, v in data.items() if k != EXTENDS_KEY}
        lines.drop_under(EXTENDS_KEY)
        for replaced in _replaced_paths(merged, overlay, ""):
            merged_lines.drop_under(replaced)
        merged = deep_merge(merged, overlay)
        files = merged_lines.files
        merged_lines.update(lines)
        merged_lines[""] = lines[""]
        merged_lines.files = [*files, label]
    return merged, merged_lines


def _real_path(path: Path) -> Path:
    """The resolved path; a link loop is reported in the words of :func:`_link_problem`."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def _extends_target(value: Any, label: str, lines: SourceMap) -> str:
    """The base file named by ``extends``, relative to the file that names it."""
    if not isinstance(value, str) or not value.strip():
        raise UserError(
            f"'extends' must be the path of one scenario file (text), got {_show(value)}",
            file=label,
            line=lines.locate(EXTENDS_KEY)[1],
            field=EXTENDS_KEY,
        )
    return os.path.normpath(os.path.join(os.path.dirname(label), value))


def deep_merge(base: dict[Any, Any], child: dict[Any, Any]) -> dict[Any, Any]:
    """``child`` on top of ``base``: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _replaced_paths(base: dict[Any, Any], child: dict[Any, Any], prefix: str) -> Iterator[str]:
    """Paths where ``child`` replaces a base value whole (their base lines become stale)."""
    for key, value in child.items():
        sub = child_path(prefix, key)
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            yield from _replaced_paths(old, value, sub)
        elif key in base:
            yield sub


# --------------------------------------------------------------------------- overrides

_SEGMENT = re.compile(r"([^.\[\]=]+)((?:\[\d+\])*)")


def apply_overrides(
    data: dict[str, Any], overrides: list[str], source: SourceMap
) -> dict[str, Any]:
    """Apply ``dotted.path=value`` flags to a copy of ``data``; record them in ``source``.

    Values are read as YAML (``0.8`` is a float, ``true`` a bool, ``[1, 2]`` a list) so a flag
    means the same as the line it replaces. Missing blocks are created; unknown keys are left
    for validation, which reports them with the allowed keys.
    """
    out = copy.deepcopy(data)
    for text in overrides:
        label = f"--set {text}"
        steps, value = _parse_override(text, label)
        _set_path(out, steps, value, label)
        path = _steps_path(steps)
        source.drop_under(path)
        source[path] = (label, None)
        source.overrides.append(text)
    return out


def _parse_override(text: str, label: str) -> tuple[list[str | int], Any]:
    """``a.b[1].c=0.5`` -> ``(["a", "b", 1, "c"], 0.5)``."""
    if "=" not in text:
        raise UserError("expected dotted.path=value (no '=' found)", file=label)
    raw_path, raw_value = text.split("=", 1)
    raw_path = raw_path.strip()
    if not raw_path:
        raise UserError("expected dotted.path=value (the path before '=' is empty)", file=label)
    steps: list[str | int] = []
    for part in raw_path.split("."):
        match = _SEGMENT.fullmatch(part.strip())
        if match is None:
            raise UserError(
                f"bad path {raw_path!r}: each part must be a key, optionally followed by [index]",
                file=label,
            )
        steps.append(match.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    value, _ = parse_yaml(raw_value, label) if raw_value.strip() else (None, None)
    return steps, value


def _set_path(data: dict[str, Any], steps: list[str | int], value: Any, label: str) -> None:
    """Set ``value`` at ``steps``, creating mappings where a key is missing or null."""
    node: Any = data
    for depth, step in enumerate(steps[:-1]):
        nxt = steps[depth + 1]
        node = _descend(
            node, step, create=not isinstance(nxt, int), steps=steps[:depth], label=label
        )
    last = steps[-1]
    _check_container(node, last, steps[:-1], label)
    node[last] = value


def _descend(
    node: Any, step: str | int, *, create: bool, steps: list[str | int], label: str
) -> Any:
    _check_container(node, step, steps, label)
    if isinstance(step, str) and (step not in node or node[step] is None):
        if not create:
            raise UserError(f"{_steps_path([*steps, step])!r} is not a list", file=label)
        node[step] = {}
    return node[step]


def _check_container(node: Any, step: str | int, steps: list[str | int], label: str) -> None:
    """``node`` must be a mapping for a key step and a list (long enough) for an index step."""
    where = _steps_path(steps) or "the top level"
    if isinstance(step, int):
        if not isinstance(node, list):
            raise UserError(f"{where!r} is {_kind(node)}, not a list", file=label)
        if step >= len(node):
            raise UserError(
                f"index [{step}] is out of range: {where!r} has {len(node)} item(s)", file=label
            )
    elif not isinstance(node, dict):
        raise UserError(
            f"cannot set key {step!r}: {where!r} is {_kind(node)}, not a block of keys", file=label
        )


def _steps_path(steps: list[str | int]) -> str:
    path = ""
    for step in steps:
        path = item_path(path, step) if isinstance(step, int) else child_path(path, step)
    return path


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """One invalid value: where it is and what is wrong (rendered like a UserError)."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def render(self) -> str:
        return UserError(self.message, file=self.file, line=self.line, field=self.path).render()


class ScenarioError(UserError):
    """Validation failed; ``problems`` holds one entry per invalid value, in file order.

    With one problem its file, line and field fill the UserError fields; with several, the
    message is a summary line followed by one rendered problem per line.
    """

    def __init__(self, problems: list[Problem], main_file: str | None) -> None:
        self.problems = problems
        if len(problems) == 1:
            p = problems[0]
            super().__init__(p.message, file=p.file, line=p.line, field=p.path or None)
            return
        listing = "\n".join(f"  {p.render()}" for p in problems)
        super().__init__(f"{len(problems)} invalid values:\n{listing}", file=main_file)


def validate[M: BaseModel](data: dict[str, Any], model: type[M], source: SourceMap) -> M:
    """Validate ``data`` with ``model``; on failure raise one :class:`ScenarioError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, model, source)
        raise ScenarioError(problems, source.files[-1] if source.files else None) from None


def _problems(exc: ValidationError, model: type[BaseModel], source: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        target = _walk(model, error["loc"])
        path = _problem_path(error, target)
        file, line = source.locate(path)
        if not path:
            line = None
        problem = Problem(path, _describe(error, target), file, line)
        if problem not in problems:
            problems.append(problem)
    order = {name: i for i, name in enumerate(source.files)}
    problems.sort(key=lambda p: (order.get(p.file or "", len(order)), p.line or 0))
    return problems


def _problem_path(error: Any, target: _Target) -> str:
    """The user's path of an error; a bad discriminator is reported at its own key."""
    name = _discriminator_name(error)
    return child_path(target.path, name) if name else target.path


def _discriminator_name(error: Any) -> str | None:
    if not error["type"].startswith("union_tag_"):
        return None
    name = str((error.get("ctx") or {}).get("discriminator", "")).strip("'")
    return name if name.isidentifier() else None


@dataclass
class _Target:
    """What the error's ``loc`` points at: display path and, when known, its declared type."""

    path: str
    annotation: Any
    field: FieldInfo | None
    metadata: list[Any]
    parent: Any = None  # the block (or container) type holding the last step


def _walk(model: type[BaseModel], loc: tuple[int | str, ...]) -> _Target:
    """Follow a pydantic ``loc`` through the model's annotations.

    Union members appear in ``loc`` as tags (``'int'``, a class name, a discriminator value);
    they are not part of the user's path and are skipped.
    """
    target = _Target("", model, None, [])
    for item in loc:
        annotation, extra = _unwrap(target.annotation)
        target.metadata = target.metadata + extra
        members = _union_members(annotation)
        if members and isinstance(item, str):
            target.annotation = _pick_member(members, item)
            continue
        if item == "[key]":
            target.annotation, target.field, target.metadata = str, None, []
            continue
        _step(target, annotation, item)
    target.annotation, extra = _unwrap(target.annotation)
    target.metadata = target.metadata + extra
    return target


def _step(target: _Target, annotation: Any, item: int | str) -> None:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    target.field, target.metadata, target.parent = None, [], annotation
    if origin is dict:
        target.path = child_path(target.path, item)
        target.annotation = args[1] if len(args) == 2 else None
    elif isinstance(item, int):
        target.path = item_path(target.path, item)
        target.annotation = _item_type(origin, args, item)
    else:
        target.path = child_path(target.path, item)
        info = _model_field(annotation, item)
        target.field = info
        target.annotation = info.annotation if info else None
        target.metadata = list(info.metadata) if info else []


def _item_type(origin: Any, args: tuple[Any, ...], index: int) -> Any:
    if origin in (list, set, frozenset) and args:
        return args[0]
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[index] if index < len(args) else None
    return None


def _pick_member(members: list[Any], tag: str) -> Any:
    """The union member pydantic tagged ``tag`` (class name or discriminator value)."""
    for member in members:
        bare, _ = _unwrap(member)
        if getattr(bare, "__name__", None) == tag:
            return member
        if _is_model(bare):
            for info in bare.model_fields.values():
                if tag in _literal_values(info.annotation):
                    return member
    return None


def allowed_keys(model: type[BaseModel], path: str | tuple[int | str, ...] = ()) -> list[str]:
    """The keys allowed in the block at ``path`` (a pydantic ``loc`` tuple or dotted string).

    Useful outside the loader too (``ecosim scenarios --explain``, editor completion).
    """
    loc = _split_path(path) if isinstance(path, str) else path
    return allowed_keys_of(_walk(model, loc).annotation)


def _split_path(path: str) -> tuple[int | str, ...]:
    loc: list[int | str] = []
    for part in path.split(".") if path else []:
        match = _SEGMENT.fullmatch(part)
        if match is None:
            loc.append(part)
            continue
        loc.append(match.group(1))
        loc.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(loc)


# --------------------------------------------------------------------------- messages


def _describe(error: Any, target: _Target) -> str:
    """One sentence: what is wrong, what was given, what is allowed."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    describer = _DESCRIBERS.get(kind)
    if describer is not None:
        return describer(error, target, ctx, value)
    if kind.endswith(("_type", "_parsing")) or kind in ("int_from_float", "finite_number"):
        return _type_message(kind, target, value)
    return f"{error['msg']}; got {_show(value)}"


def _range_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    bounds = _bounds(target.metadata) or {
        k: v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")
    }
    return f"must be {_bounds_text(bounds)}{_unit(target)}, got {_show(value)}"


def _extra_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    key = str(error["loc"][-1])
    keys = allowed_keys_of(target.parent)
    if not keys:
        return f"unknown key {key!r}"
    hint = _did_you_mean(key, keys)
    return f"unknown key {key!r}{hint}; allowed keys: {', '.join(keys)}"


def _literal_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    allowed = _literal_values(target.annotation)
    shown = ", ".join(repr(a) for a in allowed) if allowed else ctx.get("expected", "?")
    hint = _did_you_mean(str(value), [str(a) for a in allowed]) if allowed else ""
    return f"must be one of {shown}, got {_show(value)}{hint}"


def _missing_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    about = f" ({target.field.description})" if target.field and target.field.description else ""
    return f"required key {str(error['loc'][-1])!r} is missing{about}"


def _block_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    keys = allowed_keys_of(target.annotation)
    allowed = f" with keys among: {', '.join(keys)}" if keys else ""
    return f"expected a block of keys (mapping){allowed}; got {_show(value)} ({_kind(value)})"


def _validator_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    cause = ctx.get("error")
    return str(cause) if cause is not None else str(error["msg"])


def _length_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    unit = "character(s)" if error["type"].startswith("string") else "item(s)"
    if "min_length" in ctx:
        need = f"at least {ctx['min_length']} {unit}"
    else:
        need = f"at most {ctx.get('max_length')} {unit}"
    got = ctx.get("actual_length", len(value) if hasattr(value, "__len__") else "?")
    return f"must have {need}, got {got}"


def _tag_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    """A tagged union (``lever: talent_reform``): the tag picks the kind of block."""
    name = _discriminator_name(error) or "kind"
    tags = _union_tags(target.annotation, name)
    shown = ", ".join(repr(t) for t in tags) if tags else str(ctx.get("expected_tags", "?"))
    if error["type"] == "union_tag_not_found":
        return f"required key {name!r} is missing; it must be one of {shown}"
    tag = value.get(name, ctx.get("tag")) if isinstance(value, dict) else ctx.get("tag")
    hint = _did_you_mean(str(tag), [str(t) for t in tags])
    return f"must be one of {shown}, got {_show(tag)}{hint}"


def _union_tags(annotation: Any, name: str) -> list[Any]:
    tags: list[Any] = []
    for member in _union_members(annotation):
        info = _model_field(_unwrap(member)[0], name)
        if info is not None:
            tags += _literal_values(info.annotation)
    return tags


def _key_message(error: Any, target: _Target, ctx: dict[str, Any], value: Any) -> str:
    return f"keys must be text, got key {_show(value)} ({_kind(value)})"


def _type_message(kind: str, target: _Target, value: Any) -> str:
    expected = _expected_name(kind, target.annotation)
    bounds = _bounds(target.metadata)
    limits = f" {_bounds_text(bounds)}" if bounds else ""
    return f"expected {expected}{limits}{_unit(target)}, got {_show(value)} ({_kind(value)})"


_DESCRIBERS = {
    "greater_than_equal": _range_message,
    "greater_than": _range_message,
    "less_than_equal": _range_message,
    "less_than": _range_message,
    "extra_forbidden": _extra_message,
    "literal_error": _literal_message,
    "enum": _literal_message,
    "missing": _missing_message,
    "model_type": _block_message,
    "model_attributes_type": _block_message,
    "value_error": _validator_message,
    "assertion_error": _validator_message,
    "too_short": _length_message,
    "too_long": _length_message,
    "string_too_short": _length_message,
    "string_too_long": _length_message,
    "invalid_key": _key_message,
    "union_tag_invalid": _tag_message,
    "union_tag_not_found": _tag_message,
}

_EXPECTED = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "text",
    "list": "a list",
    "dict": "a mapping (key: value)",
    "finite": "a finite number",
    "date": "a date (YYYY-MM-DD)",
}


def _expected_name(kind: str, annotation: Any) -> str:
    for prefix, name in _EXPECTED.items():
        if kind.startswith(prefix):
            return name
    return getattr(annotation, "__name__", None) or kind.replace("_", " ")


def allowed_keys_of(annotation: Any) -> list[str]:
    """Allowed keys of a block type (union of models: all their keys)."""
    bare, _ = _unwrap(annotation)
    keys: list[str] = []
    for member in _union_members(bare) or [bare]:
        model, _ = _unwrap(member)
        if _is_model(model):
            keys += [info.alias or name for name, info in model.model_fields.items()]
    return list(dict.fromkeys(keys))


def _bounds_text(bounds: dict[str, Any]) -> str:
    low = ("ge", bounds["ge"]) if "ge" in bounds else ("gt", bounds.get("gt"))
    high = ("le", bounds["le"]) if "le" in bounds else ("lt", bounds.get("lt"))
    if low[0] == "ge" and high[0] == "le" and low[1] is not None and high[1] is not None:
        return f"between {_num(low[1])} and {_num(high[1])}"
    parts = []
    signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    for name, bound in (low, high):
        if bound is not None:
            parts.append(f"{signs[name]} {_num(bound)}")
    return " and ".join(parts) or "in range"


def _unit(target: _Target) -> str:
    unit = field_unit(target.field) if target.field else ""
    return f" ({unit})" if unit else ""


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    """A short, safe rendering of a user value (aliases can make huge structures)."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float):
        return _num(value)
    return _short.repr(value)


def _kind(value: Any) -> str:
    """The YAML name of a value's type, as the user wrote it."""
    names = {
        bool: "true/false",
        int: "an integer",
        float: "a number",
        str: "text",
        dict: "a mapping",
        list: "a list",
        type(None): "null",
    }
    for kind, name in names.items():
        if type(value) is kind:
            return name
    return type(value).__name__


# --------------------------------------------------------------------------- entry points


def load_scenario[M: BaseModel](
    path: str | Path, model: type[M], overrides: list[str] | None = None
) -> tuple[M, SourceMap]:
    """Read, override and validate a scenario file; every input problem is a UserError."""
    data, source = load_scenario_dict(path)
    data = apply_overrides(data, overrides or [], source)
    return validate(data, model, source), source


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes tuples as lists, enums as their values and never uses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


#: characters PyYAML writes raw in single quotes but folds when reading back (unicode mode)
_UNSAFE_RAW = frozenset("\x85\u2028\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _UNSAFE_RAW.intersection(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))
_Dumper.add_multi_representer(Enum, lambda d, v: d.represent_data(v.value))
_Dumper.add_multi_representer(Path, lambda d, v: d.represent_str(str(v)))


def dump_yaml(data: Any) -> str:
    """YAML text with keys in their given order (schema order after ``model_dump``).

    Used to write the resolved scenario of a run, so it must read back to the same model.
    """
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )
