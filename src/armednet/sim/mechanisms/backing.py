"""Value of the foreign power's backing to co-optable leaders (C8).

Equation (weekly)::

    B += b_r (B_0 - B) - b_l B sum_g I_g - b_h B harm_strikes

Each strike (and the civilian harm it causes) lowers the value of the foreign power's
backing; it recovers slowly toward ``B_0``. ``B`` scales the pacifying effect of co-option
and domestic leaders' restraint in the cease-fire decision.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Beyond the bombings" (strikes and blunders weaken U.S. partners in Baghdad).
"""

from __future__ import annotations

import numpy as np

from armednet.sim._ops import rowsum
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["BACKING", "step_backing"]

def step_backing(s: State, ctx: Context) -> None:
    """Update ``B`` from this week's strikes."""
    if "backing" not in ctx.on:
        return
    p = ctx.p
    strike = ctx.scratch["strike"]
    hits = 0.0 if strike is None else rowsum(strike)
    harm = ctx.scratch["strike_harm"]
    b0 = p["initial_backing"][:, 0]
    loss = np.minimum(1.0, p["backing_loss"][:, 0] * hits + p["backing_harm_loss"][:, 0] * harm)
    s.B += p["backing_recovery"][:, 0] * (b0 - s.B) - loss * s.B
    np.clip(s.B, 0.0, 1.0, out=s.B)


BACKING = Mechanism(
    name="backing", title="Value of backing",
    claims=("C8",),
    summary="Strikes and their civilian harm lower the value of the foreign power's backing, which "
            "recovers slowly. Off: backing stays at B_0.",
    step=step_backing, order=80,
    parameters=(
        Parameter(
            name="initial_backing", symbol="B_0", unit="1",
            default=0.6, low=0.2, high=1.0, hard_high=1.0,
            meaning="Value of the foreign power's backing at the start "
                    "(and the level it recovers to).",
            source="judgment",
        ),
        Parameter(
            name="backing_loss", symbol="b_l", unit="1 / unit",
            default=0.05, low=0.0, high=0.2, hard_high=1.0,
            meaning="Share of backing value lost per unit of strike "
                    "intensity.",
            source="judgment",
        ),
        Parameter(
            name="backing_harm_loss", symbol="b_h", unit="1 / person",
            default=0.01, low=0.0, high=0.05, hard_high=1.0,
            meaning="Share of backing value lost per civilian harmed by "
                    "strikes.",
            source="judgment",
        ),
        Parameter(
            name="backing_recovery", symbol="b_r", unit="1 / week",
            default=0.01, low=0.0, high=0.05, hard_high=1.0,
            meaning="Weekly recovery of backing value toward B_0.",
            source="judgment",
        ),
    ),
)
