"""The sparse layouts give the outputs of the dense formulas they replaced.

Capture is stored by (holder, institution) pair, revenue is summed by channel index, the
co-option schedule is kept as lever windows and coordination as a sparse matrix (issue 18:
an engine linear in the network). This file keeps the old dense formulas as small pure
functions (capture as a (runs, holders, institutions) tensor with einsums, channel one-hot
matrices, the dense (G, K) co-option of the week, the dense attacker coordination matrix),
runs the engine once with them swapped into its weekly step and once as it is, and
compares the whole-run summaries on every preset policy and both bundled scenarios.
Float sums run in another order in places (bincount by pair against einsum over the
dense axes), so values agree to a relative 1e-12, not always bit for bit; no random draw
may flip (that would show as a large difference).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import armednet.sim.engine as engine
from armednet.sim.mechanisms import accountability, capture, ceasefire, cooption, revenue
from armednet.sim.mechanisms._base import Context
from armednet.sim.policy import PRESETS
from armednet.sim.state import State

RTOL = 1e-12


# --- the dense formulas (as before the sparse layouts) ------------------------------------

def _dense_fit_room(gain: np.ndarray, room: np.ndarray) -> np.ndarray:
    total = np.einsum("rhk->rk", gain)
    over = total > room
    if not over.any():
        return gain
    return np.einsum("rhk,rk->rhk", gain, np.where(over, room / np.where(over, total, 1.0),
                                                  1.0))


def _store(s: State, X: np.ndarray) -> None:
    """Write a dense capture tensor back to the pairs; off the pairs it must stay zero."""
    lay = s.layout
    off = X.copy()
    off[:, lay.pair_h, lay.pair_k] = 0.0
    assert not off.any(), "dense capture grew off the stored pairs"
    s.Xp = X[:, lay.pair_h, lay.pair_k].copy()


def dense_capture(s: State, ctx: Context) -> None:
    if "capture" not in ctx.on or ctx.inputs.K == 0:
        return
    p, X = ctx.p, s.X
    room = np.maximum(1.0 - np.einsum("rhk->rk", X), 0.0)
    pull = p["capture_growth"] * (0.5 + s.L[:, s.holders])
    free = (1.0 - s.A) * room
    keep = 1.0 - p["capture_erosion"] * s.A
    if not (free * np.einsum("rhk,rh->rk", X, pull) > room).any():
        X = np.einsum("rhk,rhk->rhk", X, np.einsum("rh,rk->rhk", pull, free)
                      + keep[:, None, :])
    else:
        grow = _dense_fit_room(np.einsum("rh,rk,rhk->rhk", pull, free, X), room)
        X = np.einsum("rhk,rk->rhk", X, keep)
        X += grow
    _store(s, np.clip(X, 0.0, 1.0))


def dense_cooption(s: State, ctx: Context) -> None:
    c = ctx.policy.coopt[ctx.t]  # the dense (G, K) intensities of the week
    if "cooption" not in ctx.on or not c.any():
        return
    p, X = ctx.p, s.X
    room = np.maximum(1.0 - np.einsum("rhk->rk", X), 0.0)
    gain = np.einsum("hk,rk->rhk", c[s.holders], p["coopt_rate"] * (1.0 - s.A) * room)
    X += _dense_fit_room(gain, room)
    _store(s, np.clip(X, 0.0, 1.0))
    strength = np.minimum(1.0, c.sum(axis=1))
    s.H -= p["coopt_pacification"] * s.B[:, None] * strength * s.H
    np.clip(s.H, 0.0, 1.0, out=s.H)


def dense_revenue(s: State, ctx: Context) -> None:
    inp, p = ctx.inputs, ctx.p
    R, G = s.M.shape
    income = np.zeros((R, G))
    if "revenue" in ctx.on and len(inp.chan_group):
        nc = len(inp.chan_group)
        onehot = np.zeros((nc, G))
        onehot[np.arange(nc), inp.chan_group] = 1.0
        base = ctx.scratch["chan_base"]
        income = np.einsum("rc,cg->rg", base, onehot)
        cols = ctx.scratch.get("sanction_cols")
        if cols is not None:
            lost = base[:, cols] * ctx.scratch["sanction_cut"]
            income = income - np.einsum("rc,cg->rg", lost, onehot[cols])
        income = np.broadcast_to(income, (R, G)).copy()
        g0 = inp.n_groups0
        if g0 < G:
            par = inp.splinter_of[g0:]
            took = p["splinter_share"] * s.active[:, g0:]
            income[:, g0:] = took * income[:, par]
            income[:, par] *= 1.0 - took
    rents = np.zeros((R, G))
    if "state_rents" in ctx.on and inp.K:
        impunity = (1.0 - s.A) * inp.budget
        rents[:, s.holders] = np.einsum("rhk,rk->rh", s.X, impunity) * (
            p["rent_rate"] * revenue.national_budget(inp, p) / 52.0)
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


def dense_holder_influence(s: State, ctx: Context) -> np.ndarray:
    return np.einsum("rhk,k->rh", s.X, ctx.inputs.inst_weight / ctx.scratch["p_ref"])


def dense_capture_index(s: State, ctx: Context) -> np.ndarray:
    if ctx.inputs.K == 0:
        return np.zeros(s.runs)
    return np.einsum("rhk,k->r", s.X, ctx.scratch["budget_norm"])


def dense_attacker_coordination(inp: Any) -> tuple[np.ndarray, np.ndarray]:
    a = inp.exposure > 0
    return inp.coordination[np.ix_(a, a)], inp.coordination[a].sum(axis=1)


# --- the comparison -------------------------------------------------------------------------

@pytest.fixture
def dense_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Swap the dense formulas into the engine's weekly step."""
    swap = {capture.step_capture: dense_capture, cooption.step_cooption: dense_cooption,
            revenue.step_revenue: dense_revenue}
    assert set(swap) <= set(engine.PIPELINE)
    monkeypatch.setattr(engine, "PIPELINE", tuple(swap.get(f, f) for f in engine.PIPELINE))
    monkeypatch.setattr(ceasefire, "holder_influence", dense_holder_influence)
    monkeypatch.setattr(ceasefire, "attacker_coordination", dense_attacker_coordination)
    monkeypatch.setattr(accountability, "capture_index", dense_capture_index)
    monkeypatch.setattr(engine, "capture_index", dense_capture_index)


