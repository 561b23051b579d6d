"""Cease-fire diplomacy on the regional trigger and the foreign force's presence (C7).

Equation::

    tau(t) = tau_scenario(t) (1 - dip(t))       (``diplomacy``; dip from the policy lever)

The trigger series comes from the scenario (e.g. the Gaza war intensity). Diplomacy that
lowers it acts on every group through ``attacks`` and ``ceasefire`` (via ``trigger``).

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, opening
   section (the Gaza war and attacks on U.S. bases).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism
from armednet.sim.state import State

__all__ = ["DIPLOMACY", "step_trigger"]


def step_trigger(s: State, ctx: Context) -> None:
    """Write ``scratch['tau']`` (runs, 1)."""
    tau = float(ctx.inputs.tau[ctx.t])
    if "diplomacy" in ctx.on:
        tau *= 1.0 - float(ctx.policy.diplomacy[ctx.t])
    ctx.scratch["tau"] = np.full((s.runs, 1), tau)


DIPLOMACY = Mechanism(
    name="diplomacy", title="Cease-fire diplomacy",
    claims=("C7",),
    summary="The diplomacy lever scales the regional trigger down from its start date, lowering "
            "attacks. Off: the lever does nothing.",
    step=step_trigger, order=10,
)
