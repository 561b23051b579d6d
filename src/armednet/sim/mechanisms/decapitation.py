"""Decapitation: killed leaders cost cohesion, may spawn splinters; succession (C2).

Equations (weekly)::

    lost_g  = sum_{l killed, group(l)=g} share_l + unnamed_g(t)         (capped at 1)
    C_g    *= 1 - c_l lost_g                                             (``decapitation``)
    splinter of g forms with probability min(1, p_s lost_g) if its slot is free:
        M_s = f_s M_g, M_g -= M_s;  F_s = f_s F_g, F_g -= F_s
        C_s = C_split;  H_s = max(H_g, H_split);  o_s = o_g + q_s (1 - o_g);  L_s = L_g / 2
                                                                          (``splinters``)
    C_g    += s_r (0.5 + m_g) (C_0 - C_g)^+                              (``succession``)

``m_g`` is the group's maturity (half age / 20 years, half size relative to the largest
group, each capped at 1): older and larger groups restore command faster.

References
----------
.. [1] J. Jordan, "When heads roll: assessing the effectiveness of leadership
   decapitation", Security Studies 18(4), 2009.
.. [2] P. B. Johnston, "Does decapitation work?", International Security 36(4), 2012.
.. [3] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Force fails" (the Muhandis killing and freewheeling factions).
"""

from __future__ import annotations

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["DECAPITATION", "SPLINTERS", "STREAM_SPLINTER", "SUCCESSION", "step_decapitation"]

STREAM_SPLINTER = 7

def step_decapitation(s: State, ctx: Context) -> None:
    """Cohesion loss, splinters and succession (reads ``scratch['killed']``; sets
    ``scratch['splinters_formed']`` in a week when a splinter forms in some run)."""
    inp, p = ctx.inputs, ctx.p
    G = s.M.shape[1]
    g0 = inp.n_groups0
    killed = ctx.scratch["killed"]
    unnamed = ctx.scratch["unnamed_kill"]
    lost = None  # no leader killed this week (most weeks)
    if killed.any() or unnamed.any():
        # each killed leader's share added to its group's, by index (leaders in order)
        r, ll = np.nonzero(killed)
        shares = np.bincount(r * G + inp.leader_group[ll], weights=inp.leader_share[ll],
                             minlength=killed.shape[0] * G).reshape(-1, G)
        lost = np.minimum(1.0, shares + unnamed) * s.active
    if lost is not None and lost.any():
        if "decapitation" in ctx.on:
            s.C *= 1.0 - p["cohesion_loss"] * lost
        if "splinters" in ctx.on and g0 < G:
            par = inp.splinter_of[g0:]  # the parent of each splinter slot
            u = ctx.uniform(STREAM_SPLINTER, par)
            free = ~s.active[:, g0:]
            if "ended" in s.extra:  # a slot whose group ended is not reused
                free &= ~s.extra["ended"][:, g0:]
            form = free & (u < np.minimum(1.0, p["splinter_prob"] * lost[:, par]))
            if form.any():
                ctx.scratch["splinters_formed"] = True
                spl = np.s_[:, g0:]
                f = p["splinter_share"] * form
                dm, df = f * s.M[:, par], f * s.F[:, par]
                s.M[:, par] -= dm
                s.F[:, par] -= df
                s.M[spl] = np.where(form, dm, s.M[spl])
                s.F[spl] = np.where(form, df, s.F[spl])
                s.C[spl] = np.where(form, p["splinter_cohesion"], s.C[spl])
                s.H[spl] = np.where(form, np.maximum(s.H[:, par], p["splinter_hostility"]),
                                    s.H[spl])
                o_par = s.o[:, par]
                s.o[spl] = np.where(form, o_par + p["splinter_radicalism"] * (1.0 - o_par),
                                    s.o[spl])
                s.L[spl] = np.where(form, 0.5 * s.L[:, par], s.L[spl])
                s.D[spl] = np.where(form, s.D[:, par], s.D[spl])
                s.active[spl] |= form
    if "succession" in ctx.on:
        gap = np.maximum(p["initial_cohesion"] - s.C, 0.0)
        s.C += p["succession_rate"] * (0.5 + inp.maturity) * gap * s.active
    np.clip(s.C, 0.0, 1.0, out=s.C)


DECAPITATION = Mechanism(
    name="decapitation", title="Cohesion loss from killed leaders",
    claims=("C2",),
    summary="A killed leader lowers the group's cohesion by c_l times the leader's authority "
            "share, so more of its fighters are undisciplined (attacks under cease-fires rise). "
            "Off: killings leave cohesion unchanged.",
    step=step_decapitation, order=70,
    parameters=(
        Parameter(
            name="cohesion_loss", symbol="c_l", unit="1",
            default=1.0, low=0.0, high=1.0, hard_high=1.0,
            meaning="Share of cohesion lost per unit of authority share of "
                    "killed leaders.",
            source="judgment",
        ),
    ),
)
SPLINTERS = Mechanism(
    name="splinters", title="Splinter factions",
    claims=("C2",),
    summary="A killing may split off a faction (a preallocated slot) with part of the capability, "
            "low cohesion and high hostility. Off: no splinters form.",
    parameters=(
        Parameter(
            name="splinter_prob", symbol="p_s", unit="1",
            default=0.5, low=0.0, high=1.0, hard_high=10.0,
            meaning="Probability of a splinter per unit of authority share "
                    "lost.",
            source="judgment",
        ),
        Parameter(
            name="splinter_share", symbol="f_s", unit="1",
            default=0.2, low=0.05, high=0.5, hard_high=1.0,
            meaning="Share of the parent's capability, funds and income the "
                    "splinter takes.",
            source="judgment",
        ),
        Parameter(
            name="splinter_cohesion", symbol="C_split", unit="1",
            default=0.3, low=0.0, high=0.6, hard_high=1.0,
            meaning="Cohesion of a new splinter.",
            source="judgment",
        ),
        Parameter(
            name="splinter_hostility", symbol="H_split", unit="1",
            default=0.9, low=0.5, high=1.0, hard_high=1.0,
            meaning="Minimum hostility of a new splinter.",
            source="judgment",
        ),
        Parameter(
            name="splinter_radicalism", symbol="q_s", unit="1",
            default=0.5, low=0.0, high=1.0, hard_high=1.0,
            meaning="Shift of a splinter's orientation toward "
                    "transnational.",
            source="judgment",
        ),
    ),
)
SUCCESSION = Mechanism(
    name="succession", title="Succession restores command",
    claims=("C2",),
    summary="Cohesion recovers toward C_0, faster in older and larger groups. Off: cohesion lost "
            "stays lost.",
    parameters=(
        Parameter(
            name="initial_cohesion", symbol="C_0", unit="1",
            default=0.85, low=0.5, high=1.0, hard_high=1.0,
            meaning="Command cohesion at the start and after full "
                    "succession.",
            source="judgment",
        ),
        Parameter(
            name="succession_rate", symbol="s_r", unit="1 / week",
            default=0.03, low=0.0, high=0.2, hard_high=1.0,
            meaning="Weekly rate at which succession restores cohesion.",
            source="judgment",
        ),
    ),
)
