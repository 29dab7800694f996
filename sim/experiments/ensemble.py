"""Posterior ensembles: the calibrated parameter sets that carry every scenario answer.

A calibration folder holds ``posterior.csv`` (``member``, ``weight``, then one column per
parameter path such as ``parameters.labour.job_mobility``). An ensemble run takes K members
and runs each with its replicates; a member's values reach the scenario as overrides, so they
are validated exactly like ``--set`` and a stale posterior (a parameter renamed or out of
range) fails with the usual message instead of running a model nobody asked for.

Shipped calibrations are found by name (``zgc``, ``sv``): first in the source tree's
``experiments/calibration/<name>/``, then in the installed package data
``sim/data/calibration/<name>/``. A path always wins over a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError

POSTERIOR_FILE = "posterior.csv"
DEFAULT_MEMBERS = 20
_PACKAGE_DIR = Path(__file__).resolve().parent.parent / "data" / "calibration"
_SOURCE_DIR = Path(__file__).resolve().parents[2] / "experiments" / "calibration"


@dataclass(frozen=True)
class Member:
    """One posterior member: its row number in ``posterior.csv``, weight and values."""

    member: int
    weight: float
    values: dict[str, float]

    def overrides(self) -> list[str]:
        """The member as ``path=value`` overrides (``repr`` keeps every float bit)."""
        return [f"{path}={float(v)!r}" for path, v in self.values.items()]


@dataclass(frozen=True)
class Ensemble:
    """A posterior read from a calibration folder."""

    source: Path
    table: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.table.columns if c not in ("member", "weight")]

    def __len__(self) -> int:
        return len(self.table)

    def members(self, k: int | None = DEFAULT_MEMBERS, seed: int = 0) -> list[Member]:
        """``k`` members, taken in proportion to their weights by systematic resampling.

        Systematic resampling keeps the ensemble's weighting with the least added noise; with
        equal weights and ``k`` at most the posterior size it takes evenly spaced members. The
        same ``k`` and ``seed`` always give the same members, so comparisons share them.
        ``k=None`` takes every member once.
        """
        t = self.table
        if k is None or (k >= len(t) and np.allclose(t["weight"], t["weight"].iloc[0])):
            rows = list(range(len(t))) if k is None else list(range(len(t)))[:k]
        else:
            if k < 1:
                raise UserError("--members must be at least 1", field="--members")
            w = t["weight"].to_numpy(float)
            cum = np.cumsum(w / w.sum())
            u = (np.random.default_rng(seed).random() + np.arange(k)) / k
            rows = [int(i) for i in np.minimum(np.searchsorted(cum, u), len(t) - 1)]
        params = self.parameters
        out = []
        for i in rows:
            row = t.iloc[i]
            out.append(
                Member(
                    member=int(row["member"]),
                    weight=float(row["weight"]),
                    values={p: float(row[p]) for p in params},
                )
            )
        return out


def resolve_ensemble_dir(name_or_path: str | Path) -> Path:
    """A calibration folder from a path or a shipped name (a path wins)."""
    p = Path(name_or_path)
    if p.exists():
        return p
    name = str(name_or_path)
    for base in (_SOURCE_DIR, _PACKAGE_DIR):
        if (base / name / POSTERIOR_FILE).is_file():
            return base / name
    shipped = sorted(
        {d.name for base in (_SOURCE_DIR, _PACKAGE_DIR) if base.is_dir() for d in base.iterdir()}
    )
    raise UserError(
        f"no calibration folder or shipped ensemble named {name!r}"
        + (f" (shipped: {', '.join(shipped)})" if shipped else ""),
        field="--ensemble",
    )


def load_ensemble(name_or_path: str | Path) -> Ensemble:
    """Read ``posterior.csv`` of a calibration folder; every problem is a UserError."""
    folder = resolve_ensemble_dir(name_or_path)
    path = folder / POSTERIOR_FILE
    if not path.is_file():
        raise UserError(
            f"{folder} has no {POSTERIOR_FILE}: not a calibration folder "
            "(make one with `ecosim calibrate`)",
            field="--ensemble",
        )
    try:
        table = pd.read_csv(path)
    except Exception as exc:  # empty, truncated or not CSV at all
        raise UserError(f"cannot read it as CSV ({exc})", file=str(path)) from None
    missing = [c for c in ("member", "weight") if c not in table.columns]
    if missing or len(table) == 0 or len(table.columns) < 3:
        raise UserError(
            "expected columns member, weight and at least one parameter path, and one row "
            "per member",
            file=str(path),
        )
    numeric = table.apply(pd.to_numeric, errors="coerce")
    bad = [c for c in table.columns if numeric[c].isna().any()]
    if bad:
        raise UserError(
            f"non-numeric or empty values in column(s) {', '.join(bad)}", file=str(path)
        )
    if (numeric["weight"] < 0).any() or numeric["weight"].sum() <= 0:
        raise UserError("weights must be non-negative and not all zero", file=str(path))
    return Ensemble(source=folder, table=numeric)


# --------------------------------------------------------------------------- ensemble runs


def add_ensemble_options(parser) -> None:  # type: ignore[no-untyped-def]
    """``--ensemble DIR|NAME`` and ``--members K``, declared once for run, compare and sweep."""
    parser.add_argument(
        "--ensemble",
        metavar="DIR|NAME",
        help="run posterior members of a calibration folder (or a shipped one: zgc, sv); "
        "each member with its replicates, so bands include parameter uncertainty",
    )
    parser.add_argument(
        "--members",
        type=int,
        help=f"posterior members to run with --ensemble (default {DEFAULT_MEMBERS})",
    )


def ensemble_from_args(args) -> tuple[Ensemble, list[Member]] | None:  # type: ignore[no-untyped-def]
    """The ensemble and members a command's flags ask for, or None without ``--ensemble``."""
    members = getattr(args, "members", None)
    if getattr(args, "ensemble", None) is None:
        if members is not None:
            raise UserError("--members needs --ensemble", field="--members")
        return None
    k = DEFAULT_MEMBERS if members is None else int(members)
    if k < 1:
        raise UserError(f"--members must be at least 1 (got {k})", field="--members")
    ens = load_ensemble(args.ensemble)
    return ens, ens.members(k, seed=0)


def member_overrides(member: Member, overrides: list[str]) -> list[str]:
    """A member's values first, then the user's ``--set`` (an explicit override wins)."""
    return [*member.overrides(), *overrides]


def replicate_members(members: list[Member], replications: int) -> list[int]:
    """The member of each replicate: replicates are numbered member-major (m * R + r)."""
    return [m.member for m in members for _ in range(replications)]


def ensemble_meta(ens: Ensemble, members: list[Member], replications: int) -> dict:
    """What run.json and compare.json record about the ensemble."""
    return {
        "source": str(ens.source),
        "posterior_size": len(ens),
        "members": len(members),
        "replications_per_member": replications,
        "parameters": ens.parameters,
        "replicate_members": replicate_members(members, replications),
        "member_values": {str(m.member): m.values for m in members},
    }
