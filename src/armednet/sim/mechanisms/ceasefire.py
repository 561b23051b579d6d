"""Leadership decisions: declaring and ending cease-fires; allies follow (C1, C6, C8).

Equations (weekly; P-hat is political influence relative to the most embedded group at the
start)::

    P_g      = sum_k X[g,k] w_k;     Phat_g = P_g / max_g P_g(0)
    stake_g  = (1 - o_g) Phat_g
    cost_g   = w_D D_g (1 + w_X stake_g) + w_P patron_g max_{j client} D_j
               + w_C (sum_j W_gj S_j) / max(1, sum_j W_gj)             (``coordination``)
               + w_B B stake_g                                         (``backing``)
               + w_T T_g + w_W patron_g max_{j client} T_j   (``escalation``, ``patron_fear``)
    V_g      = (1 - mu) V_g + I_g S_g                          (provocation memory)
    pull_g   = w_H H_g (1 + tau(t) (o_g + (1 - o_g) delta))            (tau: ``trigger``)
               + w_V V_g                                               (``provocation``)
    z_g      = cost_g - pull_g
    declare with probability 1 - exp(-r_d (z_g - theta_c)^+)      if not in cease-fire
    resume  with probability 1 - exp(-r_e (f_e theta_c - z_g)^+)   if in cease-fire

Domestic groups weigh the risk to their captured assets (stake); transnational ones feel
the pull of the regional struggle more. The patron presses every client to stand down when
any of its clients is hit hard (the maximum runs over groups with a patron tie). Only groups
in the campaign against the foreign force declare cease-fires (the others have no attacks
on it to suspend). The threat terms come from :mod:`~armednet.sim.mechanisms.escalation`
(``scratch['ceasefire_cost']``); a strike on a group that holds a cease-fire provokes it
(``V``).

Cease-fires therefore end for stated reasons: the threat and the cost memory decay, the
trigger rises again, or a strike provokes the group. Each end is recorded with its reason
(``ceasefire_ends_decay``, ``_trigger``, ``_provocation``), so the length of cease-fires is
an output, never an input.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, sections
   "Force fails" (Kataib Hezbollah's suspension, others following) and "Beyond the
   bombings".
.. [2] J. D. Fearon, "Rationalist explanations for war", International Organization 49(3),
   1995 (costs and commitment).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim._ops import at_rows, rowmax
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["CEASEFIRE", "COORDINATION", "END_REASONS", "PROVOCATION", "STREAM_CEASEFIRE",
           "allies_in_ceasefire", "attacker_coordination", "holder_influence",
           "political_influence", "step_ceasefire"]

STREAM_CEASEFIRE = 8

def holder_influence(s: State, ctx: Context) -> np.ndarray:
    """``Phat`` of the capture holders only, shape (runs, holders) (the other groups hold
    no offices, so their influence is 0)."""
    # Sums by index over the stored pairs, not BLAS matmul: results must not depend on how
    # many runs share a chunk (BLAS kernels round differently for different shapes).
    lay = s.layout
    w = ctx.inputs.inst_weight / ctx.scratch["p_ref"]
    return lay.by_holder(s.Xp * w[lay.pair_k])


def political_influence(s: State, ctx: Context) -> np.ndarray:
    """``Phat`` (runs, groups): captured institutions weighted by budget and number,
    relative to the most embedded group at the start."""
    P = np.zeros_like(s.M)
    if ctx.inputs.K == 0:
        return P
    P[:, s.holders] = holder_influence(s, ctx)
    return P


def allies_in_ceasefire(S: np.ndarray, W: Any, total: np.ndarray) -> np.ndarray:
    """``sum_j W[g,j] S_j / max(1, total_g)`` per run and group, with ``total_g`` the
    weight of all of g's allies (those outside the campaign never declare).

    ``W`` is a dense array or a scipy sparse matrix (rows in CSR order: each group's
    allies added in index order, the same for any number of runs).
    """
    out = np.zeros(S.shape)
    rows = np.flatnonzero(S.any(axis=1))  # only runs with some cease-fire (few, mostly)
    if rows.size:
        Sf = S[rows].astype(np.float64)
        if isinstance(W, np.ndarray):
            tot = np.einsum("rj,gj->rg", Sf, W)
        else:
            tot = np.asarray(W @ np.ascontiguousarray(Sf.T)).T
        out[rows] = tot / np.maximum(1.0, total)
    return out


def attacker_coordination(inputs: Any) -> tuple[Any, np.ndarray]:
    """Coordination among the attacker slots as a sparse (CSR) matrix, and each attacker's
    total weight of allies (all groups), kept with the inputs: alliances are few per
    group, so the weekly sum costs O(runs x ties), not O(runs x G^2)."""
    def build(inp: Any) -> tuple[Any, np.ndarray]:
        import scipy.sparse as sp

        a = inp.exposure > 0
        W = sp.csr_array(inp.coordination[np.ix_(a, a)])
        W.sort_indices()
        return W, inp.coordination[a].sum(axis=1)

    return inputs.cached("coordination.attackers", build)


def _cost(s: State, ctx: Context, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cost of fighting on and the stake in captured assets, (runs, attacker slots)."""
    p, inp = ctx.p, ctx.inputs
    D, S = s.D[:, a], s.S[:, a]
    stake = np.zeros_like(D)
    ia, ih = ctx.scratch["attacker_holders"]  # attacker slots that hold offices
    if inp.K and len(ia):
        stake[:, ia] = (1.0 - s.o[:, a[ia]]) * holder_influence(s, ctx)[:, ih]
    cost = p["ceasefire_cost_weight"] * D * (1.0 + p["stake_weight"] * stake)
    clients = inp.patron > 0
    if clients.any():
        heaviest = rowmax((s.D * s.active)[:, clients])[:, None]  # ended clients: none
        cost += p["patron_restraint"] * inp.patron[a] * heaviest
    if "coordination" in ctx.on:
        W, total = attacker_coordination(inp)
        if W.nnz if hasattr(W, "nnz") else W.any():
            cost += p["coordination_weight"] * allies_in_ceasefire(S, W, total)
    if "backing" in ctx.on:
        cost += p["backing_weight"] * s.B[:, None] * stake
    extra = ctx.scratch.get("ceasefire_cost")  # terms of other mechanisms (escalation)
    if extra is not None:
        cost += extra
    return cost, stake


