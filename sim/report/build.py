"""Build every derived output of a run folder: index, dashboard, fit, figures and report.html.

This is the one entry point ``ecosim run`` calls after writing ``indicators.csv`` and
``run.json`` (and ``ecosim report`` calls to rebuild), so a run folder always carries its own
evaluation and a run can be judged without the code that made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.facts import FACT_COLUMNS, evaluate, summary
from sim.fit import (
    FIT_COLUMNS,
    dimension_growth,
    fit_table,
    load_targets,
    ranking_disagreements,
)
from sim.indices import (
    DASHBOARD_COLUMNS,
    FIRST_LEVEL,
    WIDE_COLUMNS,
    IndexUnavailable,
    index_coverage,
    sv_dashboard,
    third_level_values,
    zgc_index,
    zgc_index_wide,
)
from sim.report import figures, html
from sim.report.io import (
    RunFolder,
    atomic_write_bytes,
    atomic_write_csv,
    atomic_write_text,
    degree_counts,
    read_run_folder,
    weighted_values,
)
from sim.run_tables import FIRM_LISTS, firm_lists, read_run_tables

INDEX_LONG_COLUMNS = ["replicate", "year", "dimension", "value"]
#: every figure the report may write under ``figures/``
FIGURE_NAMES = (
    "zgc_index",
    "key_indicators",
    "firm_size_ccdf",
    "firm_employees_ccdf",
    "degree_ccdf",
    "network",
)


def _index(
    run: RunFolder, weights: Mapping[str, float] | None
) -> tuple[pd.DataFrame, str | None, pd.DataFrame | None]:
    """``(index_long, why_missing, coverage)``; the index is computed for ZGC runs only."""
    empty = pd.DataFrame(columns=INDEX_LONG_COLUMNS)
    if run.region != "ZGC":
        what = f"a {run.region} run" if run.region else "a run without a region in run.json"
        return empty, f"The Zhongguancun Index is defined for ZGC; this is {what}.", None
    try:
        index_long = zgc_index(run.indicators, weights)
    except IndexUnavailable as exc:
        return empty, f"Zhongguancun Index not available: {exc.message}", None
    coverage = index_coverage(run.indicators)
    third = third_level_values(run.indicators).groupby(level="year").mean()
    last = int(third.index.max())
    coverage[f"index_{last}"] = coverage["third_level"].map(third.loc[last])
    return index_long, None, coverage


def _snapshot_figures(
    snapshot: dict[str, Any], currency: str
) -> tuple[dict[str, bytes], list[str]]:
    """Size, degree and network figures from ``snapshot.json``; notes for what is unusable."""
    out: dict[str, bytes] = {}
    notes: list[str] = []
    weights = snapshot.get("firm_weight")
    sizes = weighted_values(snapshot.get("firm_revenue"), weights)
    if sizes is not None:
        x, p = figures.ccdf(*sizes)
        if x.size:
            out["firm_size_ccdf"] = figures.loglog_figure(
                x, p, "Firm size (revenue), weighted CCDF", f"yearly revenue ({currency})"
            )
    elif snapshot:
        notes.append("snapshot.json has no usable firm_revenue.")
    employees = weighted_values(snapshot.get("firm_employees"), weights)
    if employees is not None:
        x, p = figures.ccdf(*employees)
        if x.size:
            out["firm_employees_ccdf"] = figures.loglog_figure(
                x, p, "Firm size (employees), weighted CCDF", "employees"
            )
    degrees = degree_counts(snapshot.get("degree_histogram"))
    if degrees is not None:
        x, p = figures.ccdf(*degrees)
        if x.size:
            out["degree_ccdf"] = figures.loglog_figure(
                x, p, "Collaboration network degree, CCDF", "degree"
            )
    elif snapshot:
        notes.append("snapshot.json has no usable degree_histogram.")
    sample = snapshot.get("network_sample")
    png = figures.network_figure(sample) if isinstance(sample, dict) else None
    if png is not None:
        out["network"] = png
    elif snapshot:
        notes.append("snapshot.json has no usable network_sample.")
    return out, notes


def _facts(run: RunFolder, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The stylised facts the run folder's tables allow (``facts.csv``)."""
    if not run.region:
        return pd.DataFrame(columns=FACT_COLUMNS)
    params = ((run.meta.get("parameters") or {}).get("parameters")) or {}
    cap = (params.get("labour") or {}).get("labour_pool_cap")
    return evaluate(
        run.region,
        run.indicators,
        firms=tables.get("firms"),
        ties=tables.get("ties"),
        deals=tables.get("deals"),
        labour_cap=float(cap) if cap else None,
    )


