"""``ecosim compare``: run scenarios side by side and write a comparison folder atomically.

Outputs (in ``comparisons/<a>-vs-<b>-<timestamp>`` unless ``--out`` says otherwise):

* ``comparison.csv`` — ``indicator,scenario,year,value,unit``: harmonised indicators
  (:data:`sim.experiments.compare.HARMONISED`), mean over replicates;
* ``comparison_replicates.csv`` — the same per replicate (``replicate`` column added);
* ``comparison.html`` — one self-contained page: charts with replicate bands, the ratio of each
  indicator between the first scenario and every other one at the last common year (and 2023
  when covered), and, for policy transplants, the share of the Zhongguancun-Silicon Valley gap
  each transplant closes;
* ``compare.json`` — scenarios, files, seeds, overrides and the roles used for the gap section.

All scenarios run with the same replicate seeds (``--seed``, else the first scenario's seed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import time
from html import escape
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from rich.console import Console

from sim import __version__
from sim.cli.options import add_out_option, add_set_option, check_counts, show_notes
from sim.errors import UserError
from sim.experiments.compare import (
    HARMONISED,
    TRANSPLANT_MARK,
    GapRoles,
    find_gap_roles,
    gap_closure,
    ratio_table,
    run_comparison,
    run_ensemble_comparison,
    summarise,
    unique_labels,
)
from sim.experiments.ensemble import (
    add_ensemble_options,
    ensemble_from_args,
    ensemble_meta,
    member_overrides,
)
from sim.experiments.replicate import replicate_seeds
from sim.io import (
    git_commit,
    prepare_output_dir,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from sim.report.figures import band
from sim.report.html import fmt, image, note, page, table
from sim.scenario import Scenario, load

#: the year the stylised facts of the domain brief refer to
FACT_YEAR = 2023
#: the year of the transplant question (issue 5); the last common year if not covered
GAP_YEAR = 2035
_COLOURS = (
    "tab:red",
    "tab:blue",
    "tab:green",
    "tab:orange",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:gray",
    "tab:olive",
    "tab:cyan",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="run scenarios side by side on harmonised indicators",
        description="Run two or more scenarios with the same seeds and write comparison.csv, "
        "comparison_replicates.csv and comparison.html atomically.",
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO.yaml",
        help="two or more scenario files; the first is the reference of the ratios",
    )
    add_out_option(p, "comparisons/<a>-vs-<b>-<timestamp>")
    p.add_argument("--replications", type=int, default=3, help="replicates per scenario (3)")
    p.add_argument("--seed", type=int, help="root seed for all (default: the first scenario's)")
    p.add_argument("--scale", type=float, help="fraction of the real population, for all")
    p.add_argument("--end-year", type=int, help="last simulated year, for all scenarios")
    add_set_option(p, help="override a field in every scenario")
    p.add_argument("--workers", type=int, default=1, help="worker processes for replicates")
    add_ensemble_options(p)
    p.add_argument("--gap-base", metavar="NAME", help="scenario the transplant gap starts from")
    p.add_argument("--gap-target", metavar="NAME", help="scenario the transplant gap ends at")
    p.add_argument("--gap-year", type=int, help=f"year of the gap section (default {GAP_YEAR})")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=main)


def _overrides(args: argparse.Namespace) -> list[str]:
    extra = list(args.overrides)
    if args.scale is not None:
        extra.append(f"scale={args.scale}")
    if args.end_year is not None:
        extra.append(f"end_year={args.end_year}")
    return extra


def _check_args(args: argparse.Namespace) -> None:
    if len(args.scenarios) < 2:
        raise UserError("give at least two scenario files to compare", field="SCENARIO.yaml")
    check_counts(args)
    if args.seed is not None and not 0 <= args.seed < 2**32:
        raise UserError("--seed must be between 0 and 2**32-1", field="--seed")
    if (args.gap_base is None) != (args.gap_target is None):
        raise UserError("give --gap-base and --gap-target together", field="--gap-base")


def main(args: argparse.Namespace) -> int:
    _check_args(args)
    overrides = _overrides(args)
    loaded = [load(path, overrides) for path in args.scenarios]
    scenarios = [sc for sc, _ in loaded]
    ensemble = ensemble_from_args(args)
    member_scenarios = (
        None
        if ensemble is None
        else [
            [load(path, member_overrides(m, overrides))[0] for m in ensemble[1]]
            for path in args.scenarios
        ]
    )
    labels = unique_labels([sc.name for sc in scenarios])
    try:
        roles = find_gap_roles(labels, scenarios, args.gap_base, args.gap_target)
    except KeyError as exc:
        raise UserError(
            f"no scenario named {exc.args[0]!r}; the scenarios are {', '.join(labels)}",
            field="--gap-base/--gap-target",
        ) from None
    seed = args.seed if args.seed is not None else scenarios[0].seed
    console = Console(stderr=True, quiet=args.quiet)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    more = f"-and-{len(labels) - 2}-more" if len(labels) > 2 else ""
    default = Path("comparisons") / f"{labels[0]}-vs-{labels[1]}{more}-{stamp}"
    target = prepare_output_dir(
        default if args.out is None else args.out,
        force=args.force,
        kind="comparison",
        unique=args.out is None,
    )
    show_notes(console, target.notes)
    start = time.perf_counter()

    per_scenario = args.replications * (len(ensemble[1]) if ensemble else 1)

    def done(label: str, i: int) -> None:
        console.print(f"  {label}: replicate {i + 1}/{per_scenario} done")

    with target as stage:
        if member_scenarios is None:
            reps = run_comparison(
                scenarios, labels, seed, args.replications, workers=args.workers, on_done=done
            )
        else:
            reps = run_ensemble_comparison(
                member_scenarios, labels, seed, args.replications, workers=args.workers,
                on_done=done,
            )  # fmt: skip
        comparison = summarise(reps)
        wall = time.perf_counter() - start
        write_csv_atomic(stage / "comparison.csv", comparison)
        write_csv_atomic(stage / "comparison_replicates.csv", reps)
        meta = _metadata(args, scenarios, labels, loaded, overrides, seed, roles, wall)
        if ensemble is not None:
            meta["ensemble"] = ensemble_meta(*ensemble, args.replications)
            total = len(ensemble[1]) * args.replications
            meta["seeds"]["replicates"] = replicate_seeds(seed, total)
        write_json_atomic(stage / "compare.json", meta)
        write_text_atomic(
            stage / "comparison.html",
            render_html(
                reps, comparison, scenarios, labels, roles, args.gap_year, meta.get("ensemble")
            ),
        )
    console.print(f"wrote {target.final}{os.sep} ({wall:.1f} s)")
    return 0


def _metadata(
    args: argparse.Namespace,
    scenarios: list[Scenario],
    labels: list[str],
    loaded: list,
    overrides: list[str],
    seed: int,
    roles: GapRoles | None,
    wall: float,
) -> dict:
    return {
        "scenarios": [
            {
                "label": lbl,
                "name": sc.name,
                "file": str(path),
                "region": sc.region,
                "currency": sc.currency.code,
                "per_usd": sc.currency.per_usd,
                "start_year": sc.start_year,
                "end_year": sc.end_year,
                "scale": sc.scale,
                "files": [str(f) for f in getattr(src, "files", [path])],
            }
            for lbl, sc, path, (_, src) in zip(
                labels, scenarios, args.scenarios, loaded, strict=True
            )
        ],
        "overrides": overrides,
        "seeds": {"root": seed, "replicates": replicate_seeds(seed, args.replications)},
        "replications": args.replications,
        "gap": None
        if roles is None
        else {"base": roles.base, "target": roles.target, "transplants": roles.transplants},
        "version": __version__,
        "git_commit": git_commit(),
        "wall_time_s": round(wall, 3),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


# ------------------------------------------------------------------------------ HTML report


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def charts(reps: pd.DataFrame, labels: list[str], per_figure: int = 8) -> list[bytes]:
    """Small multiples: one panel per indicator, one line and replicate band per scenario."""
    names = [h.name for h in HARMONISED if h.name in set(reps["indicator"])]
    units = {h.name: h.unit for h in HARMONISED}
    pngs = []
    for start in range(0, len(names), per_figure):
        chunk = names[start : start + per_figure]
        rows = (len(chunk) + 3) // 4
        fig = Figure(figsize=(13, 2.9 * rows))
        fig.subplots_adjust(left=0.06, right=0.99, top=0.9, bottom=0.08, hspace=0.55, wspace=0.3)
        for k, name in enumerate(chunk):
            ax = fig.add_subplot(rows, 4, k + 1)
            part = reps[reps["indicator"] == name]
            for j, lbl in enumerate(labels):
                b = band(part[part["scenario"] == lbl], ["year"])
                if b.empty:
                    continue
                colour = _COLOURS[j % len(_COLOURS)]
                ax.fill_between(b["year"], b["lo"], b["hi"], color=colour, alpha=0.18, lw=0)
                ax.plot(b["year"], b["mean"], color=colour, lw=1.6, label=lbl)
            ax.set_title(name, fontsize=9)
            ax.set_ylabel(units[name], fontsize=7)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
            ax.grid(alpha=0.3)
        handles, names_ = fig.axes[0].get_legend_handles_labels()
        fig.legend(
            handles, names_, loc="upper center", ncol=min(len(labels), 5), fontsize=8, frameon=False
        )
        pngs.append(_png(fig))
    return pngs


def report_years(scenarios: list[Scenario]) -> list[int]:
    """Years of the ratio table: 2023 when every run covers it, and the last common year."""
    first = max(sc.start_year for sc in scenarios)
    last = min(sc.end_year for sc in scenarios)
    years = [y for y in (FACT_YEAR, last) if first <= y <= last]
    return list(dict.fromkeys(years))


def _num(v: float) -> str:
    return f'<td class="num">{fmt(float(v))}</td>'


def _ratio_html(ratios: pd.DataFrame) -> str:
    """Reference values, then ``other / reference`` per other scenario and year."""
    if ratios.empty:
        return "<p>The scenarios share no simulated year.</p>"
    years = list(dict.fromkeys(ratios["year"]))
    others = list(dict.fromkeys(ratios["other"]))
    ref = escape(str(ratios["reference"].iat[0]))
    head = "<th>indicator</th><th>unit</th>" + "".join(f"<th>{ref} {y}</th>" for y in years)
    head += "".join(f"<th>{escape(o)} ÷ {ref}, {y}</th>" for o in others for y in years)
    rows = []
    for ind, part in ratios.groupby("indicator", sort=False):
        by = part.set_index(["other", "year"])
        first = part.drop_duplicates("year").set_index("year")["reference_value"]
        cells = "".join(_num(first.get(y, float("nan"))) for y in years)
        cells += "".join(_num(by["ratio"].get((o, y), float("nan"))) for o in others for y in years)
        unit = escape(str(part["unit"].iat[0]))
        rows.append(f"<tr><td>{escape(str(ind))}</td><td>{unit}</td>{cells}</tr>")
    return (
        f'<p class="muted">Ratio = other scenario ÷ {ref} (the reference, first on the command '
        "line), mean over replicates.</p>"
        f"<table><tr>{head}</tr>{''.join(rows)}</table>"
    )


def _gap_html(
    comparison: pd.DataFrame,
    roles: GapRoles,
    scenarios: list[Scenario],
    labels: list[str],
    gap_year: int | None,
) -> str:
    by_label = dict(zip(labels, scenarios, strict=True))
    involved = [by_label[x] for x in (roles.base, roles.target, *roles.transplants)]
    last = min(sc.end_year for sc in involved)
    first = max(sc.start_year for sc in involved)
    wanted = gap_year if gap_year is not None else GAP_YEAR
    year = wanted if first <= wanted <= last else last
    parts = [
        f"<p>Gap fraction = (transplant − base) / (target − base) at {year}, with base "
        f"<b>{escape(roles.base)}</b> and target <b>{escape(roles.target)}</b>: 1 closes the "
        "whole gap, 0 nothing, negative widens it, above 1 overshoots. Blank where base "
        "and target are equal.</p>"
    ]
    if year != wanted:
        parts.append(
            note(
                f"The runs do not all reach {wanted}; the gap is read at {year}. "
                "Use --end-year to run every scenario to the same year."
            )
        )
    gaps = gap_closure(comparison, roles.base, roles.target, roles.transplants, year)
    head = "<th>indicator</th><th>unit</th><th>base</th><th>target</th>" + "".join(
        f"<th>{escape(t)}</th>" for t in roles.transplants
    )
    rows = []
    for ind, part in gaps.groupby("indicator", sort=False):
        closed = part.set_index("transplant")["gap_closed"]
        cells = "".join(_num(closed.get(t, float("nan"))) for t in roles.transplants)
        first = part.iloc[0]
        rows.append(
            f"<tr><td>{escape(str(ind))}</td><td>{escape(str(first['unit']))}</td>"
            f"{_num(first['base_value'])}{_num(first['target_value'])}{cells}</tr>"
        )
    parts.append(f"<table><tr>{head}</tr>{''.join(rows)}</table>")
    return "".join(parts)


def render_html(
    reps: pd.DataFrame,
    comparison: pd.DataFrame,
    scenarios: list[Scenario],
    labels: list[str],
    roles: GapRoles | None,
    gap_year: int | None = None,
    ensemble: dict | None = None,
) -> str:
    """The self-contained comparison page."""
    n_rep = int(reps["replicate"].nunique())
    overview = pd.DataFrame(
        [
            {
                "scenario": lbl,
                "region": sc.region,
                "currency": sc.currency.code,
                "per USD": sc.currency.per_usd,
                "years": f"{sc.start_year}-{sc.end_year}",
                "scale": sc.scale,
            }
            for lbl, sc in zip(labels, scenarios, strict=True)
        ]
    )
    bandname = "10-90 % of replicates" if n_rep >= 5 else "min-max of replicates"
    sections = [
        (
            "Scenarios",
            table(overview) + f"<p class='muted'>{n_rep} replicate(s) each, the same seeds for "
            "every scenario. Money is converted to US dollars at each scenario's stated rate; "
            "totals are shown only as growth multiples, shares or per-employee values.</p>"
            + (
                f"<p class='muted'>Replicates span {ensemble['members']} posterior members x "
                f"{ensemble['replications_per_member']} runs (from {escape(ensemble['source'])}),"
                " the same members and seeds in every scenario: bands include parameter "
                "uncertainty.</p>"
                if ensemble
                else ""
            ),
        )
    ]
    imgs = "".join(image(p, "harmonised indicators") for p in charts(reps, labels))
    sections.append(
        ("Harmonised indicators", f"<p class='muted'>Line: mean; band: {bandname}.</p>{imgs}")
    )
    years = report_years(scenarios)
    ratios = ratio_table(comparison, years)
    sections.append((f"Ratios to {labels[0]}", _ratio_html(ratios)))
    if roles is not None:
        sections.append(
            (
                "Policy transplants: share of the gap closed",
                _gap_html(comparison, roles, scenarios, labels, gap_year),
            )
        )
    else:
        sections.append(
            (
                "Policy transplants",
                (
                    f"<p class='muted'>No transplant set: give one region-ZGC base, one region-SV "
                    f"target and region-ZGC scenarios named with '{TRANSPLANT_MARK}', or "
                    "--gap-base and --gap-target.</p>"
                ),
            )
        )
    units = pd.DataFrame(
        [{"indicator": h.name, "unit": h.unit, "meaning": h.description} for h in HARMONISED]
    )
    sections.append(("Indicator definitions", table(units, numeric=False)))
    title = "Comparison: " + " vs ".join(labels)
    return page(title, sections)
