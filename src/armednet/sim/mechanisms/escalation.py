"""Escalation and deterrence: lethal attacks and warnings raise the retaliation a group
expects; its leadership and its patron weigh it before any strike lands (C1, C6).

Equations (weekly, after strikes and before the leadership's decision)::

    l_g    ~ Bernoulli(1 - (1 - phi)^n_g)                 a lethal attack among g's n_g attacks
    T_g    = (1 - mu_T) T_g + g_L l_g + g_W warn_g(t)      (threat: expected retaliation)
    cost_g += w_T T_g                                      (``escalation``, in ``ceasefire``)
    cost_g += w_W patron_g max_{j client} T_j              (``patron_fear``)

A lethal attack on the foreign force (one that kills its personnel, such as the drone attack
on Tower 22 on 28 January 2024) makes retaliation likely; the group's leadership weighs that
threat in its cease-fire calculus before any strike lands, and the patron, fearing a direct
war with the foreign power, presses all its clients to stand down when any of them has
provoked it (theatre-wide, unlike ``patron_restraint``, which reacts to strikes received).
The foreign power's public warnings and ultimatums are its own actions: a scenario schedules
them as events of kind ``warning`` (targets: groups or umbrellas; ``intensity`` in units of
threat), and they raise the threat of their targets. The groups' decisions never are events.

The threat is expected retaliation in units of strike intensity; it decays when no strike
comes. Strikes that land do not consume it (the foreign power may strike again).

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Force fails" (Tower 22, the delay before the 2 February strikes, Kataib Hezbollah's
   immediate cease-fire and the other groups following).
.. [2] T. C. Schelling, *Arms and Influence*, Yale University Press, 1966 (deterrence by
   the threat of punishment).
.. [3] J. D. Fearon, "Rationalist explanations for war", International Organization 49(3),
   1995.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.kb.dates import earliest
from armednet.kb.types import TieType
from armednet.sim._ops import at_rows, rowmax
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["ESCALATION", "PATRON_FEAR", "STREAM_LETHAL", "WARNING_KINDS", "add_ceasefire_cost",
           "step_escalation"]

STREAM_LETHAL = 10
"""Random stream: lethal attacks."""
WARNING_KINDS = ("warning", "ultimatum")
"""Scenario event kinds read as the foreign power's warnings."""


def add_ceasefire_cost(ctx: Context, term: np.ndarray) -> None:
    """Add ``term`` (runs, attacker slots) to the leadership's cost of fighting on, read by
    the ``ceasefire`` step of the same week (``scratch['ceasefire_cost']``)."""
    prev = ctx.scratch.get("ceasefire_cost")
    ctx.scratch["ceasefire_cost"] = term if prev is None else prev + term


def read_warnings(kg: Any, inputs: Any) -> dict[str, Any]:
    """Scheduled warnings as a (weeks, group slots) intensity array; an umbrella stands for
    its member groups (as for strikes)."""
    start, T, g0 = inputs.start, inputs.weeks, inputs.n_groups0
    gidx = {gid: i for i, gid in enumerate(inputs.group_ids[:g0])}
    members: dict[str, list[int]] = {}
    for t in kg.snapshot(start).ties(TieType.MEMBER_OF):
        if t.from_ in gidx:
            members.setdefault(t.to, []).append(gidx[t.from_])
    warn = np.zeros((T, inputs.G))
    for ev in kg.scenario.events:
        if ev.kind not in WARNING_KINDS:
            continue
        w = (earliest(ev.date) - start).days // 7
        targets = sorted({g for x in ev.targets for g in ([gidx[x]] if x in gidx else [])
                          + members.get(x, [])})
        if 0 <= w < T and targets:
            warn[w, targets] += ev.intensity
    return {"warnings": warn}


def init_threat(inputs: Any, p: dict[str, np.ndarray], runs: int) -> dict[str, np.ndarray]:
    """Threat (runs, groups) and lethal attacks so far (runs,), both zero."""
    return {"threat": np.zeros((runs, inputs.G)), "lethal": np.zeros(runs)}


