"""Kernel of :func:`armednet.sim.mechanisms.decapitation.step_decapitation`.

Runs without a killed leader or unnamed kill are left alone but for succession (in the
NumPy step their zero losses leave cohesion and the splinter slots unchanged).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._rng import salt, uniform_at
from armednet.sim.kernels._util import at, bools, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.decapitation import STREAM_SPLINTER
from armednet.sim.state import State

__all__ = ["step_decapitation"]


@jit
def _decapitation(C: np.ndarray, M: np.ndarray, F: np.ndarray, H: np.ndarray,
                  o: np.ndarray, L: np.ndarray, D: np.ndarray, active: np.ndarray,
                  killed: np.ndarray, unnamed: np.ndarray, leader_group: np.ndarray,
                  leader_share: np.ndarray, decap: bool, splinters: bool, g0: int,
                  splinter_of: np.ndarray, ended: np.ndarray, cohesion_loss: np.ndarray,
                  p_split: np.ndarray, f_split: np.ndarray, c_split: np.ndarray,
                  h_split: np.ndarray, q_split: np.ndarray, succession: bool,
                  c0: np.ndarray, rate: np.ndarray, maturity: np.ndarray, keys: np.ndarray,
                  slots: np.ndarray, t: int, stream: int) -> bool:
    R, G = C.shape
    NL = killed.shape[1]
    has_ended = ended.shape[0] > 0
    sl = salt(t, stream)
    lost = np.empty(G)
    formed = False
    for r in range(R):
        for g in range(G):
            lost[g] = 0.0
        for j in range(NL):  # leaders in order, as the bincount adds them
            if killed[r, j]:
                lost[leader_group[j]] += leader_share[j]
        any_lost = False
        for g in range(G):
            x = min(1.0, lost[g] + unnamed[g]) * (1.0 if active[r, g] else 0.0)
            lost[g] = x
            if x != 0.0:
                any_lost = True
        if any_lost:
            if decap:
                c_l = at(cohesion_loss, r)
                for g in range(G):
                    C[r, g] *= 1.0 - c_l * lost[g]
            if splinters:
                p_s, f_s = at(p_split, r), at(f_split, r)
                for g in range(g0, G):
                    if active[r, g] or (has_ended and ended[r, g]):
                        continue
                    par = splinter_of[g]
                    u = uniform_at(keys[r], sl, slots[par])
                    if not u < min(1.0, p_s * lost[par]):
                        continue
                    formed = True
                    dm, df = f_s * M[r, par], f_s * F[r, par]
                    M[r, par] -= dm
                    F[r, par] -= df
                    M[r, g] = dm
                    F[r, g] = df
                    C[r, g] = at(c_split, r)
                    H[r, g] = max(H[r, par], at(h_split, r))
                    o_par = o[r, par]
                    o[r, g] = o_par + at(q_split, r) * (1.0 - o_par)
                    L[r, g] = 0.5 * L[r, par]
                    D[r, g] = D[r, par]
                    active[r, g] = True
        if succession:
            c_0, s_r = at(c0, r), at(rate, r)
            for g in range(G):
                gap = max(c_0 - C[r, g], 0.0)
                C[r, g] += s_r * (0.5 + maturity[g]) * gap * (1.0 if active[r, g] else 0.0)
        for g in range(G):
            c = C[r, g]
            if c < 0.0:
                C[r, g] = 0.0
            elif c > 1.0:
                C[r, g] = 1.0
    return formed


def step_decapitation(s: State, ctx: Context) -> None:
    """Cohesion loss, splinters and succession (compiled)."""
    inp, p = ctx.inputs, ctx.p
    G = s.M.shape[1]
    g0 = inp.n_groups0
    assert ctx.keys is not None
    slots = ctx.slots if ctx.slots is not None else np.arange(G)
    splinters = "splinters" in ctx.on and g0 < G
    ended = s.extra.get("ended")
    one = np.zeros((1, 1))
    decap, succession = "decapitation" in ctx.on, "succession" in ctx.on

    def opt(on: bool, name: str) -> np.ndarray:
        return param(p, name) if on else one

    if _decapitation(
            s.C, s.M, s.F, s.H, s.o, s.L, s.D, s.active, ctx.scratch["killed"],
            np.asarray(ctx.scratch["unnamed_kill"], dtype=np.float64), inp.leader_group,
            inp.leader_share, decap, splinters, g0, inp.splinter_of,
            bools(ended) if ended is not None else np.zeros((0, 0), dtype=np.uint8),
            opt(decap, "cohesion_loss"), opt(splinters, "splinter_prob"),
            opt(splinters, "splinter_share"), opt(splinters, "splinter_cohesion"),
            opt(splinters, "splinter_hostility"), opt(splinters, "splinter_radicalism"),
            succession, opt(succession, "initial_cohesion"),
            opt(succession, "succession_rate"), inp.maturity, ctx.keys, slots, ctx.t,
            STREAM_SPLINTER):
        ctx.scratch["splinters_formed"] = True
