"""Emulators: cheap statistical stand-ins for the simulator, one per target and wave.

Each target gets two emulators fitted on the wave's runs (parameters in unit space):

* the mean: a linear regression (scikit-learn ``LinearRegression``) for the global trend plus a
  Gaussian process (``GaussianProcessRegressor``: constant x anisotropic RBF + white noise) on
  its residuals, as in hmer's regression-plus-correlated-residual emulators. The GP's standard
  deviation (without its white-noise term) is the emulator's own uncertainty ``V_em``.
* the run-to-run variance: a second GP on the log of the replicates' sample variance
  (Andrianakis et al. 2017, stochastic emulation); with one replicate per point the mean GP's
  fitted white-noise level stands in for it, constant over the space.

Fits are deterministic (fixed ``random_state``), so a resumed calibration refits identical
emulators from the saved runs instead of storing them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import LinearRegression
from threadpoolctl import threadpool_limits

#: variance floor on the log scale (about a 0.3 % relative sd)
MIN_VAR = 1e-5


def _gp(d: int) -> GaussianProcessRegressor:
    kernel = ConstantKernel(1.0, (1e-3, 1e2)) * RBF(
        length_scale=np.full(d, 0.5), length_scale_bounds=(0.05, 50.0)
    ) + WhiteKernel(0.05, (1e-6, 1e1))
    return GaussianProcessRegressor(
        kernel=kernel, normalize_y=True, n_restarts_optimizer=1, random_state=0
    )


@dataclass
class _Fitted:
    trend: LinearRegression
    gp: GaussianProcessRegressor
    noise: float  #: fitted white-noise variance in output units

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m, sd = self.gp.predict(x, return_std=True)
        var = np.maximum(np.asarray(sd) ** 2 - self.noise, MIN_VAR)
        return self.trend.predict(x) + m, var


def _fit(x: np.ndarray, y: np.ndarray) -> _Fitted:
    trend = LinearRegression().fit(x, y)
    resid = y - trend.predict(x)
    gp = _gp(x.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        gp.fit(x, resid)
    scale = float(getattr(gp, "_y_train_std", 1.0)) ** 2
    noise = float(gp.kernel_.k2.noise_level) * scale
    return _Fitted(trend, gp, noise)


@dataclass
class TargetEmulator:
    """Mean and run-to-run variance of one (log-scale) target over the unit parameter space."""

    mean: _Fitted | None
    logvar: _Fitted | None
    const_var: float
    n: int

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(mean, V_em, V_stoch)`` at the rows of ``x``; NaN when nothing could be fitted."""
        x = np.atleast_2d(x)
        if self.mean is None:
            nan = np.full(x.shape[0], np.nan)
            return nan, nan, nan
        m, v_em = self.mean.predict(x)
        if self.logvar is not None:
            lv, _ = self.logvar.predict(x)
            v_st = np.maximum(np.exp(lv), MIN_VAR)
        else:
            v_st = np.full(x.shape[0], max(self.const_var, MIN_VAR))
        return m, v_em, v_st


def fit_target(x: np.ndarray, y: np.ndarray) -> TargetEmulator:
    """Fit one target's emulators from ``x`` (points, d) and ``y`` (points, replicates).

    Points with any missing replicate value are left out; with fewer than 4 usable points
    nothing is fitted and every prediction is NaN (the target then rules nothing in).
    """
    y = np.asarray(y, float)
    ok = np.all(np.isfinite(y), axis=1)
    x, y = x[ok], y[ok]
    if x.shape[0] < 4:
        return TargetEmulator(None, None, np.nan, int(x.shape[0]))
    mean = _fit(x, y.mean(axis=1))
    reps = y.shape[1]
    if reps >= 2:
        var = y.var(axis=1, ddof=1)
        logvar = _fit(x, np.log(np.maximum(var, MIN_VAR)))
        const = float(np.mean(var))
    else:
        logvar = None
        const = mean.noise  # white noise of single runs = run-to-run variance
    return TargetEmulator(mean, logvar, const, int(x.shape[0]))


def fit_all(x: np.ndarray, ys: list[np.ndarray]) -> list[TargetEmulator]:
    # one BLAS thread: the matrices are small, so threads cost far more than they give (ten
    # times slower on a loaded machine), and one thread keeps the fits bit-reproducible
    with threadpool_limits(1):
        return [fit_target(x, y) for y in ys]


def predict_all(
    emulators: list[TargetEmulator], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked ``(mean, V_em, V_stoch)``, each ``(points, targets)``."""
    with threadpool_limits(1):
        parts = [e.predict(x) for e in emulators]
    return tuple(np.column_stack([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]
