"""Kernel of :func:`armednet.sim.mechanisms.diplomacy.step_trigger`.

Not compiled: the step is one scalar product and one fill of a (runs, 1) array, which a
numba call would only slow down; the same one-liner stands here so that the numba backend
finds a counterpart for every step.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context
from armednet.sim.state import State

__all__ = ["step_trigger"]


def step_trigger(s: State, ctx: Context) -> None:
    """Write ``scratch['tau']`` (runs, 1) (not compiled: one scalar operation)."""
    tau = float(ctx.inputs.tau[ctx.t])
    if "diplomacy" in ctx.on:
        tau *= 1.0 - float(ctx.policy.diplomacy[ctx.t])
    ctx.scratch["tau"] = np.full((s.runs, 1), tau)