def _summaries(scenario: Any) -> dict[str, pd.DataFrame]:
    return {pol: engine.simulate(scenario, pol, runs=24, weeks=104, seed=3).summary
            for pol in PRESETS}


def _compare(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    for col in new.columns:
        a, b = new[col].to_numpy(float), old[col].to_numpy(float)
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-300, equal_nan=True,
                                   err_msg=f"column {col}")


@pytest.fixture(scope="module")
def sparse_results(bundled_scenario: Any) -> dict[str, pd.DataFrame]:
    return _summaries(bundled_scenario)


def test_sparse_layouts_match_dense_formulas(bundled_scenario: Any,
                                             sparse_results: dict[str, pd.DataFrame],
                                             dense_engine: None) -> None:
    dense = _summaries(bundled_scenario)
    for pol in PRESETS:
        _compare(sparse_results[pol], dense[pol])


def test_coopt_schedule_matches_dense_sum(bundled_scenario: Any) -> None:
    # the week's intensities are the levers' sum, as the dense (T, G, K) array added them
    from armednet.sim.init import build_inputs, schedule_policy
    from armednet.sim.policy import resolve_policy

    inp = build_inputs(bundled_scenario, 104)
    pol = resolve_policy({"name": "two", "levers": [
        {"kind": "co-option", "groups": ["domestic"], "institutions": ["held"]},
        {"kind": "co-option", "groups": ["all"], "institutions": ["all"], "intensity": 0.3,
         "start": inp.start.isoformat()}]})
    sch = schedule_policy(inp, pol)
    dense = np.zeros((inp.weeks, inp.G, inp.K))
    for weeks, x, g, k in sch.coopt.events:
        sel = np.zeros((inp.G, inp.K), dtype=bool)
        sel[g, k] = True
        dense[weeks] += x * sel
    for t in (0, 50, 103):
        assert np.array_equal(sch.coopt[t], dense[t])
    assert np.array_equal(sch.coopt.mask(), dense.sum(axis=0) > 0)
