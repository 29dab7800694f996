"""Implausibility: how far a prediction is from an observation, in standard deviations.

For target ``t`` at parameter point ``x`` (Craig et al. 1997; Vernon et al. 2010; Andrianakis
et al. 2015)::

    I_t(x) = |z_t - E[f_t(x)]| / sqrt(V_em,t(x) + V_stoch,t(x) + V_obs,t + V_disc,t)

``E[f_t(x)]`` and ``V_em`` are the emulator's mean and its own uncertainty about it,
``V_stoch`` the model's run-to-run variance (reality is one realisation, not a mean), ``V_obs``
the observation error and ``V_disc`` the model discrepancy. A bound (``lower_bound``,
``upper_bound``) is implausible only on its wrong side. With many targets one poorly emulated
output should not rule a point out, so the point's implausibility is the ``rank``-th largest
over targets (rank 1 = the maximum; hmer uses the second or third with many outputs); a point is
non-implausible when that value is at most the cut-off (3, Pukelsheim's three-sigma rule).
Everything here is plain arithmetic on arrays so it can be checked by hand.
"""

from __future__ import annotations

import numpy as np


def implausibility(
    z: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    kind: np.ndarray | list[str] | None = None,
) -> np.ndarray:
    """Per-target implausibility; ``mean`` and ``var`` are ``(points, targets)``.

    ``z`` holds the observations (targets,), ``var`` the total variance (every term summed),
    ``kind`` each target's kind (only the bounds matter). NaN means stays NaN.
    """
    z = np.asarray(z, float)
    mean = np.atleast_2d(np.asarray(mean, float))
    sd = np.sqrt(np.atleast_2d(np.asarray(var, float)))
    diff = mean - z[None, :]
    if kind is not None:
        k = np.asarray(kind, dtype=object)
        lower = k == "lower_bound"  # observed is a floor: only falling short counts
        upper = k == "upper_bound"
        diff = np.where(lower[None, :], np.minimum(diff, 0.0), diff)
        diff = np.where(upper[None, :], np.maximum(diff, 0.0), diff)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(diff) / sd


def kth_largest(imp: np.ndarray, rank: int) -> np.ndarray:
    """The ``rank``-th largest implausibility of each row (NaN targets count as implausible).

    A target the emulator or run could not produce counts as infinitely implausible, so a
    point with missing outputs is never kept by accident. With fewer targets than ``rank``
    the smallest is used.
    """
    imp = np.atleast_2d(np.asarray(imp, float))
    filled = np.where(np.isnan(imp), np.inf, imp)
    k = min(int(rank), filled.shape[1])
    part = -np.sort(-filled, axis=1)
    return part[:, k - 1]


def non_implausible(imp: np.ndarray, rank: int, cutoff: float) -> np.ndarray:
    """Boolean per row: the ``rank``-th largest implausibility is at most ``cutoff``."""
    return kth_largest(imp, rank) <= cutoff