def _pull(s: State, ctx: Context, a: np.ndarray) -> np.ndarray:
    """The pull of hostility, the trigger and provocations, (runs, attacker slots)."""
    p = ctx.p
    pull = p["pull_weight"] * s.H[:, a]
    if "trigger" in ctx.on:
        mix = ctx.scratch.get("trigger_mix")  # from attacks, unless splinters formed since
        if mix is None or ctx.scratch.get("splinters_formed"):
            o = s.o[:, a]
            mix = o + (1.0 - o) * p["domestic_trigger_weight"]
        pull *= 1.0 + ctx.scratch["tau"] * mix
    if "provocation" in ctx.on:
        prov = s.extra["provocation"]
        prov *= 1.0 - p["cost_memory_decay"]
        hit = ctx.scratch.get("strike")
        if hit is not None:
            prov += hit * s.S  # struck while it holds a cease-fire
        if prov.any():
            pull = pull + p["provocation_weight"] * prov[:, a]
    return pull


def step_ceasefire(s: State, ctx: Context) -> None:
    """Declare and end cease-fires (writes ``scratch['declared']``, a (runs, groups) mask).

    Only groups in the campaign have attacks to suspend, so the calculus runs on their
    slots alone (``scratch['attacker_slots']``).
    """
    p = ctx.p
    R, G = s.M.shape
    declared = np.zeros((R, G), dtype=bool)
    ctx.scratch["declared"] = declared
    a = ctx.scratch["attacker_slots"]
    if "ceasefire" not in ctx.on or len(a) == 0:
        return
    S = s.S[:, a]
    z = _cost(s, ctx, a)[0] - _pull(s, ctx, a)
    thr = p["ceasefire_threshold"]
    active = s.active[:, a]
    # Decisions can only happen where the net cost is past a threshold: draw and compare
    # there alone (few runs and groups in most weeks).
    may_declare = ~S & active & (z > thr)
    may_end = S & (z < p["resume_fraction"] * thr)
    rows, cols = np.nonzero(may_declare | may_end)
    if rows.size == 0:
        s.S[:, a] = S & active
        return
    u = ctx.uniform(STREAM_CEASEFIRE, a, cells=(rows, cols))
    zc, dec = z[rows, cols], may_declare[rows, cols]
    thr_c = at_rows(thr, rows)
    p_dec = 1.0 - np.exp(-at_rows(p["declare_rate"], rows) * (zc - thr_c))
    p_end = 1.0 - np.exp(-at_rows(p["resume_rate"], rows)
                         * (at_rows(p["resume_fraction"], rows) * thr_c - zc))
    flip = u < np.where(dec, p_dec, p_end)
    new = np.zeros_like(S)
    new[rows, cols] = flip & dec
    stopped = np.zeros_like(S)
    stopped[rows, cols] = flip & ~dec
    s.S[:, a] = (S | new) & ~stopped & active
    declared[:, a] = new
    _note_reasons(s, ctx, a, new, stopped)


END_REASONS = ("decay", "trigger", "provocation")
"""Why a cease-fire ended, as recorded (``ceasefire_ends_<reason>``)."""


def _note_reasons(s: State, ctx: Context, a: np.ndarray, new: np.ndarray,
                  stopped: np.ndarray) -> None:
    """Remember the trigger at each declaration; classify each end: a provocation (struck
    during the cease-fire, ``provocation`` memory above 0.05), else a risen trigger (tau
    up by more than 0.05 since the declaration), else decay (the costs faded)."""
    tau = ctx.scratch["tau"]
    if new.any():
        r, c = np.nonzero(new)
        s.extra["ceasefire_tau"][r, a[c]] = tau[r, 0]
    if stopped.any():
        r, c = np.nonzero(stopped)
        g = a[c]
        reason = np.where(s.extra["provocation"][r, g] > 0.05, 2,
                          np.where(tau[r, 0] > s.extra["ceasefire_tau"][r, g] + 0.05, 1, 0))
        np.add.at(s.extra["ceasefire_ends"], (r, reason), 1.0)


