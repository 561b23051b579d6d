"""Foreign response: strikes from scheduled events and the policy's retaliation rule;
damage, cost memory, hostility, rally and leadership kills (C1, C2, C3).

Equations (weekly)::

    I_g   = sched_g(t) / n_u + fixed_g(t) + prop_g(t) g_r n_g(t-1)
            + sum_rules x_g(t) [casualties(t-1) >= thr] [n_g(t-1) > 0]      (active only)
    M_g  *= exp(-lambda_s I_g)
    D_g   = (1 - mu) D_g + I_g                                   (cost memory)
    H_g  += h_s I_g (1 - H_g)
    L_g  += r I_g (1 - L_g)                                      (mechanism ``rally``)
    harm ~ Poisson(kappa_s sum_g I_g)                            (civilian harm of strikes)
    leader l killed with probability 1 - exp(-k_l x_l(t)), or when scheduled.

Scheduled strikes come from the scenario's events in targets hit (their ``intensity``); a
unit of strike intensity is a round of ``n_u`` targets.

Strikes remove military assets only: funds, capture and legitimacy are not touched (the
essay's point about embeddedness is thus tested, not assumed: capture can still fall when
strikes cut funds and so capability, or rise through other feedbacks).

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Force fails" (2 February 2024 strikes; cease-fires).
.. [2] P. B. Johnston, "Does decapitation work?", International Security 36(4), 2012.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.rng import poisson
from armednet.sim.state import State

__all__ = ["RALLY", "STREAM_STRIKES", "STRIKES", "step_strikes"]

STREAM_STRIKES = (5, 6)
"""Random streams: strike civilian harm, leader kills."""

def step_strikes(s: State, ctx: Context) -> None:
    """Apply this week's strikes and leadership kills (writes ``scratch['strike']``, the
    strike intensity per run and group or None in a week without strikes,
    ``scratch['strike_harm']``, ``scratch['killed']``, ``scratch['unnamed_kill']``)."""
    R, G = s.M.shape
    t, sch, inp, p = ctx.t, ctx.policy, ctx.inputs, ctx.p
    s.D *= 1.0 - p["cost_memory_decay"]
    sched = inp.strike_events[t]
    rules = [(arr[t], thr) for arr, thr in sch.strike_casualty if arr[t].any()]
    hit = None  # no strike this week (most weeks): skip the (runs, groups) arithmetic
    if sch.strike_fixed[t].any() or sched.any() or sch.strike_prop[t].any() or rules:
        hit = np.broadcast_to(sch.strike_fixed[t], (R, G)).copy()
        if sched.any():
            hit += sched / p["strike_targets_per_unit"]
        if sch.strike_prop[t].any():
            hit += sch.strike_prop[t] * p["retaliation_gain"] * s.last_attacks
        for x, thr in rules:
            hit += x * ((s.last_casualties >= thr)[:, None] & (s.last_attacks > 0))
        hit *= s.active
    NL = len(inp.leader_ids)
    killed = np.broadcast_to(inp.kill_events[t], (R, NL)).copy()
    if sch.decap[t].any():
        hazard = 1.0 - np.exp(-p["leader_kill_rate"] * sch.decap[t])
        killed |= ctx.uniform(STREAM_STRIKES[1], NL) < hazard
    killed &= s.alive
    s.alive &= ~killed
    ctx.scratch["killed"] = killed
    ctx.scratch["unnamed_kill"] = inp.unnamed_kill_events[t]
    if "strikes" not in ctx.on or hit is None or not hit.any():
        ctx.scratch["strike"] = None
        ctx.scratch["strike_harm"] = np.zeros(R)
        return
    ctx.scratch["strike"] = hit
    s.M *= np.exp(-p["strike_lethality"] * hit)
    s.D += hit
    s.H += p["strike_hostility"] * hit * (1.0 - s.H)
    np.clip(s.H, 0.0, 1.0, out=s.H)
    if "rally" in ctx.on:
        s.L += p["rally_effect"] * hit * (1.0 - s.L)
        np.clip(s.L, 0.0, 1.0, out=s.L)
    ctx.scratch["strike_harm"] = poisson(p["strike_civilian_harm"][:, 0] * hit.sum(axis=1),
                                         ctx.uniform(STREAM_STRIKES[0], 1)[:, 0])


STRIKES = Mechanism(
    name="strikes", title="Strikes: damage, cost memory, hostility",
    claims=("C1", "C3", "C8"),
    summary="Strikes destroy capability, add to the struck group's cost memory (which drives "
            "cease-fires), raise hostility and harm civilians. Leaders are killed by scheduled "
            "leadership strikes and the decapitation lever whatever this switch says. Off: strikes "
            "do nothing.",
    step=step_strikes, order=60,
    parameters=(
        Parameter(
            name="strike_targets_per_unit", symbol="n_u", unit="targets / unit",
            default=20.0, low=10.0, high=60.0, hard_low=1.0,
            meaning="Targets hit by one unit of strike "
                    "intensity (converts the scenario's scheduled strikes into units).",
            source="judgment (the 2 Feb 2024 round of 85 "
                   "targets is about four units)",
        ),
        Parameter(
            name="strike_lethality", symbol="lambda_s", unit="1 / unit",
            default=0.08, low=0.0, high=0.3,
            meaning="Share of capability destroyed per unit of "
                    "strike intensity (as 1 - exp(-lambda_s I)).",
            source="judgment",
        ),
        Parameter(
            name="retaliation_gain", symbol="g_r", unit="units / attack",
            default=0.05, low=0.01, high=0.5,
            meaning="Strike intensity per attack of the previous week "
                    "under the proportional rule.",
            source="judgment (the United States struck on the order of 100 targets for some 170 "
                   "attacks from Oct 2023 to Feb 2024, about 0.03 units an attack)",
        ),
        Parameter(
            name="cost_memory_decay", symbol="mu", unit="1 / week",
            default=0.1, low=0.02, high=0.4, hard_high=1.0,
            meaning="Weekly decay of the cost memory of strikes.",
            source="judgment",
        ),
        Parameter(
            name="strike_hostility", symbol="h_s", unit="1 / unit",
            default=0.05, low=0.0, high=0.2, hard_high=1.0,
            meaning="Rise of hostility per unit of strike intensity.",
            source="judgment",
        ),
        Parameter(
            name="strike_civilian_harm", symbol="kappa_s", unit="people / unit",
            default=0.5, low=0.0, high=3.0,
            meaning="Civilians harmed per unit of strike "
                    "intensity.",
            source="judgment",
        ),
        Parameter(
            name="leader_kill_rate", symbol="k_l", unit="1 / week",
            default=0.03, low=0.005, high=0.1,
            meaning="Weekly kill hazard of a targeted leader per unit of "
                    "decapitation intensity.",
            source="judgment",
        ),
    ),
)
RALLY = Mechanism(
    name="rally", title="Rally round the flag",
    claims=("C1",),
    summary="Strikes raise the struck group's legitimacy. Off: legitimacy does not respond to "
            "strikes.",
    parameters=(
        Parameter(
            name="rally_effect", symbol="r", unit="1 / unit",
            default=0.02, low=0.0, high=0.1, hard_high=1.0,
            meaning="Rise of a struck group's legitimacy per unit of strike "
                    "intensity (rally round the flag).",
            source="judgment",
        ),
    ),
)
