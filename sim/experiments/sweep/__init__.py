"""Sensitivity sweeps with SALib (Morris, Sobol, FAST): which levers and parameters drive the
index, and how sure the answer is.

Entry points: :func:`sweep` runs (or resumes) an experiment file into a folder and
:func:`analyze_dir` recomputes the analysis files from a folder's saved runs (``ecosim sweep``
and ``ecosim analyze``). The experiment schema is :class:`Experiment`.

Decisions worth knowing:

* Levers. A factor on ``levers.<lever>.strength`` scales the lever's settings as written in the
  base scenario; its start year and ramp stay the base's. The shipped lever scenarios start in
  2026, so the shipped experiments use ``combined_reform.yaml`` (runs to 2035) and read outputs
  in 2035 or over 2025-2035. A sweep on the 2010-2025 window must move the start year earlier
  (``fixed: {levers.talent_reform.start_year: 2018}``), or vary it as a factor.
* Distributions are applied in unit space and truncated to the bounds (never leave the range
  the schema allows); Morris effects are per unit of the normalised range.
* Noise. The model is stochastic. With ``seed_factor: true`` (default) the replicate seed is an
  extra dummy factor, ``replicate_seed`` (the SALib maintainers' advice, SALib issue #292): a
  factor whose index is not above it cannot be told from noise. ``noise.csv`` also splits each
  output's variance into between-replicate (same point) and between-point parts and gives the
  replications a point needs for its mean's standard error to fall below ``precision`` times
  the between-point standard deviation.
* Confidence. Intervals are SALib's 95% bootstrap intervals, seeded with the experiment seed
  so a resumed or re-analysed sweep writes identical bytes; a Sobol/FAST interval is flagged
  when its full width (2 x ``*_conf``) exceeds ``ci_warn`` (0.1).
* Determinism. Each run's seed derives from the experiment seed and the point's content (seed
  dummy level, Morris trajectory) with ``SeedSequence``: results do not depend on worker
  count, executor, completion order or interruptions.
"""

from sim.experiments.sweep.runner import analyze_dir, sweep
from sim.experiments.sweep.schema import Experiment, load_experiment

__all__ = ["Experiment", "analyze_dir", "load_experiment", "sweep"]
