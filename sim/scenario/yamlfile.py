"""Reading one YAML file safely into plain data and a :class:`SourceMap`.

ruamel.yaml's round-trip reader does the YAML work: it refuses duplicate keys and keeps the
line and column of every key and item (``lc``). This module adds what a scenario reader needs
on top: bounded input (regular files up to :data:`MAX_FILE_BYTES`, never a FIFO or a device),
plain Python values (no ruamel types reach pydantic), guards against alias bombs and recursive
aliases, no lone surrogates, and every failure as a :class:`UserError` with file, line and,
where known, the dotted path, in the words the loader has always used.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import (
    CommentedMap,
    CommentedOrderedMap,
    CommentedSeq,
    CommentedSet,
    TaggedScalar,
)
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean
from ruamel.yaml.tag import Tag

from sim.errors import UserError
from sim.scenario.sourcemap import SourceMap, child_path, item_path

__all__ = ["MAX_FILE_BYTES", "NotAScenarioFile", "parse_yaml", "read_text"]

#: node visits allowed while converting one YAML document; guards against alias bombs
_MAX_NODES = 500_000
#: the largest scenario file read (shipped ones are under 20 KB)
MAX_FILE_BYTES = 1_000_000
_SURROGATE = re.compile("[\\ud800-\\udfff]")


class _Recursive:
    """Stands for an alias met inside the value it refers to (``a: &x [*x]``)."""

    def __init__(self, line: int) -> None:
        self.line = line


class _Constructor(RoundTripConstructor):
    """ruamel.yaml's round-trip constructor (line numbers, duplicate keys refused) with:

    * a failing explicit tag (``!!int abc`` raises ValueError) turned into a marked error;
    * a recursive alias marked instead of silently read as null.
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        if node in self.recursive_objects:
            return _Recursive(node.start_mark.line + 1)
        try:
            return super().construct_object(node, deep)
        except (YAMLError, RecursionError):
            raise
        except Exception as exc:  # any constructor failure is a problem of the input text
            raise ConstructorError(
                None, None, f"cannot read this value: {exc}", node.start_mark
            ) from exc


def _yaml() -> YAML:
    """A round-trip reader with YAML 1.2 rules.

    1.2 rather than PyYAML's 1.1: ruamel.yaml's 1.1 rules read ``N`` and ``y`` as booleans
    (``sobol: {N: 64}`` would lose its key). Under 1.2 only ``true``/``false`` are booleans;
    ``yes``/``on`` are text, which a boolean field still accepts.
    """
    reader = YAML(typ="rt", pure=True)
    reader.version = (1, 2)
    reader.Constructor = _Constructor
    return reader


#: tags whose value is kept as plain text when written explicitly (``!!str 5``)
_TEXT_TAGS = {"tag:yaml.org,2002:str"}


