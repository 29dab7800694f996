"""EMA Workbench adapter (optional extra ``ecosim[explore]``); see :mod:`sim.api.ema`."""

from sim.api.ema import ema_name, evaluate, model, parse_outcome

__all__ = ["ema_name", "evaluate", "model", "parse_outcome"]
