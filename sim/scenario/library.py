"""The shipped scenario library: scenario files found by name, in a checkout or installed.

The scenario files live in the project's top-level ``scenarios/`` folder; a wheel carries a
copy of them as package data in ``sim/data/scenarios/`` (``setup.py`` copies them at build
time). So ``ecosim run zgc_baseline`` and ``ecosim.load_scenario("zgc_baseline")`` work in a
checkout and in an installed package alike. A path that exists always wins over a name, and
``extends`` between shipped scenarios resolves inside the same folder.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import UserError

#: the checkout's scenario folder (absent in an installed package)
SOURCE_DIR = Path(__file__).resolve().parents[2] / "scenarios"
#: the copy shipped inside the package (present in an installed wheel)
PACKAGE_DIR = Path(__file__).resolve().parents[1] / "data" / "scenarios"
SUFFIXES = (".yaml", ".yml")


def shipped_dir() -> Path | None:
    """The folder holding the shipped scenarios: the checkout's, else the package's."""
    for folder in (SOURCE_DIR, PACKAGE_DIR):
        if folder.is_dir() and any(folder.glob("*.yaml")):
            return folder
    return None


def shipped_names() -> list[str]:
    """Names of the shipped scenario files (without ``.yaml``), sorted."""
    folder = shipped_dir()
    if folder is None:
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())


def shipped_path(name: str) -> Path | None:
    """The shipped file of scenario ``name`` (``zgc_baseline`` or ``zgc_baseline.yaml``)."""
    folder = shipped_dir()
    if folder is None or not name or "/" in name or "\\" in name:
        return None
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix in SUFFIXES else name
    for suffix in SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def resolve(name_or_path: str | Path) -> Path:
    """A scenario file from a path or a shipped name; a path that exists wins.

    Raises a UserError naming the shipped scenarios when neither exists.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    found = shipped_path(str(name_or_path))
    if found is not None:
        return found
    names = shipped_names()
    hint = f"; shipped scenarios: {', '.join(names)}" if names else ""
    raise UserError(f"file not found (and no shipped scenario of that name){hint}", file=str(path))
