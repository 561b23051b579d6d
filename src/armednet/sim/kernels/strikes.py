"""Kernel of :func:`armednet.sim.mechanisms.strikes.step_strikes`.

The week's strike intensity is built only in weeks with some strike lever or scheduled
strike; its effects are applied only when it is non-zero in some run (as the NumPy step,
which clips hostility and legitimacy in every run then).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._rng import poisson1, salt, uniform_at
from armednet.sim.kernels._util import at, clip01, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.strikes import STREAM_STRIKES
from armednet.sim.rng import poisson, uniforms
from armednet.sim.state import State

__all__ = ["step_strikes"]


@jit
def _kills(alive: np.ndarray, kill_t: np.ndarray, decap_t: np.ndarray, has_decap: bool,
           kill_rate: np.ndarray, keys: np.ndarray, t: int, stream: int,
           killed: np.ndarray) -> None:
    R, NL = alive.shape
    sl = salt(t, stream)
    for r in range(R):
        k_l = at(kill_rate, r)
        for j in range(NL):
            k = kill_t[j]
            if has_decap and not k:
                hazard = 1.0 - np.exp(-k_l * decap_t[j])
                # a uniform is in (0, 1): no draw can fall below a zero hazard
                if hazard > 0.0 and uniform_at(keys[r], sl, j) < hazard:
                    k = True
            k = k and alive[r, j]
            killed[r, j] = k
            if k:
                alive[r, j] = False


@jit
def _hit(D: np.ndarray, decay: np.ndarray, build: bool, hit: np.ndarray,
         fixed: np.ndarray, sched: np.ndarray, has_sched: bool, per_unit: np.ndarray,
         prop: np.ndarray, has_prop: bool, gain: np.ndarray, rules_x: np.ndarray,
         rules_thr: np.ndarray, active: np.ndarray, last_attacks: np.ndarray,
         last_casualties: np.ndarray) -> bool:
    R, G = D.shape
    any_hit = False
    for r in range(R):
        keep = 1.0 - at(decay, r)
        for g in range(G):
            D[r, g] *= keep
        if not build:
            continue
        n_u, g_r = at(per_unit, r), at(gain, r)
        for g in range(G):
            h = fixed[g]
            if has_sched:
                h += sched[g] / n_u
            if has_prop:
                h += prop[g] * g_r * last_attacks[r, g]
            for i in range(rules_x.shape[0]):
                fire = last_casualties[r] >= rules_thr[i] and last_attacks[r, g] > 0
                h += rules_x[i, g] * (1.0 if fire else 0.0)
            h *= 1.0 if active[r, g] else 0.0
            hit[r, g] = h
            if h != 0.0:
                any_hit = True
    return any_hit



@jit
def _apply(hit: np.ndarray, M: np.ndarray, D: np.ndarray, H: np.ndarray, L: np.ndarray,
           lethality: np.ndarray, hostility: np.ndarray, rally: bool, rally_effect: np.ndarray,
           harm_rate: np.ndarray, keys: np.ndarray, t: int, stream: int,
           harm: np.ndarray) -> int:
    R, G = M.shape
    sl = salt(t, stream)
    n_big = 0
    for r in range(R):
        neg_ls, h_s, r_e = -at(lethality, r), at(hostility, r), at(rally_effect, r)
        total = 0.0
        for g in range(G):
            x = hit[r, g]
            total += x
            M[r, g] *= np.exp(neg_ls * x)
            D[r, g] += x
            h = H[r, g]
            h += h_s * x * (1.0 - h)
            H[r, g] = clip01(h)
            if rally:
                v = L[r, g]
                v += r_e * x * (1.0 - v)
                L[r, g] = clip01(v)
        lam = at(harm_rate, r) * total
        k = poisson1(lam, uniform_at(keys[r], sl, 0))
        if k < 0.0:  # above the inversion threshold: redrawn by the wrapper
            k = -lam
            n_big += 1
        harm[r] = k
    return n_big


def step_strikes(s: State, ctx: Context) -> None:
    """Apply this week's strikes and leadership kills (compiled)."""
    R, G = s.M.shape
    t, sch, inp, p, sc = ctx.t, ctx.policy, ctx.inputs, ctx.p, ctx.scratch
    assert ctx.keys is not None
    keys = ctx.keys
    sched = inp.strike_events[t]
    fixed, prop = sch.strike_fixed[t], sch.strike_prop[t]
    rules = [(arr[t], thr) for arr, thr in sch.strike_casualty if arr[t].any()]
    has_sched, has_prop = bool(sched.any()), bool(prop.any())
    # the intensity only matters when strikes are on (the NumPy step discards it otherwise)
    build = "strikes" in ctx.on and (bool(fixed.any()) or has_sched or has_prop or bool(rules))
    hit = np.empty((R, G)) if build else np.zeros((0, 0))
    if rules:
        rules_x = np.array([x for x, _ in rules], dtype=np.float64)
        rules_thr = np.array([thr for _, thr in rules], dtype=np.float64)
    else:
        rules_x, rules_thr = np.zeros((0, G)), np.zeros(0)
    any_hit = _hit(s.D, param(p, "cost_memory_decay"), build, hit, fixed, sched, has_sched,
                   param(p, "strike_targets_per_unit"), prop, has_prop,
                   param(p, "retaliation_gain"), rules_x, rules_thr, s.active,
                   s.last_attacks, s.last_casualties)
    NL = len(inp.leader_ids)
    killed = np.empty((R, NL), dtype=bool)
    decap = sch.decap[t]
    _kills(s.alive, inp.kill_events[t], decap, bool(decap.any()),
           param(p, "leader_kill_rate"), keys, t, STREAM_STRIKES[1], killed)
    sc["killed"] = killed
    sc["unnamed_kill"] = inp.unnamed_kill_events[t]
    if not any_hit:
        sc["strike"] = None
        sc["strike_harm"] = np.zeros(R)
        return
    harm = np.empty(R)
    rally = "rally" in ctx.on
    if _apply(hit, s.M, s.D, s.H, s.L, param(p, "strike_lethality"),
              param(p, "strike_hostility"), rally,
              param(p, "rally_effect") if rally else np.zeros((1, 1)),
              param(p, "strike_civilian_harm"), keys, t, STREAM_STRIKES[0], harm):
        big = harm < 0.0
        harm[big] = poisson(-harm[big], uniforms(keys, t, STREAM_STRIKES[0], 1)[big, 0])
    sc["strike"] = hit
    sc["strike_harm"] = harm
