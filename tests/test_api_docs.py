"""The Python examples of the README's "Python" section and of docs/API.md run as doctests."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"```python\n(.*?)```", re.S)


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next second-level heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def run_examples(text: str, name: str, tmp_path: Path, monkeypatch) -> None:
    """Run every ```python block (doctest syntax) of ``text`` in one namespace."""
    blocks = FENCE.findall(text)
    assert blocks, f"no python examples in {name}"
    monkeypatch.chdir(tmp_path)  # examples that write run folders write them here
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)
    assert runner.tries >= 5


def test_readme_python_section(tmp_path: Path, monkeypatch):
    text = section((ROOT / "README.md").read_text(encoding="utf-8"), "Python")
    run_examples(text, "README.md#python", tmp_path, monkeypatch)


def test_api_docs_examples(tmp_path: Path, monkeypatch):
    pytest.importorskip("ema_workbench")
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    run_examples(text, "docs/API.md", tmp_path, monkeypatch)
