"""Policies as data: composable levers with a start, an end and an intensity.

A :class:`Policy` is a named list of levers. Each lever is a pydantic record with a
``kind`` (``strikes``, ``decapitation``, ``sanctions``, ``co-option``, ``accountability``,
``civil-society``, ``diplomacy``, ``drawdown``), a ``start`` and ``end`` date (``None`` =
the scenario's first / last simulated week) and an ``intensity``. Levers combine by
addition (intensities of the same kind add up, shares are capped at 1). Target lists name
node ids of the scenario, or one of the selectors documented per lever; they are resolved
against the scenario by :func:`armednet.sim.init.build_inputs`, which raises
:class:`~armednet.errors.InputError` with close-match hints for unknown ids.

Presets (``status-quo``, ``strikes``, ``decapitation``, ``sanctions``, ``co-option``,
``accountability``, ``diplomacy``, ``combined``) are in :data:`PRESETS`;
:func:`resolve_policy` accepts a preset name, a path to a YAML or JSON file, a mapping, or a
:class:`Policy`.

Examples
--------
>>> p = resolve_policy("strikes")
>>> [lever.kind for lever in p.levers]
['strikes']
>>> resolve_policy({"name": "mine", "levers": [{"kind": "diplomacy", "start": "2024-03-01",
...                 "intensity": 0.8}]}).levers[0].intensity
0.8
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from armednet.errors import InputError
from armednet.kb.dates import normalize_partial_date

if TYPE_CHECKING:
    from armednet.sim.init import ModelInputs, PolicySchedule

__all__ = [
    "LEVER_CLASSES",
    "LEVER_KINDS",
    "PRESETS",
    "Accountability",
    "CivilSociety",
    "Cooption",
    "Decapitation",
    "Diplomacy",
    "Drawdown",
    "Lever",
    "LeverControl",
    "LeverWarning",
    "Policy",
    "Sanctions",
    "Strikes",
    "load_policy",
    "preset",
    "resolve_policy",
]

GROUP_SELECTORS = ("all", "domestic", "transnational", "attackers")
"""Selectors accepted in group target lists (``attackers`` only for strikes)."""
INSTITUTION_SELECTORS = ("all", "held")
"""Selectors for institution lists (``held``: institutions the group already holds)."""
BUSINESS_SELECTORS = ("all",)
"""``all``: every sanctionable business or bank that funds a group."""


class LeverWarning(UserWarning):
    """A lever has nothing to act on in the scenario (it would silently change nothing)."""


@dataclass(frozen=True)
class LeverControl:
    """How a dashboard offers one lever kind: label, default and largest intensity, help."""

    label: str
    default: float
    maximum: float
    help: str


class _Lever(BaseModel):
    """A lever: one class per kind, which schedules itself (:meth:`schedule`) and declares
    its dashboard control (``control``). Every subclass defined here is a lever kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    control: ClassVar[LeverControl]
    if TYPE_CHECKING:
        kind: str  # each lever class declares its own Literal kind

    start: str | None = Field(
        default=None, description="First date the lever acts (YYYY[-MM[-DD]]); default: the "
        "scenario's start.")
    end: str | None = Field(
        default=None, description="Last date the lever acts; default: the end of the run.")
    intensity: float = Field(default=1.0, ge=0.0, le=10.0,
                             description="Strength of the lever (meaning per kind).")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return None if value is None else normalize_partial_date(value)

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        """Write the lever's effect in weeks ``a .. b - 1`` into the schedule ``sch``.

        Raises
        ------
        InputError
            Targets the scenario does not have (with close matches).
        """
        raise NotImplementedError


class Strikes(_Lever):
    """Military strikes on groups, following a retaliation rule.

    ``rule``: ``proportional`` (each week, strike intensity ``intensity x retaliation_gain x``
    the group's attacks of the previous week), ``casualty`` (strike every group that attacked
    in a week whose foreign casualties reached ``threshold``, with ``intensity``), or
    ``fixed`` (strike the targets every week with ``intensity``). ``targets``: group ids or
    ``attackers`` / ``all`` / ``domestic`` / ``transnational``.
    """

    kind: Literal["strikes"] = "strikes"
    rule: Literal["proportional", "casualty", "fixed"] = "proportional"
    threshold: float = Field(default=1.0, ge=0.0)
    targets: list[str] = Field(default_factory=lambda: ["attackers"])

    control: ClassVar[LeverControl] = LeverControl(
        "Strikes", 1.0, 3.0, "retaliation against last week's attackers, proportional to "
        "their attacks")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        from armednet.sim.init import group_mask

        mask, attackers = group_mask(inputs, self.targets, "strikes", allow_attackers=True)
        if not (mask.any() or (attackers and inputs.exposure.any())):
            sch.warnings.append("strikes lever: no group to strike (the targets name no group "
                                "of the theatre, and no group of the campaign attacks)")
        target = self.intensity * (np.ones(inputs.G) if attackers else mask.astype(float))
        if self.rule == "fixed":
            sch.strike_fixed[a:b] += target
        elif self.rule == "proportional":
            sch.strike_prop[a:b] += target
        else:
            arr = np.zeros((inputs.weeks, inputs.G))
            arr[a:b] = target
            sch.strike_casualty.append((arr, self.threshold))


