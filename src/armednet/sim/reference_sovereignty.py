"""The reference's step for the host's sovereignty backlash, written the plain way.

The Mesa reference's (:mod:`armednet.sim.reference`) counterpart of
:mod:`armednet.sim.mechanisms.sovereignty` (mechanism ``sovereignty``): the same equations,
per agent, as a method of :class:`SovereigntyMixin`, which
:class:`~armednet.sim.reference.ReferenceModel` inherits. Weekly, after strikes::

    Pi   = (1 - mu_P) Pi + k_P (1 - Pi) sum_{g based in the host country} I_g(t)
    pi  *= 1 - min(1, r_P max(0, Pi - theta_P))      (presence negotiated down)
    H_g += h_P Pi (1 - H_g)      for host-based groups outside the campaign

The negotiated presence ``pi`` scales attacks from the next week on (``step_attacks``).

Examples
--------
>>> from armednet.sim.reference_sovereignty import SovereigntyMixin
>>> hasattr(SovereigntyMixin, "step_sovereignty")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from armednet.sim.init import ModelInputs
    from armednet.sim.reference import _ArmedGroup

__all__ = ["SovereigntyMixin"]


class _Model(Protocol):
    """What this step uses of the reference model (:class:`ReferenceModel`)."""

    groups: list[_ArmedGroup]
    inputs: ModelInputs
    p: Mapping[str, float]
    on: frozenset[str]
    host_pressure: float
    negotiated_presence: float


class SovereigntyMixin:
    """The sovereignty backlash, as a method of the reference model (mixed into
    :class:`~armednet.sim.reference.ReferenceModel`)."""

    def step_sovereignty(self: _Model) -> None:
        """Strikes on groups based in the host country build pressure on its government;
        past a threshold it negotiates the foreign presence down, and its parties outside
        the campaign grow more hostile."""
        if "sovereignty" not in self.on:
            return
        p = self.p
        based = self.inputs.extra["sovereignty"]["host_based"]
        hits = sum(g.strike for g in self.groups if based[g.slot])
        pressure = self.host_pressure * (1.0 - p["pressure_decay"])
        pressure += p["pressure_gain"] * hits * (1.0 - pressure)
        self.host_pressure = pressure = min(1.0, max(0.0, pressure))
        over = max(pressure - p["pressure_threshold"], 0.0)
        if over > 0.0:
            self.negotiated_presence *= 1.0 - min(1.0, p["presence_response"] * over)
        for g in self.groups:
            if based[g.slot] and g.exposure == 0:
                g.H = min(1.0, max(0.0, g.H + p["pressure_hostility"] * pressure * (1.0 - g.H)))
