"""Kernel of :func:`armednet.sim.mechanisms.accountability.step_accountability`.

The capture index and the holders' influence are summed in the kernel over the stored
pairs, in pair order; repression harm above the Poisson threshold is redrawn with
:func:`armednet.sim.rng.poisson`.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._rng import poisson1, salt, uniform_at
from armednet.sim.kernels._util import at, clip01, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.accountability import STREAM_REPRESSION
from armednet.sim.rng import poisson, uniforms
from armednet.sim.state import State

__all__ = ["step_accountability"]



@jit
def _accountability(Xp: np.ndarray, A: np.ndarray, Q: np.ndarray, L: np.ndarray,
                    holders: np.ndarray, pair_h: np.ndarray, pair_k: np.ndarray,
                    reform: bool, pace: np.ndarray, target: np.ndarray, resistance: np.ndarray,
                    protest: bool, budget_norm: np.ndarray, inst_weight: np.ndarray,
                    p_ref: float, civil_society: float, cs_effect: np.ndarray,
                    repression_rate: np.ndarray, growth: np.ndarray, decay: np.ndarray,
                    to_accountability: np.ndarray, to_legitimacy: np.ndarray,
                    repression_harm: np.ndarray, keys: np.ndarray, t: int, stream: int,
                    harm: np.ndarray) -> np.ndarray:
    """Update A, Q and L in place and write the harm; the runs whose harm rate is above
    the Poisson threshold (their ``harm`` holds the rate, to be drawn by the caller)."""
    R, P = Xp.shape
    K = A.shape[1]
    H = holders.shape[0]
    xsum = np.empty(K)
    infl = np.empty(H)
    w = np.empty(K)
    for k in range(K):
        w[k] = inst_weight[k] / p_ref
    any_pace = False
    for k in range(K):
        if pace[k] != 0.0:
            any_pace = True
    big = np.empty(R, dtype=np.intp)
    n_big = 0
    st = salt(t, stream)
    for r in range(R):
        if reform and any_pace:
            for k in range(K):
                xsum[k] = 0.0
            for p in range(P):
                xsum[pair_k[p]] += Xp[r, p]
            gx = at(resistance, r)
            for k in range(K):
                gap = target[k] - A[r, k]
                gap = 0.0 if gap < 0.0 else gap
                A[r, k] += pace[k] * gap * (1.0 - gx * xsum[k])
        if protest:
            # capture index: budget-weighted total capture, in pair order
            ci = 0.0
            for p in range(P):
                ci += Xp[r, p] * budget_norm[pair_k[p]]
            total_a = 0.0
            for k in range(K):
                total_a += A[r, k]
            drive = ci * (1.0 - total_a / K) + at(cs_effect, r) * civil_society
            rep = at(repression_rate, r) * Q[r] * ci
            q = Q[r]
            dq = at(growth, r) * drive * (1.0 - q) - at(decay, r) * q - rep * q
            q = clip01(q + dq)
            Q[r] = q
            pa = at(to_accountability, r)
            for k in range(K):
                A[r, k] += pa * q * (1.0 - A[r, k])
            # only groups holding offices lose legitimacy to protest
            for h in range(H):
                infl[h] = 0.0
            for p in range(P):
                infl[pair_h[p]] += Xp[r, p] * w[pair_k[p]]
            lq = at(to_legitimacy, r) * q
            for h in range(H):
                g = holders[h]
                x = infl[h]
                x = 1.0 if x > 1.0 else x
                L[r, g] = clip01(L[r, g] - lq * x * L[r, g])
            lam = at(repression_harm, r) * rep
            n = poisson1(lam, uniform_at(keys[r], st, 0))
            if n < 0.0:
                big[n_big] = r
                n_big += 1
                n = lam
            harm[r] = n
        for k in range(K):
            A[r, k] = clip01(A[r, k])
    return big[:n_big]


def step_accountability(s: State, ctx: Context) -> None:
    """Reform, protest, repression (writes ``scratch['repression_harm']``) (compiled)."""
    inp, p, t = ctx.inputs, ctx.p, ctx.t
    harm = np.zeros(s.runs)
    ctx.scratch["repression_harm"] = harm
    if inp.K == 0:
        return
    assert ctx.keys is not None
    lay, pol = s.layout, ctx.policy
    big = _accountability(
        s.Xp, s.A, s.Q, s.L, lay.holders, lay.pair_h, lay.pair_k,
        "accountability" in ctx.on, pol.reform_pace[t], pol.reform_target[t],
        param(p, "capture_resistance"), "protest" in ctx.on,
        np.asarray(ctx.scratch["budget_norm"], dtype=np.float64),
        np.asarray(inp.inst_weight, dtype=np.float64), float(ctx.scratch["p_ref"]),
        float(pol.civil_society[t]), param(p, "civil_society_effect"),
        param(p, "repression_rate"), param(p, "protest_growth"), param(p, "protest_decay"),
        param(p, "protest_accountability"), param(p, "protest_legitimacy"),
        param(p, "repression_harm"), ctx.keys, t, STREAM_REPRESSION, harm)
    if len(big):  # rates above the Poisson threshold: the numpy function's normal draw
        u = uniforms(ctx.keys[big], t, STREAM_REPRESSION, 1)[:, 0]
        harm[big] = poisson(harm[big], u)
