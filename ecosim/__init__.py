"""ecosim: agent-based simulator of innovation ecosystems (Zhongguancun, Silicon Valley).

The distribution's import name. The code lives in the ``sim`` package (the project layout);
this package re-exports its public API::

    import ecosim
    result = ecosim.run("zgc_baseline", scale=0.01, end_year=2013)

See the README's "Python" section and docs/API.md.
"""

from sim import __version__
from sim.api import (
    EcosystemModel,
    Result,
    indicator_table,
    load_scenario,
    parameter_space,
    run,
    scenario_names,
)
from sim.errors import UserError
from sim.experiments.replicate import replicate_seeds
from sim.model.agents import EndedAgentError, Firm, SubPark, Talent, University, VCInvestor
from sim.model.config import RunConfig
from sim.scenario import Scenario
from sim.simulate import SimResult, simulate

__all__ = [
    "EcosystemModel",
    "EndedAgentError",
    "Firm",
    "Result",
    "RunConfig",
    "Scenario",
    "SimResult",
    "SubPark",
    "Talent",
    "University",
    "UserError",
    "VCInvestor",
    "__version__",
    "indicator_table",
    "load_scenario",
    "parameter_space",
    "replicate_seeds",
    "run",
    "scenario_names",
    "simulate",
]