class Decapitation(_Lever):
    """Targeted leadership strikes: each week each living leader of a target group is killed
    with probability ``1 - exp(-leader_kill_rate x intensity)``. ``targets``: group ids,
    person ids (leaders) or a selector."""

    kind: Literal["decapitation"] = "decapitation"
    targets: list[str] = Field(default_factory=lambda: ["transnational"])

    control: ClassVar[LeverControl] = LeverControl(
        "Decapitation", 1.0, 3.0, "kill hazard on the leaders of transnational groups")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        from armednet.sim.init import group_mask

        ids = np.array(inputs.leader_ids, dtype=object)
        gnames = [t for t in self.targets if t not in inputs.leader_ids]
        mask, _ = group_mask(inputs, gnames, "decapitation")
        lead = mask[inputs.leader_group] | np.isin(ids, self.targets)
        if not lead.any():
            sch.warnings.append("decapitation lever: no leader of the targets in the scenario")
        sch.decap[a:b] += self.intensity * lead


class Sanctions(_Lever):
    """Financial sanctions on named businesses and banks (``targets``: business ids, person
    ids (the channels they pay through), group ids (all their sanctionable channels) or
    ``all``). Cuts the channel by ``sanction_effectiveness x intensity`` (capped at 1)."""

    kind: Literal["sanctions"] = "sanctions"
    targets: list[str] = Field(default_factory=lambda: ["all"])

    control: ClassVar[LeverControl] = LeverControl(
        "Sanctions", 1.0, 2.0, "on every sanctionable business and bank that funds a group")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        from armednet.sim.init import close_match_error

        payers = np.array(inputs.chan_payer, dtype=object)
        chans = np.zeros(len(inputs.chan_group), dtype=bool)
        for t in self.targets:
            if t == "all":
                chans |= inputs.chan_sanctionable
            elif t in inputs.chan_payer:
                chans |= payers == t
            elif t in inputs.group_ids[:inputs.n_groups0]:
                chans |= inputs.chan_group == inputs.group_ids.index(t)
            elif t in inputs.business_ids or t in inputs.person_ids:
                pass  # a business or person that funds no group at the start
            else:
                raise close_match_error(t, inputs.business_ids + inputs.person_ids,
                                        "business, bank or person in the sanctions lever:")
        chans &= inputs.chan_sanctionable
        if not chans.any():
            sch.warnings.append("sanctions lever: no sanctionable channel (business, bank or "
                                "person) funds the targets")
        sch.sanction_onsets.extend((a, b, int(ch), self.intensity)
                                   for ch in np.flatnonzero(chans))


class Cooption(_Lever):
    """Co-option: integrate ``groups`` into ``institutions`` (ids or selectors) with the
    backing of the foreign power."""

    kind: Literal["co-option"] = "co-option"
    groups: list[str] = Field(default_factory=lambda: ["domestic"])
    institutions: list[str] = Field(default_factory=lambda: ["held"])

    control: ClassVar[LeverControl] = LeverControl(
        "Co-option", 1.0, 3.0, "domestic groups into the institutions they hold")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        from armednet.sim.init import close_match_error, group_mask

        gmask, _ = group_mask(inputs, self.groups, "co-option")
        gmask[inputs.n_groups0:] = False  # splinters are not co-opted
        kmask = np.zeros((inputs.G, inputs.K), dtype=bool)
        for name in self.institutions:
            if name == "all":
                kmask[:] = True
            elif name == "held":
                kmask |= inputs.capture > 0
            elif name in inputs.inst_ids:
                kmask[:, inputs.inst_ids.index(name)] = True
            else:
                raise close_match_error(name, inputs.inst_ids,
                                        "institution in the co-option lever:")
        pairs = gmask[:, None] & kmask
        if not pairs.any():
            sch.warnings.append("co-option lever: no group of the targets can be co-opted into "
                                "the institutions named (none held, or none in the scenario)")
        sch.coopt.add(a, b, self.intensity, pairs)


