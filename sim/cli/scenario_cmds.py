"""``ecosim validate`` and ``ecosim scenarios``: check, list and explain scenario files.

``validate`` resolves a scenario exactly as ``ecosim run`` would (``extends`` chain, ``--set``
overrides, validation) and prints one screen about it without running anything, so a user
sees what a run *would* simulate: in particular the effective value of every lever field
against the policy history, because a lever with strength > 0 moves *every* one of its fields
toward the lever's value, including fields the file does not write (their defaults).

``scenarios`` lists the scenario library; ``--explain`` prints every field of the schema
(dotted path, default, range, unit, meaning) straight from the pydantic models, so the
explanation cannot drift from what the loader accepts.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import sys
import textwrap
import typing
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.cli.options import add_set_option
from sim.cli.tables import plain_table
from sim.errors import UserError
from sim.model.policy import (
    LEVERS,
    Levers,
    LeverSchedule,
    PolicySchedule,
    PolicyState,
    schedule_for,
)
from sim.scenario import SCENARIO_DIR_NAME, Scenario, SourceMap, load
from sim.scenario.checks import check_levers_can_act, lever_warnings
from sim.scenario.introspect import field_unit, models_of, range_of, unwrap
from sim.scenario.library import shipped_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check a scenario file without running it and summarise it",
        description="Resolve a scenario (extends, --set) and validate it; print a summary. "
        "Exit 0 when valid, 2 with a message naming file, line and field otherwise.",
    )
    p.add_argument(
        "scenario", help="scenario YAML file, or the name of a shipped scenario (zgc_baseline)"
    )
    add_set_option(p)
    p.set_defaults(func=validate_main)

    p = sub.add_parser(
        "scenarios",
        help="list the scenario files, or explain every field of the schema",
        description="List the scenarios of a folder (default ./scenarios) with their "
        "descriptions, or with --explain print every field of the scenario schema.",
    )
    p.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="folder holding local scenario files (default: ./scenarios when it exists); "
        "the shipped scenarios are listed too",
    )
    p.add_argument(
        "--explain",
        nargs="?",
        const="",
        default=None,
        metavar="BLOCK",
        help="print every field (dotted path, default, range, unit, meaning), "
        "optionally only under BLOCK, e.g. levers.talent_reform",
    )
    p.set_defaults(func=scenarios_main)


# --------------------------------------------------------------------------- validate


def _emit(text: str) -> None:
    """Print, and stay quiet when the reader has gone (``ecosim scenarios --explain | head``)."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def validate_main(args: argparse.Namespace) -> int:
    scenario, source = load(args.scenario, list(args.overrides))
    check_levers_can_act(scenario, source)
    _emit(summary(scenario, source))
    return 0


def _num(x: Any) -> str:
    """A compact number: 0.3, 1.6, 2.04e+12, 2026."""
    if isinstance(x, bool) or x is None:
        return {True: "true", False: "false", None: "-"}[x]
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isfinite(x) and x.is_integer() and abs(x) < 1e6:
            return str(int(x))
        return f"{x:.4g}"
    return str(x)


def _span(start: int, end: int | None) -> str:
    """Years a step or shock covers (its end year is exclusive): ``2015-2017``, ``2020``,
    ``2019-`` (open-ended)."""
    if end is None:
        return f"{start}-"
    return str(start) if end - 1 <= start else f"{start}-{end - 1}"


def _schedule(scenario: Scenario, levers: Levers) -> PolicySchedule:
    """The schedule the model builds (see EcosystemModel.__init__): neutral settings are the
    funding parameters and the initial equity share, then history, then ``levers``."""
    return schedule_for(scenario.parameters, scenario.history, levers, scenario.shocks)


def _full_time(lever: LeverSchedule) -> float:
    """The first time the lever acts at full ramp (inside its span)."""
    t = lever.start_year + max(lever.ramp_years, 0.0)
    if lever.end_year is not None:
        t = min(t, lever.end_year - 1e-6)
    return float(t)


@dataclass(frozen=True)
class LeverField:
    """One field of an active lever: what history alone gives and what the lever makes of it."""

    name: str
    written: bool  # set in a file or by --set (False: the schema default acts)
    target: Any
    history: float
    effective: float
    unit: str


def lever_fields(scenario: Scenario, source: SourceMap, name: str) -> list[LeverField]:
    """Each setting of lever ``name`` at full ramp, with history only and with the lever."""
    lever: LeverSchedule = getattr(scenario.levers, name)
    t = _full_time(lever)
    attr = LEVERS[name].attr
    without = _schedule(scenario, Levers()).at(t)
    with_lever: PolicyState = _schedule(scenario, scenario.levers).at(t)
    before, after = getattr(without, attr), getattr(with_lever, attr)
    rows = []
    for f in fields(before):
        info = type(lever).model_fields[f.name]
        rows.append(
            LeverField(
                name=f.name,
                written=f"levers.{name}.{f.name}" in source,
                target=getattr(lever, f.name),
                history=float(getattr(before, f.name)),
                effective=float(getattr(after, f.name)),
                unit=field_unit(info),
            )
        )
    return rows


