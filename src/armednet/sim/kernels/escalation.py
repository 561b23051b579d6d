"""Kernel of :func:`armednet.sim.mechanisms.escalation.step_escalation`.

The threat, the lethal draws and the cost terms for the cease-fire decision are computed
run by run in one loop; the cost terms are written as one (runs, attacker slots) array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim.kernels._rng import salt, uniform_at
from armednet.sim.kernels._util import active_max, at, flag, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.escalation import STREAM_LETHAL
from armednet.sim.state import State

__all__ = ["step_escalation"]


@jit
def _escalation(th: np.ndarray, lethal: np.ndarray, active: np.ndarray, n_a: np.ndarray,
                a: np.ndarray, slots: np.ndarray, keys: np.ndarray, week: int, stream: int,
                warn: np.ndarray, clients: np.ndarray, patron: np.ndarray, fear_on: bool,
                prev: np.ndarray, out: np.ndarray, decay: np.ndarray, phi: np.ndarray,
                lethal_threat: np.ndarray, warning_threat: np.ndarray,
                threat_weight: np.ndarray, war_fear_weight: np.ndarray) -> None:
    R, G = th.shape
    na = len(a)
    sl = salt(week, stream)
    warned = False
    for g in range(G):
        warned = warned or warn[g] != 0.0
    has_prev = prev.shape[0] > 0
    for r in range(R):
        keep = 1.0 - at(decay, r)
        for g in range(G):
            th[r, g] *= keep
        q = 1.0 - at(phi, r)
        for c in range(na):
            n = n_a[r, c]
            if n > 0.0:
                u = uniform_at(keys[r], sl, slots[a[c]])
                if u < 1.0 - q ** n:
                    th[r, a[c]] += at(lethal_threat, r)
                    lethal[r] += 1.0
        if warned:
            wt = at(warning_threat, r)
            for g in range(G):
                th[r, g] += wt * warn[g] * (1.0 if active[r, g] else 0.0)
        if na == 0:
            continue
        tw = at(threat_weight, r)
        for c in range(na):
            term = tw * th[r, a[c]]
            out[r, c] = prev[r, c] + term if has_prev else term
        if fear_on:
            fear = active_max(th, r, clients, active)
            wf = at(war_fear_weight, r)
            for c in range(na):
                out[r, c] += wf * patron[a[c]] * fear


def _clients(inputs: Any) -> np.ndarray:
    """The patron's client slots (a patron tie), kept with the inputs."""
    clients: np.ndarray = inputs.cached("kernels.escalation.clients",
                                        lambda inp: np.flatnonzero(inp.patron > 0))
    return clients


def step_escalation(s: State, ctx: Context) -> None:
    """Decay and raise the threat; add its cost terms for this week's decisions
    (compiled)."""
    if "escalation" not in ctx.on:
        return
    p, inp = ctx.p, ctx.inputs
    a = ctx.scratch["attacker_slots"]
    clients = _clients(inp)
    prev = ctx.scratch.get("ceasefire_cost")
    out = np.empty((s.runs, len(a)))
    assert ctx.keys is not None and ctx.slots is not None  # the engine's contexts have them
    _escalation(s.extra["threat"], s.extra["lethal"], s.active, ctx.scratch["attacks_a"], a,
                ctx.slots, ctx.keys, ctx.t, STREAM_LETHAL,
                inp.extra["escalation"]["warnings"][ctx.t], clients, inp.patron,
                "patron_fear" in ctx.on and len(clients) > 0, flag(prev), out,
                param(p, "threat_decay"), param(p, "lethal_attack_prob"),
                param(p, "lethal_threat"), param(p, "warning_threat"),
                param(p, "threat_weight"), param(p, "war_fear_weight"))
    if len(a):
        ctx.scratch["ceasefire_cost"] = out
