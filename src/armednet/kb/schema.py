"""Pydantic models of the scenario authoring format.

A scenario is written as one YAML file or a directory of YAML files. Each file holds any
of the top-level keys ``scenario`` (exactly once per scenario), ``sources``, ``nodes``,
``ties``, ``series`` and ``events``; lists are concatenated across files in file-name
order. See ``docs/authoring.md`` for the format with examples, and ``armednet kb schema``
for the JSON Schema of one file.

Models validate single records; checks across records (ids unique, references resolve,
tie ends of allowed types) live in :mod:`armednet.kb.loader`. Every number must be finite
(``.nan`` and ``.inf`` are refused), every end date must not precede its start (the
scenario's own included), and a series' points must be in date order.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    model_validator,
)

from armednet.kb.dates import PartialDate, earliest, latest
from armednet.kb.types import (
    BusinessKind,
    Confidence,
    Ideology,
    InstitutionKind,
    Layer,
    NodeType,
    TieType,
)

__all__ = [
    "UNION_TAGS",
    "BusinessAttributes",
    "Campaign",
    "CampaignMembership",
    "Estimate",
    "Event",
    "GroupAttributes",
    "InstitutionAttributes",
    "Node",
    "Scenario",
    "ScenarioDocument",
    "ScenarioMeta",
    "Series",
    "SeriesPoint",
    "Source",
    "Tie",
]

Id = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80,
          description="Stable identifier: lower-case letters, digits, '_', '.', '-'."),
]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
SourceRefs = Annotated[
    list[Id],
    Field(min_length=1, description="Ids of entries in the scenario's source list."),
]


class _Record(BaseModel):
    # allow_inf_nan=False: a NaN or infinite value is never a fact (a NaN series value
    # silently changed simulated results)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)


def _end_not_before_start(start: str | None, end: str | None) -> None:
    if start is not None and end is not None and latest(end) < earliest(start):
        raise ValueError(f"end {end} is before start {start}")


class Source(_Record):
    """A citable source. Every fact in a scenario points to one or more of these."""

    id: Id
    author: str = Field(min_length=1)
    title: str = Field(min_length=1)
    publisher: str | None = None
    date: PartialDate | None = None
    locator: str | None = Field(
        default=None, description="URL, section, page or table where the fact is found."
    )
    note: str | None = None


class Estimate(_Record):
    """A quantity known only within a range: central value and plausible bounds."""

    value: float
    low: float
    high: float
    unit: str | None = None
    basis: str | None = Field(
        default=None,
        description="How the figure was obtained: 'reported', 'estimate' or 'judgment', "
        "with a word on why.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Estimate:
        if not self.low <= self.value <= self.high:
            raise ValueError(
                f"expected low <= value <= high, got {self.low} <= {self.value} <= {self.high}"
            )
        return self


class CampaignMembership(_Record):
    """Whether an armed group takes part in the campaign against the foreign force, sourced.

    The model lets a group attack the scenario's foreign force only if it is a member (and
    based in the theatre). The statement is a fact like any other: it names its sources and
    a confidence, and the note says whether it is reported or an analyst's judgment.

    An instance is truthy exactly when :attr:`member` is true and converts to ``1.0`` or
    ``0.0`` with :func:`float`, so ``bool(group.campaign)`` reads the same whether the
    scenario wrote a sourced mapping or a bare ``true``/``false``.

    Examples
    --------
    >>> c = CampaignMembership(member=False, sources=["mansour-2024"])
    >>> bool(c), float(c)
    (False, 0.0)
    """

    member: StrictBool = Field(
        description="True if the group attacks the foreign force as part of the campaign the "
        "model simulates; false if it stays out of it."
    )
    sources: SourceRefs
    confidence: Confidence = Field(
        default=Confidence.MEDIUM, description="How sure the statement is: low, medium, high."
    )
    note: str | None = Field(
        default=None,
        description="Why: what the sources say, and whether the statement is reported or a "
        "judgment.",
    )
    since: PartialDate | None = Field(
        default=None,
        description="First day of the group's attacks in the campaign, where the sources date "
        "it (e.g. the Houthis' first attack on shipping, 19 Nov 2023). Before it the group "
        "does not attack in the model; an input, so only for a start the data record before "
        "the scenario's forecast cut-off. Default: the scenario's start.",
    )

    def __bool__(self) -> bool:
        return self.member

    def __float__(self) -> float:
        return 1.0 if self.member else 0.0


def _campaign_form(value: Any) -> str | None:
    if isinstance(value, bool):
        return "<bare>"
    if isinstance(value, dict | CampaignMembership):
        return "<sourced>"
    return None


#: Tags of the schema's tagged unions. Pydantic puts them in an error's location; the
#: loader drops them so a problem reads ``group.campaign.sources``, as written.
UNION_TAGS = frozenset({"<bare>", "<sourced>"})

Campaign = Annotated[
    Annotated[CampaignMembership, Tag("<sourced>")] | Annotated[StrictBool, Tag("<bare>")],
    Discriminator(
        _campaign_form,
        custom_error_type="campaign_form",
        custom_error_message="expected a mapping {member: true|false, sources: [...], "
        "confidence, note} (or a bare true/false, which is unsourced)",
    ),
]
"""A group's campaign membership: sourced (:class:`CampaignMembership`) or a bare bool."""


