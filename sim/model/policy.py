"""Policy levers, the policy history and exogenous shocks, and their effective values in time.

A lever never writes an outcome. It sets the *effective policy settings* that mechanisms read
(for example the multiplier on foreign arrivals, or the share of firms granting equity); the
outcomes follow from agents' behaviour. The split follows Covasim/Starsim interventions:
*when* (start, end, ramp, strength), *what* (the lever's own fields), *whom* (each mechanism's
eligibility rule: core parks, non-priority sectors, researchers, ...).

Blending rule, the same for history and levers: a step with strength ``s`` and ramp progress
``r`` moves each setting from its previous value ``v`` to the step's value ``x`` as
``v + s*r*(x - v)``. History steps apply in date order; the scenario's ``levers`` apply last,
so strength 0 means "nothing beyond history" and strength 1 means "exactly the lever's values".
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Annotated, Literal

from pydantic import Field, create_model, field_validator, model_validator

from sim.model.fields import Block, P

YEAR_LO, YEAR_HI = 1980, 2100


class LeverSchedule(Block):
    """When a lever acts and how strongly."""

    start_year: int = P(2026, YEAR_LO, YEAR_HI, "year", "first year the setting applies")
    end_year: int | None = Field(
        None, ge=YEAR_LO, le=YEAR_HI, description="year the setting stops applying (exclusive)"
    )
    ramp_years: float = P(1.0, 0, 30, "yr", "years to reach full strength (0: at once)")
    strength: float = P(0.0, 0, 1, "share", "0: nothing beyond history; 1: the lever's values")

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end_year is not None and self.end_year <= self.start_year:
            raise ValueError(
                f"end_year ({self.end_year}) must be after start_year ({self.start_year})"
            )
        return self

    def weight(self, t: float) -> float:
        """Blend weight at decimal year ``t``: strength times ramp progress, 0 outside."""
        if t < self.start_year or (self.end_year is not None and t >= self.end_year):
            return 0.0
        progress = (
            1.0 if self.ramp_years <= 0 else min(1.0, (t - self.start_year) / self.ramp_years)
        )
        return self.strength * progress


class TalentReform(LeverSchedule):
    """Talent reform: residence, green cards, talent housing, mobility (seeds 001, 003)."""

    foreign_attraction: float = P(4.0, 1, 50, "x", "multiplier on foreign and returnee arrivals")
    residence_facilitation: float = P(
        0.5, 0, 1, "share", "cut in foreign and returnee departure hazard (residence, green card)"
    )
    housing_subsidy: float = P(
        0.5, 0, 0.9, "share", "share of talent housing cost subsidised (seed 001: 50%)"
    )
    researcher_mobility: float = P(
        2.0, 1, 10, "x", "multiplier on researcher moves between institutes and firms"
    )


class EquityIncentives(LeverSchedule):
    """Equity incentives: the 1+6 pilots, research-result rights, SOE equity (seed 003)."""

    equity_firm_share: float = P(
        0.5, 0, 1, "share", "share of firms granting employee equity that adoption moves toward"
    )
    researcher_income_share: float = P(
        0.7, 0, 1, "share", "researchers' share of commercialisation income"
    )
    soe_scope: float = P(0.5, 0, 1, "share", "share of state-owned firms allowed to grant equity")


class RelocationPressure(LeverSchedule):
    """Relocation pressure: easing non-capital functions, prohibited catalogue (seeds 001, 003)."""

    floor_space_cap: float = P(0.3, 0, 0.9, "share", "cut in the growth of core-park floor space")
    rent_escalation: float = P(0.06, 0, 0.5, "1/yr", "extra yearly rent growth in core parks")
    prohibited_exit: float = P(
        0.08, 0, 1, "1/yr", "exit push on core firms with general manufacturing stages"
    )
    neighbour_pull: float = P(
        0.5, 0, 1, "share", "pull of neighbouring regions (tax sharing, Tianjin and Hebei)"
    )


class FundingMix(LeverSchedule):
    """Funding mix: capital supply and its split by source and stage (seed 003)."""

    capital_supply: float | None = P(
        None, 0.05, 20, "x", "multiplier on total VC capital supply (none: unchanged)"
    )
    share_government: float | None = P(None, 0, 1, "share", "target share of government funds")
    share_soe: float | None = P(None, 0, 1, "share", "target share of SOE and strategic investors")
    share_private: float | None = P(None, 0, 1, "share", "target share of private domestic VC")
    share_foreign: float | None = P(None, 0, 1, "share", "target share of foreign VC")
    share_angel: float | None = P(None, 0, 1, "share", "target share of angels")
    early_stage_share: float | None = P(
        None, 0, 1, "share", "target capital share going to firms aged 3 or less"
    )
    round_size: float | None = P(
        None, 0.05, 50, "x", "multiplier on typical round size (none: unchanged)"
    )
    listing_openness: float | None = P(
        None,
        0,
        1,
        "share",
        "openness of listing channels (0 closed, 1 fully open; none: unchanged)",
    )
    incubator_support: float | None = P(
        None, 0, 1, "share", "incubators, registration reform, tech credit (none: unchanged)"
    )

    @model_validator(mode="after")
    def _shares(self):
        shares = [
            self.share_government,
            self.share_soe,
            self.share_private,
            self.share_foreign,
            self.share_angel,
        ]
        given = [s for s in shares if s is not None]
        if given and len(given) != len(shares):
            raise ValueError(
                "give all five source shares (share_government, share_soe, share_private, "
                "share_foreign, share_angel) or none"
            )
        if given and abs(sum(given) - 1.0) > 1e-6:
            raise ValueError(f"source shares must add up to 1 (they add up to {sum(given):.4g})")
        return self


class Levers(Block):
    """The policy question: lever settings on top of the policy history."""

    talent_reform: TalentReform = Field(default_factory=TalentReform, description="talent reform")
    equity_incentives: EquityIncentives = Field(
        default_factory=EquityIncentives, description="equity incentives"
    )
    relocation_pressure: RelocationPressure = Field(
        default_factory=RelocationPressure, description="relocation pressure"
    )
    funding_mix: FundingMix = Field(default_factory=FundingMix, description="funding mix")


def _step_model(base: type[LeverSchedule], lever: str) -> type[LeverSchedule]:
    """A history-step version of a lever block: same fields, but each lever field defaults
    to None, meaning "unchanged from the previous step". A step names only what changed."""
    fields: dict = {}
    for name, info in base.model_fields.items():
        if name in LeverSchedule.model_fields:
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        bounds = {}
        for meta in info.metadata:
            if getattr(meta, "ge", None) is not None:
                bounds["ge"] = meta.ge
            if getattr(meta, "le", None) is not None:
                bounds["le"] = meta.le
        fields[name] = (
            float | None,
            Field(None, description=info.description, json_schema_extra=extra, **bounds),
        )
    fields["lever"] = (Literal[lever], Field(description="lever type"))  # type: ignore[valid-type]
    fields["note"] = (str, Field("", description="what happened, with the seed that reports it"))
    fields["strength"] = (float, P(1.0, 0, 1, "share", "how far the step moves the settings"))
    return create_model(f"{base.__name__}Step", __base__=base, **fields)


TalentReformStep = _step_model(TalentReform, "talent_reform")
EquityIncentivesStep = _step_model(EquityIncentives, "equity_incentives")
RelocationPressureStep = _step_model(RelocationPressure, "relocation_pressure")
FundingMixStep = _step_model(FundingMix, "funding_mix")


HistoryStep = Annotated[
    TalentReformStep | EquityIncentivesStep | RelocationPressureStep | FundingMixStep,  # type: ignore[valid-type]
    Field(discriminator="lever"),
]


class ShockEntry(Block):
    """An exogenous condition of a given size over a span of years."""

    start_year: int = P(2010, YEAR_LO, YEAR_HI, "year", "first year")
    end_year: int | None = Field(
        None, ge=YEAR_LO, le=YEAR_HI, description="year the shock stops (exclusive)"
    )
    size: float = P(0.0, -1, 5, "see block", "size of the shock (unit given by its block)")
    note: str = Field("", description="what it stands for")

    @model_validator(mode="after")
    def _span(self) -> ShockEntry:
        if self.end_year is not None and self.end_year <= self.start_year:
            raise ValueError(
                f"end_year ({self.end_year}) must be after start_year ({self.start_year}); "
                "end_year is exclusive, so this shock would never act"
            )
        return self

    def active(self, t: float) -> bool:
        return t >= self.start_year and (self.end_year is None or t < self.end_year)


class Shocks(Block):
    """Exogenous conditions: not levers, but inputs a user varies."""

    macro_growth: list[ShockEntry] = Field(
        default_factory=list,
        description="change of yearly productivity growth (1/yr, e.g. -0.03 for a slowdown)",
    )
    funding_climate: list[ShockEntry] = Field(
        default_factory=list,
        description="relative change of VC capital supply (+0.5 boom, -0.3 bust)",
    )
    decoupling: list[ShockEntry] = Field(
        default_factory=list,
        description="technology decoupling in [0, 1]: cuts foreign arrivals, PCT and exports",
    )
    ai_wave: list[ShockEntry] = Field(
        default_factory=list,
        description="extra yearly productivity growth of the AI cluster (1/yr)",
    )

    @field_validator("decoupling")
    @classmethod
    def _decoupling_share(cls, entries: list[ShockEntry]) -> list[ShockEntry]:
        """Decoupling is a share (0: none, 1: full); the generic size range allows -1..5."""
        for i, entry in enumerate(entries):
            if not 0 <= entry.size <= 1:
                raise ValueError(
                    f"decoupling[{i}].size must be between 0 and 1 (a share), got {entry.size:g}"
                )
        return entries


# ---------------------------------------------------------------------------------------------
# Effective settings at a point in time
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TalentSettings:
    foreign_attraction: float = 1.0
    residence_facilitation: float = 0.0
    housing_subsidy: float = 0.0
    researcher_mobility: float = 1.0


@dataclass(frozen=True)
class EquitySettings:
    equity_firm_share: float = 0.0
    researcher_income_share: float = 0.0
    soe_scope: float = 0.0


@dataclass(frozen=True)
class RelocationSettings:
    floor_space_cap: float = 0.0
    rent_escalation: float = 0.0
    prohibited_exit: float = 0.0
    neighbour_pull: float = 0.0


@dataclass(frozen=True)
class FundingSettings:
    capital_supply: float = 1.0
    share_government: float = 0.0
    share_soe: float = 0.0
    share_private: float = 0.0
    share_foreign: float = 0.0
    share_angel: float = 0.0
    early_stage_share: float = 0.0
    round_size: float = 1.0
    listing_openness: float = 0.3
    incubator_support: float = 0.0


@dataclass(frozen=True)
class ShockSettings:
    macro_growth: float = 0.0
    funding_climate: float = 0.0
    decoupling: float = 0.0
    ai_wave: float = 0.0


@dataclass(frozen=True)
class PolicyState:
    """What mechanisms read: the effective policy settings and shocks at one time."""

    talent: TalentSettings
    equity: EquitySettings
    relocation: RelocationSettings
    funding: FundingSettings
    shocks: ShockSettings


_SETTINGS = {
    "talent_reform": TalentSettings,
    "equity_incentives": EquitySettings,
    "relocation_pressure": RelocationSettings,
    "funding_mix": FundingSettings,
}


def _blend(current, step: LeverSchedule, w: float):
    """Move every setting of ``current`` toward ``step``'s value by weight ``w``."""
    if w <= 0:
        return current
    changes = {}
    for f in fields(current):
        target = getattr(step, f.name, None)
        if target is None:  # an optional field the step leaves alone
            continue
        value = getattr(current, f.name)
        changes[f.name] = value + w * (float(target) - value)
    return replace(current, **changes)


