"""Kernel of :func:`armednet.sim.mechanisms.ceasefire.step_ceasefire`.

The cost (stake in captured offices, patron restraint, allies in cease-fire, backing, the
escalation terms), the pull and the decisions are computed run by run in one loop. The
allies' sum runs over the columns of the coordination matrix of the allies that are in a
cease-fire only (CSC order): each attacker's terms are added in increasing ally order, as
scipy's CSR product does, skipping terms that are zero; its cost is proportional to the
ties of groups in cease-fire, not to all ties (an umbrella makes the matrix dense).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim.kernels._rng import salt, uniform_at
from armednet.sim.kernels._util import active_max, at, flag, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.ceasefire import STREAM_CEASEFIRE, attacker_coordination
from armednet.sim.state import State

__all__ = ["step_ceasefire"]


@jit
def _ceasefire(S: np.ndarray, D: np.ndarray, H: np.ndarray, o: np.ndarray,
               active: np.ndarray, B: np.ndarray, Xp: np.ndarray, pair_h: np.ndarray,
               pair_k: np.ndarray, n_holders: int, inst_weight: np.ndarray, p_ref: float,
               a: np.ndarray, ia: np.ndarray, ih: np.ndarray, stake_on: bool,
               patron: np.ndarray, clients: np.ndarray, coord_on: bool, indptr: np.ndarray,
               indices: np.ndarray, data: np.ndarray, total: np.ndarray, backing_on: bool,
               extra: np.ndarray, trigger_on: bool, mix: np.ndarray, tau: np.ndarray,
               provocation_on: bool, prov: np.ndarray, hit: np.ndarray,
               keys: np.ndarray, slots: np.ndarray, week: int, stream: int,
               declared: np.ndarray, cf_tau: np.ndarray, ends: np.ndarray,
               cost_weight: np.ndarray, stake_weight: np.ndarray,
               patron_restraint: np.ndarray, coordination_weight: np.ndarray,
               backing_weight: np.ndarray, pull_weight: np.ndarray,
               domestic_trigger_weight: np.ndarray, memory_decay: np.ndarray,
               provocation_weight: np.ndarray, threshold: np.ndarray,
               declare_rate: np.ndarray, resume_fraction: np.ndarray,
               resume_rate: np.ndarray) -> None:
    R, G = S.shape
    na = len(a)
    sl = salt(week, stream)
    P = len(pair_k)
    w = np.empty(len(inst_weight))
    for k in range(len(inst_weight)):
        w[k] = inst_weight[k] / p_ref
    infl = np.zeros(n_holders)
    stake = np.zeros(na)
    allies = np.zeros(na)
    cost = np.empty(na)
    has_extra = extra.shape[0] > 0
    has_mix = mix.shape[0] > 0
    struck = hit.shape[0] > 0
    for r in range(R):
        # stake in captured offices (holder_influence), summed in pair order as bincount
        if stake_on:
            for h in range(n_holders):
                infl[h] = 0.0
            for q in range(P):
                infl[pair_h[q]] += Xp[r, q] * w[pair_k[q]]
            for i in range(len(ia)):
                stake[ia[i]] = (1.0 - o[r, a[ia[i]]]) * infl[ih[i]]
        cw, sw = at(cost_weight, r), at(stake_weight, r)
        for c in range(na):
            cost[c] = cw * D[r, a[c]] * (1.0 + sw * stake[c])
        if len(clients) > 0:
            heaviest = active_max(D, r, clients, active)
            pr = at(patron_restraint, r)
            for c in range(na):
                cost[c] += pr * patron[a[c]] * heaviest
        if coord_on:
            some = False
            for c in range(na):
                some = some or S[r, a[c]]
            for c in range(na):
                allies[c] = 0.0
            if some:
                for j in range(na):  # indptr/indices/data: CSC, rows sorted in a column
                    if S[r, a[j]]:
                        for jj in range(indptr[j], indptr[j + 1]):
                            allies[indices[jj]] += data[jj]
                for c in range(na):
                    allies[c] = allies[c] / max(1.0, total[c])
            cwt = at(coordination_weight, r)
            for c in range(na):
                cost[c] += cwt * allies[c]
        if backing_on:
            bb = at(backing_weight, r) * B[r]
            for c in range(na):
                cost[c] += bb * stake[c]
        if has_extra:
            for c in range(na):
                cost[c] += extra[r, c]
        # provocation memory: every group, struck while holding a cease-fire (S before
        # this week's decisions)
        if provocation_on:
            keep = 1.0 - at(memory_decay, r)
            for g in range(G):
                v = prov[r, g] * keep
                if struck:
                    v += hit[r, g] * (1.0 if S[r, g] else 0.0)
                prov[r, g] = v
        pw, dtw, t_r = at(pull_weight, r), at(domestic_trigger_weight, r), tau[r, 0]
        pvw = at(provocation_weight, r)
        thr = at(threshold, r)
        rf = at(resume_fraction, r)
        dr, rr = at(declare_rate, r), at(resume_rate, r)
        for c in range(na):
            g = a[c]
            pull = pw * H[r, g]
            if trigger_on:
                m = mix[r, c] if has_mix else o[r, g] + (1.0 - o[r, g]) * dtw
                pull *= 1.0 + t_r * m
            if provocation_on:
                pull = pull + pvw * prov[r, g]
            z = cost[c] - pull
            s_c, act = S[r, g], active[r, g]
            dec = (not s_c) and act and z > thr
            end = s_c and z < rf * thr
            new = False
            stopped = False
            if dec or end:
                u = uniform_at(keys[r], sl, slots[g])
                if dec:
                    new = u < 1.0 - np.exp(-dr * (z - thr))
                else:
                    stopped = u < 1.0 - np.exp(-rr * (rf * thr - z))
            S[r, g] = (s_c or new) and not stopped and act
            declared[r, g] = new
            if new:
                cf_tau[r, g] = t_r
            elif stopped:
                if prov[r, g] > 0.05:
                    ends[r, 2] += 1.0
                elif t_r > cf_tau[r, g] + 0.05:
                    ends[r, 1] += 1.0
                else:
                    ends[r, 0] += 1.0


def _clients(inputs: Any) -> np.ndarray:
    """The patron's client slots (a patron tie), kept with the inputs."""
    clients: np.ndarray = inputs.cached("kernels.ceasefire.clients",
                                        lambda inp: np.flatnonzero(inp.patron > 0))
    return clients


