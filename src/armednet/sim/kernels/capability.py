"""Kernel of :func:`armednet.sim.mechanisms.capability.step_capability`."""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._util import at, flag, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.state import State

__all__ = ["step_capability"]


@jit
def _capability(M: np.ndarray, F: np.ndarray, L: np.ndarray, active: np.ndarray,
                size: np.ndarray, invest_share: np.ndarray, capacity_factor: np.ndarray,
                capability_cost: np.ndarray, attrition: np.ndarray, desertion: np.ndarray,
                upkeep_cost: np.ndarray, shortfall: np.ndarray) -> None:
    R, G = M.shape
    short = shortfall.shape[0] > 0
    for r in range(R):
        phi, cf, cost = at(invest_share, r), at(capacity_factor, r), at(capability_cost, r)
        attr, per_unit = at(attrition, r), at(desertion, r) / at(upkeep_cost, r)
        for g in range(G):
            inv = phi * F[r, g] * (1.0 if active[r, g] else 0.0)
            F[r, g] -= inv
            room = max(1.0 - M[r, g] / max(cf * size[g], 1e-9), 0.0)
            gain = inv / cost
            gain *= 0.5 + L[r, g]
            gain *= room
            loss = attr * M[r, g]
            if short:
                loss += shortfall[r, g] * per_unit
            m = M[r, g] + gain
            m -= loss
            M[r, g] = max(m, 0.0)


def step_capability(s: State, ctx: Context) -> None:
    """Invest funds into capability; attrition and desertion (compiled)."""
    if "capability" not in ctx.on:
        return
    p = ctx.p
    _capability(s.M, s.F, s.L, s.active, ctx.inputs.size, param(p, "invest_share"),
                param(p, "capacity_factor"), param(p, "capability_cost"),
                param(p, "attrition"), param(p, "desertion"), param(p, "upkeep_cost"),
                flag(ctx.scratch.get("shortfall")))