class PolicySchedule:
    """Turns history, levers and shocks into a :class:`PolicyState` for any decimal year."""

    def __init__(
        self,
        history: list,
        levers: Levers,
        shocks: Shocks,
        neutral_funding: FundingSettings,
        neutral_equity: EquitySettings,
    ) -> None:
        self.neutral = {
            "talent_reform": TalentSettings(),
            "equity_incentives": neutral_equity,
            "relocation_pressure": RelocationSettings(),
            "funding_mix": neutral_funding,
        }
        steps: dict[str, list[LeverSchedule]] = {k: [] for k in self.neutral}
        for step in sorted(history, key=lambda s: s.start_year):
            steps[step.lever].append(step)
        for name in self.neutral:
            lever = getattr(levers, name)
            if lever.strength > 0:
                steps[name].append(lever)
        self.steps = steps
        self.shocks = shocks

    def at(self, t: float) -> PolicyState:
        eff = {}
        for name, neutral in self.neutral.items():
            value = neutral
            for step in self.steps[name]:
                value = _blend(value, step, step.weight(t))
            eff[name] = value
        sh = self.shocks
        shock = ShockSettings(
            macro_growth=sum(e.size for e in sh.macro_growth if e.active(t)),
            funding_climate=sum(e.size for e in sh.funding_climate if e.active(t)),
            decoupling=min(1.0, sum(e.size for e in sh.decoupling if e.active(t))),
            ai_wave=sum(e.size for e in sh.ai_wave if e.active(t)),
        )
        return PolicyState(
            talent=eff["talent_reform"],
            equity=eff["equity_incentives"],
            relocation=eff["relocation_pressure"],
            funding=eff["funding_mix"],
            shocks=shock,
        )

    def active_steps(self, t: float) -> list[tuple[str, LeverSchedule]]:
        """The history steps and levers acting at ``t`` (for reports and the visual server)."""
        return [(n, s) for n, lst in self.steps.items() for s in lst if s.weight(t) > 0]


def schedule_for(params, history: list, levers: Levers, shocks: Shocks) -> PolicySchedule:
    """The schedule of a parameter set: neutral settings from its base funding mix and initial
    equity share, then ``history``, then ``levers`` (used by the model and by ``validate``)."""
    fp = params.funding
    return PolicySchedule(
        history,
        levers,
        shocks,
        neutral_funding=FundingSettings(
            share_government=fp.share_government,
            share_soe=fp.share_soe,
            share_private=fp.share_private,
            share_foreign=fp.share_foreign,
            share_angel=fp.share_angel,
            early_stage_share=fp.early_stage_share,
        ),
        neutral_equity=EquitySettings(equity_firm_share=params.population.equity_firm_share),
    )
