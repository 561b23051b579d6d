"""Sanctions: cut business and bank channels; state rents are untouched (C4).

Equation (channel c, weekly)::

    cut_c(t) = min(1, sigma * s_c(t)) * exp(-nu * w_c(t))

where ``s_c(t)`` is the sanction intensity on the channel (scheduled designations, the
scenario's ``sanctioned_by`` ties and the policy's sanctions lever) and ``w_c(t)`` the weeks
since it began: evasion (front companies, cash, new banks) erodes the cut at rate ``nu``.
Only channels paid by a sanctionable business, bank or person are cut, unless banks
de-risk (mechanism ``derisking``): correspondent banks and the central bank, wary of the
sanctioned names, also close or restrict the accounts through which a sanctioned group's
informal money moves, so each of its informal channels (not sanctionable, not the patron's)
loses ``delta`` times the group's heaviest formal cut::

    cut_i(t) = delta * max_{c of the same group} cut_c(t)        (i informal, ``derisking``)

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups, Foreign Affairs, 2024, section
   "Force fails" (sanctions on banks and Fly Baghdad).
.. [2] D. W. Drezner, "Sanctions sometimes smart", International Studies Review 13(1),
   2011 (targeted sanctions and evasion).
.. [3] FATF, "Guidance for a risk-based approach: the banking sector", 2014, and World
   Bank, "Withdrawal from correspondent banking: where, why, and what to do about it",
   2015 (de-risking: banks exit whole client groups rather than manage their risk).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["DERISKING", "SANCTIONS", "step_sanctions"]

def step_sanctions(s: State, ctx: Context) -> None:
    """Write ``scratch['sanction_cols']`` (the channels under a sanction this week) and
    ``scratch['sanction_cut']`` (runs, those channels), read by ``revenue``."""
    sch, p = ctx.policy, ctx.p
    if "sanctions" not in ctx.on or sch.sanction_cut.shape[1] == 0:
        return
    x = sch.sanction_cut[ctx.t]
    since = sch.sanction_since[ctx.t]
    cols = np.flatnonzero((x > 0) & (since >= 0))
    if not len(cols):
        return
    cut = np.minimum(1.0, p["sanction_effectiveness"] * x[cols]) * np.exp(
        -p["sanction_evasion"] * since[cols])
    if "derisking" in ctx.on:
        cols, cut = _derisk(ctx, cols, cut)
    ctx.scratch["sanction_cols"] = cols
    ctx.scratch["sanction_cut"] = cut


def _derisk(ctx: Context, cols: np.ndarray, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Extend the cut to the informal channels (not sanctionable, not the patron's) of each
    group with a sanctioned channel: ``delta`` times the group's heaviest formal cut."""
    inp = ctx.inputs
    informal, ch_group = inp.cached("derisking.informal", _informal)
    gcol = inp.chan_group[cols]
    reach = np.isin(ch_group, gcol)
    if not reach.any():
        return cols, cut
    informal = informal[reach]
    # each group's heaviest formal cut, by index (cuts are >= 0): O(runs x channels)
    heaviest = np.zeros((cut.shape[0], inp.G))
    np.maximum.at(heaviest, (slice(None), gcol), cut)  # type: ignore[arg-type]
    spill = ctx.p["derisking_share"] * heaviest[:, ch_group[reach]]
    rows = max(cut.shape[0], spill.shape[0])  # either may be one row shared by every run
    both = [np.broadcast_to(x, (rows, x.shape[1])) for x in (cut, spill)]
    return np.concatenate([cols, informal]), np.concatenate(both, axis=1)


def _informal(inp: Any) -> tuple[np.ndarray, np.ndarray]:
    """The informal channels (not sanctionable, not the patron's) and their groups."""
    kinds = np.array(inp.chan_kind, dtype=object)
    informal = np.flatnonzero(~inp.chan_sanctionable & (kinds != "patron"))
    return informal, inp.chan_group[informal]


SANCTIONS = Mechanism(
    name="sanctions", title="Sanctions on business and bank channels",
    claims=("C4",),
    summary="Cuts the income of sanctioned business, bank and person channels by sigma at onset, "
            "eroded by evasion; lowers funds. Off: sanctions have no effect.",
    step=step_sanctions, order=20,
    parameters=(
        Parameter(
            name="sanction_effectiveness", symbol="sigma", unit="1",
            default=0.7, low=0.2, high=1.0, hard_high=1.0,
            meaning="Share of a sanctioned channel's income cut "
                    "at full intensity when the sanction begins.",
            source="judgment",
        ),
        Parameter(
            name="sanction_evasion", symbol="nu", unit="1 / week",
            default=0.01, low=0.0, high=0.1, hard_high=1.0,
            meaning="Rate at which evasion erodes a sanction's cut.",
            source="judgment",
        ),
    ),
)
DERISKING = Mechanism(
    name="derisking", title="Banks de-risk: sanctions reach informal money",
    claims=("C4",),
    summary="Banks wary of sanctioned names restrict the accounts through which a sanctioned "
            "group's informal money moves: its informal channels lose a share of the formal "
            "cut. Off: sanctions reach only the designated channels.",
    parameters=(
        Parameter(
            name="derisking_share", symbol="delta", unit="1",
            default=0.1, low=0.0, high=0.5, hard_high=1.0,
            meaning="Share of a group's heaviest formal sanction cut that its informal "
                    "channels also lose through bank de-risking.",
            source="judgment (World Bank 2015 survey on the withdrawal of correspondent "
                   "banking; no estimate for Iraq)",
        ),
    ),
)
