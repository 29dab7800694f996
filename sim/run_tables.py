"""The firm tables, collaboration ties and venture deals of a run folder, as Parquet.

The stylised facts need firm identities in two consecutive years (growth, exits), the
collaboration ties and each investment's outcome. They are columnar and large (tens of
thousands of firms), so they go to Parquet beside a slim ``snapshot.json`` that keeps only
what the report draws directly (degree histogram, network sample): the firm size lists that
used to make the JSON several megabytes are read from ``firms.parquet`` instead.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import write_json_atomic

TABLE_FILES = {"firms": "firms.parquet", "ties": "ties.parquet", "deals": "deals.parquet"}
#: snapshot entries that ``firms.parquet`` carries (left out of ``snapshot.json``)
FIRM_LISTS = ("firm_revenue", "firm_weight", "firm_employees")


def _write_parquet_atomic(path: Path, frame: pd.DataFrame) -> None:
    from sim.report.io import atomic_write_bytes

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
    atomic_write_bytes(path, buf.getvalue())


def write_run_tables(folder: Path, snapshot: dict[str, Any], tables: dict[str, Any]) -> None:
    """Write ``snapshot.json`` (without the firm lists when tables exist) and the tables."""
    folder = Path(folder)
    slim = {k: v for k, v in snapshot.items() if not (tables and k in FIRM_LISTS)}
    write_json_atomic(folder / "snapshot.json", slim)
    for name, columns in tables.items():
        _write_parquet_atomic(folder / TABLE_FILES[name], pd.DataFrame(columns))


def read_run_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables present in a run folder (a missing or unreadable file is left out)."""
    out: dict[str, pd.DataFrame] = {}
    for name, file in TABLE_FILES.items():
        path = Path(folder) / file
        if path.is_file():
            try:
                out[name] = pd.read_parquet(path, engine="pyarrow")
            except (OSError, ValueError):
                continue
    return out


def firm_lists(firms: pd.DataFrame) -> dict[str, list[float]]:
    """The snapshot's firm lists (last year of the table) for the report's size figures."""
    end = firms[firms["year"] == firms["year"].max()]
    return {
        "firm_revenue": end["rev"].tolist(),
        "firm_weight": end["weight"].tolist(),
        "firm_employees": end["emp"].tolist(),
    }
