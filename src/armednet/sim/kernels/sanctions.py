"""Kernel of :func:`armednet.sim.mechanisms.sanctions.step_sanctions`.

One compiled call selects the channels under a sanction this week, computes their cuts and,
with ``derisking``, appends the informal channels of the sanctioned groups with their spill.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.init import ModelInputs
from armednet.sim.kernels._util import at, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.state import State

__all__ = ["step_sanctions"]


@jit
def _sanctions(x_all: np.ndarray, since_all: np.ndarray, t: int, sigma: np.ndarray,
               nu: np.ndarray, delta: np.ndarray, derisk: bool, informal: np.ndarray,
               inf_group: np.ndarray, chan_group: np.ndarray,
               G: int) -> tuple[np.ndarray, np.ndarray]:
    x, since = x_all[t], since_all[t]
    nc = x.shape[0]
    n = 0
    for c in range(nc):
        if x[c] > 0 and since[c] >= 0:
            n += 1
    rows = max(sigma.shape[0], nu.shape[0])
    if n == 0:
        return np.empty(0, np.intp), np.empty((rows, 0))
    sel = np.empty(n, np.intp)
    j = 0
    for c in range(nc):
        if x[c] > 0 and since[c] >= 0:
            sel[j] = c
            j += 1
    # informal channels whose group has a sanctioned channel (np.isin on the groups)
    n_inf = 0
    hit = np.zeros(G, np.bool_)
    if derisk:
        for j in range(n):
            hit[chan_group[sel[j]]] = True
        for i in range(informal.shape[0]):
            if hit[inf_group[i]]:
                n_inf += 1
    if n_inf > 0:  # the spill's rows join the broadcast only when some channel is reached
        rows = max(rows, delta.shape[0])
    cols = np.empty(n + n_inf, np.intp)
    cols[:n] = sel
    if n_inf > 0:
        i2 = n
        for i in range(informal.shape[0]):
            if hit[inf_group[i]]:
                cols[i2] = informal[i]
                i2 += 1
    cut = np.empty((rows, n + n_inf))
    heaviest = np.empty(G)
    for r in range(rows):
        s, v = at(sigma, r), at(nu, r)
        for j in range(n):
            c = sel[j]
            a = s * x[c]
            if a > 1.0:
                a = 1.0
            cut[r, j] = a * np.exp(-v * since[c])
        if n_inf > 0:
            heaviest[:] = 0.0
            for j in range(n):
                g = chan_group[sel[j]]
                if not heaviest[g] >= cut[r, j]:  # np.maximum: a NaN wins
                    heaviest[g] = cut[r, j]
            d = at(delta, r)
            for i in range(n_inf):
                cut[r, n + i] = d * heaviest[chan_group[cols[n + i]]]
    return cols, cut


def _tables(inp: ModelInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The informal channels (not sanctionable, not the patron's), their groups and every
    channel's group, as index arrays."""
    kinds = np.array(inp.chan_kind, dtype=object)
    informal = np.flatnonzero(~inp.chan_sanctionable & (kinds != "patron")).astype(np.intp)
    group = np.ascontiguousarray(inp.chan_group, dtype=np.intp)
    return informal, group[informal], group


def step_sanctions(s: State, ctx: Context) -> None:
    """Write ``scratch['sanction_cols']`` (the channels under a sanction this week) and
    ``scratch['sanction_cut']`` (runs, those channels), read by ``revenue`` (compiled)."""
    sch, p = ctx.policy, ctx.p
    if "sanctions" not in ctx.on or sch.sanction_cut.shape[1] == 0:
        return
    inp = ctx.inputs
    informal, inf_group, group = inp.cached("kernels.sanctions", _tables)
    derisk = "derisking" in ctx.on
    cols, cut = _sanctions(sch.sanction_cut, sch.sanction_since, ctx.t,
                           param(p, "sanction_effectiveness"), param(p, "sanction_evasion"),
                           param(p, "derisking_share"), derisk, informal, inf_group, group,
                           inp.G)
    if not len(cols):
        return
    ctx.scratch["sanction_cols"] = cols
    ctx.scratch["sanction_cut"] = cut
