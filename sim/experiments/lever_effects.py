"""Effect sizes of the lever scenarios against the baseline, paired by seed (issue 3).

Each lever scenario of ``scenarios/`` is run with the same replicate seeds as the baseline
extended to the lever scenario's end year; replicate ``i`` of both uses the same seed, so the
differences are paired and most of the run-to-run noise cancels. For every indicator the
script reports the mean paired difference at the end year, its standard error and the ratio
``z = mean / SE``; an effect counts when ``|z| > 2`` in the expected direction.

Usage (from the repository root)::

    python experiments/lever_effects.py --replications 20 --scale 0.03 --workers 2
    python -m sim.experiments.lever_effects --replications 20 --scale 0.03 --workers 2

With ``--ensemble DIR|NAME [--members K]`` every effect is computed once per posterior member
(each member's paired replicates give its mean effect) and reported over members: the median,
the 90 % interval (5th to 95th percentile) and the share of members in which the effect has
the documented sign. That spread is the parameter uncertainty of the answer::

    python experiments/lever_effects.py --ensemble zgc --members 20 --replications 4

The functions are also used by ``tests/test_lever_effects.py``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.experiments.replicate import run_replicates
from sim.scenario import Scenario, load

ROOT = Path(__file__).resolve().parents[2]  # the repository (an editable install)
SCENARIOS = ROOT / "scenarios"
BASELINE = "zgc_baseline.yaml"

#: the effects issue 3 asks to emerge: scenario file -> [(indicator, expected sign)]
EXPECTED: dict[str, list[tuple[str, int]]] = {
    "talent_reform.yaml": [
        ("foreign_employee_share", +1),
        ("returnee_and_foreign_employees", +1),
        ("talent_outflow", -1),
    ],
    "equity_incentives.yaml": [("new_tech_firms", +1), ("talent_outflow", -1)],
    "relocation_pressure.yaml": [("firms_relocated_out", +1), ("branches_outside_region", +1)],
    "funding_mix_private.yaml": [("vc_megadeal_share", +1), ("vc_government_share", -1)],
}

#: every indicator named in EXPECTED, in a stable order (the columns of the full table)
INDICATORS: list[str] = list(
    dict.fromkeys(name for pairs in EXPECTED.values() for name, _ in pairs)
)

#: indicators derived from the records, shown in the full table (rates remove the size effect)
DERIVED = {
    "talent_outflow_per_employee": lambda r: r["talent_outflow"] / max(r["employment"], 1.0),
}

#: the scenarios of the full table: the four single levers and their combination
ALL_SCENARIOS = [*EXPECTED, "combined_reform.yaml"]


@dataclass(frozen=True)
class Effect:
    """A paired effect at one year: mean of (lever - baseline) over replicates, with its SE."""

    indicator: str
    baseline: float
    lever: float
    diff: float
    se: float
    n: int

    @property
    def z(self) -> float:
        """Mean difference over its standard error (inf when every pair differs equally)."""
        if self.se > 0:
            return self.diff / self.se
        return 0.0 if self.diff == 0 else math.copysign(math.inf, self.diff)

    def counts(self, sign: int) -> bool:
        """True when the effect has the expected sign and exceeds twice its SE."""
        return sign * self.diff > 0 and abs(self.z) > 2.0


def load_pair(
    lever_file: str,
    scale: float,
    replications: int,
    seed: int | None = None,
    member: list[str] | None = None,
) -> tuple[Scenario, Scenario]:
    """The lever scenario and the baseline over the same years, scale and root seed.

    ``member`` holds a posterior member's ``path=value`` overrides, applied to both.
    """
    lever, _ = load(SCENARIOS / lever_file, [f"scale={scale}"])
    root = lever.seed if seed is None else seed
    extra = [*(member or []), f"scale={scale}", f"seed={root}", f"end_year={lever.end_year}"]
    lever, _ = load(SCENARIOS / lever_file, extra)
    base, _ = load(SCENARIOS / BASELINE, extra)
    return lever, base


def end_values(scenario: Scenario, replications: int, workers: int) -> list[dict[str, float]]:
    """The end-year record of each replicate (replicate ``i`` uses the ``i``-th child seed)."""
    results = run_replicates(scenario.to_run_config(), scenario.seed, replications, workers=workers)
    out = []
    for res in results:
        last = res.records[-1]
        if int(last["year"]) != scenario.end_year:
            raise RuntimeError(f"run ended in {last['year']}, expected {scenario.end_year}")
        out.append({**last, **{name: f(last) for name, f in DERIVED.items()}})
    return out


def paired_effects(
    base: list[dict[str, float]], lever: list[dict[str, float]], indicators: list[str]
) -> dict[str, Effect]:
    """Mean paired difference and its standard error for each indicator."""
    if len(base) != len(lever) or len(base) < 2:
        raise ValueError("need the same number (at least 2) of baseline and lever replicates")
    effects = {}
    for name in indicators:
        b = np.array([r[name] for r in base], float)
        v = np.array([r[name] for r in lever], float)
        d = v - b
        se = float(d.std(ddof=1) / math.sqrt(d.size))
        effects[name] = Effect(name, float(b.mean()), float(v.mean()), float(d.mean()), se, d.size)
    return effects


@dataclass(frozen=True)
class EnsembleEffect:
    """One effect over posterior members: each member's mean paired difference."""

    indicator: str
    diffs: tuple[float, ...]

    @property
    def median(self) -> float:
        return float(np.median(self.diffs))

    @property
    def interval(self) -> tuple[float, float]:
        """The 90 % interval over members (5th and 95th percentiles)."""
        lo, hi = np.quantile(self.diffs, [0.05, 0.95])
        return float(lo), float(hi)

    def share_with_sign(self, sign: int) -> float:
        """Share of members whose mean effect has the documented sign."""
        return float(np.mean([sign * d > 0 for d in self.diffs]))


