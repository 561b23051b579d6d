"""The model's mechanisms: one small module each, registered here.

:data:`MECHANISMS` maps each switch name to its :class:`Mechanism` record; :data:`PIPELINE`
is the order of the weekly step functions. Every step function runs every week and reads
the switches itself (``ctx.on``), so that turning a mechanism off removes its effect while
the arrays other mechanisms read still exist (e.g. with ``attacks`` off the attack counts
are zeros).
"""

from __future__ import annotations

from collections.abc import Callable

from armednet.sim.mechanisms import (
    accountability,
    attacks,
    backing,
    capability,
    capture,
    ceasefire,
    cooption,
    decapitation,
    diplomacy,
    revenue,
    sanctions,
    strikes,
)
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["MECHANISMS", "MODULES", "PIPELINE", "Context", "Mechanism", "Parameter"]

MODULES = (diplomacy, sanctions, revenue, capability, attacks, strikes, decapitation,
           backing, ceasefire, capture, cooption, accountability)
"""Mechanism modules in pipeline order."""

PIPELINE: tuple[Callable[[State, Context], None], ...] = (
    diplomacy.step_trigger,
    sanctions.step_sanctions,
    revenue.step_revenue,
    capability.step_capability,
    attacks.step_attacks,
    strikes.step_strikes,
    decapitation.step_decapitation,
    backing.step_backing,
    ceasefire.step_ceasefire,
    capture.step_capture,
    cooption.step_cooption,
    accountability.step_accountability,
)
"""The weekly step, in order."""

MECHANISMS: dict[str, Mechanism] = {m.name: m for m in (
    diplomacy.DIPLOMACY, sanctions.SANCTIONS, revenue.REVENUE, revenue.STATE_RENTS,
    capability.CAPABILITY, attacks.ATTACKS, attacks.TRIGGER, strikes.STRIKES, strikes.RALLY,
    decapitation.DECAPITATION, decapitation.SPLINTERS, decapitation.SUCCESSION,
    backing.BACKING, ceasefire.CEASEFIRE, ceasefire.COORDINATION, capture.CAPTURE,
    cooption.COOPTION, accountability.ACCOUNTABILITY, accountability.PROTEST)}
"""Every switchable mechanism by name."""