def init_ceasefire(inputs: Any, p: dict[str, np.ndarray], runs: int) -> dict[str, np.ndarray]:
    """The trigger at each group's last declaration, ends by reason, provocation memory."""
    G = inputs.G
    return {"ceasefire_tau": np.zeros((runs, G)),
            "ceasefire_ends": np.zeros((runs, len(END_REASONS))),
            "provocation": np.zeros((runs, G))}


def summarize_ends(s: State, ctx: Context) -> dict[str, np.ndarray]:
    """``ceasefire_ends_<reason>``: cease-fires that ended, by reason, per run."""
    ends = s.extra["ceasefire_ends"]
    return {f"ceasefire_ends_{why}": ends[:, i].copy() for i, why in enumerate(END_REASONS)}


CEASEFIRE = Mechanism(
    name="ceasefire", title="Cease-fire decisions",
    claims=("C1", "C6"),
    summary="Leaderships declare a cease-fire when the cost of strikes (more for groups with "
            "captured assets, plus patron pressure) exceeds the pull of hostility and the trigger, "
            "and end it when the cost memory has decayed. Off: no cease-fires are declared.",
    step=step_ceasefire, order=90, init=init_ceasefire, summarize=summarize_ends,
    parameters=(
        Parameter(
            name="ceasefire_cost_weight", symbol="w_D", unit="1 / unit",
            default=2.0, low=0.0, high=6.0,
            meaning="Weight of the cost memory of strikes in the "
                    "leadership's calculus.",
            source="judgment",
        ),
        Parameter(
            name="stake_weight", symbol="w_X", unit="1",
            default=2.0, low=0.0, high=6.0,
            meaning="Extra weight of strike costs for groups with captured "
                    "assets at risk (domestic groups).",
            source="judgment",
        ),
        Parameter(
            name="patron_restraint", symbol="w_P", unit="1 / unit",
            default=0.5, low=0.0, high=2.0,
            meaning="Patron pressure to stand down, per unit of the "
                    "heaviest cost memory in its network.",
            source="judgment",
        ),
        Parameter(
            name="pull_weight", symbol="w_H", unit="1",
            default=1.0, low=0.2, high=3.0,
            meaning="Weight of hostility and the regional trigger against a "
                    "cease-fire.",
            source="judgment",
        ),
        Parameter(
            name="backing_weight", symbol="w_B", unit="1",
            default=0.5, low=0.0, high=2.0,
            meaning="Restraint of embedded, domestic leaders per unit of "
                    "the foreign power's backing value.",
            source="judgment",
        ),
        Parameter(
            name="ceasefire_threshold", symbol="theta_c", unit="1",
            default=1.0, low=0.2, high=3.0,
            meaning="Net cost above which a leadership declares "
                    "a cease-fire.",
            source="judgment",
        ),
        Parameter(
            name="declare_rate", symbol="r_d", unit="1 / week",
            default=2.0, low=0.2, high=10.0,
            meaning="Hazard of declaring per unit of net cost above the "
                    "threshold.",
            source="judgment",
        ),
        Parameter(
            name="resume_fraction", symbol="f_e", unit="1",
            default=0.5, low=0.0, high=1.0, hard_high=1.0,
            meaning="Net cost, as a share of theta_c, below which a "
                    "cease-fire can end (hysteresis).",
            source="judgment",
        ),
        Parameter(
            name="resume_rate", symbol="r_e", unit="1 / week",
            default=0.3, low=0.02, high=2.0,
            meaning="Hazard of ending a cease-fire per unit of net cost below "
                    "f_e theta_c.",
            source="judgment",
        ),
    ),
)
COORDINATION = Mechanism(
    name="coordination", title="Allies follow cease-fires",
    claims=("C1",),
    summary="A group's allies (alliances, shared umbrella) in cease-fire add to its cost of "
            "fighting on, so cease-fires spread. Off: each group decides alone.",
    parameters=(
        Parameter(
            name="coordination_weight", symbol="w_C", unit="1",
            default=1.0, low=0.0, high=3.0,
            meaning="Pull of allies' cease-fires (share of allies in "
                    "cease-fire).",
            source="judgment",
        ),
    ),
)
PROVOCATION = Mechanism(
    name="provocation", title="Strikes during a cease-fire provoke its end",
    claims=("C1",),
    summary="A strike on a group that holds a cease-fire adds to a decaying provocation "
            "memory that pulls the leadership back to fighting. Off: strikes during a "
            "cease-fire only add to its cost.",
    parameters=(
        Parameter(
            name="provocation_weight", symbol="w_V", unit="1 / unit",
            default=0.5, low=0.0, high=2.0,
            meaning="Pull back to fighting per unit of strike intensity suffered during a "
                    "cease-fire (decaying as the cost memory).",
            source="judgment",
        ),
    ),
)