def _facts_html(facts: pd.DataFrame) -> str:
    if facts.empty:
        return "<p>No stylised fact could be checked (no region or no firm tables).</p>"
    legend = (
        '<p class="muted">Each fact is checked by the statistics below against the published '
        "band [low, high] (blank: open). Firm, network and deal statistics come from the "
        "first replicate's end-of-run tables; growth to 2035 (F7) from the mean over "
        "replicates. n/a: too little data in this run.</p>"
    )
    rows = []
    for r in facts.itertuples(index=False):
        rows.append(
            f'<tr class="{html.escape(str(r.verdict))}"><td>{r.fact}</td>'
            f"<td>{html.escape(str(r.statistic))}</td>"
            f'<td class="num v">{html.fmt(r.simulated)}</td><td class="num">{html.fmt(r.low)}'
            f'</td><td class="num">{html.fmt(r.high)}</td><td class="v">{r.verdict}</td>'
            f'<td class="muted">{html.escape(str(r.source))}</td></tr>'
        )
    head = "".join(
        f"<th>{c}</th>"
        for c in ("fact", "statistic", "simulated", "low", "high", "verdict", "source")
    )
    return (
        html.table(summary(facts), numeric=False)
        + legend
        + f"<table><tr>{head}</tr>{''.join(rows)}</table>"
    )


def _dashboard_summary(dash: pd.DataFrame) -> pd.DataFrame:
    """Mean over replicates in the first and last simulated year, for the page."""
    if dash.empty:
        return pd.DataFrame(columns=["section", "indicator"])
    mean = dash.groupby(["section", "indicator", "year"], sort=False)["value"].mean()
    wide = mean.unstack("year")
    first, last = wide.columns.min(), wide.columns.max()
    table = wide[[first, last]].reset_index()
    table.columns = ["section", "indicator", str(first), str(last)]
    return table


def _growth_html(fit: pd.DataFrame) -> str:
    """The five dimensions ranked by growth since 2013, observed against simulated."""
    growth = dimension_growth(fit, FIRST_LEVEL)
    if growth.empty:
        return ""
    year = int(growth["year"].iloc[0])
    wrong = ranking_disagreements(growth)
    verdict = (
        "The simulated growth ranking agrees with the observed one (observed values within 2% "
        "of each other count as tied)."
        if not wrong
        else "The simulated ranking reverses: "
        + "; ".join(f"{a} grew faster than {b} in the data" for a, b in wrong)
        + "."
    )
    return (
        f"<h3>Growth ranking of the five dimensions, 2013 to {year}</h3>"
        + html.table(growth.drop(columns="year"))
        + f"<p>{verdict}</p>"
    )


def _provenance(run: RunFolder) -> list[tuple[str, Any]]:
    meta, sc = run.meta, run.scenario
    reps = int(run.indicators["replicate"].nunique())
    years = run.indicators["year"]
    ens = meta.get("ensemble")
    if ens:  # bands then span posterior members as well as the model's randomness
        reps_text = (
            f"{reps} = {ens.get('members')} posterior members x "
            f"{ens.get('replications_per_member')} (from {ens.get('source')}); bands include "
            "parameter uncertainty"
        )
    else:
        reps_text = str(reps)
    return [
        ("scenario", sc.get("name", "?")),
        ("scenario file", sc.get("file", "?")),
        ("region / currency", f"{sc.get('region', '?')} / {sc.get('currency', '?')}"),
        ("USD rate (currency per USD)", sc.get("usd_rate", "?")),
        ("years", f"{int(years.min())}–{int(years.max())}" if len(years) else "?"),
        ("replicates", reps_text),
        ("seeds", meta.get("seeds", "?")),
        ("model version", meta.get("version", "?")),
        ("git commit", meta.get("git_commit", "?")),
        ("wall time (s)", meta.get("wall_time_s", "?")),
        ("agent counts", meta.get("agent_counts", "?")),
        ("report built by", f"ecosim {__version__}"),
    ]


def _levers_html(meta: dict[str, Any]) -> str:
    levers, shocks = meta.get("levers"), meta.get("shocks")
    parts = ["<h3>Levers</h3>", html.json_block(levers) if levers else "<p>No active lever.</p>"]
    parts += ["<h3>Shocks</h3>", html.json_block(shocks) if shocks else "<p>No shock.</p>"]
    return "".join(parts)