def summary(scenario: Scenario, source: SourceMap) -> str:
    """One screen about a resolved scenario (what ``ecosim validate`` prints)."""
    s = scenario
    out = [
        f"scenario   {s.name}  (region {s.region}, {s.currency.code}, "
        f"{_num(s.currency.per_usd)} per USD)",
        f"years      {s.start_year}-{s.end_year}   scale {_num(s.scale)}   seed {s.seed}",
        f"files      {' -> '.join(source.files) if source.files else '-'}",
        f"overrides  {', '.join(source.overrides) if source.overrides else '(none)'}",
    ]
    if s.description:
        about = textwrap.wrap(
            s.description, 96, initial_indent="about      ", subsequent_indent=" " * 11
        )
        if len(about) > 3:
            about = [*about[:2], about[2] + " ..."]
        out += about
    out.append(f"history    {len(s.history)} step(s)")
    steps = [
        (
            _span(step.start_year, step.end_year),
            step.lever,
            f"ramp {_num(step.ramp_years)} yr, strength {_num(step.strength)}",
            textwrap.shorten(step.note, 60, placeholder="...") if step.note else "",
        )
        for step in sorted(s.history, key=lambda x: x.start_year)
    ]
    if steps:
        out += plain_table([("", "left")] * 4, steps, rule=False, indent=2)[1:]
    active = [n for n in Levers.model_fields if getattr(s.levers, n).strength > 0]
    out.append(f"levers     {', '.join(active) if active else '(none: history only)'}")
    for name in active:
        lever = getattr(s.levers, name)
        out.append(
            f"  {name}: {_span(lever.start_year, lever.end_year)}, ramp "
            f"{_num(lever.ramp_years)} yr, strength {_num(lever.strength)}; "
            f"settings at full ramp ({_num(_full_time(lever))}):"
        )
        cells = []
        for row in lever_fields(s, source, name):
            mark = "" if row.written else "(default)"
            if row.target is None:
                mark = "(not set: unchanged)"
            cells.append((row.name, _num(row.history), "->", _num(row.effective), row.unit, mark))
        columns = [("field", "left"), ("history", "right"), ("", "left"), ("at full", "left")]
        out += plain_table([*columns, ("unit", "left"), ("", "left")], cells, rule=False,
                           indent=4, gap=1)[1:]  # fmt: skip
    shocks = [(n, e) for n in type(s.shocks).model_fields for e in getattr(s.shocks, n)]
    out.append(f"shocks     {len(shocks)} entr{'y' if len(shocks) == 1 else 'ies'}")
    rows = [(_span(e.start_year, e.end_year), name, f"{e.size:+.3g}", e.note) for name, e in shocks]
    if rows:
        out += plain_table([("", "left")] * 4, rows, rule=False, indent=2)[1:]
    out += [f"warning: {w}" for w in lever_warnings(s)]
    out.append(f"OK: {source.files[-1] if source.files else s.name} is valid")
    return "\n".join(out)


# --------------------------------------------------------------------------- scenarios


def scenario_files(folder: Path) -> list[Path]:
    """The YAML files of ``folder`` (not recursive), sorted by name."""
    if not folder.exists():
        raise UserError("folder not found; give the scenario folder with --dir", file=str(folder))
    if not folder.is_dir():
        raise UserError("not a folder; give the scenario folder with --dir", file=str(folder))
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def scenarios_main(args: argparse.Namespace) -> int:
    if args.explain is not None:
        _emit(explain(args.explain))
        return 0
    local = args.dir
    if local is None:
        default = Path(SCENARIO_DIR_NAME)
        local = default if default.is_dir() else None
    shipped = shipped_dir()
    parts = []
    if local is not None:
        parts.append(listing(local))
    if shipped is not None and (local is None or local.resolve() != shipped.resolve()):
        parts.append(listing(shipped, title="shipped with ecosim (run them by name)"))
    if not parts:
        parts.append("no scenario files found; give a folder with --dir")
    _emit("\n\n".join(parts))
    return 0


