"""Calibration with uncertainty: history matching in waves, then a posterior ensemble.

``ecosim calibrate SPEC.yaml`` runs :func:`calibrate`: waves of simulator runs, Gaussian-process
emulators of every target's mean and run-to-run variance, implausibility cut-offs that shrink
the parameter space (Vernon et al. 2010; Andrianakis et al. 2015; hmer), then ABC rejection on
the simulator inside the space that survives. The posterior it writes (``posterior.csv``) is read
by :mod:`sim.experiments.ensemble` and carries ``--ensemble`` runs. See docs/CALIBRATION.md.
"""

from sim.calibration.history import Result, calibrate, setup
from sim.calibration.spec import CalibrationSpec, load_spec

__all__ = ["CalibrationSpec", "Result", "calibrate", "load_spec", "setup"]
