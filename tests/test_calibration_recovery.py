"""Parameter recovery (slow): synthetic observations from known parameters are calibrated
back; every identifiable parameter's true value must fall inside its 90 % posterior interval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibration import calibrate
from sim.experiments.replicate import run_replicates
from sim.fit import TARGET_COLUMNS
from sim.scenario import load

ROOT = Path(__file__).resolve().parents[1]
TRUE = {
    "parameters.entrepreneurship.founding_rate": 0.0035,
    "parameters.knowledge.patents_per_rd": 1.0e-7,
}
ROWS = [("new_tech_firms", 2015), ("new_tech_firms", 2013), ("patents_granted", 2015),
        ("patents_granted", 2013), ("employment", 2015), ("revenue_total", 2015)]  # fmt: skip

SPEC = """\
name: recovery
scenario: {scenario}
end_year: 2015
seed: 11
parameters:
  - {{path: parameters.entrepreneurship.founding_rate, bounds: [0.0014, 0.0056]}}
  - {{path: parameters.knowledge.patents_per_rd, bounds: [4.25e-8, 1.7e-7], dist: logunif}}
targets:
  file: synthetic.csv
  include: all
  observation_error: {{good: 0.05}}
  discrepancy: 0.0
waves:
  - {{runs: 20, replicates: 2, scale: 0.01}}
  - {{runs: 16, replicates: 2, scale: 0.01}}
candidates: 4000
posterior: {{candidates: 40, replicates: 1, members: 20}}
"""


@pytest.mark.slow
def test_true_parameters_inside_their_90_percent_posterior_intervals(tmp_path: Path) -> None:
    scenario = ROOT / "scenarios" / "zgc_baseline.yaml"
    sets = [f"{k}={v!r}" for k, v in TRUE.items()]
    sc, _ = load(scenario, [*sets, "scale=0.01", "end_year=2015"])
    results = run_replicates(sc.to_run_config(), 99, 4)
    rows = []
    for ind, year in ROWS:
        vals = [next(r[ind] for r in res.records if r["year"] == year) for res in results]
        rows.append({"region": "ZGC", "indicator": ind, "year": year, "value": np.mean(vals),
                     "unit": "", "kind": "level", "source": "synthetic", "note": "",
                     "quality": "good"})  # fmt: skip
    pd.DataFrame(rows, columns=TARGET_COLUMNS).to_csv(tmp_path / "synthetic.csv", index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(scenario=scenario), encoding="utf-8")
    res = calibrate(spec, tmp_path / "out", workers=1)
    ident = res.identifiability.set_index("parameter")
    identifiable = ident[ident["range_ratio"] < 0.8]
    assert len(identifiable) >= 1, ident
    for path, row in identifiable.iterrows():
        assert row["q05"] <= TRUE[path] <= row["q95"], (path, row.to_dict())
