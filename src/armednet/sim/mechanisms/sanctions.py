"""Sanctions: cut business and bank channels; state rents are untouched (C4).

Equation (channel c, weekly)::

    cut_c(t) = min(1, sigma * s_c(t)) * exp(-nu * w_c(t))

where ``s_c(t)`` is the sanction intensity on the channel (scheduled designations, the
scenario's ``sanctioned_by`` ties and the policy's sanctions lever) and ``w_c(t)`` the weeks
since it began: evasion (front companies, cash, new banks) erodes the cut at rate ``nu``.
Only channels paid by a sanctionable business, bank or person are cut.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Force fails" (sanctions on banks and Fly Baghdad).
.. [2] D. W. Drezner, "Sanctions sometimes smart", International Studies Review 13(1),
   2011 (targeted sanctions and evasion).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["SANCTIONS", "step_sanctions"]

def step_sanctions(s: State, ctx: Context) -> None:
    """Write ``scratch['sanction_cols']`` (the channels under a sanction this week) and
    ``scratch['sanction_cut']`` (runs, those channels), read by ``revenue``."""
    sch, p = ctx.policy, ctx.p
    if "sanctions" not in ctx.on or sch.sanction_cut.shape[1] == 0:
        return
    x = sch.sanction_cut[ctx.t]
    since = sch.sanction_since[ctx.t]
    cols = np.flatnonzero((x > 0) & (since >= 0))
    if not len(cols):
        return
    ctx.scratch["sanction_cols"] = cols
    ctx.scratch["sanction_cut"] = np.minimum(1.0, p["sanction_effectiveness"] * x[cols]) * np.exp(
        -p["sanction_evasion"] * since[cols])


SANCTIONS = Mechanism(
    name="sanctions", title="Sanctions on business and bank channels",
    claims=("C4",),
    summary="Cuts the income of sanctioned business, bank and person channels by sigma at onset, "
            "eroded by evasion; lowers funds. Off: sanctions have no effect.",
    step=step_sanctions, order=20,
    parameters=(
        Parameter(
            name="sanction_effectiveness", symbol="sigma", unit="1",
            default=0.7, low=0.2, high=1.0, hard_high=1.0,
            meaning="Share of a sanctioned channel's income cut "
                    "at full intensity when the sanction begins.",
            source="judgment",
        ),
        Parameter(
            name="sanction_evasion", symbol="nu", unit="1 / week",
            default=0.01, low=0.0, high=0.1, hard_high=1.0,
            meaning="Rate at which evasion erodes a sanction's cut.",
            source="judgment",
        ),
    ),
)
