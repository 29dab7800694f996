"""Aligned text tables for the CLI, drawn by rich rather than by hand with f-strings.

The tables are plain (no borders, no colour) so that their lines start with the first
column and survive ``grep``, ``cut`` and pipes; long cells are never wrapped.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

#: wide enough that rich never wraps a cell (meanings run to a few hundred characters)
_WIDTH = 4000


def plain_table(
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Sequence[str]],
    *,
    rule: bool = True,
    indent: int = 0,
    gap: int = 2,
) -> list[str]:
    """Lines of a table: header, a dashed rule (``rule``), then the rows.

    ``columns`` are ``(header, justify)`` pairs, justify ``"left"`` or ``"right"``; columns
    are separated by ``gap`` spaces and trailing blanks are stripped.
    """
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, gap, 0, 0))
    for header, justify in columns:
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(Text(str(cell)) for cell in row))  # Text: "[...]" is not markup
    buf = io.StringIO()
    Console(file=buf, width=_WIDTH, color_system=None, highlight=False).print(table)
    lines = [line.rstrip() for line in buf.getvalue().splitlines()]
    if rule and lines:
        lines.insert(1, "-" * len(lines[0]))
    pad = " " * indent
    return [pad + line if line else line for line in lines]
