"""The reference's steps for escalation and for groups that end, written the plain way.

These are the Mesa reference's (:mod:`armednet.sim.reference`) counterparts of
:mod:`armednet.sim.mechanisms.escalation` (mechanisms ``escalation`` and ``patron_fear``)
and :mod:`armednet.sim.mechanisms.endings` (``collapse``, ``merger``, ``demobilisation``):
the same equations, per agent, with the run's own generator. They are methods of
:class:`EndingsMixin`, which :class:`~armednet.sim.reference.ReferenceModel` inherits, so
the model's weekly pipeline finds them by name like its other steps.

Escalation (after strikes, before decapitation)::

    lethal attack by g with probability 1 - (1 - phi)^n_g          (n_g: g's attacks)
    T_g = (1 - mu_T) T_g + g_L [lethal] + g_W warn_g(t)           (warnings: active groups)
    threat cost_g = w_T T_g + w_W patron_g max_{j client} T_j      (read by ``step_ceasefire``)

Endings (last step of the week; hazards on the state before any group ends this week)::

    h_col = h_c [C_g < c_min or M_g < m_min size_g]
    h_mer = h_m W_gj* [q M_j* > M_g],  j* = argmax_j W_gj M_j over active allies
    h_dem = h_d min(1, Phat_g) (1 - H_g)
    ends with probability 1 - exp(-(h_col + h_mer + h_dem)), of a kind drawn in proportion
    to the three hazards; a merger into an ally that ends the same week is a collapse.

Examples
--------
>>> from armednet.sim.reference_endings import EndingsMixin
>>> [m for m in ("step_escalation", "step_endings") if hasattr(EndingsMixin, m)]
['step_escalation', 'step_endings']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from armednet.sim.mechanisms.endings import END_KINDS

if TYPE_CHECKING:
    import numpy as np

    from armednet.sim.init import ModelInputs
    from armednet.sim.reference import _ArmedGroup, _Institution

__all__ = ["ENDING_MECHANISMS", "EndingsMixin"]

ENDING_MECHANISMS = frozenset(END_KINDS)
"""The switches of the ways a group ends (``collapse``, ``merger``, ``demobilisation``)."""


class _Model(Protocol):
    """What these steps use of the reference model (:class:`ReferenceModel`)."""

    groups: list[_ArmedGroup]
    institutions: list[_Institution]
    inputs: ModelInputs
    p: Mapping[str, float]
    on: frozenset[str]
    rng: np.random.Generator
    lethal: float

    @property
    def week(self) -> int: ...

    def influence(self, g: _ArmedGroup) -> float: ...

    def lethal_attack(self, g: _ArmedGroup) -> bool: ...

    def collapse_hazard(self, g: _ArmedGroup) -> float: ...

    def merger_hazard(self, g: _ArmedGroup) -> tuple[float, _ArmedGroup | None]: ...

    def demobilisation_hazard(self, g: _ArmedGroup) -> float: ...


class EndingsMixin:
    """Escalation and endings, as methods of the reference model (mixed into
    :class:`~armednet.sim.reference.ReferenceModel`)."""

    # -- escalation ------------------------------------------------------------------------

    def step_escalation(self: _Model) -> None:
        """Lethal attacks and scheduled warnings raise each group's threat, which decays;
        set this week's threat terms of the cease-fire cost (``ArmedGroup.threat_cost``)."""
        for g in self.groups:
            g.threat_cost = 0.0
        if "escalation" not in self.on:
            return  # the threat stays zero
        p = self.p
        warnings = self.inputs.extra["escalation"]["warnings"][self.week]
        for g in self.groups:
            g.T *= 1.0 - p["threat_decay"]
            if self.lethal_attack(g):
                g.T += p["lethal_threat"]
                self.lethal += 1
            if g.active:
                g.T += p["warning_threat"] * float(warnings[g.slot])
        fear = max((g.T for g in self.groups if g.patron > 0 and g.active), default=0.0)
        for g in self.groups:
            g.threat_cost = p["threat_weight"] * g.T
            if "patron_fear" in self.on:
                g.threat_cost += p["war_fear_weight"] * g.patron * fear

    def lethal_attack(self: _Model, g: _ArmedGroup) -> bool:
        """Whether one of the group's attacks this week killed foreign personnel
        (probability ``1 - (1 - phi)^n``)."""
        n = g.attacks
        return n > 0 and bool(
            self.rng.random() < 1.0 - (1.0 - self.p["lethal_attack_prob"]) ** n)

    # -- endings ---------------------------------------------------------------------------

    def step_endings(self: _Model) -> None:
        """Each active group may end (collapse, merge into its strongest ally, demobilise);
        an ended group is inactive for good."""
        if not ENDING_MECHANISMS & self.on:
            return
        ending: dict[_ArmedGroup, tuple[int, _ArmedGroup | None]] = {}
        for g in self.groups:  # every group draws on the same state
            if not g.active:
                continue
            h_col = self.collapse_hazard(g)
            h_mer, ally = self.merger_hazard(g)
            h_dem = self.demobilisation_hazard(g)
            h = h_col + h_mer + h_dem
            if h > 0.0 and self.rng.random() < 1.0 - math.exp(-h):
                x = self.rng.random() * h
                kind = 1 if x < h_col else 2 if x < h_col + h_mer else 3
                ending[g] = (kind, ally)
        for g, (kind, ally) in ending.items():
            if kind == 2 and ally in ending:  # an ally that ends absorbs nobody
                kind = 1
            g.end(self.week, kind, into=ally if kind == 2 else None)

    def collapse_hazard(self: _Model, g: _ArmedGroup) -> float:
        """``h_c`` if the group's cohesion or capability is below its threshold, else 0."""
        p = self.p
        if "collapse" not in self.on:
            return 0.0
        weak = p["collapse_cohesion"] > g.C or p["collapse_capability"] * g.size > g.M
        return p["collapse_rate"] if weak else 0.0

    def merger_hazard(self: _Model,
                      g: _ArmedGroup) -> tuple[float, _ArmedGroup | None]:
        """The merger hazard ``h_m W_gj`` and the ally ``j`` with the strongest pull
        ``W_gj M_j`` among active allies in the same theatre status (the first one on ties,
        as ``argmax``)."""
        if "merger" not in self.on:
            return 0.0, None
        best: _ArmedGroup | None = None
        best_pull = best_w = 0.0
        here = self.inputs.in_theatre
        for ally, w in g.allies:
            if here[ally.slot] != here[g.slot]:  # no merger across the theatre's edge
                continue
            pull = w * ally.M if ally.active else 0.0
            if pull > best_pull:
                best, best_pull, best_w = ally, pull, w
        if best is None or not self.p["merger_ratio"] * best.M > g.M:
            return 0.0, best
        return self.p["merger_rate"] * best_w, best

    def demobilisation_hazard(self: _Model, g: _ArmedGroup) -> float:
        """``h_d min(1, Phat_g) (1 - H_g)``: embedded groups with little hostility left."""
        if "demobilisation" not in self.on or not self.institutions:
            return 0.0
        return self.p["demobilisation_rate"] * min(1.0, self.influence(g)) * (1.0 - g.H)
