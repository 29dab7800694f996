"""``Result``: the indicators of a run with units, the index, the fit, and a run folder.

A Result holds what ``ecosim run`` writes, in memory: the long indicator table (with a
``unit`` column in the scenario's currency), ``run.json``'s metadata and the snapshot for the
report. ``Result.save(dir)`` writes the same run folder as ``ecosim run``; ``Result.load(dir)``
reads one back, whichever wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import UserError
from sim.fit import fit_table
from sim.indicator_info import unit_of
from sim.indices import INDICATOR_COLUMNS, IndexUnavailable, to_wide, zgc_index, zgc_index_wide
from sim.io import prepare_output_dir, write_csv_atomic, write_json_atomic, write_text_atomic
from sim.scenario import Scenario
from sim.scenario.loader import dump_yaml


@dataclass
class Result:
    """Indicators, metadata and snapshot of one (replicated) run.

    Attributes:
        scenario: the resolved scenario that ran (None if a loaded folder has none).
        indicators: long table ``replicate, year, indicator, value, unit`` (and ``member``
            for ensemble runs), in real-world units and the scenario's currency.
        meta: what ``run.json`` holds (seeds, parameters, provenance, agent counts).
        snapshot: end-of-run distributions for the report (replicate 0).
        tables: replicate 0's firm tables, ties and deals for the stylised facts (written
            as Parquet by :meth:`save`; empty for a loaded folder).
    """

    scenario: Scenario | None
    indicators: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    snapshot: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        scenario: Scenario | None,
        frame: pd.DataFrame,
        meta: dict[str, Any],
        snapshot: dict[str, Any] | None = None,
    ) -> Result:
        """A Result from ``replicate,year,indicator,value`` rows (a unit column is added)."""
        currency = (meta.get("scenario") or {}).get("currency") or "currency"
        frame = frame.copy()
        frame["unit"] = frame["indicator"].map(lambda n: unit_of(str(n), currency))
        return cls(scenario, frame.reset_index(drop=True), meta, snapshot or {})

    @classmethod
    def load(cls, run_dir: str | Path) -> Result:
        """Read a run folder written by ``ecosim run`` or :meth:`save`."""
        from sim.report.io import read_run_folder

        run = read_run_folder(Path(run_dir))
        scenario = None
        resolved = Path(run_dir) / "scenario.resolved.yaml"
        if resolved.is_file():
            try:
                scenario = Scenario.model_validate(yaml.safe_load(resolved.read_text("utf-8")))
            except Exception as exc:  # a hand-edited or foreign file: say which
                raise UserError(
                    f"cannot read it back as a scenario: {exc}", file=str(resolved)
                ) from None
        frame = run.indicators
        members = (run.meta.get("ensemble") or {}).get("members")
        if members:
            frame = frame.copy()
            frame["member"] = frame["replicate"].map(dict(enumerate(members)))
        return cls.from_frame(scenario, frame, run.meta, run.snapshot)

    # ------------------------------------------------------------------ views
    @property
    def seeds(self) -> list[int]:
        """The replicate seeds (the same as ``ecosim run`` uses for this scenario)."""
        return list((self.meta.get("seeds") or {}).get("replicates", []))

    @property
    def region(self) -> str:
        return str((self.meta.get("scenario") or {}).get("region", ""))

    def wide(self) -> pd.DataFrame:
        """One row per (replicate, year), one column per indicator."""
        return to_wide(self.indicators[INDICATOR_COLUMNS])

    def mean(self) -> pd.DataFrame:
        """Mean over replicates: one row per year, one column per indicator."""
        return self.wide().groupby(level="year").mean()

    def index(self, *, replicates: bool = False) -> pd.DataFrame:
        """The Zhongguancun Index (2013 = 100).

        By default the mean over replicates, one row per year (``year, composite`` and the
        five first-level dimensions); ``replicates=True`` gives the long table of every
        dimension per replicate. Raises a UserError when the run does not cover 2013.
        """
        long = zgc_index(self.indicators[INDICATOR_COLUMNS])
        return long if replicates else zgc_index_wide(long)

    def fit(self) -> pd.DataFrame:
        """Observed targets of the run's region against the simulated values (``fit.csv``)."""
        try:
            index_wide = self.index()
        except IndexUnavailable:
            index_wide = None
        return fit_table(self.indicators[INDICATOR_COLUMNS], index_wide, self.region)

    # ------------------------------------------------------------------ files
    def save(self, out: str | Path, *, report: bool = True, force: bool = False) -> Path:
        """Write the run folder (``indicators.csv``, ``run.json``, ``scenario.resolved.yaml``,
        ``snapshot.json`` and, with ``report``, the index, fit and report files), atomically.

        The same rule as ``ecosim run --out``: an existing ``out`` raises a UserError unless
        ``force`` is given *and* it is a run folder ecosim wrote (a folder holding anything
        else is never replaced); the folder is built beside ``out`` and renamed into place.
        """
        target = prepare_output_dir(out, force=force, kind="run")
        out = Path(out)
        with target as stage:
            write_csv_atomic(stage / "indicators.csv", self.indicators[INDICATOR_COLUMNS])
            write_json_atomic(stage / "run.json", self.meta)
            if self.scenario is not None:
                write_text_atomic(
                    stage / "scenario.resolved.yaml",
                    dump_yaml(self.scenario.model_dump(mode="json")),
                )
            if self.snapshot:
                from sim.run_tables import write_run_tables

                write_run_tables(stage, self.snapshot, self.tables)
            if report:
                from sim.report import write_run_outputs

                write_run_outputs(stage)
        return out

    def __repr__(self) -> str:
        years = self.indicators["year"]
        n_rep = self.indicators["replicate"].nunique()
        name = self.scenario.name if self.scenario is not None else "?"
        span = f"{years.min()}-{years.max()}" if len(years) else "-"
        return f"Result({name!r}, years {span}, {n_rep} replicate(s))"


__all__ = ["Result"]