class GroupAttributes(_Record):
    """What the model needs to know about an armed group at the scenario's start."""

    orientation: Share = Field(
        description="0 = domestically focused .. 1 = transnational (follows the regional "
        "struggle); analyst judgment from the sources."
    )
    founding_year: int = Field(ge=1900, le=2100)
    ideology: Ideology
    size: Estimate = Field(description="Personnel, people.")
    fighters: Estimate | None = Field(
        default=None, description="Active fighters at the scenario start, people (defaults "
        "to size)."
    )
    funds: Estimate | None = Field(
        default=None, description="Annual revenue, USD million per year."
    )
    legitimacy: Share = Field(
        description="Social legitimacy / support base at the start, 0..1 (judgment)."
    )
    hostility: Share | None = Field(
        default=None,
        description="Hostility toward the foreign force at the start, 0..1 (judgment; "
        "defaults to orientation).",
    )
    campaign: Campaign = Field(
        default=False,
        description="Whether the group takes part in the campaign of attacks on the "
        "scenario's foreign force that the model simulates, with sources: {member: "
        "true|false, sources: [...], confidence, note}. A bare true/false is accepted but "
        "unsourced (the loader warns). Left out, membership is not stated: the group is "
        "outside the campaign and the loader warns; no default makes a group an attacker.",
    )

    @property
    def campaign_stated(self) -> bool:
        """Whether the scenario states campaign membership (sourced or bare)."""
        return "campaign" in self.model_fields_set

    @property
    def campaign_form(self) -> Literal["sourced", "bare", "not stated"]:
        """How the membership was written: ``sourced``, ``bare`` (a bool) or ``not
        stated``."""
        if isinstance(self.campaign, CampaignMembership):
            return "sourced"
        return "bare" if self.campaign_stated else "not stated"


class InstitutionAttributes(_Record):
    """What the model needs to know about a state institution."""

    kind: InstitutionKind
    budget_share: Share = Field(
        description="Share of the national budget the institution spends or allocates."
    )
    accountability: Share = Field(
        description="Oversight, prosecution and transparency at the start, 0..1."
    )


class BusinessAttributes(_Record):
    """What sanction-exposure measures need to know about a business."""

    kind: BusinessKind
    sanctionable: bool = Field(
        default=True,
        description="Reachable by foreign financial sanctions (dollar access, "
        "correspondent banking).",
    )


class _Dated(_Record):
    start: PartialDate | None = None
    end: PartialDate | None = None
    confidence: Confidence = Confidence.MEDIUM
    sources: SourceRefs
    note: str | None = None

    @model_validator(mode="after")
    def _span(self) -> Any:
        _end_not_before_start(self.start, self.end)
        return self


class Node(_Dated):
    """An actor: an armed group, person, party, state, institution, business, ..."""

    id: Id
    type: NodeType
    name: str = Field(min_length=1)
    aliases: list[str] = Field(
        default_factory=list,
        description="Other names, spellings and transliterations (used to match event data).",
    )
    layer: Layer | None = Field(default=None, description="Defaults by node type.")
    country: str | None = Field(default=None, description="ISO 3166 alpha-2 code.")
    role: str | None = Field(default=None, description="For persons: title or office.")
    group: GroupAttributes | None = None
    institution: InstitutionAttributes | None = None
    business: BusinessAttributes | None = None

    @model_validator(mode="after")
    def _attributes_fit_type(self) -> Node:
        if self.type is NodeType.ARMED_GROUP and self.group is None:
            raise ValueError("an armed_group needs a 'group' block (orientation, size, ...)")
        if self.type is NodeType.STATE_INSTITUTION and self.institution is None:
            raise ValueError(
                "a state_institution needs an 'institution' block (kind, budget_share, "
                "accountability)"
            )
        for block, allowed in (
            ("group", {NodeType.ARMED_GROUP}),
            ("institution", {NodeType.STATE_INSTITUTION}),
            ("business", {NodeType.BUSINESS}),
        ):
            if getattr(self, block) is not None and self.type not in allowed:
                raise ValueError(f"a '{block}' block is not allowed on a {self.type}")
        return self


class Tie(_Dated):
    """A directed, typed, time-bounded tie between two nodes."""

    id: Id | None = Field(
        default=None, description="Defaults to '<from>--<type>--<to>'; set it when two ties "
        "of one type join the same pair."
    )
    type: TieType
    from_: Id = Field(alias="from")
    to: Id
    layer: Layer | None = Field(
        default=None, description="Defaults by tie type (or to the 'to' node's layer)."
    )
    weight: Share = Field(default=1.0, description="Strength of the tie, 0..1.")
    share: Share | None = Field(
        default=None,
        description="leads: the person's share of the group's authority; holds_office_in: "
        "the share of the institution's posts and budget the holder controls.",
    )
    amount: Estimate | None = Field(default=None, description="funds: USD million per year.")
    channel: str | None = Field(
        default=None, description="funds: state_budget, business, patron, bank, illicit."
    )
    support: list[str] = Field(
        default_factory=list, description="patron_of: arming, funding, training, advising."
    )

    @property
    def key(self) -> str:
        """The tie's id, or the default id derived from its ends and type."""
        return self.id or f"{self.from_}--{self.type}--{self.to}"


