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

Each lever is declared once, as the frozen dataclass of its settings registered with
:func:`lever` (see the four below): the scenario block, the history-step block, the settings
mechanisms read, ``--explain``, the docs and the visual server's sliders all derive from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import Field, create_model, field_validator, model_validator

from sim.model.fields import Block, P, field_bounds, field_extra

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
    def _end_after_start(self) -> LeverSchedule:
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


# ---------------------------------------------------------------------------------------------
# The lever registry: one declaration per lever
# ---------------------------------------------------------------------------------------------


def setting(
    neutral: float,
    lever: float | None,
    lo: float,
    hi: float,
    unit: str,
    doc: str,
    neutral_from: str | None = None,
) -> Any:
    """Declare one setting of a lever.

    Args:
        neutral: its value when neither history nor a lever acts.
        lever: the lever's default value in a scenario (None: "unchanged").
        lo, hi: allowed range; unit and doc: shown by ``--explain``, the docs and reports.
        neutral_from: a parameter (``block.field``) the neutral value is read from instead.
    """
    meta = {"lever": lever, "lo": lo, "hi": hi, "unit": unit, "doc": doc}
    return field(default=neutral, metadata={**meta, "neutral_from": neutral_from})


@dataclass(frozen=True)
class LeverSpec:
    """A registered lever: its settings, the scenario block and the history-step block built
    from them, and how it is shown."""

    name: str  # key under ``levers:`` and ``lever:`` of history steps
    attr: str  # attribute of PolicyState that mechanisms read
    title: str  # label in the visual server and the docs
    settings: type[Any]  # frozen dataclass of effective settings, neutral by default
    schema: type[LeverSchedule]  # the ``levers.<name>`` block
    step_schema: type[LeverSchedule]  # a history step of this lever

    def neutral(self, params: Any = None) -> Any:
        """Settings with no history and no lever (read from ``params`` where declared)."""
        values = {}
        for f in fields(self.settings):
            source = f.metadata.get("neutral_from")
            if source and params is not None:
                block, name = source.split(".")
                values[f.name] = getattr(getattr(params, block), name)
        return self.settings(**values)


#: every lever, in the order of scenarios, docs, the visual server and history steps
LEVERS: dict[str, LeverSpec] = {}


def lever[T](
    name: str, attr: str, title: str, doc: str, rules: type[LeverSchedule] = LeverSchedule
) -> Callable[[type[T]], type[T]]:
    """Register a lever from the dataclass of its settings (the one declaration).

    The scenario block (``levers.<name>``: schedule fields plus each setting with its lever
    default, range, unit and meaning), its history-step block, ``PolicyState.<attr>``, the
    ``--explain`` text, the docs table and the visual server's sliders all derive from it.
    ``rules`` is a LeverSchedule subclass with cross-field checks (validators).
    """

    def register(settings: type[T]) -> type[T]:
        block_fields: dict[str, Any] = {}
        for f in fields(settings):  # type: ignore[arg-type]
            md = f.metadata
            ann = float if md["lever"] is not None else float | None
            block_fields[f.name] = (ann, P(md["lever"], md["lo"], md["hi"], md["unit"], md["doc"]))
        class_name = "".join(part.title() for part in name.split("_"))
        schema = create_model(class_name, __base__=rules, __doc__=doc, **block_fields)
        LEVERS[name] = LeverSpec(
            name=name,
            attr=attr,
            title=title,
            settings=settings,
            schema=schema,
            step_schema=_step_model(schema, name),
        )
        return settings

    return register


