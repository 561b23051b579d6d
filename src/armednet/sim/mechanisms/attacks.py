"""Attacks on foreign forces, the regional trigger and cease-fire discipline (C1, C2, C6, C7).

Equations (weekly; Poisson counts drawn from counter-based uniforms)::

    trig_g   = 1 + theta tau(t) (o_g + (1 - o_g) delta)             (mechanism ``trigger``)
    lam_g    = beta (M_g / M_ref)^alpha H_g trig_g presence(t) pi e_g  (active slots only)
    n_disc   ~ Poisson(lam_g C_g (1 - S_g))
    n_undisc ~ Poisson(lam_g (1 - C_g) (1 - S_g (1 - eta)))
    casualties ~ Poisson(kappa_c sum_g (n_disc + n_undisc))
    harm       ~ Poisson(kappa_h sum_g (n_disc + m_h n_undisc))

``pi`` is the presence the host negotiates (``sovereignty``; 1 without it). ``e_g`` is 1
for groups in the campaign against the foreign force and based in its theatre
(``scenario.theatre`` and ``group.campaign`` in the knowledge graph), else 0, and 0 before
the week of the group's first attack where the scenario dates it (``campaign.since``).
Casualties and civilian harm are drawn for all groups together (a sum of independent Poisson
counts is Poisson with the summed rate). Under a declared cease-fire (S = 1) only the
undisciplined share ``1 - C`` keeps attacking, at the rate ``eta`` (defiance).
Transnational groups follow the trigger tau more closely
than domestic ones (``delta < 1``).

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Force fails" (attacks after 7 October 2023; freewheeling factions).
.. [2] J. N. Shapiro, *The Terrorist's Dilemma*, Princeton University Press, 2013
   (principal-agent problems and control of violence).
"""

from __future__ import annotations

import numpy as np

from armednet.sim._ops import rowsum
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.rng import poisson
from armednet.sim.state import State

__all__ = ["ATTACKS", "STREAM_ATTACKS", "TRIGGER", "step_attacks", "trigger_factor"]

STREAM_ATTACKS = (1, 2, 3, 4)
"""Random streams: disciplined and undisciplined attacks (both from stream 1, the high and
low halves of its hashes; 2 is unused), casualties, civilian harm."""

def trigger_factor(s: State, ctx: Context) -> np.ndarray:
    """``trig_g(t)``, shape (runs, groups): 1 when the trigger mechanism is off."""
    tau = ctx.scratch["tau"]  # (R, 1)
    if "trigger" not in ctx.on:
        return np.ones_like(s.o)
    p = ctx.p
    return 1.0 + p["trigger_sensitivity"] * tau * (s.o + (1.0 - s.o)
                                                   * p["domestic_trigger_weight"])


def step_attacks(s: State, ctx: Context) -> None:
    """Draw attacks, foreign casualties and civilian harm; write them to ``scratch``:
    ``attacks`` (runs, groups), and ``attacks_u`` (undisciplined) and ``attacks_cf``
    (under a declared cease-fire) on the attacker slots (``scratch['attacker_slots']``)."""
    R, G = s.M.shape
    p = ctx.p
    a = ctx.scratch["attacker_slots"]
    if "attacks" not in ctx.on:
        ctx.scratch["attacks"] = np.zeros((R, G))
        ctx.scratch["attacks_u"] = ctx.scratch["attacks_cf"] = np.zeros((R, len(a)))
        ctx.scratch["attacks_a"] = ctx.scratch["attacks_u"]
        ctx.scratch["casualties"] = ctx.scratch["civ_harm"] = np.zeros(R)
        return
    # Only groups in the campaign can attack: compute on their slots alone.
    o, S = s.o[:, a], s.S[:, a]
    trig = 1.0
    if "trigger" in ctx.on:
        mix = o + (1.0 - o) * p["domestic_trigger_weight"]
        ctx.scratch["trigger_mix"] = mix  # reused by ceasefire
        trig = 1.0 + p["trigger_sensitivity"] * ctx.scratch["tau"] * mix
    lam = (p["attack_base_rate"] * (s.M[:, a] / p["capability_ref"])
           ** p["capability_elasticity"] * s.H[:, a] * trig * s.active[:, a]
           * (ctx.policy.presence[ctx.t] * ctx.inputs.exposure[a]))
    late = ctx.inputs.campaign_from[a]
    if late.size and ctx.t < late.max():  # a group whose campaign starts later: not yet
        lam = lam * (ctx.t >= late)
    negotiated = s.extra.get("presence")  # the host's pressure (``sovereignty``)
    if negotiated is not None and (negotiated < 1.0).any():
        lam = lam * negotiated[:, None]
    C = s.C[:, a]
    lam_d = np.where(S, 0.0, lam * C)
    lam_u = lam * (1.0 - C) * np.where(S, p["defiance"], 1.0)
    s1, _, s3, s4 = STREAM_ATTACKS
    u_d, u_u = ctx.uniform(s1, a, pair=True)  # one stream, two halves of each hash
    n_d = poisson(lam_d, u_d)
    n_u = poisson(lam_u, u_u)
    n_a = n_d + n_u
    n = np.zeros((R, G))
    n[:, a] = n_a
    ctx.scratch["attacks"] = n
    ctx.scratch["attacks_a"] = n_a  # on the attacker slots
    ctx.scratch["attacks_u"] = n_u  # these two on the attacker slots only
    ctx.scratch["attacks_cf"] = n_a * S
    # casualties and civilian harm in one call (the inversion loops once for both)
    lam_c = np.broadcast_to(p["foreign_casualty_rate"][:, 0] * rowsum(n_a), (R,))
    lam_h = np.broadcast_to(p["civilian_harm_rate"][:, 0] * (
        rowsum(n_d) + p["undisciplined_harm"][:, 0] * rowsum(n_u)), (R,))
    both = poisson(np.concatenate([lam_c, lam_h]), np.concatenate(
        [ctx.uniform(s3, 1)[:, 0], ctx.uniform(s4, 1)[:, 0]]))
    ctx.scratch["casualties"], ctx.scratch["civ_harm"] = both[:R], both[R:]


