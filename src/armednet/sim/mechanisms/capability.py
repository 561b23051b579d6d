"""Capability: funds are invested in fighters and weapons; attrition and desertion (C3).

Equations (weekly)::

    I_g   = phi F_g;  F_g -= I_g
    dM_g  = I_g / k_M * (0.5 + L_g) * max(0, 1 - M_g / (c_M size_g))
            - a M_g - d shortfall_g / u

Recruitment is easier for legitimate groups (``0.5 + L``) and saturates at ``c_M`` times the
group's reported size. Strike damage is applied by ``strikes``.

References
----------
.. [1] J. M. Weinstein, *Inside Rebellion: The Politics of Insurgent Violence*, Cambridge
   University Press, 2007 (resources and recruitment).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["CAPABILITY", "step_capability"]

PARAMS = (
    Parameter("invest_share", "phi", "Share of funds on hand invested in capability each "
              "week.", "1 / week", 0.05, 0.01, 0.2, "judgment", "capability", hard_high=1.0),
    Parameter("capability_cost", "k_M", "Cost of adding one thousand fighter-equivalents.",
              "USD million / 1000 fighters", 5.0, 1.0, 20.0, "judgment", "capability"),
    Parameter("capacity_factor", "c_M", "Ceiling of capability as a multiple of the group's "
              "reported size.", "1", 1.5, 1.0, 3.0, "judgment", "capability"),
    Parameter("attrition", "a", "Weekly attrition of capability.", "1 / week", 0.002, 0.0,
              0.01, "judgment", "capability", hard_high=1.0),
    Parameter("desertion", "d", "Share of unpaid fighters who leave each week.", "1 / week",
              0.5, 0.0, 1.0, "judgment", "capability", hard_high=1.0),
)


def step_capability(s: State, ctx: Context) -> None:
    """Invest funds into capability; attrition and desertion."""
    if "capability" not in ctx.on:
        return
    p, inp = ctx.p, ctx.inputs
    invest = p["invest_share"] * s.F
    invest *= s.active
    s.F -= invest
    room = s.M / np.maximum(p["capacity_factor"] * inp.size, 1e-9)  # (1 - room) for now
    np.subtract(1.0, room, out=room)
    np.maximum(room, 0.0, out=room)
    gain = invest / p["capability_cost"]
    gain *= 0.5 + s.L
    gain *= room
    loss = p["attrition"] * s.M
    shortfall = ctx.scratch.get("shortfall")
    if shortfall is not None and shortfall.any():  # most weeks, upkeep is paid in full
        loss += shortfall * (p["desertion"] / p["upkeep_cost"])
    s.M += gain
    s.M -= loss
    np.maximum(s.M, 0.0, out=s.M)


CAPABILITY = Mechanism(
    "capability", "Investment, attrition and desertion", ("C3",),
    "Funds buy capability (faster for legitimate groups, up to a ceiling); capability "
    "decays by attrition and by desertion of unpaid fighters. Off: capability changes only "
    "through strikes and splinters.", PARAMS, step_capability)
