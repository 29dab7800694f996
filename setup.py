"""Build hook: ship the top-level ``scenarios/`` folder inside the package.

The project keeps its scenario files in ``scenarios/`` (the layout users and docs refer to);
an installed wheel finds them in ``sim/data/scenarios/`` (see ``sim.scenario.library``).
Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithScenarios(build_py):
    """``build_py`` that also copies ``scenarios/*.yaml`` into ``sim/data/scenarios``."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "scenarios"
        target = Path(self.build_lib) / "sim" / "data" / "scenarios"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.glob("*.yaml")):
            shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithScenarios})
