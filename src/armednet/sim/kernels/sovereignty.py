"""Kernel of :func:`armednet.sim.mechanisms.sovereignty.step_sovereignty`."""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._util import at, flag, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.state import State

__all__ = ["step_sovereignty"]


@jit
def _sovereignty(H: np.ndarray, pressure: np.ndarray, presence: np.ndarray, hit: np.ndarray,
                 based: np.ndarray, outside: np.ndarray, decay: np.ndarray, gain: np.ndarray,
                 threshold: np.ndarray, response: np.ndarray, hostility: np.ndarray) -> None:
    R, G = H.shape
    struck = hit.shape[0] > 0
    any_pressure = False
    for r in range(R):
        pr = pressure[r] * (1.0 - at(decay, r))
        if struck:
            total = 0.0
            for g in range(G):
                total += hit[r, g] * (1.0 if based[g] else 0.0)
            pr += at(gain, r) * total * (1.0 - pr)
            pr = min(max(pr, 0.0), 1.0)
        pressure[r] = pr
        any_pressure = any_pressure or pr != 0.0
        over = max(pr - at(threshold, r), 0.0)
        # the NumPy step multiplies only when some run is over; 1 - min(1, 0) is 1 exactly
        if over > 0.0:
            presence[r] *= 1.0 - min(1.0, at(response, r) * over)
    has_outside = False
    for g in range(G):
        has_outside = has_outside or outside[g]
    if not (has_outside and any_pressure):
        return
    for r in range(R):
        k = at(hostility, r) * pressure[r]
        for g in range(G):
            h = H[r, g]
            if outside[g]:
                h += k * (1.0 - h)
            # the NumPy step clips every cell, not only the updated ones
            H[r, g] = min(max(h, 0.0), 1.0)


def step_sovereignty(s: State, ctx: Context) -> None:
    """Pressure from this week's strikes on host soil; presence negotiated down; hostility
    of the host's parties outside the campaign (compiled)."""
    if "sovereignty" not in ctx.on:
        return
    p, x = ctx.p, s.extra
    based = ctx.inputs.extra["sovereignty"]["host_based"]
    hit = ctx.scratch.get("strike")
    outside = based & (ctx.inputs.exposure == 0)
    _sovereignty(s.H, x["host_pressure"], x["presence"],
                 flag(hit), based, outside,
                 param(p, "pressure_decay"), param(p, "pressure_gain"),
                 param(p, "pressure_threshold"), param(p, "presence_response"),
                 param(p, "pressure_hostility"))
