"""Accountability reform, protest and repression (C9).

Equations (weekly; ``ci = sum_k bhat_k Xsum_k`` the capture index, ``bhat`` budget shares
normalised over the scenario's institutions)::

    A_k += pace_k(t) (target_k - A_k)^+ (1 - g_X Xsum_k)                 (``accountability``)
         + phi_A Q (1 - A_k)                                              (``protest``)
    Q   += g_Q (ci (1 - mean_k A_k) + s_cs cs(t)) (1 - Q) - d_Q Q - rep Q  (``protest``)
    rep  = r_p Q ci;  harm ~ Poisson(h_r rep);  L_g -= l_Q Q Phat_g L_g

Reform is slower where capture is high (captured institutions resist); protest is fed by
grievance (capture and impunity) and civil-society support, pushes accountability up and
strips captured groups of legitimacy; groups repress it, harming civilians.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Beyond the bombings" (accountability, anti-corruption, the 2019 protests).
.. [2] D. Acemoglu and J. A. Robinson, *The Narrow Corridor*, Penguin, 2019 (society's
   mobilisation and state accountability).
"""

from __future__ import annotations

import numpy as np

from armednet.sim._ops import rowsum
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.rng import poisson
from armednet.sim.state import State

__all__ = ["ACCOUNTABILITY", "PROTEST", "STREAM_REPRESSION", "capture_index",
           "step_accountability"]

STREAM_REPRESSION = 9

def capture_index(s: State, ctx: Context) -> np.ndarray:
    """Budget-weighted mean of total capture, shape (runs,)."""
    inp = ctx.inputs
    if inp.K == 0:
        return np.zeros(s.runs)
    # by index, in pair order: an einsum over the last axis rounds differently for one run
    return s.layout.total(s.Xp * ctx.scratch["budget_norm"][s.layout.pair_k])


def step_accountability(s: State, ctx: Context) -> None:
    """Reform, protest, repression (writes ``scratch['repression_harm']``)."""
    inp, p, t = ctx.inputs, ctx.p, ctx.t
    R = s.runs
    ctx.scratch["repression_harm"] = np.zeros(R)
    if inp.K == 0:
        return
    xsum = s.layout.by_inst(s.Xp)
    if "accountability" in ctx.on:
        pace = ctx.policy.reform_pace[t]
        if pace.any():
            gap = np.maximum(ctx.policy.reform_target[t] - s.A, 0.0)
            s.A += pace * gap * (1.0 - p["capture_resistance"] * xsum)
    if "protest" in ctx.on:
        ci = capture_index(s, ctx)
        drive = ci * (1.0 - rowsum(s.A) / inp.K) + (p["civil_society_effect"][:, 0]
                                                  * ctx.policy.civil_society[t])
        rep = p["repression_rate"][:, 0] * s.Q * ci
        s.Q += (p["protest_growth"][:, 0] * drive * (1.0 - s.Q)
                - p["protest_decay"][:, 0] * s.Q - rep * s.Q)
        np.clip(s.Q, 0.0, 1.0, out=s.Q)
        s.A += p["protest_accountability"] * s.Q[:, None] * (1.0 - s.A)
        from armednet.sim.mechanisms.ceasefire import holder_influence

        h = s.holders  # only groups holding offices lose legitimacy to protest
        L = s.L[:, h]
        L -= p["protest_legitimacy"] * s.Q[:, None] * np.minimum(
            holder_influence(s, ctx), 1.0) * L
        s.L[:, h] = np.clip(L, 0.0, 1.0, out=L)
        u = ctx.uniform(STREAM_REPRESSION, 1)[:, 0]
        ctx.scratch["repression_harm"] = poisson(p["repression_harm"][:, 0] * rep, u)
    np.clip(s.A, 0.0, 1.0, out=s.A)


ACCOUNTABILITY = Mechanism(
    name="accountability", title="Accountability reform",
    claims=("C5", "C9"),
    summary="The reform lever moves accountability toward its target, slower where capture is "
            "high; higher accountability erodes capture and rents. Off: the reform lever does "
            "nothing.",
    step=step_accountability, order=120,
    parameters=(
        Parameter(
            name="capture_resistance", symbol="g_X", unit="1",
            default=0.5, low=0.0, high=1.0, hard_high=1.0,
            meaning="How much capture slows reform (at full "
                    "capture).",
            source="judgment",
        ),
    ),
)
PROTEST = Mechanism(
    name="protest", title="Protest and repression",
    claims=("C9",),
    summary="Grievance and civil-society support raise protest, which pushes accountability up "
            "and captured groups' legitimacy down; groups repress it, harming civilians. Off: no "
            "protest.",
    parameters=(
        Parameter(
            name="protest_accountability", symbol="phi_A", unit="1 / week",
            default=0.005, low=0.0, high=0.02, hard_high=1.0,
            meaning="Weekly rise of accountability per unit of "
                    "protest.",
            source="judgment",
        ),
        Parameter(
            name="protest_growth", symbol="g_Q", unit="1 / week",
            default=0.05, low=0.0, high=0.2, hard_high=1.0,
            meaning="Weekly growth of protest per unit of drive.",
            source="judgment",
        ),
        Parameter(
            name="civil_society_effect", symbol="s_cs", unit="1",
            default=0.5, low=0.0, high=2.0,
            meaning="Protest drive per unit of civil-society "
                    "support.",
            source="judgment",
        ),
        Parameter(
            name="protest_decay", symbol="d_Q", unit="1 / week",
            default=0.05, low=0.01, high=0.2, hard_high=1.0,
            meaning="Weekly decay of protest.",
            source="judgment",
        ),
        Parameter(
            name="repression_rate", symbol="r_p", unit="1 / week",
            default=0.2, low=0.0, high=1.0, hard_high=1.0,
            meaning="Repression per unit of protest and capture.",
            source="judgment",
        ),
        Parameter(
            name="repression_harm", symbol="h_r", unit="people",
            default=5.0, low=0.0, high=20.0,
            meaning="Civilians harmed per unit of repression.",
            source="judgment",
        ),
        Parameter(
            name="protest_legitimacy", symbol="l_Q", unit="1 / week",
            default=0.02, low=0.0, high=0.1, hard_high=1.0,
            meaning="Weekly loss of a captured group's legitimacy "
                    "per unit of protest.",
            source="judgment",
        ),
    ),
)
