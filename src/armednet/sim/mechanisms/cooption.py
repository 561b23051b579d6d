"""Co-option: integrating chosen groups into chosen institutions, backed by the foreign
power (C5, C8).

Equations (weekly; ``c[g,k](t)`` the co-option intensity from the policy)::

    X[g,k] += kappa_c c[g,k] (1 - A_k) (1 - Xsum_k)
    H_g    -= h_c B min(1, sum_k c[g,k]) H_g

Integration gives the group offices and budget (more where accountability is low), and
pacifies it in proportion to the value of the backing that comes with the deal. Where the
co-opted groups' gains together would exceed an institution's free room, they are scaled
down to fill it (so ``sum_g X[g,k] <= 1``).

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Beyond the bombings" (integration after 2003; backing "acceptable" groups).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["COOPTION", "step_cooption"]

def step_cooption(s: State, ctx: Context) -> None:
    """Apply this week's co-option (the schedule's pairs of the week, by index)."""
    if "cooption" not in ctx.on:
        return
    g, k, c = ctx.policy.coopt.week(ctx.t)
    if not len(c):
        return
    from armednet.sim.mechanisms.capture import fit_room

    p, lay = ctx.p, s.layout
    # the stored pair of each co-opted (group, institution): every co-opted pair is stored
    # (see :func:`armednet.sim.init.capture_holders`)
    keys = lay.pair_slot * lay.K + lay.pair_k  # increasing (holder-major)
    at = np.searchsorted(keys, g * lay.K + k)
    if (at >= len(keys)).any() or (keys[np.minimum(at, len(keys) - 1)] != g * lay.K + k).any():
        raise ValueError("co-option of a (group, institution) pair the state does not store")
    cp = np.zeros(lay.P)
    cp[at] = c
    room = np.maximum(1.0 - lay.by_inst(s.Xp), 0.0)  # (R, K)
    gain = cp * (p["coopt_rate"] * (1.0 - s.A) * room)[:, lay.pair_k]
    s.Xp += fit_room(gain, room, lay.pair_k)
    np.clip(s.Xp, 0.0, 1.0, out=s.Xp)
    strength = np.minimum(1.0, np.bincount(g, weights=c, minlength=s.M.shape[1]))  # (G,)
    s.H -= p["coopt_pacification"] * s.B[:, None] * strength * s.H
    np.clip(s.H, 0.0, 1.0, out=s.H)


COOPTION = Mechanism(
    name="cooption", title="Co-option into institutions",
    claims=("C5", "C8"),
    summary="Raises the co-opted groups' capture (unless accountability is high) and lowers their "
            "hostility in proportion to the backing value. Off: the co-option lever does nothing.",
    step=step_cooption, order=110,
    parameters=(
        Parameter(
            name="coopt_rate", symbol="kappa_c", unit="1 / week",
            default=0.01, low=0.0, high=0.05, hard_high=1.0,
            meaning="Weekly gain of capture per unit of co-option "
                    "intensity where accountability is zero.",
            source="judgment",
        ),
        Parameter(
            name="coopt_pacification", symbol="h_c", unit="1 / week",
            default=0.03, low=0.0, high=0.1, hard_high=1.0,
            meaning="Weekly fall of hostility per unit of co-option "
                    "and of backing value.",
            source="judgment",
        ),
    ),
)
