"""Kernel of :func:`armednet.sim.mechanisms.revenue.step_revenue`.

Reads the per-chunk tables ``chan_base`` and ``income_uncut`` that the engine puts in the
static scratch (:func:`armednet.sim.mechanisms.revenue.channel_tables`) and this week's
sanction cuts, and does income, splinter shares, state rents and upkeep in one loop.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.kernels._util import at, empty2, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.revenue import national_budget
from armednet.sim.state import State

__all__ = ["step_revenue"]

_NO_INDEX = np.zeros(0, dtype=np.intp)


@jit
def _minimum(a: float, b: float) -> float:
    """``np.minimum`` of two floats (a NaN wins)."""
    if a < b or a != a:
        return a
    return b


@jit
def _revenue(F: np.ndarray, M: np.ndarray, active: np.ndarray, A: np.ndarray,
             Xp: np.ndarray, income: np.ndarray, rents: np.ndarray, shortfall: np.ndarray,
             earn: bool, base: np.ndarray, uncut: np.ndarray, cols: np.ndarray,
             cut: np.ndarray, chan_group: np.ndarray, g0: int, splinter_of: np.ndarray,
             share: np.ndarray, rent: bool, budget: np.ndarray, pair_h: np.ndarray,
             pair_k: np.ndarray, holders: np.ndarray, rent_fac: np.ndarray, pay: bool,
             upkeep: np.ndarray) -> None:
    R, G = F.shape
    sanctioned = cols.shape[0] > 0
    # the income before splinters depends on the run only through the tables' rows: with
    # one row each (parameters shared by every run) it is computed once
    shared = base.shape[0] == 1 and (not sanctioned or cut.shape[0] == 1)
    uncut_r = np.empty(G)
    lost = np.empty(G)
    tmp = np.empty(G)
    by_holder = np.empty(holders.shape[0])
    for r in range(R):
        if earn:
            if r == 0 or not shared:
                rb = r if base.shape[0] > 1 else 0
                if sanctioned:
                    # by_group: each group's lost amounts added in the columns' order
                    rc = r if cut.shape[0] > 1 else 0
                    for g in range(G):
                        lost[g] = 0.0
                    for j in range(cols.shape[0]):
                        c = cols[j]
                        lost[chan_group[c]] += base[rb, c] * cut[rc, j]
                    for g in range(G):
                        uncut_r[g] = uncut[rb, g] - lost[g]
                else:
                    for g in range(G):
                        uncut_r[g] = uncut[rb, g]
            for g in range(G):
                income[r, g] = uncut_r[g]
            if g0 < G:
                # as the fancy-indexed NumPy updates: the splinters' shares from the
                # parents' incomes before any write, then each parent scaled (a parent
                # listed twice keeps the last splinter's scaling)
                sh = at(share, r)
                for j in range(G - g0):
                    took = sh * (1.0 if active[r, g0 + j] else 0.0)
                    tmp[j] = took * income[r, splinter_of[g0 + j]]
                for j in range(G - g0):
                    income[r, g0 + j] = tmp[j]
                for j in range(G - g0):
                    took = sh * (1.0 if active[r, g0 + j] else 0.0)
                    tmp[j] = income[r, splinter_of[g0 + j]] * (1.0 - took)
                for j in range(G - g0):
                    income[r, splinter_of[g0 + j]] = tmp[j]
        else:
            for g in range(G):
                income[r, g] = 0.0
        for g in range(G):
            rents[r, g] = 0.0
        if rent:
            for h in range(holders.shape[0]):
                by_holder[h] = 0.0
            for q in range(pair_k.shape[0]):
                k = pair_k[q]
                by_holder[pair_h[q]] += Xp[r, q] * ((1.0 - A[r, k]) * budget[k])
            fac = at(rent_fac, r)
            for h in range(holders.shape[0]):
                rents[r, holders[h]] = by_holder[h] * fac
        u = at(upkeep, r) if pay else 0.0
        for g in range(G):
            on = 1.0 if active[r, g] else 0.0
            inc = income[r, g] * on
            rt = rents[r, g] * on
            income[r, g] = inc
            rents[r, g] = rt
            f = F[r, g] + (inc + rt)
            if pay:
                cost = u * M[r, g]
                paid = _minimum(f, cost)
                f -= paid
                shortfall[r, g] = cost - paid
            else:
                shortfall[r, g] = 0.0
            F[r, g] = f


def step_revenue(s: State, ctx: Context) -> None:
    """Add income and state rents to funds and pay upkeep (writes ``scratch['shortfall']``,
    ``scratch['rents']`` and ``scratch['income']``) (compiled)."""
    inp, p, sc = ctx.inputs, ctx.p, ctx.scratch
    R, G = s.M.shape
    pay = "revenue" in ctx.on
    earn = pay and len(inp.chan_group) > 0
    cols = sc.get("sanction_cols") if earn else None
    rent = "state_rents" in ctx.on and inp.K > 0
    lay = s.layout
    income, rents, shortfall = np.empty((R, G)), np.empty((R, G)), np.empty((R, G))
    _revenue(s.F, s.M, s.active, s.A, s.Xp, income, rents, shortfall,
             earn, sc["chan_base"] if earn else empty2(),
             sc["income_uncut"] if earn else empty2(),
             _NO_INDEX if cols is None else cols,
             empty2() if cols is None else sc["sanction_cut"],
             inp.chan_group, inp.n_groups0, inp.splinter_of,
             param(p, "splinter_share") if earn else empty2(),
             rent, inp.budget, lay.pair_h, lay.pair_k, lay.holders,
             np.asarray(p["rent_rate"] * national_budget(inp, p) / 52.0, dtype=np.float64)
             if rent else empty2(),
             pay, param(p, "upkeep_cost") if pay else empty2())
    sc["shortfall"] = shortfall
    sc["rents"] = rents
    sc["income"] = income
