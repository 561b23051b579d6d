"""Revenue: income by channel, state rents from captured institutions, upkeep (C3, C4).

Equations (per run r, group g, channel c, institution k; weekly)::

    income_g = sum_c E[c,g] a_c (1 - cut_c(t)) pi_c          (business, bank, patron, ...)
    income_s = f_s income_g;  income_g -= f_s income_g      (once g's splinter s exists)
    rent_g   = rho * Bnat/52 * sum_k X[g,k] b_k (1 - A_k)     (mechanism ``state_rents``)
    F_g     += income_g + rent_g
    paid_g   = min(F_g, u M_g);  F_g -= paid_g;  shortfall_g = u M_g - paid_g

with ``pi_c = patron_scale`` for patron channels, ``pi_c = s_f`` for the formal part and
``1 - s_f`` for the informal part of a group's unattributed revenue (its reported revenue
that no ``funds`` tie explains), and 1 otherwise. Only the formal part can be sanctioned.
Sanction cuts come from :mod:`armednet.sim.mechanisms.sanctions`.

References
----------
.. [1] R. Mansour, essay on Iran-aligned armed groups and U.S. policy, Foreign Affairs,
   2024, section "Beyond the bombings" (state coffers versus sanctioned banks).
.. [2] Iraq Federal Budget Law No. 13 of 2023 (about 199 trillion IQD, ~USD 153 bn a year).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

if TYPE_CHECKING:
    from armednet.sim.init import ModelInputs

__all__ = ["REVENUE", "STATE_RENTS", "by_group", "channel_scale", "channel_tables",
           "step_revenue"]

def step_revenue(s: State, ctx: Context) -> None:
    """Add income and state rents to funds and pay upkeep (writes ``scratch['shortfall']``,
    ``scratch['rents']`` and ``scratch['income']``)."""
    inp, p = ctx.inputs, ctx.p
    R, G = s.M.shape
    income = np.zeros((R, G))
    if "revenue" in ctx.on and len(inp.chan_group):
        base = ctx.scratch["chan_base"]
        # one row when the parameters are shared by every run of the chunk
        income = ctx.scratch["income_uncut"]
        cols = ctx.scratch.get("sanction_cols")
        if cols is not None:  # what the sanctioned channels no longer pay
            lost = base[:, cols] * ctx.scratch["sanction_cut"]
            income = income - by_group(lost, inp.chan_group[cols], G)
        income = np.broadcast_to(income, (R, G)).copy()
        # A splinter takes the share f_s of its parent's channels with it (its fighters,
        # businesses and patron contacts); channels only ever name scenario groups.
        g0 = inp.n_groups0
        if g0 < G:
            par = inp.splinter_of[g0:]
            took = p["splinter_share"] * s.active[:, g0:]
            income[:, g0:] = took * income[:, par]
            income[:, par] *= 1.0 - took
    rents = np.zeros((R, G))
    if "state_rents" in ctx.on and inp.K:
        impunity = (1.0 - s.A) * inp.budget  # (R, K)
        lay = s.layout
        rents[:, lay.holders] = lay.by_holder(s.Xp * impunity[:, lay.pair_k]) * (
            p["rent_rate"] * national_budget(inp, p) / 52.0)
    # an ended group (or an unformed splinter slot) earns nothing
    income = income * s.active
    rents *= s.active
    s.F += income + rents
    if "revenue" in ctx.on:
        upkeep = p["upkeep_cost"] * s.M
        paid = np.minimum(s.F, upkeep)
        s.F -= paid
        ctx.scratch["shortfall"] = upkeep - paid
    else:
        ctx.scratch["shortfall"] = np.zeros((R, G))
    ctx.scratch["rents"] = rents
    ctx.scratch["income"] = income


REVENUE = Mechanism(
    name="revenue", title="Revenue and upkeep",
    claims=("C4",),
    summary="Business, bank, patron and other channels add to funds; upkeep of capability "
            "is paid from funds (unpaid upkeep causes desertion in ``capability``). Off: funds "
            "neither grow nor pay upkeep.",
    step=step_revenue, order=30,
    parameters=(
        Parameter(
            name="upkeep_cost", symbol="u", unit="USD million / (1000 fighters week)",
            default=0.15, low=0.05, high=0.5,
            meaning="Weekly cost of keeping one thousand fighter-equivalents "
                    "(salaries, fuel, equipment).",
            source="judgment (PMF salaries of roughly USD 500-700 a month)",
        ),
        Parameter(
            name="patron_scale", symbol="pi", unit="1",
            default=1.0, low=0.0, high=2.0, hard_high=10.0,
            meaning="Multiplier on the patron's funding channels.",
            source="judgment",
        ),
        Parameter(
            name="initial_reserve_weeks", symbol="F_0", unit="weeks",
            default=13.0, low=4.0, high=52.0,
            meaning="Funds on hand at the start, in weeks of "
                    "reported revenue.",
            source="judgment",
        ),
        Parameter(
            name="formal_revenue_share", symbol="s_f", unit="1",
            default=0.3, low=0.0, high=1.0, hard_high=1.0,
            meaning="Share of a group's unattributed revenue that "
                    "runs through banks and firms reachable by sanctions (the rest is cash, "
                    "smuggling and other informal income).",
            source="judgment (no source splits the groups' revenue by channel)",
        ),
    ),
)


def read_budget(kg: Any, inputs: Any) -> dict[str, Any]:
    """The scenario's ``national_budget`` (USD million a year), NaN when it states none."""
    est = kg.scenario.scenario.national_budget
    return {"national_budget": float("nan") if est is None else float(est.value)}