def step_escalation(s: State, ctx: Context) -> None:
    """Decay and raise the threat; add its cost terms for this week's decisions."""
    if "escalation" not in ctx.on:
        return  # the threat stays zero
    p, th = ctx.p, s.extra["threat"]
    th *= 1.0 - p["threat_decay"]
    a = ctx.scratch["attacker_slots"]
    n_a = ctx.scratch["attacks_a"]
    rows, cols = np.nonzero(n_a > 0)
    if rows.size:
        u = ctx.uniform(STREAM_LETHAL, a, cells=(rows, cols))
        lethal = u < 1.0 - (1.0 - at_rows(p["lethal_attack_prob"], rows)) ** n_a[rows, cols]
        if lethal.any():
            r, c = rows[lethal], a[cols[lethal]]
            th[r, c] += at_rows(p["lethal_threat"], r)
            np.add.at(s.extra["lethal"], r, 1.0)
    warn = ctx.inputs.extra["escalation"]["warnings"][ctx.t]
    if warn.any():
        th += p["warning_threat"] * warn * s.active
    if len(a):
        add_ceasefire_cost(ctx, p["threat_weight"] * th[:, a])
        clients = ctx.inputs.patron > 0
        if "patron_fear" in ctx.on and clients.any():
            fear = rowmax((th * s.active)[:, clients])[:, None]  # ended clients: none
            add_ceasefire_cost(ctx, p["war_fear_weight"] * ctx.inputs.patron[a] * fear)


def record_threat(name: str, s: State, ctx: Context) -> np.ndarray:
    """``threat``: the highest threat of any group, per run."""
    return rowmax(s.extra["threat"])


def summarize_lethal(s: State, ctx: Context) -> dict[str, np.ndarray]:
    """``lethal_attacks``: attacks that killed foreign personnel, per run."""
    return {"lethal_attacks": s.extra["lethal"].copy()}


ESCALATION = Mechanism(
    name="escalation", title="Escalation raises the expected retaliation",
    claims=("C1", "C6"),
    summary="Lethal attacks and the foreign power's scheduled warnings raise a group's threat "
            "(expected retaliation), which its leadership weighs in the cease-fire calculus "
            "before any strike lands. Off: the threat stays zero and cease-fires respond only "
            "to strikes received.",
    step=step_escalation, order=65, read=read_warnings, group_inputs=("warnings",),
    init=init_threat, weekly=("threat",), record=record_threat, summarize=summarize_lethal,
    parameters=(
        Parameter(
            name="lethal_attack_prob", symbol="phi", unit="1 / attack",
            default=0.006, low=0.002, high=0.02, hard_high=1.0,
            meaning="Probability that an attack kills foreign personnel.",
            source="U.S. DoD: one lethal attack (Tower 22, 28 Jan 2024, three killed) among "
                   "some 170 attacks counted 17 Oct 2023 - 30 Jan 2024 (key_events.csv, "
                   "intervals.csv)",
        ),
        Parameter(
            name="lethal_threat", symbol="g_L", unit="units",
            default=4.0, low=1.0, high=8.0,
            meaning="Rise of a group's threat (expected retaliation, in units of strike "
                    "intensity) after a lethal attack by it.",
            source="judgment (the response to Tower 22, 85 targets on 2 Feb 2024, is about "
                   "four units at 20 targets a unit)",
        ),
        Parameter(
            name="warning_threat", symbol="g_W", unit="units / unit",
            default=2.0, low=0.5, high=6.0,
            meaning="Rise of a target group's threat per unit of intensity of a scheduled "
                    "warning or ultimatum.",
            source="judgment",
        ),
        Parameter(
            name="threat_decay", symbol="mu_T", unit="1 / week",
            default=0.15, low=0.05, high=0.5, hard_high=1.0,
            meaning="Weekly decay of the threat when no new escalation or warning comes.",
            source="judgment",
        ),
        Parameter(
            name="threat_weight", symbol="w_T", unit="1 / unit",
            default=1.0, low=0.0, high=3.0,
            meaning="Weight of the group's own threat in its leadership's cost of fighting "
                    "on.",
            source="judgment",
        ),
    ),
)
PATRON_FEAR = Mechanism(
    name="patron_fear", title="The patron restrains its clients against a direct war",
    claims=("C1", "C6"),
    summary="When any client of the patron faces a high threat, the patron, fearing a direct "
            "war with the foreign power, presses all its clients to stand down (theatre-wide). "
            "Off: the patron reacts only to strikes on its clients (patron_restraint).",
    parameters=(
        Parameter(
            name="war_fear_weight", symbol="w_W", unit="1 / unit",
            default=0.5, low=0.0, high=2.0,
            meaning="Patron pressure to stand down per unit of the highest threat among its "
                    "clients, times the client's patron tie.",
            source="judgment (the essay: the other groups followed Kataib Hezbollah's "
                   "cease-fire; Iran's interest in avoiding a direct war)",
        ),
    ),
)
