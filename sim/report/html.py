"""One self-contained HTML page: inline CSS, figures as base64 data URIs, no network.

The page must open from a mail attachment or an offline laptop, so nothing is linked: no
stylesheet, no script, no font, no image by URL.
"""

from __future__ import annotations

import base64
import json
import math
from html import escape
from typing import Any

import pandas as pd

from sim.fit import closeness

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;
 padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:1px solid #ccc;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.good td.v,span.good{background:#c8ecc8} tr.fair td.v,span.fair{background:#fbe3a6}
tr.poor td.v,span.poor{background:#f6c1c1} tr.pass td.v,span.pass{background:#c8ecc8}
tr.fail td.v,span.fail{background:#f6c1c1} tr.ambiguous{font-style:italic;color:#555}
span.good,span.fair,span.poor,span.pass,span.fail{padding:0 .4em}
.note{background:#fff6d6;border-left:4px solid #e0b400;padding:.4em .8em;margin:.6em 0}
img{max-width:100%;height:auto} pre{background:#f7f7f7;padding:.6em;overflow-x:auto}
.muted{color:#666;font-size:.9em}
"""


def fmt(value: Any) -> str:
    """A number for a table: thousands separators for large, 4 significant digits for small."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    if math.isnan(value):
        return "–"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def note(text: str) -> str:
    return f'<div class="note">{escape(text)}</div>'


def table(frame: pd.DataFrame, numeric: bool = True) -> str:
    """A plain HTML table of a DataFrame (numbers right-aligned)."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for v in rec:
            is_num = numeric and isinstance(v, int | float) and not isinstance(v, bool)
            cells.append(f'<td class="num">{fmt(v)}</td>' if is_num else f"<td>{fmt(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def fit_html(fit: pd.DataFrame) -> str:
    """The fit table with each row coloured by closeness; ambiguous targets in italics."""
    if fit.empty:
        return "<p>No target of this region falls inside the simulated years.</p>"
    head = "".join(
        f"<th>{c}</th>"
        for c in ("indicator", "year", "kind", "observed", "simulated", "ratio", "verdict")
    )
    head += "<th>quality</th><th>source</th>"
    rows = []
    for r in fit.itertuples(index=False):
        verdict = closeness(str(r.kind), float(r.ratio))
        cls = f"{verdict} {r.quality}" if r.quality == "ambiguous" else verdict
        rows.append(
            f'<tr class="{escape(cls.replace("/", ""))}"><td>{escape(str(r.indicator))}</td>'
            f'<td>{r.year}</td><td>{escape(str(r.kind))}</td><td class="num">{fmt(r.observed)}'
            f'</td><td class="num">{fmt(r.simulated)}</td><td class="num v">{fmt(r.ratio)}</td>'
            f'<td class="v">{verdict}</td><td>{escape(str(r.quality))}</td>'
            f'<td class="muted">{escape(str(r.source))}</td></tr>'
        )
    legend = (
        '<p class="muted">ratio = simulated / observed. <span class="good">good</span> within '
        '×1.25, <span class="fair">fair</span> within ×1.5, <span class="poor">poor</span> '
        'beyond. Bounds: ratio 1 = <span class="pass">pass</span>, 0 = '
        '<span class="fail">fail</span>. Italic rows are ambiguous targets; weigh them '
        "lightly.</p>"
    )
    return f"{legend}<table><tr>{head}</tr>{''.join(rows)}</table>"


def json_block(data: Any) -> str:
    return f"<pre>{escape(json.dumps(data, indent=2, ensure_ascii=False, default=str))}</pre>"


def key_values(pairs: list[tuple[str, Any]]) -> str:
    """A two-column table; lists and objects shown as compact JSON."""
    rows = []
    for k, v in pairs:
        shown = (
            escape(json.dumps(v, ensure_ascii=False, default=str))
            if isinstance(v, dict | list)
            else fmt(v)
        )
        rows.append(f"<tr><th>{escape(k)}</th><td>{shown}</td></tr>")
    return f"<table>{''.join(rows)}</table>"


def page(title: str, sections: list[tuple[str, str]]) -> str:
    """The whole document; ``sections`` are (heading, inner HTML) pairs."""
    body = "".join(f"<h2>{escape(h)}</h2>\n{inner}\n" for h, inner in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><h1>{escape(title)}</h1>\n{body}</body></html>\n"
    )
