"""Sensitivity sweeps with SALib (Morris, Sobol, FAST): design, parallel resumable runs on a
process pool or a Dask cluster, indices with confidence intervals, noise and convergence.

Entry points: :func:`sweep` runs (or resumes) an experiment file into a folder and
:func:`analyze_dir` recomputes the analysis files from a folder's saved runs.
"""

from sim.experiments.sweep.runner import analyze_dir, sweep
from sim.experiments.sweep.schema import Experiment, load_experiment

__all__ = ["Experiment", "analyze_dir", "load_experiment", "sweep"]
