"""Levers that cannot act: refused (no settings) or flagged (they start after the run ends).

A lever moves the effective policy settings toward its own fields. The funding-mix lever's
fields default to "unchanged", so a strength above 0 with none of them set does nothing at all:
that is almost surely a mistake in the file and is refused. A lever that starts after the
scenario's last year never acts within the run; that is legitimate (a baseline cut short) but
worth saying, so it is a warning in ``ecosim validate``'s summary and in ``run.json``.
"""

from __future__ import annotations

from sim.errors import UserError
from sim.model.policy import Levers, LeverSchedule
from sim.scenario.loader import SourceMap
from sim.scenario.schema import Scenario


def lever_settings(lever: LeverSchedule) -> dict[str, object]:
    """The lever's own fields (what it moves), without the schedule fields."""
    return {
        name: getattr(lever, name)
        for name in type(lever).model_fields
        if name not in LeverSchedule.model_fields
    }


def levers_without_settings(scenario: Scenario) -> list[str]:
    """Active levers (strength > 0) whose every setting is unset: they change nothing."""
    out = []
    for name in Levers.model_fields:
        lever = getattr(scenario.levers, name)
        if lever.strength > 0 and all(v is None for v in lever_settings(lever).values()):
            out.append(name)
    return out


def check_levers_can_act(scenario: Scenario, source: SourceMap | None = None) -> None:
    """Raise a UserError for an active lever that has no settings to apply."""
    bad = levers_without_settings(scenario)
    if not bad:
        return
    name = bad[0]
    lever = getattr(scenario.levers, name)
    path = f"levers.{name}.strength"
    file, line = source.locate(path) if source is not None else (None, None)
    settings = ", ".join(lever_settings(lever))
    raise UserError(
        f"strength {lever.strength:g} but the lever has no settings, so it would change "
        f"nothing; set at least one of {settings} under levers.{name}, or set the strength to 0",
        file=file,
        line=line,
        field=path,
    )


def lever_warnings(scenario: Scenario) -> list[str]:
    """Warnings about active levers that never act within the simulated years."""
    out = []
    for name in Levers.model_fields:
        lever = getattr(scenario.levers, name)
        if lever.strength > 0 and lever.start_year > scenario.end_year:
            out.append(
                f"levers.{name} starts in {lever.start_year}, after the last simulated year "
                f"{scenario.end_year}: it never acts in this run (raise end_year to see it)"
            )
    return out