ATTACKS = Mechanism(
    name="attacks", title="Attacks on foreign forces",
    claims=("C1", "C2", "C6"),
    summary="Poisson attacks from capability, hostility, the trigger and foreign presence; under a "
            "cease-fire only the undisciplined share keeps attacking. Off: no attacks.",
    step=step_attacks, order=50,
    parameters=(
        Parameter(
            name="attack_base_rate", symbol="beta", unit="attacks / week",
            default=0.25, low=0.02, high=1.0,
            meaning="Attacks per week by a group at reference "
                    "capability, full hostility, no trigger.",
            source="judgment (CENTCOM counted 78 attacks on U.S. forces Jan 2021 - Mar 2023, about "
                   "0.7 a week across the groups)",
        ),
        Parameter(
            name="capability_ref", symbol="M_ref", unit="1000 fighters",
            default=10.0, low=1.0, high=50.0,
            meaning="Reference capability.",
            source="judgment",
        ),
        Parameter(
            name="capability_elasticity", symbol="alpha", unit="1",
            default=0.5, low=0.0, high=1.0, hard_high=3.0,
            meaning="Elasticity of the attack rate to "
                    "capability.",
            source="judgment",
        ),
        Parameter(
            name="defiance", symbol="eta", unit="1",
            default=0.8, low=0.0, high=1.0, hard_high=1.0,
            meaning="Attack rate of undisciplined fighters under a declared "
                    "cease-fire, relative to their rate without one.",
            source="judgment",
        ),
        Parameter(
            name="foreign_casualty_rate", symbol="kappa_c", unit="people / attack",
            default=0.4, low=0.05, high=1.5,
            meaning="Foreign personnel killed or wounded per "
                    "attack.",
            source="judgment (U.S. DoD reported about 180 injuries and 3 deaths in some 170 "
                   "attacks, Oct 2023 - Feb 2024)",
        ),
        Parameter(
            name="civilian_harm_rate", symbol="kappa_h", unit="people / attack",
            default=0.05, low=0.0, high=0.5,
            meaning="Civilians harmed per disciplined attack.",
            source="judgment",
        ),
        Parameter(
            name="undisciplined_harm", symbol="m_h", unit="1",
            default=2.0, low=1.0, high=5.0,
            meaning="Multiplier on civilian harm for attacks by "
                    "undisciplined fighters.",
            source="judgment",
        ),
    ),
)
TRIGGER = Mechanism(
    name="trigger", title="Regional trigger",
    claims=("C6", "C7"),
    summary="Scales attack rates (and the pull against cease-fires) with the regional trigger "
            "tau(t), more for transnational groups. Off: tau has no effect; attacks while the "
            "trigger is on fall to the level while it is off.",
    parameters=(
        Parameter(
            name="trigger_sensitivity", symbol="theta", unit="1",
            default=15.0, low=0.0, high=30.0,
            meaning="Rise of the attack rate of a fully "
                    "transnational group per unit of the regional trigger.",
            source="judgment (the DoD counted about 170 attacks 17 Oct 2023 - 30 Jan 2024, some 11 "
                   "a week, about 15 times the pre-war rate)",
        ),
        Parameter(
            name="domestic_trigger_weight", symbol="delta", unit="1",
            default=0.25, low=0.0, high=1.0, hard_high=1.0,
            meaning="How much a fully domestic group follows "
                    "the trigger, relative to a transnational one.",
            source="judgment",
        ),
    ),
)