class Accountability(_Lever):
    """Accountability reform: moves each target institution's accountability toward
    ``target`` by ``pace x intensity`` of the gap per week."""

    kind: Literal["accountability"] = "accountability"
    institutions: list[str] = Field(default_factory=lambda: ["all"])
    target: float = Field(default=0.8, ge=0.0, le=1.0)
    pace: float = Field(default=0.02, ge=0.0, le=1.0)

    control: ClassVar[LeverControl] = LeverControl(
        "Accountability", 1.0, 3.0, "reform in every institution (pace x intensity)")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        from armednet.sim.init import close_match_error

        kmask = np.zeros(inputs.K, dtype=bool)
        for name in self.institutions:
            if name == "all":
                kmask[:] = True
            elif name in inputs.inst_ids:
                kmask[inputs.inst_ids.index(name)] = True
            else:
                raise close_match_error(name, inputs.inst_ids,
                                        "institution in the accountability lever:")
        if not kmask.any():
            sch.warnings.append("accountability lever: the scenario has no institution to "
                                "reform")
        sch.reform_pace[a:b] += self.pace * self.intensity * kmask
        sch.reform_target[a:b] = np.maximum(sch.reform_target[a:b], self.target * kmask)


class CivilSociety(_Lever):
    """Support to civil-society and protest movements (adds ``intensity`` to the protest
    drive)."""

    kind: Literal["civil-society"] = "civil-society"

    control: ClassVar[LeverControl] = LeverControl(
        "Civil society", 0.5, 2.0, "support to protest movements")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        if inputs.K == 0:
            sch.warnings.append("civil-society lever: the scenario has no institution whose "
                                "accountability protests could raise")
        sch.civil_society[a:b] += self.intensity


class Diplomacy(_Lever):
    """Cease-fire diplomacy on the regional trigger: from ``start`` the trigger series is
    multiplied by ``1 - intensity`` (capped at 0..1)."""

    kind: Literal["diplomacy"] = "diplomacy"

    control: ClassVar[LeverControl] = LeverControl(
        "Diplomacy", 0.8, 1.0, "share of the regional trigger calmed")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        if not inputs.tau[a:b].any():
            sch.warnings.append("diplomacy lever: the scenario's regional trigger is zero "
                                "(or absent) while the lever acts, so it changes nothing")
        sch.diplomacy[a:b] = np.minimum(1.0, sch.diplomacy[a:b] + self.intensity)


class Drawdown(_Lever):
    """Drawdown of foreign forces: presence falls linearly from 1 at ``start`` to
    ``1 - intensity`` at ``end`` (or the end of the run) and stays there."""

    kind: Literal["drawdown"] = "drawdown"

    control: ClassVar[LeverControl] = LeverControl(
        "Drawdown", 0.5, 1.0, "share of foreign forces withdrawn by the end")

    def schedule(self, inputs: ModelInputs, sch: PolicySchedule, a: int, b: int) -> None:
        if not inputs.exposure.any():
            sch.warnings.append("drawdown lever: no group of the campaign attacks the "
                                "foreign force, so its presence changes nothing")
        x = min(self.intensity, 1.0)
        n = max(b - a, 1)
        ramp = 1.0 - x * np.arange(1, n + 1) / n
        sch.presence[a:b] = np.minimum(sch.presence[a:b], ramp)
        sch.presence[b:] = np.minimum(sch.presence[b:], 1.0 - x)


LEVER_CLASSES: tuple[type[_Lever], ...] = tuple(_Lever.__subclasses__())
"""Every lever class, in the order defined (a new lever kind is one new class above)."""
LEVER_KINDS: tuple[str, ...] = tuple(cls.model_fields["kind"].default for cls in LEVER_CLASSES)
"""The lever kinds a policy may combine."""

if TYPE_CHECKING:
    Lever = _Lever
else:
    Lever = Annotated[Union[LEVER_CLASSES], Field(discriminator="kind")]  # noqa: UP007


