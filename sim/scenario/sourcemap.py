"""Where each value of a scenario came from: dotted path -> (file, line).

Kept apart from the YAML reading and the validation so that both, and the sweep and visual
server code that report positions, share one small type.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SourceMap", "child_path", "item_path", "parent_path"]


class SourceMap(dict[str, tuple[str, int | None]]):
    """Where each value came from: dotted path (``a.b[2].c``) -> ``(file, line)``.

    ``files`` lists the scenario files that were merged, base first; ``overrides`` lists the
    ``--set`` flags applied. A value set by an override maps to ``("--set a.b=1", None)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files: list[str] = []
        self.overrides: list[str] = []

    def locate(self, path: str) -> tuple[str | None, int | None]:
        """The place of ``path``, or of its closest known parent (a missing key has no line)."""
        current = path
        while True:
            if current in self:
                return self[current]
            if not current:
                return (self.files[-1] if self.files else None), None
            current = parent_path(current)

    def drop_under(self, path: str) -> None:
        """Forget ``path`` and everything below it: the value there has been replaced."""
        for key in [k for k in self if _is_under(k, path)]:
            del self[key]


def parent_path(path: str) -> str:
    """``a.b[2]`` -> ``a.b``; ``a.b`` -> ``a``; ``a`` -> ``""``."""
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def child_path(parent: str, key: object) -> str:
    """Path of a mapping key below ``parent``."""
    return f"{parent}.{key}" if parent else str(key)


def item_path(parent: str, index: int) -> str:
    """Path of a sequence item below ``parent``."""
    return f"{parent}[{index}]"


def _is_under(path: str, prefix: str) -> bool:
    if not prefix:
        return True
    return path == prefix or path.startswith((prefix + ".", prefix + "["))
