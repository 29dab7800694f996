"""Build hook: ship the top-level ``scenarios/`` and ``experiments/`` YAML files in the package.

The project keeps its scenario files in ``scenarios/`` (the layout users and docs refer to);
an installed wheel finds them in ``sim/data/scenarios/`` (see ``sim.scenario.library``), and
the sweep definitions in ``sim/data/experiments/`` (their ranges show in
``ecosim.parameter_space()``). Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithScenarios(build_py):
    """``build_py`` that also copies ``scenarios/*.yaml`` and ``experiments/*.yaml`` into
    ``sim/data/``."""

    def run(self) -> None:
        super().run()
        root = Path(__file__).resolve().parent
        for folder in ("scenarios", "experiments"):
            target = Path(self.build_lib) / "sim" / "data" / folder
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted((root / folder).glob("*.yaml")):
                shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithScenarios})