def _coordination(inputs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The attackers' coordination matrix as CSC arrays (int64 indices, rows sorted within
    each column) and each attacker's total weight of allies, kept with the inputs."""
    def build(inp: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        W, total = attacker_coordination(inp)
        W = W.tocsc()
        W.sort_indices()
        return (W.indptr.astype(np.int64), W.indices.astype(np.int64),
                W.data.astype(np.float64), np.asarray(total, dtype=np.float64))

    csr: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = inputs.cached(
        "kernels.ceasefire.coordination_csc", build)
    return csr


_NO_INT = np.zeros(0, dtype=np.int64)
_NO_FLOAT = np.zeros(0)


def step_ceasefire(s: State, ctx: Context) -> None:
    """Declare and end cease-fires (writes ``scratch['declared']``, a (runs, groups) mask)
    (compiled)."""
    p, inp, sc = ctx.p, ctx.inputs, ctx.scratch
    declared = np.zeros(s.M.shape, dtype=bool)
    sc["declared"] = declared
    a = sc["attacker_slots"]
    if "ceasefire" not in ctx.on or len(a) == 0:
        return
    ia, ih = sc["attacker_holders"]
    lay = s.layout
    indptr, indices, data, total = _NO_INT, _NO_INT, _NO_FLOAT, _NO_FLOAT
    coord_on = "coordination" in ctx.on
    if coord_on:
        indptr, indices, data, total = _coordination(inp)
        coord_on = len(data) > 0
    trigger_on = "trigger" in ctx.on
    mix = sc.get("trigger_mix")
    if not trigger_on or sc.get("splinters_formed"):
        mix = None
    provocation_on = "provocation" in ctx.on
    assert ctx.keys is not None and ctx.slots is not None  # the engine's contexts have them
    _ceasefire(s.S, s.D, s.H, s.o, s.active, s.B, s.Xp, lay.pair_h, lay.pair_k,
               len(lay.holders), np.asarray(inp.inst_weight, dtype=np.float64),
               float(sc["p_ref"]), a, ia, ih, bool(inp.K and len(ia)), inp.patron,
               _clients(inp), coord_on, indptr, indices, data, total,
               "backing" in ctx.on, flag(sc.get("ceasefire_cost")), trigger_on, flag(mix),
               np.asarray(sc["tau"], dtype=np.float64), provocation_on,
               s.extra["provocation"], flag(sc.get("strike")), ctx.keys, ctx.slots, ctx.t,
               STREAM_CEASEFIRE, declared, s.extra["ceasefire_tau"], s.extra["ceasefire_ends"],
               param(p, "ceasefire_cost_weight"), param(p, "stake_weight"),
               param(p, "patron_restraint"), param(p, "coordination_weight"),
               param(p, "backing_weight"), param(p, "pull_weight"),
               param(p, "domestic_trigger_weight"), param(p, "cost_memory_decay"),
               param(p, "provocation_weight"), param(p, "ceasefire_threshold"),
               param(p, "declare_rate"), param(p, "resume_fraction"), param(p, "resume_rate"))
