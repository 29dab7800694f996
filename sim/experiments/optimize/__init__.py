"""Robust policy search: which mix of lever strengths and timings trades the goals off best
across seeds and calibrated parameter sets (``ecosim optimize``).

The spec (:class:`OptimizeSpec`) names the decision variables (lever fields), objectives and
constraints; pymoo's NSGA-II or NSGA-III searches, every candidate run with common random
numbers over replicates and, with ``--ensemble``, over posterior members. See
:mod:`sim.experiments.optimize.problem` for the robustness measures and
:mod:`sim.experiments.optimize.search` for the folder, checkpoint and resume.
"""

from sim.experiments.optimize.search import optimize
from sim.experiments.optimize.spec import OptimizeSpec, load_spec

__all__ = ["OptimizeSpec", "load_spec", "optimize"]
