"""Kernel of :func:`armednet.sim.mechanisms.attacks.step_attacks`.

Counts whose rate exceeds the Poisson inversion threshold leave the compiled loops as
``-lam`` (counts are never negative) and are redrawn with :func:`armednet.sim.rng.poisson`.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._rng import pair_at, poisson1, salt, uniform_at
from armednet.sim.kernels._util import at, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.attacks import STREAM_ATTACKS
from armednet.sim.rng import poisson, uniform_pairs_at, uniforms
from armednet.sim.state import State

__all__ = ["step_attacks"]


@jit
def _draw(M: np.ndarray, H: np.ndarray, o: np.ndarray, S: np.ndarray, C: np.ndarray,
          active: np.ndarray, a: np.ndarray, exposure: np.ndarray,
          campaign_from: np.ndarray, presence: float, t: int, negotiated: np.ndarray,
          trigger: bool, tau: np.ndarray, theta: np.ndarray, delta: np.ndarray,
          beta: np.ndarray, m_ref: np.ndarray, alpha: np.ndarray, eta: np.ndarray,
          keys: np.ndarray, slots: np.ndarray, stream: int, mix: np.ndarray,
          n_d: np.ndarray, n_u: np.ndarray) -> int:
    R = M.shape[0]
    na = a.shape[0]
    sl = salt(t, stream)
    late_max = campaign_from[a[0]] if na > 0 else 0
    for j in range(na):
        late_max = max(late_max, campaign_from[a[j]])
    late = t < late_max
    # the step scales by the host's presence only when some run has pushed it below 1
    scale = False
    if negotiated.shape[0] > 0:
        for r in range(R):
            if negotiated[r] < 1.0:
                scale = True
    n_big = 0
    for r in range(R):
        b, ref, al, et = at(beta, r), at(m_ref, r), at(alpha, r), at(eta, r)
        th_tau = 0.0
        de = 0.0
        if trigger:
            th_tau = at(theta, r) * at(tau, r)
            de = at(delta, r)
        for j in range(na):
            g = a[j]
            if trigger:
                og = o[r, g]
                m = og + (1.0 - og) * de
                mix[r, j] = m
            if not active[r, g]:
                # the NumPy step's rate is a finite, non-negative number times 0: both
                # counts are 0 whatever the uniforms (no need for the powers and exps)
                n_d[r, j] = 0.0
                n_u[r, j] = 0.0
                continue
            lam = b * (M[r, g] / ref) ** al
            lam *= H[r, g]
            if trigger:
                lam *= 1.0 + th_tau * m
            lam *= presence * exposure[g]
            if late:
                lam *= 1.0 if t >= campaign_from[g] else 0.0
            if scale:
                lam *= negotiated[r]
            c = C[r, g]
            if S[r, g]:
                lam_d = 0.0
                lam_u = lam * (1.0 - c) * et
            else:
                lam_d = lam * c
                lam_u = lam * (1.0 - c) * 1.0
            u_d, u_u = pair_at(keys[r], sl, slots[g])
            k = poisson1(lam_d, u_d)
            if k < 0.0:
                k = -lam_d
                n_big += 1
            n_d[r, j] = k
            k = poisson1(lam_u, u_u)
            if k < 0.0:
                k = -lam_u
                n_big += 1
            n_u[r, j] = k
    return n_big


@jit
def _totals(a: np.ndarray, S: np.ndarray, n_a: np.ndarray, n_u: np.ndarray,
            attacks: np.ndarray, cf: np.ndarray, casualties: np.ndarray,
            civ_harm: np.ndarray, kappa_c: np.ndarray, kappa_h: np.ndarray,
            m_h: np.ndarray, keys: np.ndarray, t: int, s_cas: int, s_harm: int) -> int:
    R = n_a.shape[0]
    na = a.shape[0]
    salt_c, salt_h = salt(t, s_cas), salt(t, s_harm)
    n_big = 0
    for r in range(R):
        sum_a = 0.0
        sum_d = 0.0
        sum_u = 0.0
        for j in range(na):
            g = a[j]
            d = n_a[r, j]  # holds the disciplined counts until here
            u = n_u[r, j]
            n = d + u
            sum_a += n
            sum_d += d
            sum_u += u
            n_a[r, j] = n
            attacks[r, g] = n
            cf[r, j] = n * (1.0 if S[r, g] else 0.0)
        lam_c = at(kappa_c, r) * sum_a
        lam_h = at(kappa_h, r) * (sum_d + at(m_h, r) * sum_u)
        k = poisson1(lam_c, uniform_at(keys[r], salt_c, 0))
        if k < 0.0:
            k = -lam_c
            n_big += 1
        casualties[r] = k
        k = poisson1(lam_h, uniform_at(keys[r], salt_h, 0))
        if k < 0.0:
            k = -lam_h
            n_big += 1
        civ_harm[r] = k
    return n_big


def _redraw(n: np.ndarray, u: np.ndarray) -> None:
    """Replace the ``-lam`` entries of ``n`` by their draws (rates above the threshold)."""
    big = n < 0.0
    if big.any():
        n[big] = poisson(-n[big], u[big])


def step_attacks(s: State, ctx: Context) -> None:
    """Draw attacks, foreign casualties and civilian harm; write them to ``scratch``
    (compiled)."""
    R, G = s.M.shape
    p, sc = ctx.p, ctx.scratch
    a = sc["attacker_slots"]
    if "attacks" not in ctx.on:
        sc["attacks"] = np.zeros((R, G))
        sc["attacks_u"] = sc["attacks_cf"] = np.zeros((R, len(a)))
        sc["attacks_a"] = sc["attacks_u"]
        sc["casualties"] = sc["civ_harm"] = np.zeros(R)
        return
    assert ctx.keys is not None
    t = ctx.t
    keys = ctx.keys
    slots = ctx.slots if ctx.slots is not None else np.arange(G)
    na = len(a)
    trigger = "trigger" in ctx.on
    mix = np.empty((R, na)) if trigger else np.zeros((0, 0))
    tau = np.ascontiguousarray(sc["tau"], dtype=np.float64) if trigger else np.zeros((1, 1))
    negotiated = s.extra.get("presence")
    n_a, n_u = np.empty((R, na)), np.empty((R, na))
    s1, _, s3, s4 = STREAM_ATTACKS
    if _draw(s.M, s.H, s.o, s.S, s.C, s.active, a, ctx.inputs.exposure,
             ctx.inputs.campaign_from, float(ctx.policy.presence[t]), t,
             np.zeros(0) if negotiated is None else negotiated, trigger, tau,
             param(p, "trigger_sensitivity"), param(p, "domestic_trigger_weight"),
             param(p, "attack_base_rate"), param(p, "capability_ref"),
             param(p, "capability_elasticity"), param(p, "defiance"), keys, slots, s1, mix,
             n_a, n_u):
        u_d, u_u = uniform_pairs_at(keys, t, s1, slots[a])
        _redraw(n_a, u_d)
        _redraw(n_u, u_u)
    if trigger:
        sc["trigger_mix"] = mix  # reused by ceasefire
    attacks = np.zeros((R, G))
    cf = np.empty((R, na))
    casualties, civ_harm = np.empty(R), np.empty(R)
    if _totals(a, s.S, n_a, n_u, attacks, cf, casualties, civ_harm,
               param(p, "foreign_casualty_rate"), param(p, "civilian_harm_rate"),
               param(p, "undisciplined_harm"), keys, t, s3, s4):
        _redraw(casualties, uniforms(keys, t, s3, 1)[:, 0])
        _redraw(civ_harm, uniforms(keys, t, s4, 1)[:, 0])
    sc["attacks"] = attacks
    sc["attacks_a"] = n_a
    sc["attacks_u"] = n_u
    sc["attacks_cf"] = cf
    sc["casualties"], sc["civ_harm"] = casualties, civ_harm
