"""Reports of a run folder: ZGC Index, SV dashboard, fit to targets, figures, one HTML page.

``write_run_outputs(run_dir)`` (the same as ``build_report``) is all a caller needs.
"""

from sim.report.build import build_report, write_run_outputs

__all__ = ["build_report", "write_run_outputs"]
