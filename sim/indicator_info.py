"""What each yearly indicator is: unit, flow or stock, meaning (``ecosim.indicator_table()``).

Money is in the scenario's currency (``{currency}`` below is replaced by its code, CNY or USD);
flows are totals over the year's steps, stocks are read at the end of the year. Counts of
firms, people and deals are in real-world units: every agent counts ``weight`` times, so no
indicator depends on the simulated scale.
"""

from __future__ import annotations

import pandas as pd

from sim.model.indicators import INDICATORS, REQUIRED
from sim.model.protocol import Measure

FLOW, STOCK, RATIO = Measure.FLOW.value, Measure.STOCK.value, Measure.RATIO.value

#: name -> (unit, kind, meaning), read from the indicator declarations
#: (``sim/model/indicators.py``: the one place an indicator is declared)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    i.name: (i.unit, i.measure.value, i.meaning) for i in INDICATORS
}


def unit_of(name: str, currency: str = "currency") -> str:
    """The unit of indicator ``name`` with the currency filled in ("" when unknown)."""
    entry = CATALOGUE.get(name)
    return entry[0].replace("{currency}", currency) if entry else ""


def indicator_units(currency: str = "currency") -> dict[str, str]:
    """``{indicator: unit}`` for every catalogued indicator (written to ``run.json``)."""
    return {name: unit_of(name, currency) for name in CATALOGUE}


def indicator_table(currency: str = "currency") -> pd.DataFrame:
    """Every yearly indicator: ``name, unit, kind (flow/stock/ratio), meaning, contract``.

    ``contract`` is True for the indicators ``ecosim run`` promises in ``indicators.csv``;
    the others are extras (used by the Zhongguancun Index and the reports).
    """
    rows = []
    for name in CATALOGUE:
        unit, kind, meaning = CATALOGUE.get(name, ("", "", ""))
        rows.append(
            {
                "name": name,
                "unit": unit.replace("{currency}", currency),
                "kind": kind,
                "meaning": meaning,
                "contract": name in REQUIRED,
            }
        )
    return pd.DataFrame(rows, columns=["name", "unit", "kind", "meaning", "contract"])