def national_budget(inputs: Any, p: Any) -> Any:
    """``B_nat``: the scenario's stated budget, else the parameter ``national_budget``.

    A budget is a quantity of one network (Yemen's is not Iraq's), so a scenario that states
    it overrides the parameter, whose default is Iraq's.
    """
    stated = inputs.extra.get("state_rents", {}).get("national_budget", float("nan"))
    return p["national_budget"] if np.isnan(stated) else stated


def channel_tables(inputs: ModelInputs, p: dict[str, np.ndarray],
                   runs: int) -> dict[str, np.ndarray]:
    """Per-chunk revenue tables (the parameters do not change over the weeks):
    ``chan_base`` (runs, channels) weekly amounts times ``pi_c``; ``income_uncut`` (runs,
    groups) the income before sanctions, each group's channels summed by index
    (:func:`by_group`, no (channels x groups) one-hot matrix). The tables have one row
    instead of ``runs`` when the parameters they depend on are the same in every run
    (broadcast later)."""
    nc = len(inputs.chan_group)
    base = np.asarray(inputs.chan_amount, dtype=np.float64).reshape(1, nc)
    scale = channel_scale(inputs.chan_kind, inputs.chan_split, p)
    if scale is not None:
        base = base * scale
    if base.shape[0] not in (1, runs):
        raise ValueError(f"channel table of {base.shape[0]} rows for {runs} runs")
    return {"chan_base": base, "income_uncut": by_group(base, inputs.chan_group, inputs.G)}


def by_group(amount: np.ndarray, group: np.ndarray, G: int) -> np.ndarray:
    """Sum (runs, channels) amounts by the channels' groups, shape (runs, G).

    Each group's channels are added in channel order (:func:`numpy.bincount`), whatever
    the number of runs.

    Examples
    --------
    >>> by_group(np.array([[1.0, 2.0, 4.0]]), np.array([1, 0, 1]), 3).tolist()
    [[2.0, 5.0, 0.0]]
    """
    R = amount.shape[0]
    flat = (np.arange(R, dtype=np.intp)[:, None] * G + np.asarray(group, dtype=np.intp)).ravel()
    return np.bincount(flat, weights=amount.ravel(), minlength=R * G).reshape(R, G)


def channel_scale(kinds: list[str], split: np.ndarray,
                  p: dict[str, np.ndarray]) -> np.ndarray | None:
    """Each channel's multiplier ``pi_c``, shape (runs, channels), or None when all are 1.

    Computed once per chunk of runs (the parameters do not change over the weeks).
    """
    is_patron = np.array([k == "patron" for k in kinds], dtype=bool)
    formal, informal = split == 1, split == -1
    if not (is_patron.any() or formal.any() or informal.any()):
        return None
    sf = p["formal_revenue_share"]
    out = np.where(is_patron, p["patron_scale"], 1.0)
    out = np.where(formal, sf, out)
    return np.where(informal, 1.0 - sf, out)
STATE_RENTS = Mechanism(
    name="state_rents", title="State rents from captured institutions",
    claims=("C3", "C4"),
    read=read_budget,
    summary="Each group draws rho * B_nat/52 * sum_k X[g,k] b_k (1 - A_k) per week. Raises "
            "funds; rents fall as accountability rises. Off: no state rents (funds lower, and "
            "sanctions cut a larger share of income).",
    parameters=(
        Parameter(
            name="national_budget", symbol="B_nat", unit="USD million / year",
            default=150000.0, low=100000.0, high=200000.0,
            meaning="Annual national budget from which institutions "
                    "spend their budget shares; used when the scenario states none "
                    "(scenario.national_budget overrides it).",
            source="Iraq Federal Budget Law No. 13 of 2023 (~USD 153 bn per year)",
        ),
        Parameter(
            name="rent_rate", symbol="rho", unit="1",
            default=0.01, low=0.002, high=0.3, hard_high=1.0,
            meaning="Share of a captured institution's budget that is diverted "
                    "to the capturing group when accountability is zero.",
            source="judgment",
        ),
    ),
)