def build_report(run_dir: Path, weights: Mapping[str, float] | None = None) -> Path:
    """Write the derived outputs into ``run_dir`` and return the path of ``report.html``.

    Files (each written atomically): ``zgc_index.csv`` (mean over replicates, wide),
    ``zgc_index_replicates.csv`` (long), ``sv_dashboard.csv``, ``fit.csv``, ``figures/*.png``
    and ``report.html``. The index files keep their header but have no rows when the index is
    not available (Silicon Valley run, run not covering 2013); the page says why.
    """
    run = read_run_folder(Path(run_dir))
    out = run.path
    tables = read_run_tables(out)
    if "firms" in tables and not any(k in run.snapshot for k in FIRM_LISTS):
        run.snapshot.update(firm_lists(tables["firms"]))
    targets = load_targets()
    region_targets = targets[targets["region"] == run.region]
    notes = list(run.notes)

    index_long, index_note, coverage = _index(run, weights)
    index_wide = zgc_index_wide(index_long) if not index_long.empty else None
    atomic_write_csv(out / "zgc_index_replicates.csv", index_long[INDEX_LONG_COLUMNS])
    atomic_write_csv(
        out / "zgc_index.csv",
        index_wide if index_wide is not None else pd.DataFrame(columns=WIDE_COLUMNS),
    )
    dash = sv_dashboard(run.indicators, run.meta)
    atomic_write_csv(out / "sv_dashboard.csv", dash[DASHBOARD_COLUMNS])
    if run.region:
        fit = fit_table(run.indicators, index_wide, run.region, targets)
    else:
        fit = pd.DataFrame(columns=FIT_COLUMNS)
        notes.append("No region in run.json: the fit table is empty.")
    atomic_write_csv(out / "fit.csv", fit)
    facts = _facts(run, tables)
    atomic_write_csv(out / "facts.csv", facts)

    pngs: dict[str, bytes] = {}
    if index_wide is not None:
        pngs["zgc_index"] = figures.index_figure(index_long, region_targets)
    key = figures.key_indicators_figure(run.indicators, region_targets)
    if key is not None:
        pngs["key_indicators"] = key
    snap_pngs, snap_notes = _snapshot_figures(run.snapshot, str(run.scenario.get("currency", "?")))
    pngs.update(snap_pngs)
    notes += snap_notes
    fig_dir = out / "figures"
    for name in FIGURE_NAMES:
        path = fig_dir / f"{name}.png"
        if name in pngs:
            atomic_write_bytes(path, pngs[name])
        else:
            path.unlink(missing_ok=True)  # a figure of an earlier build would now mislead

    def fig(name: str, alt: str, missing: str) -> str:
        return html.image(pngs[name], alt) if name in pngs else f"<p>{missing}</p>"

    index_html = html.note(index_note) if index_note else ""
    index_html += fig("zgc_index", "ZGC Index over time", "")
    index_html += _growth_html(fit)
    if coverage is not None:
        index_html += (
            "<details><summary>Third-level indicators used in this run</summary>"
            + html.table(coverage)
            + "</details>"
        )
    sections = [
        ("Notes", "".join(html.note(n) for n in notes) or "<p>None.</p>"),
        ("Zhongguancun Index", index_html),
        ("Key indicators", fig("key_indicators", "key indicators", "No key indicator in run.")),
        ("Fit to observed values", html.fit_html(fit)),
        ("Stylised facts", _facts_html(facts)),
        ("Silicon Valley Index style dashboard", html.table(_dashboard_summary(dash))),
        (
            "Distributions",
            fig("firm_size_ccdf", "firm size CCDF", "No firm size data.")
            + fig("firm_employees_ccdf", "firm employees CCDF", "")
            + fig("degree_ccdf", "degree CCDF", "No degree data."),
        ),
        ("Network sample", fig("network", "network sample", "No network sample.")),
        ("Levers and shocks", _levers_html(run.meta)),
        (
            "Provenance",
            html.key_values(_provenance(run))
            + "<details><summary>parameters</summary>"
            + html.json_block(run.meta.get("parameters", {}))
            + "</details>",
        ),
    ]
    name = run.scenario.get("name", out.name)
    title = f"ecosim report: {name} ({run.region or 'region unknown'})"
    report = out / "report.html"
    atomic_write_text(report, html.page(title, sections))
    return report


def write_run_outputs(run_dir: Path, weights: Mapping[str, float] | None = None) -> Path:
    """What ``ecosim run`` calls once a run folder holds ``indicators.csv`` and ``run.json``."""
    return build_report(run_dir, weights)