def _step_model(base: type[LeverSchedule], lever: str) -> type[LeverSchedule]:
    """A history-step version of a lever block: same fields, but each lever field defaults
    to None, meaning "unchanged from the previous step". A step names only what changed."""
    step_fields: dict[str, Any] = {}
    for name, info in base.model_fields.items():
        if name in LeverSchedule.model_fields:
            continue
        lo, hi = field_bounds(info)
        bounds: dict[str, Any] = {}
        if lo is not None:
            bounds["ge"] = lo
        if hi is not None:
            bounds["le"] = hi
        extra: Any = field_extra(info)
        step_fields[name] = (
            float | None,
            Field(None, description=info.description, json_schema_extra=extra, **bounds),
        )
    step_fields["lever"] = (Literal[lever], Field(description="lever type"))
    step_fields["note"] = (
        str,
        Field("", description="what happened, with the seed that reports it"),
    )
    step_fields["strength"] = (float, P(1.0, 0, 1, "share", "how far the step moves the settings"))
    return create_model(f"{base.__name__}Step", __base__=base, **step_fields)


class FundingMixRules(LeverSchedule):
    """The five source shares of the funding mix come together and add up to 1."""

    @model_validator(mode="after")
    def _shares(self) -> Any:
        names = ("share_government", "share_soe", "share_private", "share_foreign", "share_angel")
        shares = [getattr(self, n) for n in names]
        given = [s for s in shares if s is not None]
        if given and len(given) != len(shares):
            raise ValueError(
                "give all five source shares (share_government, share_soe, share_private, "
                "share_foreign, share_angel) or none"
            )
        if given and abs(sum(given) - 1.0) > 1e-6:
            raise ValueError(f"source shares must add up to 1 (they add up to {sum(given):.4g})")
        return self


@lever(
    "talent_reform",
    "talent",
    "Talent reform",
    "Talent reform: residence, green cards, talent housing, mobility (seeds 001, 003).",
)
@dataclass(frozen=True)
class TalentSettings:
    foreign_attraction: float = setting(
        1.0, 4.0, 1, 50, "x", "multiplier on foreign and returnee arrivals"
    )
    residence_facilitation: float = setting(
        0.0,
        0.5,
        0,
        1,
        "share",
        "cut in foreign and returnee departure hazard (residence, green card)",
    )
    housing_subsidy: float = setting(
        0.0, 0.5, 0, 0.9, "share", "share of talent housing cost subsidised (seed 001: 50%)"
    )
    researcher_mobility: float = setting(
        1.0, 2.0, 1, 10, "x", "multiplier on researcher moves between institutes and firms"
    )


@lever(
    "equity_incentives",
    "equity",
    "Equity incentives",
    "Equity incentives: the 1+6 pilots, research-result rights, SOE equity (seed 003).",
)
@dataclass(frozen=True)
class EquitySettings:
    equity_firm_share: float = setting(
        0.0,
        0.5,
        0,
        1,
        "share",
        "share of firms granting employee equity that adoption moves toward",
        neutral_from="population.equity_firm_share",
    )
    researcher_income_share: float = setting(
        0.0, 0.7, 0, 1, "share", "researchers' share of commercialisation income"
    )
    soe_scope: float = setting(
        0.0, 0.5, 0, 1, "share", "share of state-owned firms allowed to grant equity"
    )


@lever(
    "relocation_pressure",
    "relocation",
    "Relocation pressure",
    "Relocation pressure: easing non-capital functions, prohibited catalogue (seeds 001, 003).",
)
@dataclass(frozen=True)
class RelocationSettings:
    floor_space_cap: float = setting(
        0.0, 0.3, 0, 0.9, "share", "cut in the growth of core-park floor space"
    )
    rent_escalation: float = setting(
        0.0, 0.06, 0, 0.5, "1/yr", "extra yearly rent growth in core parks"
    )
    prohibited_exit: float = setting(
        0.0, 0.08, 0, 1, "1/yr", "exit push on core firms with general manufacturing stages"
    )
    neighbour_pull: float = setting(
        0.0, 0.5, 0, 1, "share", "pull of neighbouring regions (tax sharing, Tianjin and Hebei)"
    )