def ensemble_effects(
    lever_file: str,
    members: list[list[str]],
    scale: float,
    replications: int,
    workers: int,
    indicators: list[str],
    seed: int | None = None,
) -> dict[str, EnsembleEffect]:
    """Each indicator's mean paired effect per member (same seeds for lever and baseline)."""
    per: dict[str, list[float]] = {name: [] for name in indicators}
    for overrides in members:
        lever, base = load_pair(lever_file, scale, replications, seed, overrides)
        b = end_values(base, replications, workers)
        v = end_values(lever, replications, workers)
        for name in indicators:
            per[name].append(float(np.mean([x[name] - y[name] for x, y in zip(v, b, strict=True)])))
    return {name: EnsembleEffect(name, tuple(d)) for name, d in per.items()}


def ensemble_table(rows: list[tuple[str, EnsembleEffect, int | None]]) -> str:
    """Rows ``(scenario, effect, expected sign)`` as a Markdown table over members."""
    lines = [
        "| scenario | indicator | median effect | 90 % interval over members | expected | "
        "share of members with that sign |",
        "|---|---|---:|---:|:---:|---:|",
    ]
    for scen, e, sign in rows:
        lo, hi = e.interval
        expected = {1: "+", -1: "−", None: ""}[sign]
        share = "" if sign is None else f"{e.share_with_sign(sign):.0%}"
        lines.append(
            f"| {scen} | {e.indicator} | {_fmt(e.median)} | [{_fmt(lo)}, {_fmt(hi)}] | "
            f"{expected} | {share} |"
        )
    return "\n".join(lines)


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-2:
        return f"{x:.3g}"
    return f"{x:.3f}".rstrip("0").rstrip(".")


