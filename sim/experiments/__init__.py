"""Experiments built on :func:`sim.simulate.simulate`: replications, comparisons, sweeps."""
