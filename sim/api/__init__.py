"""The Python API (re-exported by the ``ecosim`` package): scenarios, runs, results, Mesa.

Built on the same layers as the CLI: scenarios load and validate as in ``ecosim run``, runs go
through :func:`sim.experiments.replicate.run_replicates` with the same seeds, and results
read and write the same run folders.
"""

from sim.api.mesa_model import EcosystemModel
from sim.api.params import parameter_space
from sim.api.results import Result
from sim.api.run import run
from sim.api.scenarios import load_scenario, scenario_names
from sim.indicator_info import indicator_table

__all__ = [
    "EcosystemModel",
    "Result",
    "indicator_table",
    "load_scenario",
    "parameter_space",
    "run",
    "scenario_names",
]
