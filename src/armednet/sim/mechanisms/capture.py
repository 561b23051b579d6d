"""Capture of state institutions: grows with impunity and legitimacy, erodes with
accountability (C3, C5, C9).

Equation (weekly; ``Xsum_k = sum_g X[g,k]``)::

    X[g,k] += kappa_X (1 - A_k) (0.5 + L_g) X[g,k] (1 - Xsum_k) - eps_X A_k X[g,k]

Growth needs a foothold (``X > 0``) and free room (``1 - Xsum``); prosecution and oversight
(``A``) erode it. New footholds come only from co-option. ``sum_g X[g,k] <= 1`` holds:
where the groups' gains together would exceed the free room, they are scaled down to fill
it in proportion.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Beyond the bombings" (ministries, judiciary, civil service).
.. [2] J. S. Hellman, G. Jones and D. Kaufmann, "Seize the state, seize the day: state
   capture and influence in transition economies", Journal of Comparative Economics 31(4),
   2003.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["CAPTURE", "fit_room", "step_capture"]

def step_capture(s: State, ctx: Context) -> None:
    """Grow and erode capture (on the stored pairs, :attr:`State.Xp`)."""
    if "capture" not in ctx.on or ctx.inputs.K == 0:
        return
    p, lay = ctx.p, s.layout
    ph, pk = lay.pair_h, lay.pair_k
    room = 1.0 - lay.by_inst(s.Xp)
    np.maximum(room, 0.0, out=room)  # (R, K)
    pull = p["capture_growth"] * (0.5 + s.L[:, lay.holders])  # (R, H)
    free = (1.0 - s.A) * room  # (R, K)
    keep = 1.0 - p["capture_erosion"] * s.A
    share = pull[:, ph] * free[:, pk]  # (R, P): pull_h free_k
    # The holders' gains together: free_k sum_h pull_h X[h,k]. Where they fit the room
    # (almost always), growth and erosion are one product.
    if not (free * lay.by_inst(s.Xp * pull[:, ph]) > room).any():
        s.Xp = s.Xp * (share + keep[:, pk])
    else:
        grow = fit_room(share * s.Xp, room, pk)
        s.Xp = s.Xp * keep[:, pk]
        s.Xp += grow
    np.clip(s.Xp, 0.0, 1.0, out=s.Xp)


def fit_room(gain: np.ndarray, room: np.ndarray, pair_k: np.ndarray) -> np.ndarray:
    """Scale the pairs' gains (runs, pairs) down where together they would exceed the
    free room (runs, institutions) of an institution (``pair_k``: institution of each
    pair), so that ``sum_g X[g,k] <= 1``."""
    R, K = room.shape
    flat = (np.arange(R, dtype=np.intp)[:, None] * K + pair_k).ravel()
    total = np.bincount(flat, weights=gain.ravel(), minlength=R * K).reshape(R, K)
    over = total > room
    if not over.any():
        return gain
    scale = np.where(over, room / np.where(over, total, 1.0), 1.0)
    return gain * scale[:, pair_k]


CAPTURE = Mechanism(
    name="capture", title="Capture dynamics",
    claims=("C3", "C5", "C9"),
    summary="Capture grows where accountability is low and erodes where it is high. Off: capture "
            "changes only through co-option.",
    step=step_capture, order=100,
    parameters=(
        Parameter(
            name="capture_growth", symbol="kappa_X", unit="1 / week",
            default=0.01, low=0.0, high=0.05, hard_high=1.0,
            meaning="Weekly growth rate of capture where "
                    "accountability is zero.",
            source="judgment",
        ),
        Parameter(
            name="capture_erosion", symbol="eps_X", unit="1 / week",
            default=0.01, low=0.0, high=0.05, hard_high=1.0,
            meaning="Weekly erosion of capture per unit of "
                    "accountability.",
            source="judgment",
        ),
    ),
)
