"""EMA Workbench adapter (optional extra ``ecosim[explore]``); see :mod:`sim.api.ema`."""

from sim.api.ema import evaluate, model, parse_outcome

__all__ = ["evaluate", "model", "parse_outcome"]