class SeriesPoint(_Record):
    """One value of an exogenous series, holding from its date to the next point."""

    date: PartialDate
    value: float
    sources: list[Id] = Field(default_factory=list)
    note: str | None = None


class Series(_Record):
    """An exogenous input over time, e.g. the Gaza war intensity."""

    id: Id
    description: str
    unit: str
    interpolation: str = Field(default="step", pattern="^(step|linear)$")
    points: list[SeriesPoint] = Field(min_length=1)
    sources: SourceRefs

    @model_validator(mode="after")
    def _in_date_order(self) -> Series:
        for i, (a, b) in enumerate(zip(self.points, self.points[1:], strict=False)):
            if earliest(b.date) <= earliest(a.date):
                raise ValueError(f"points must be in date order, each after the one before: "
                                 f"points[{i + 1}] ({b.date}) is not after points[{i}] "
                                 f"({a.date})")
        return self


class Event(_Record):
    """A dated event that the scenario schedules as an input (strike, sanction, truce)."""

    id: Id
    date: PartialDate
    kind: str = Field(
        pattern="^(strike|leadership_strike|sanctions|ceasefire|attack|political|"
        "designation|warning|ultimatum)$",
        description="``warning`` and ``ultimatum``: the foreign power's public threats of "
        "retaliation against its targets (read by the escalation mechanism); the groups' own "
        "decisions are never events.",
    )
    actor: Id | None = None
    targets: list[Id] = Field(default_factory=list)
    killed: list[Id] = Field(default_factory=list, description="Persons killed.")
    intensity: float = Field(default=1.0, ge=0.0, description="E.g. number of targets hit.")
    foreign_killed: int | None = Field(
        default=None, ge=0, description="``attack`` events (history): foreign personnel "
        "killed, where the sources say; the calibration counts lethal attacks from it.")
    description: str
    sources: SourceRefs


class ScenarioMeta(_Record):
    """The scenario's identity and time frame."""

    id: Id
    name: str
    description: str
    start: PartialDate = Field(description="First simulated week starts here.")
    end: PartialDate | None = None
    country: str | None = None
    foreign_force: Id | None = Field(
        default=None, description="Node id of the foreign force whose presence is attacked."
    )
    theatre: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=list,
        description="ISO 3166 alpha-2 codes of the countries where the foreign force is "
        "attacked; armed groups based elsewhere do not attack it in the model. Default: the "
        "scenario's country (every group when neither is set).",
    )
    target: Literal["bases", "shipping"] = Field(
        default="bases",
        description="What the campaign attacks: 'bases' (a foreign force stationed on the "
        "host country's soil, as U.S. forces in Iraq and Syria) or 'shipping' (merchant ships "
        "and the warships escorting them at sea, as in the Red Sea). With 'shipping' no "
        "government hosts the target, so strikes cannot turn a host against it "
        "(mechanism sovereignty).",
    )
    host_country: str | None = Field(
        default=None,
        description="ISO code of the country whose government hosts the foreign force and can "
        "negotiate its presence (mechanism sovereignty). Default: the scenario's country when "
        "the target is 'bases', none when it is 'shipping'.",
    )
    national_budget: Estimate | None = Field(
        default=None,
        description="Annual budget of the state whose institutions the groups capture, USD "
        "million per year (mechanism state_rents). Default: the parameter national_budget "
        "(Iraq's federal budget).",
    )
    trigger_series: Id | None = Field(
        default=None,
        description="Id of the series that is the regional trigger tau(t) (mechanism "
        "trigger; the diplomacy lever removes a share of it). Default: the first of "
        "gaza_war_intensity, regional_trigger, trigger, else the scenario's first series.",
    )
    sources: list[Id] = Field(default_factory=list)

    @model_validator(mode="after")
    def _span(self) -> ScenarioMeta:
        _end_not_before_start(self.start, self.end)
        return self

    @property
    def host(self) -> str | None:
        """The country hosting the foreign force (``host_country`` or its default)."""
        if self.host_country is not None:
            return self.host_country
        return self.country if self.target == "bases" else None


class ScenarioDocument(_Record):
    """One authoring file: any subset of the top-level keys."""

    scenario: ScenarioMeta | None = None
    sources: list[Source] = Field(default_factory=list)
    nodes: list[Node] = Field(default_factory=list)
    ties: list[Tie] = Field(default_factory=list)
    series: list[Series] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)


class Scenario(_Record):
    """A whole, cross-checked scenario (all files merged)."""

    scenario: ScenarioMeta
    sources: list[Source]
    nodes: list[Node]
    ties: list[Tie]
    series: list[Series] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
