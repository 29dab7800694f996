"""Effect sizes of the lever scenarios against the baseline, paired by seed (issue 3).

A thin entry point: the comparison lives in :mod:`sim.experiments.lever_effects`.

Usage (from the repository root)::

    python experiments/lever_effects.py --replications 20 --scale 0.03 --workers 2
    python experiments/lever_effects.py --ensemble zgc --members 20 --replications 4
"""

from __future__ import annotations

import sys

from sim.experiments.lever_effects import main

if __name__ == "__main__":
    sys.exit(main())