@lever(
    "funding_mix",
    "funding",
    "Funding mix",
    "Funding mix: capital supply and its split by source and stage (seed 003).",
    rules=FundingMixRules,
)
@dataclass(frozen=True)
class FundingSettings:
    capital_supply: float = setting(
        1.0, None, 0.05, 20, "x", "multiplier on total VC capital supply (none: unchanged)"
    )
    share_government: float = setting(
        0.0,
        None,
        0,
        1,
        "share",
        "target share of government funds",
        neutral_from="funding.share_government",
    )
    share_soe: float = setting(
        0.0,
        None,
        0,
        1,
        "share",
        "target share of SOE and strategic investors",
        neutral_from="funding.share_soe",
    )
    share_private: float = setting(
        0.0,
        None,
        0,
        1,
        "share",
        "target share of private domestic VC",
        neutral_from="funding.share_private",
    )
    share_foreign: float = setting(
        0.0,
        None,
        0,
        1,
        "share",
        "target share of foreign VC",
        neutral_from="funding.share_foreign",
    )
    share_angel: float = setting(
        0.0, None, 0, 1, "share", "target share of angels", neutral_from="funding.share_angel"
    )
    early_stage_share: float = setting(
        0.0,
        None,
        0,
        1,
        "share",
        "target capital share going to firms aged 3 or less",
        neutral_from="funding.early_stage_share",
    )
    round_size: float = setting(
        1.0, None, 0.05, 50, "x", "multiplier on typical round size (none: unchanged)"
    )
    listing_openness: float = setting(
        0.3,
        None,
        0,
        1,
        "share",
        "openness of listing channels (0 closed, 1 fully open; none: unchanged)",
    )
    incubator_support: float = setting(
        0.0, None, 0, 1, "share", "incubators, registration reform, tech credit (none: unchanged)"
    )


# the generated blocks under their familiar names (scenario files, tests, tools)
TalentReform = LEVERS["talent_reform"].schema
EquityIncentives = LEVERS["equity_incentives"].schema
RelocationPressure = LEVERS["relocation_pressure"].schema
FundingMix = LEVERS["funding_mix"].schema
TalentReformStep = LEVERS["talent_reform"].step_schema
EquityIncentivesStep = LEVERS["equity_incentives"].step_schema
RelocationPressureStep = LEVERS["relocation_pressure"].step_schema
FundingMixStep = LEVERS["funding_mix"].step_schema

#: the policy question: lever settings on top of the policy history
Levers: type[Block] = create_model(  # type: ignore[call-overload]
    "Levers",
    __base__=Block,
    __doc__="The policy question: lever settings on top of the policy history.",
    **{
        spec.name: (
            spec.schema,
            Field(default_factory=spec.schema, description=spec.title.lower()),
        )
        for spec in LEVERS.values()
    },
)

if TYPE_CHECKING:

    class HistoryStep(LeverSchedule):
        """What every history step has (the static view of the union below)."""

        lever: str
        note: str

