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
    name="capability", title="Investment, attrition and desertion",
    claims=("C3",),
    summary="Funds buy capability (faster for legitimate groups, up to a ceiling); capability "
            "decays by attrition and by desertion of unpaid fighters. Off: capability changes only "
            "through strikes and splinters.",
    step=step_capability, order=40,
    parameters=(
        Parameter(
            name="invest_share", symbol="phi", unit="1 / week",
            default=0.05, low=0.01, high=0.2, hard_high=1.0,
            meaning="Share of funds on hand invested in capability each "
                    "week.",
            source="judgment",
        ),
        Parameter(
            name="capability_cost", symbol="k_M", unit="USD million / 1000 fighters",
            default=5.0, low=1.0, high=20.0,
            meaning="Cost of adding one thousand fighter-equivalents.",
            source="judgment",
        ),
        Parameter(
            name="capacity_factor", symbol="c_M", unit="1",
            default=1.5, low=1.0, high=3.0,
            meaning="Ceiling of capability as a multiple of the group's "
                    "reported size.",
            source="judgment",
        ),
        Parameter(
            name="attrition", symbol="a", unit="1 / week",
            default=0.002, low=0.0, high=0.01, hard_high=1.0,
            meaning="Weekly attrition of capability.",
            source="judgment",
        ),
        Parameter(
            name="desertion", symbol="d", unit="1 / week",
            default=0.5, low=0.0, high=1.0, hard_high=1.0,
            meaning="Share of unpaid fighters who leave each week.",
            source="judgment",
        ),
    ),
)