class _Plain:
    """Turns ruamel.yaml's round-trip objects into plain Python data and records, from their
    ``lc`` line info, where every key and item is: the :class:`SourceMap`.

    It also guards what construction cannot: alias bombs (a value reached more than
    :data:`_MAX_NODES` times), recursive aliases and tags with no plain meaning.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.lines = SourceMap()
        self._visits = 0

    def convert(self, value: Any, path: str, line: int | None, ancestors: tuple[int, ...]) -> Any:
        self._visits += 1
        if self._visits > _MAX_NODES:
            raise UserError(
                f"the document expands to more than {_MAX_NODES} values (too many aliases)",
                file=self.label,
            )
        if isinstance(value, _Recursive) or id(value) in ancestors:
            raise UserError(
                "an alias refers to a value that contains it (recursive alias)",
                file=self.label,
                line=value.line if isinstance(value, _Recursive) else line,
                field=path or None,
            )
        if isinstance(value, CommentedMap):
            return self._mapping(value, path, (*ancestors, id(value)))
        if isinstance(value, CommentedSeq):
            out = []
            for index, item in enumerate(value):
                sub = item_path(path, index)
                item_line = _lc_line(value, index, item=True) or line
                self.lines[sub] = (self.label, item_line)
                out.append(self.convert(item, sub, item_line, (*ancestors, id(value))))
            return out
        return self._scalar(value, path, line)

    def _mapping(self, value: CommentedMap, path: str, ancestors: tuple[int, ...]) -> Any:
        out: dict[Any, Any] = {}
        own = set(value.keys()) - set(_merged_keys(value))
        for key in value:
            sub = child_path(path, key)
            # a key from a ``<<: *anchor`` merge has the line where the anchored key is
            line = _lc_line(value, key) if key in own else _merged_line(value, key)
            self.lines[sub] = (self.label, line)
            plain_key = self._scalar(key, sub, line) if not isinstance(key, str) else str(key)
            out[plain_key] = self.convert(value[key], sub, line, ancestors)
        return out

    def _scalar(self, value: Any, path: str, line: int | None) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, TaggedScalar):
            tag = str(value.tag)
            if tag in _TEXT_TAGS:
                return str(value.value)
            raise UserError(
                f"the tag {tag!r} is not allowed in a scenario file (plain values only)",
                file=self.label,
                line=line,
                field=path or None,
            )
        if isinstance(value, ScalarBoolean):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, dt.datetime):
            return dt.datetime.fromisoformat(value.isoformat())
        if isinstance(value, dt.date | bytes):
            return value
        if isinstance(value, CommentedSet | set):
            return {self._scalar(v, path, line) for v in value}
        if isinstance(value, Tag | CommentedOrderedMap) or hasattr(value, "tag"):
            raise UserError(
                "tagged values are not allowed in a scenario file (plain values only)",
                file=self.label,
                line=line,
                field=path or None,
            )
        return value


def _lc_line(container: Any, key: Any, item: bool = False) -> int | None:
    """1-based line of a key (or item) from ruamel.yaml's line/column info."""
    try:
        pos = container.lc.item(key) if item else container.lc.key(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return int(pos[0]) + 1 if pos else None


def _merge_sources(value: CommentedMap) -> list[Any]:
    """The mappings merged into ``value`` by ``<<:`` (a list of pairs in older versions)."""
    sources = []
    for item in getattr(value, "merge", None) or []:
        source = item[1] if isinstance(item, tuple) else item
        if isinstance(source, CommentedMap):
            sources.append(source)
    return sources


def _merged_keys(value: CommentedMap) -> list[Any]:
    own = set(getattr(value.lc, "data", {}) or {})
    return [k for k in value if k not in own]


def _merged_line(value: CommentedMap, key: Any) -> int | None:
    for source in _merge_sources(value):
        if key in source:
            return _lc_line(source, key) or _merged_line(source, key)
    return None


def _first_line(text: str) -> int:
    """Line of the first content of a document (for a top level that is not a mapping)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith(("#", "%", "---")):
            return number
    return 1


def _duplicate_key_error(exc: DuplicateKeyError, text: str, label: str) -> UserError:
    """ruamel.yaml's duplicate-key error in our words: path, both lines, what to do.

    ruamel.yaml marks the mapping and the repeated key; the dotted path is found by
    composing the document again (no construction) and walking to that key.
    """
    where = exc.problem_mark
    line = where.line + 1 if where is not None else None
    found = _find_key(_yaml().compose(text), where) if where is not None else None
    if found is None:
        return UserError(f"duplicate key ({exc.problem})", file=label, line=line)
    path, key, first = found
    return UserError(
        f"duplicate key {key!r} (first defined at line {first}); "
        "each key may appear only once in a block",
        file=label,
        line=line,
        field=path,
    )


def _find_key(node: Any, mark: Any) -> tuple[str, Any, int] | None:
    """(path, key, first line) of the mapping key at ``mark``, searched depth first."""
    stack: list[tuple[Any, str]] = [(node, "")]
    seen: set[int] = set()
    while stack:
        current, path = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MappingNode):
            firsts: dict[Any, int] = {}
            for key_node, value_node in current.value:
                key = getattr(key_node, "value", None)
                if not isinstance(key, str):
                    continue
                start = key_node.start_mark
                if (start.line, start.column) == (mark.line, mark.column) and key in firsts:
                    return child_path(path, _typed_key(key_node)), _typed_key(key_node), firsts[key]
                firsts.setdefault(key, start.line + 1)
                stack.append((value_node, child_path(path, _typed_key(key_node))))
        elif isinstance(current, SequenceNode):
            stack.extend((item, item_path(path, i)) for i, item in enumerate(current.value))
    return None


def _typed_key(key_node: ScalarNode) -> Any:
    """A scalar key as the loader reads it (``1`` is the integer 1)."""
    try:
        return _yaml().load(key_node.value) if key_node.style is None else key_node.value
    except Exception:
        return key_node.value


class NotAScenarioFile(UserError):
    """The file itself is not a YAML scenario (a device, too big, binary, not a mapping).

    When such a file is named by ``extends``, the message also names the line that names it.
    """


def read_text(path: Path, label: str) -> str:
    """The file's text, or a UserError saying why it cannot be read.

    Only regular files up to :data:`MAX_FILE_BYTES` are read: a FIFO or a device would block
    or never end, and a scenario is a few kilobytes.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        if os.path.lexists(path):
            raise NotAScenarioFile(_link_problem(path), file=label) from None
        raise UserError("file not found", file=label) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotAScenarioFile(_link_problem(path), file=label) from None
        raise UserError(f"cannot read file: {exc.strerror or exc}", file=label) from None
    if stat.S_ISDIR(info.st_mode):
        raise NotAScenarioFile("this is a directory; expected a YAML scenario file", file=label)
    if not stat.S_ISREG(info.st_mode):
        raise NotAScenarioFile(
            f"this is {_special_kind(info.st_mode)}, not a regular file; expected a YAML "
            "scenario file",
            file=label,
        )
    if info.st_size > MAX_FILE_BYTES:
        raise NotAScenarioFile(
            f"file is {info.st_size:,} bytes; a scenario file may have at most {MAX_FILE_BYTES:,}",
            file=label,
        )
    try:
        raw = path.read_bytes()  # a regular file of bounded size, checked just above
    except OSError as exc:
        raise UserError(f"cannot read file: {exc.strerror or exc}", file=label) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise NotAScenarioFile(
            f"file has more than {MAX_FILE_BYTES:,} bytes, the most a scenario file may have",
            file=label,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NotAScenarioFile(
            f"file is not valid UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
            file=label,
            line=line,
        ) from exc


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _link_problem(path: Path) -> str:
    """Why a path whose name exists cannot be opened: a dangling link or a link loop."""
    hops = [str(path)]
    current = path
    for _ in range(40):
        if not current.is_symlink():
            break
        target = Path(os.readlink(current))
        current = target if target.is_absolute() else current.parent / target
        if str(current) in hops:
            hops.append(str(current))
            return f"symbolic links form a loop: {' -> '.join(hops)}"
        hops.append(str(current))
        if not os.path.lexists(current):
            return f"symbolic link to a missing file: {' -> '.join(hops)}"
    return f"symbolic links form a loop or a chain too long to follow: {' -> '.join(hops[:6])}"


def _check_text(data: Any, lines: SourceMap, label: str) -> None:
    """Refuse lone surrogates (``"\\udcff"`` escapes, undecodable bytes in ``--set``).

    They are not characters: every later write (JSON, YAML, HTML) would fail or be mangled.
    """
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                sub = child_path(path, key)
                if isinstance(key, str) and _SURROGATE.search(key):
                    _surrogate_error(key, sub, lines, label)
                stack.append((sub, item))
        elif isinstance(value, list):
            stack.extend((item_path(path, i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and _SURROGATE.search(value):
            _surrogate_error(value, path, lines, label)


def _surrogate_error(text: str, path: str, lines: SourceMap, label: str) -> None:
    bad = _SURROGATE.search(text)
    code = ord(bad.group(0)) if bad else 0
    raise UserError(
        f"text contains U+{code:04X}, a lone surrogate that is not a character (an escape "
        "like \\udcff, or bytes that are not UTF-8); remove it",
        file=lines.locate(path)[0] or label,
        line=lines.locate(path)[1],
        field=path or None,
    )


def parse_yaml(text: str, label: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document; return the data and the line of every key and item.

    ruamel.yaml reads (refusing duplicate keys) and keeps line numbers; :class:`_Plain`
    turns the result into plain data and a :class:`SourceMap`. Every failure is a UserError.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. YAML 1.1's "1e9 should have a dot"
            raw = _yaml().load(text)
        plain = _Plain(label)
        top = _lc_top(raw, text)
        plain.lines[""] = (label, top)
        data = plain.convert(raw, "", top, ())
    except DuplicateKeyError as exc:
        raise _duplicate_key_error(exc, text, label) from None
    except MarkedYAMLError as exc:
        raise _marked_error(exc, label) from None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[0])
        raise UserError(
            f"YAML error: character U+{code:04X} is not allowed in a YAML file",
            file=label,
            line=line,
        ) from None
    except YAMLError as exc:
        raise UserError(f"YAML error: {exc}", file=label) from None
    except RecursionError:
        raise UserError("YAML error: the document is nested too deeply", file=label) from None
    except UserError:
        raise
    except Exception as exc:  # the parser's own failure on odd input; still the input's fault
        raise UserError(f"YAML error: cannot read this file ({exc})", file=label) from None
    _check_text(data, plain.lines, label)
    return data, plain.lines


def _lc_top(raw: Any, text: str) -> int:
    line = getattr(getattr(raw, "lc", None), "line", None)
    return int(line) + 1 if isinstance(line, int) else _first_line(text)


def _marked_error(exc: MarkedYAMLError, label: str) -> UserError:
    """A syntax error as one line with line and column."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    if exc.context:
        problem = f"{problem} ({exc.context}"
        ctx_mark = exc.context_mark
        if ctx_mark is not None and mark is not None and ctx_mark.line != mark.line:
            problem += f" started at line {ctx_mark.line + 1}"
        problem += ")"
    if mark is None:
        return UserError(f"YAML error: {problem}", file=label)
    return UserError(
        f"YAML error at column {mark.column + 1}: {problem}", file=label, line=mark.line + 1
    )
