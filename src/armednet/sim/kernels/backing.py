"""Kernel of :func:`armednet.sim.mechanisms.backing.step_backing`."""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._util import at, empty2, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.state import State

__all__ = ["step_backing"]


@jit
def _backing(B: np.ndarray, strike: np.ndarray, harm: np.ndarray, b0: np.ndarray,
             loss_rate: np.ndarray, harm_rate: np.ndarray, recovery: np.ndarray) -> None:
    R = B.shape[0]
    struck = strike.shape[0] > 0
    for r in range(R):
        hits = 0.0
        if struck:
            for g in range(strike.shape[1]):
                hits += strike[r, g]
        loss = at(loss_rate, r) * hits + at(harm_rate, r) * harm[r]
        if loss > 1.0:
            loss = 1.0
        b = B[r]
        b += at(recovery, r) * (at(b0, r) - b) - loss * b
        B[r] = min(max(b, 0.0), 1.0)


def step_backing(s: State, ctx: Context) -> None:
    """Update ``B`` from this week's strikes (compiled)."""
    if "backing" not in ctx.on:
        return
    p = ctx.p
    strike = ctx.scratch["strike"]
    _backing(s.B, empty2() if strike is None else np.asarray(strike, dtype=np.float64),
             np.asarray(ctx.scratch["strike_harm"], dtype=np.float64),
             param(p, "initial_backing"), param(p, "backing_loss"),
             param(p, "backing_harm_loss"), param(p, "backing_recovery"))