def markdown_table(rows: list[tuple[str, Effect, int | None]]) -> str:
    """Rows ``(scenario, effect, expected sign or None)`` as a Markdown table."""
    head = (
        "| scenario | indicator | baseline | lever | diff ± SE | z | expected | holds |\n"
        "|---|---|---:|---:|---:|---:|:---:|:---:|"
    )
    lines = [head]
    for scen, e, sign in rows:
        expected = {1: "+", -1: "−", None: ""}[sign]
        holds = "" if sign is None else ("yes" if e.counts(sign) else "**no**")
        lines.append(
            f"| {scen} | {e.indicator} | {_fmt(e.baseline)} | {_fmt(e.lever)} | "
            f"{_fmt(e.diff)} ± {_fmt(e.se)} | {e.z:+.1f} | {expected} | {holds} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replications", type=int, default=20, help="paired replicates (>= 2)")
    ap.add_argument("--scale", type=float, default=0.03, help="fraction of agents simulated")
    ap.add_argument("--workers", type=int, default=2, help="worker processes")
    ap.add_argument("--seed", type=int, help="root seed (default: the scenarios' seed)")
    ap.add_argument(
        "--all",
        action="store_true",
        help="every listed indicator for every scenario, plus combined_reform",
    )
    ap.add_argument(
        "--only",
        nargs="+",
        metavar="FILE",
        choices=ALL_SCENARIOS,
        help="only these scenario files (default: all)",
    )
    ap.add_argument("--ensemble", metavar="DIR|NAME", help="posterior ensemble (e.g. zgc)")
    ap.add_argument("--members", type=int, help="posterior members (default 20)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    scenarios = ALL_SCENARIOS if args.all else list(EXPECTED)
    if args.only:
        scenarios = [s for s in scenarios if s in args.only]
    if args.ensemble is not None or args.members is not None:
        return _main_ensemble(args, scenarios, start)
    base_cache: dict[tuple[int, int], list[dict[str, float]]] = {}
    rows: list[tuple[str, Effect, int | None]] = []
    for lever_file in scenarios:
        lever, base = load_pair(lever_file, args.scale, args.replications, args.seed)
        key = (base.end_year, base.seed)
        if key not in base_cache:
            base_cache[key] = end_values(base, args.replications, args.workers)
        lev = end_values(lever, args.replications, args.workers)
        expected = dict(EXPECTED.get(lever_file, []))
        names = [*INDICATORS, *DERIVED] if args.all else list(expected)
        effects = paired_effects(base_cache[key], lev, names)
        for name in names:
            rows.append((lever.name, effects[name], expected.get(name)))
    print(
        f"Paired effects at the end year ({args.replications} replicates, scale {args.scale}, "
        f"root seed {args.seed or 'of the scenarios'}; diff = lever - baseline, "
        f"SE of the mean paired difference; holds: expected sign and |z| > 2)\n"
    )
    print(markdown_table(rows))
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    failed = [r for r in rows if r[2] is not None and not r[1].counts(r[2])]
    return 1 if failed else 0


def _main_ensemble(args: argparse.Namespace, scenarios: list[str], start: float) -> int:
    from sim.errors import UserError
    from sim.experiments.ensemble import ensemble_from_args

    try:
        ens = ensemble_from_args(args)
    except UserError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 2
    assert ens is not None
    members = [m.overrides() for m in ens[1]]
    rows: list[tuple[str, EnsembleEffect, int | None]] = []
    for lever_file in scenarios:
        expected = dict(EXPECTED.get(lever_file, []))
        names = [*INDICATORS, *DERIVED] if args.all else list(expected)
        effects = ensemble_effects(
            lever_file, members, args.scale, args.replications, args.workers, names, args.seed
        )
        for name in names:
            rows.append((lever_file.removesuffix(".yaml"), effects[name], expected.get(name)))
    print(
        f"Lever effects at the end year over {len(members)} posterior members of "
        f"{ens[0].source} ({args.replications} paired replicates each, scale {args.scale}; "
        "effect = lever - baseline, each member's mean paired difference)\n"
    )
    print(ensemble_table(rows))
    print(f"\n({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
