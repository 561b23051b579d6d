"""Kernel of :func:`armednet.sim.mechanisms.capture.step_capture`.

The NumPy step takes its room-rule branch for the whole chunk when any run overflows; here
each run decides for itself (the two branches agree up to rounding), so that a run's result
does not depend on the other runs of its chunk.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._util import at, clip01, free_room, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.state import State

__all__ = ["step_capture"]



@jit
def _capture(Xp: np.ndarray, L: np.ndarray, A: np.ndarray, holders: np.ndarray,
             pair_h: np.ndarray, pair_k: np.ndarray, growth: np.ndarray,
             erosion: np.ndarray) -> None:
    R, P = Xp.shape
    K = A.shape[1]
    H = holders.shape[0]
    room = np.empty(K)
    free = np.empty(K)
    keep = np.empty(K)
    acc = np.empty(K)
    pull = np.empty(H)
    share = np.empty(P)
    for r in range(R):
        kx, ke = at(growth, r), at(erosion, r)
        # sums by institution in pair order, as the bincount of CaptureLayout.by_inst
        free_room(Xp, r, pair_k, room)
        for k in range(K):
            acc[k] = 0.0
            free[k] = (1.0 - A[r, k]) * room[k]
            keep[k] = 1.0 - ke * A[r, k]
        for h in range(H):
            pull[h] = kx * (0.5 + L[r, holders[h]])
        for p in range(P):
            share[p] = pull[pair_h[p]] * free[pair_k[p]]
            acc[pair_k[p]] += Xp[r, p] * pull[pair_h[p]]
        over = False
        for k in range(K):
            if free[k] * acc[k] > room[k]:
                over = True
        if not over:
            for p in range(P):
                Xp[r, p] = clip01(Xp[r, p] * (share[p] + keep[pair_k[p]]))
            continue
        # the room rule: scale the gains of an institution down to fill its free room
        for k in range(K):
            acc[k] = 0.0
        for p in range(P):
            share[p] = share[p] * Xp[r, p]
            acc[pair_k[p]] += share[p]
        for p in range(P):
            k = pair_k[p]
            grow = share[p]
            if acc[k] > room[k]:
                grow = grow * (room[k] / acc[k])
            x = Xp[r, p] * keep[k]
            Xp[r, p] = clip01(x + grow)


def step_capture(s: State, ctx: Context) -> None:
    """Grow and erode capture (on the stored pairs, :attr:`State.Xp`) (compiled)."""
    if "capture" not in ctx.on or ctx.inputs.K == 0:
        return
    lay = s.layout
    _capture(s.Xp, s.L, s.A, lay.holders, lay.pair_h, lay.pair_k,
             param(ctx.p, "capture_growth"), param(ctx.p, "capture_erosion"))
