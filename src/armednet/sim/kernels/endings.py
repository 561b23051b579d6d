"""Kernel of :func:`armednet.sim.mechanisms.endings.step_endings`.

One pass per run: the hazards of every slot, the merger ally only where a group may end
(as the NumPy step), then the week's endings of that run applied at once (an ally that
ends in the same week absorbs nobody, whatever its slot's order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim.kernels._rng import pair_at, salt
from armednet.sim.kernels._util import at, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.endings import STREAM_ENDINGS, _allies
from armednet.sim.state import State

__all__ = ["step_endings"]


@jit
def _endings(M: np.ndarray, F: np.ndarray, C: np.ndarray, H: np.ndarray, active: np.ndarray,
             S: np.ndarray, ended: np.ndarray, end_week: np.ndarray, end_kind: np.ndarray,
             Xp: np.ndarray, pair_h: np.ndarray, pair_k: np.ndarray, holders: np.ndarray,
             w: np.ndarray, size: np.ndarray, keys: np.ndarray, slots: np.ndarray, t: int,
             col_on: bool, mer_on: bool, dem_on: bool, collapse_rate: np.ndarray,
             collapse_cohesion: np.ndarray, collapse_capability: np.ndarray,
             merger_rate: np.ndarray, merger_ratio: np.ndarray,
             demobilisation_rate: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
             data: np.ndarray, top: np.ndarray) -> None:
    R, G = M.shape
    P = Xp.shape[1]
    NH = holders.shape[0]
    sl = salt(t, STREAM_ENDINGS)
    phat = np.zeros(G)
    infl = np.zeros(NH)
    row = np.zeros(G)  # the dense coordination row of one group (what .toarray() gives)
    ends = np.zeros(G, dtype=np.bool_)
    kind = np.zeros(G, dtype=np.int64)
    ally = np.zeros(G, dtype=np.int64)
    for r in range(R):
        crate, ccoh = at(collapse_rate, r), at(collapse_cohesion, r)
        ccap, drate = at(collapse_capability, r), at(demobilisation_rate, r)
        mrate, mratio = at(merger_rate, r), at(merger_ratio, r)
        if dem_on:
            for h in range(NH):
                infl[h] = 0.0
            for q in range(P):  # by holder, in pair order (as the bincount)
                infl[pair_h[q]] += Xp[r, q] * w[pair_k[q]]
            for h in range(NH):
                x = infl[h]
                phat[holders[h]] = 1.0 if x >= 1.0 else x
        any_end = False
        for g in range(G):
            ends[g] = False
            act = active[r, g]
            af = 1.0 if act else 0.0
            hcol = 0.0
            if col_on:
                weak = (ccoh > C[r, g]) or (ccap * size[g] > M[r, g])
                hcol = crate if (weak and act) else 0.0
            hdem = 0.0
            if dem_on:
                hdem = drate * phat[g] * (1.0 - H[r, g]) * af
            pulled = mrate * top[g] * af if mer_on else 0.0
            bound = hcol + pulled + hdem
            if not bound > 0.0:
                continue
            u_end, u_kind = pair_at(keys[r], sl, slots[g])
            if not u_end < 1.0 - np.exp(-bound):
                continue
            hmer = 0.0
            j = 0
            if mer_on:
                for k in range(indptr[g], indptr[g + 1]):
                    row[indices[k]] = data[k]
                best = row[0] * (M[r, 0] * (1.0 if active[r, 0] else 0.0))
                for c in range(1, G):
                    pull = row[c] * (M[r, c] * (1.0 if active[r, c] else 0.0))
                    if pull > best:
                        best = pull
                        j = c
                if (mratio * M[r, j] > M[r, g]) and best > 0.0 and act:
                    hmer = mrate * row[j]
                for k in range(indptr[g], indptr[g + 1]):
                    row[indices[k]] = 0.0
            hc = hcol + hmer + hdem
            if u_end < 1.0 - np.exp(-hc):
                ends[g] = True
                any_end = True
                x = u_kind * hc
                kind[g] = 1 if x < hcol else (2 if x < hcol + hmer else 3)
                ally[g] = j
        if not any_end:
            continue
        for g in range(G):
            if ends[g] and kind[g] == 2 and ends[ally[g]]:
                kind[g] = 1  # an ally that ends absorbs nobody
        for g in range(G):  # sources all end and allies do not: no source is a target
            if ends[g] and kind[g] == 2:
                M[r, ally[g]] += M[r, g]
                F[r, ally[g]] += F[r, g]
        for g in range(G):
            if ends[g]:
                M[r, g] = 0.0
                F[r, g] = 0.0
                active[r, g] = False
                S[r, g] = False
                ended[r, g] = True
                end_week[r, g] = t
                end_kind[r, g] = kind[g]


def _csr(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The allies' CSR arrays and largest weights (the NumPy step's table) with the dtypes
    the kernel is compiled for, kept with the inputs."""
    W, top = _allies(ctx)

    def build(_: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return (np.ascontiguousarray(W.indptr, dtype=np.int64),
                np.ascontiguousarray(W.indices, dtype=np.int64),
                np.ascontiguousarray(W.data, dtype=np.float64),
                np.ascontiguousarray(top, dtype=np.float64))

    out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = ctx.inputs.cached(
        "kernels.endings.allies", build)
    return out


def step_endings(s: State, ctx: Context) -> None:
    """End groups: mark them inactive for good and move or drop their fighters and funds
    (compiled)."""
    on = ctx.on
    if not {"collapse", "merger", "demobilisation"} & on:
        return
    p, inp = ctx.p, ctx.inputs
    assert ctx.keys is not None
    G = s.M.shape[1]
    slots = ctx.slots if ctx.slots is not None else np.arange(G)
    lay = s.layout
    dem_on = "demobilisation" in on and bool(inp.K)
    w = inp.inst_weight / ctx.scratch["p_ref"] if dem_on else np.zeros(0)
    indptr, indices, data, top = _csr(ctx)
    x = s.extra
    _endings(s.M, s.F, s.C, s.H, s.active, s.S, x["ended"], x["end_week"], x["end_kind"],
             s.Xp, lay.pair_h, lay.pair_k, lay.holders, np.asarray(w, dtype=np.float64),
             inp.size, ctx.keys, np.asarray(slots, dtype=np.int64), ctx.t,
             "collapse" in on, "merger" in on, dem_on, param(p, "collapse_rate"),
             param(p, "collapse_cohesion"), param(p, "collapse_capability"),
             param(p, "merger_rate"), param(p, "merger_ratio"),
             param(p, "demobilisation_rate"), indptr, indices, data, top)
