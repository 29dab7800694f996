"""Quick fit check for hand tuning: ``python -m sim.experiments.fitcheck SCENARIO [--set ...]``.

Runs a scenario (a few replicates) and prints every target row it covers with the simulated
value and the ratio, flagging ``good``-quality ``level`` rows outside a factor of 1.5.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim.experiments.replicate import indicators_frame, run_replicates
from sim.fit import fit_table
from sim.scenario import load


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scenario")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    ap.add_argument("--replications", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--show", nargs="*", default=[], help="indicators to print by year")
    args = ap.parse_args(argv)
    sc, _ = load(args.scenario, args.overrides)
    res = run_replicates(sc.to_run_config(), sc.seed, args.replications, workers=args.workers)
    df = indicators_frame(res)
    index_wide = None
    if sc.region == "ZGC" and sc.start_year <= 2013:
        from sim.indices import zgc_index, zgc_index_wide

        index_wide = zgc_index_wide(zgc_index(df))
    fit = fit_table(df, index_wide, sc.region)
    fit["flag"] = ""
    bad = (
        (fit["kind"] == "level")
        & (fit["quality"] == "good")
        & ((fit["ratio"] > 1.5) | (fit["ratio"] < 1 / 1.5))
    )
    fit.loc[bad, "flag"] = "MISS"
    pd.set_option("display.width", 200)
    print(fit.drop(columns=["source"]).to_string(float_format=lambda x: f"{x:.4g}"))
    print(
        f"good level rows missed: {int(bad.sum())} of "
        f"{int(((fit['kind'] == 'level') & (fit['quality'] == 'good')).sum())}"
    )
    if index_wide is not None:
        print(index_wide[index_wide["year"] >= 2013].round(1).to_string(index=False))
    if args.show:
        mean = df.groupby(["indicator", "year"])["value"].mean().unstack()
        print(
            mean.loc[[s for s in args.show if s in mean.index]].to_string(
                float_format=lambda x: f"{x:.4g}"
            )
        )


if __name__ == "__main__":
    main()