else:
    #: one step of the policy history: any lever's step block, told apart by ``lever``
    HistoryStep = Annotated[
        Union[tuple(spec.step_schema for spec in LEVERS.values())],  # noqa: UP007
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
class ShockSettings:
    macro_growth: float = 0.0
    funding_climate: float = 0.0
    decoupling: float = 0.0
    ai_wave: float = 0.0


@dataclass(frozen=True)
class PolicyState:
    """What mechanisms read: the effective settings of every lever and the shocks at one time.

    ``policy.<attr>`` is the settings object of the lever registered with that ``attr``
    (``policy.talent.foreign_attraction``); ``policy.of(TalentSettings)`` is the typed form.
    """

    settings: dict[str, Any]  # lever attr -> its settings dataclass
    shocks: ShockSettings

    if TYPE_CHECKING:  # static types of ``policy.<attr>`` for the checker (run time: __getattr__)

        @property
        def talent(self) -> TalentSettings: ...
        @property
        def equity(self) -> EquitySettings: ...
        @property
        def relocation(self) -> RelocationSettings: ...
        @property
        def funding(self) -> FundingSettings: ...

    def __getattr__(self, name: str) -> Any:
        if name == "settings":  # not yet set (copying): no recursion
            raise AttributeError(name)
        try:
            return self.settings[name]
        except KeyError:
            raise AttributeError(name) from None

    def of[T](self, settings: type[T]) -> T:
        """The effective settings of the lever declared by ``settings``."""
        for spec in LEVERS.values():
            if spec.settings is settings:
                value: T = self.settings[spec.attr]
                return value
        raise KeyError(settings.__name__)


def _blend[T](current: T, step: LeverSchedule, w: float) -> T:
    """Move every setting of ``current`` toward ``step``'s value by weight ``w``."""
    if w <= 0:
        return current
    changes = {}
    for f in fields(current):  # type: ignore[arg-type]
        target = getattr(step, f.name, None)
        if target is None:  # an optional field the step leaves alone
            continue
        value = getattr(current, f.name)
        changes[f.name] = value + w * (float(target) - value)
    return replace(current, **changes)  # type: ignore[type-var]


class PolicySchedule:
    """Turns history, levers and shocks into a :class:`PolicyState` for any decimal year."""

    def __init__(
        self,
        history: list[Any],
        levers: Any,
        shocks: Shocks,
        neutral: dict[str, Any] | None = None,
    ) -> None:
        """``neutral``: settings per lever name before any history (default: each
        settings class's defaults)."""
        given = neutral or {}
        self.neutral = {name: given.get(name, spec.neutral()) for name, spec in LEVERS.items()}
        steps: dict[str, list[LeverSchedule]] = {k: [] for k in self.neutral}
        for step in sorted(history, key=lambda s: s.start_year):
            steps[step.lever].append(step)
        for name in self.neutral:
            lever = getattr(levers, name)
            if lever.strength > 0:
                steps[name].append(lever)
        self.steps = steps
        self.shocks = shocks
        self._last: tuple[tuple[Any, ...], PolicyState] | None = None

    def at(self, t: float) -> PolicyState:
        """The policy at decimal year ``t``.

        It depends on ``t`` only through the blend weight of every step and which shocks
        are active, so while those stay the same (most steps of a run) the last state is
        returned again: the same objects, never modified, rather than a fresh blend.
        """
        sh = self.shocks
        key = (
            tuple(step.weight(t) for name in self.neutral for step in self.steps[name]),
            tuple(
                e.active(t)
                for entries in (sh.macro_growth, sh.funding_climate, sh.decoupling, sh.ai_wave)
                for e in entries
            ),
        )
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        state = self._blend_at(t)
        self._last = (key, state)
        return state

    def _blend_at(self, t: float) -> PolicyState:
        eff = {}
        for name, neutral in self.neutral.items():
            value = neutral
            for step in self.steps[name]:
                value = _blend(value, step, step.weight(t))
            eff[LEVERS[name].attr] = value
        sh = self.shocks
        shock = ShockSettings(
            macro_growth=sum(e.size for e in sh.macro_growth if e.active(t)),
            funding_climate=sum(e.size for e in sh.funding_climate if e.active(t)),
            decoupling=min(1.0, sum(e.size for e in sh.decoupling if e.active(t))),
            ai_wave=sum(e.size for e in sh.ai_wave if e.active(t)),
        )
        return PolicyState(settings=eff, shocks=shock)

    def active_steps(self, t: float) -> list[tuple[str, LeverSchedule]]:
        """The history steps and levers acting at ``t`` (for reports and the visual server)."""
        return [(n, s) for n, lst in self.steps.items() for s in lst if s.weight(t) > 0]


def schedule_for(params: Any, history: list[Any], levers: Any, shocks: Shocks) -> PolicySchedule:
    """The schedule of a parameter set: neutral settings from the parameters each lever
    declares (``neutral_from``: the base funding mix, the initial equity share), then
    ``history``, then ``levers`` (used by the model and by ``validate``)."""
    neutral = {name: spec.neutral(params) for name, spec in LEVERS.items()}
    return PolicySchedule(history, levers, shocks, neutral)