class Policy(BaseModel):
    """A named combination of levers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    levers: list[Lever] = Field(default_factory=list)


def _presets() -> dict[str, Policy]:
    acc = Accountability(target=0.8, pace=0.02)
    cs = CivilSociety(intensity=0.5)
    return {
        "status-quo": Policy(name="status-quo", description="No lever beyond the scenario's "
                             "scheduled events."),
        "strikes": Policy(name="strikes", description="Retaliatory strikes proportional to "
                          "each group's attacks of the previous week.",
                          levers=[Strikes()]),
        "decapitation": Policy(name="decapitation", description="Targeted killing of the "
                               "transnational groups' leaders.", levers=[Decapitation()]),
        "sanctions": Policy(name="sanctions", description="Sanctions on every sanctionable "
                            "business and bank that funds a group.", levers=[Sanctions()]),
        "co-option": Policy(name="co-option", description="Backing for domestically focused "
                            "groups inside the institutions they already hold.",
                            levers=[Cooption()]),
        "accountability": Policy(name="accountability", description="Accountability reform "
                                 "in every institution and support to civil society.",
                                 levers=[acc, cs]),
        "diplomacy": Policy(name="diplomacy", description="Cease-fire diplomacy on the "
                            "regional trigger (e.g. a Gaza cease-fire): the trigger is cut by "
                            "80% from the start.", levers=[Diplomacy(intensity=0.8)]),
        "combined": Policy(name="combined", description="Accountability reform, civil-society "
                           "support, sanctions and cease-fire diplomacy together.",
                           levers=[acc, cs, Sanctions(), Diplomacy(intensity=0.8)]),
    }


PRESETS: tuple[str, ...] = ("status-quo", "strikes", "decapitation", "sanctions", "co-option",
                            "accountability", "diplomacy", "combined")
"""Names of the preset policies."""


def preset(name: str) -> Policy:
    """The preset policy ``name``.

    Raises
    ------
    InputError
        For unknown names (with close matches).
    """
    presets = _presets()
    if name in presets:
        return presets[name]
    near = difflib.get_close_matches(name, list(presets), n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise InputError(f"unknown policy {name!r}{hint} (presets: {', '.join(PRESETS)}; or give a "
                     "YAML/JSON policy file)")


def _unknown_kind(kind: str) -> str:
    near = difflib.get_close_matches(kind, LEVER_KINDS, n=2, cutoff=0.4)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return f"unknown lever {kind!r}{hint} (levers: {', '.join(LEVER_KINDS)})"


def _format_validation(exc: ValidationError, where: str) -> str:
    lines = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"])
        lines.append(f"{where}: {loc or '<top>'}: {e['msg']}")
    return "invalid policy:\n" + "\n".join(lines)


def _from_mapping(data: Any, where: str) -> Policy:
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: a policy must be a mapping with 'name' and 'levers'")
    data = dict(data)
    if "name" not in data:
        data["name"] = Path(where).stem if where != "<policy>" else "custom"
    for i, lever in enumerate(data.get("levers") or []):
        kind = lever.get("kind") if isinstance(lever, Mapping) else None
        if isinstance(kind, str) and kind not in LEVER_KINDS:
            raise InputError(f"{where}: levers.{i}.kind: {_unknown_kind(kind)}")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InputError(_format_validation(exc, where)) from None


def load_policy(path: str | Path) -> Policy:
    """Read a policy from a YAML or JSON file (named after the file unless it has a name).

    Raises
    ------
    ValidationFailed
        Every problem, as ``file:line: field: what was expected``.
    InputError
        If the file cannot be read.
    """
    from armednet.docload import load_model
    from armednet.errors import Issue
    from armednet.kb.yamlmarks import Marks, line_of

    path = Path(path)

    def prepare(data: dict[str, Any], marks: Marks) -> list[Issue]:
        data.setdefault("name", path.stem)
        problems = []
        levers = data.get("levers")
        for i, lever in enumerate(levers if isinstance(levers, list) else []):
            kind = lever.get("kind") if isinstance(lever, Mapping) else None
            if isinstance(kind, str) and kind not in LEVER_KINDS:
                where = ("levers", i, "kind")
                problems.append(Issue(str(path), line_of(marks, where), f"levers[{i}].kind",
                                      _unknown_kind(kind)))
        return problems

    return load_model(path, Policy, prepare)


def resolve_policy(policy: str | Path | Mapping[str, Any] | Policy | None) -> Policy:
    """Turn a preset name, a file path, a mapping or a :class:`Policy` into a Policy.

    Raises
    ------
    InputError
        Unknown preset (with hints), unreadable or invalid file.
    """
    if policy is None:
        return preset("status-quo")
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return _from_mapping(policy, "<policy>")
    text = str(policy)
    if text in PRESETS:
        return preset(text)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        if not path.exists():
            raise InputError(f"{path}: policy file not found")
        return load_policy(path)
    return preset(text)