def listing(folder: Path, title: str = "") -> str:
    """The scenario files of ``folder`` as a table: file, name, region, years, description.

    Drawn by :func:`sim.cli.tables.plain_table` like the CLI's other tables. A file that does
    not load is listed with its error in the description column, so one broken file does not
    hide the others.
    """
    files = scenario_files(folder)
    if not files:
        return f"no scenario files (*.yaml) in {folder}"
    rows, broken = [], 0
    for path in files:
        try:
            s, _ = load(path)
        except UserError as exc:
            broken += 1
            rows.append([path.name, "", "", "", "error: " + " ".join(exc.render().split())])
            continue
        text = s.description.strip()
        first = textwrap.shorten(text.splitlines()[0], 110, placeholder="...") if text else ""
        rows.append([path.name, s.name, s.region, f"{s.start_year}-{s.end_year}", first])
    columns = [("file", "left"), ("name", "left"), ("region", "left"), ("years", "left"),
               ("description", "left")]  # fmt: skip
    out = ([f"{title}:", ""] if title else []) + plain_table(columns, rows)
    errors = f", {broken} with errors" if broken else ""
    out += [
        "",
        f"{len(files)} scenario file(s) in {folder}{errors}; check one with "
        "'ecosim validate FILE', list the fields with 'ecosim scenarios --explain'",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- explain


@dataclass(frozen=True)
class FieldRow:
    path: str
    default: str
    range: str
    unit: str
    meaning: str
    block: bool = False


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` (without the constraints)."""
    return unwrap(annotation)[0]


def _range(info: Any, annotation: Any) -> str:
    return range_of(info, annotation, _num)


def _default(info: Any) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    if isinstance(value, list):
        return "[]" if not value else "[" + ", ".join(_num(v) for v in value) + "]"
    return _num(value)


def _list_item_models(annotation: Any) -> list[type[BaseModel]]:
    bare = _unwrap(annotation)
    if typing.get_origin(bare) is list:
        return models_of(typing.get_args(bare)[0])
    return []


def walk(model: type[BaseModel], prefix: str = "") -> Iterator[FieldRow]:
    """Every field below ``model``: blocks (with their meaning) and leaves."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        meaning = info.description or ""
        sub = models_of(annotation)
        items = _list_item_models(annotation)
        if sub:
            yield FieldRow(path, "", "", "", meaning, block=True)
            for m in sub:
                yield from walk(m, f"{path}.")
        elif items:
            yield FieldRow(
                f"{path}[]",
                "[]" if _default(info) == "[]" else _default(info),
                "",
                "",
                f"list: {meaning}",
                block=True,
            )
            for m in items:
                tag = _tag(m)
                item = f"{path}[{tag}]" if tag and len(items) > 1 else f"{path}[]"
                yield from walk(m, f"{item}.")
        else:
            yield FieldRow(
                path, _default(info), _range(info, annotation), field_unit(info), meaning
            )


def _tag(model: type[BaseModel]) -> str:
    """``lever=talent_reform`` for a tagged union member (history steps)."""
    info = model.model_fields.get("lever")
    if info is None:
        return ""
    bare = _unwrap(info.annotation)
    if typing.get_origin(bare) is typing.Literal:
        return f"lever={typing.get_args(bare)[0]}"
    return ""


def _under(path: str, block: str) -> bool:
    if not block:
        return True
    norm = path.replace("[]", "")
    for candidate in (path, norm):
        if candidate == block or candidate.startswith((block + ".", block + "[")):
            return True
    return False


def explain_rows(block: str = "") -> list[FieldRow]:
    """The rows of ``ecosim scenarios --explain [BLOCK]``; a UserError for an unknown block."""
    block = block.strip().strip(".")
    every = list(walk(Scenario))
    rows = [r for r in every if _under(r.path, block)]
    if rows:
        return rows
    parent = block
    while parent and not any(_under(r.path, parent) for r in every):
        parent = parent.rsplit(".", 1)[0] if "." in parent else ""
    prefix = f"{parent}." if parent else ""
    keys = list(
        dict.fromkeys(
            r.path[len(prefix) :].split(".")[0].split("[")[0]
            for r in every
            if _under(r.path, parent) and r.path != parent
        )
    )
    word = block[len(prefix) :].split(".")[0]
    close = difflib.get_close_matches(word, keys, n=1, cutoff=0.6)
    hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
    where = f"under {parent!r}" if parent else "at the top level"
    raise UserError(
        f"no such block{hint}; allowed keys {where}: {', '.join(keys)}", field=block or None
    )


def explain(block: str = "") -> str:
    """The schema as an aligned text table, one field per line."""
    rows = explain_rows(block)
    cells = [
        (r.path, "", "", "", f"[{r.meaning}]")
        if r.block
        else (r.path, r.default, r.range, r.unit, r.meaning)
        for r in rows
    ]
    columns = [("field", "left"), ("default", "right"), ("range", "left"), ("unit", "left")]
    out = plain_table([*columns, ("meaning", "left")], cells)
    title = f"Scenario fields under {block!r}" if block.strip() else "Scenario fields"
    return (
        f"{title} ({sum(not r.block for r in rows)} field(s); ranges are inclusive unless "
        f"marked with parentheses)\n" + "\n".join(out)
    )
