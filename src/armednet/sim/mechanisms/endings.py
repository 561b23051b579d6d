"""Groups that end: collapse, merger into an ally, demobilisation into the state (C2, C5).

Equations (weekly, at the end of the week, for each active group slot)::

    weak_g   = C_g < c_min  or  M_g < m_min size_g
    h_col    = h_c [weak_g]                                              (``collapse``)
    j*       = argmax_j W_gj M_j  over active allies in the same theatre status;
               h_mer = h_m W_gj* [M_g < q M_j*]
                                                                         (``merger``)
    h_dem    = h_d min(1, Phat_g) (1 - H_g)                              (``demobilisation``)
    ends with probability 1 - exp(-(h_col + h_mer + h_dem)); the kind is drawn in
    proportion to the three hazards.

A group whose command has come apart (low cohesion) or whose fighters have dwindled can
collapse; a small group can be absorbed by a much stronger ally it coordinates with (its
fighters and funds pass to the ally); a group embedded in the state (political influence
``Phat``, see ``ceasefire``) that has little hostility left can hand its fighters to the
state's forces. An ended group is inactive for the rest of the run: it no longer attacks,
earns, recruits, declares cease-fires or splinters, and its splinter slot cannot be reused.
Its offices in the state are not touched: officials tied to a group do not leave their
posts when its armed wing ends (capture is the ``capture`` mechanism's business), which is
the essay's point about embeddedness, here an assumption.

References
----------
.. [1] A. Cronin, *How Terrorism Ends*, Princeton University Press, 2009 (decapitation,
   implosion, negotiation, transition to politics).
.. [2] S. G. Jones and M. C. Libicki, *How Terrorist Groups End*, RAND, 2008 (policing,
   military force, politics, victory).
.. [3] Stanford Mapping Militant Organizations, group relationships (splits, mergers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from armednet.sim._ops import at_rows
from armednet.sim.mechanisms._base import Context, Mechanism, Parameter
from armednet.sim.state import State

__all__ = ["COLLAPSE", "DEMOBILISATION", "END_KINDS", "MERGER", "STREAM_ENDINGS",
           "step_endings"]

STREAM_ENDINGS = 11
"""Random stream: whether and how a group ends (two uniforms per slot)."""
END_KINDS = ("collapse", "merger", "demobilisation")
"""How a group ended; ``end_kind_<group>`` holds 1, 2 or 3 (0: did not end)."""


def init_endings(inputs: Any, p: dict[str, np.ndarray], runs: int) -> dict[str, np.ndarray]:
    """``ended`` (runs, groups) mask, ``end_week`` (NaN while alive), ``end_kind`` (0..3)."""
    G = inputs.G
    return {"ended": np.zeros((runs, G), dtype=bool), "end_week": np.full((runs, G), np.nan),
            "end_kind": np.zeros((runs, G))}


def _hazards(s: State, ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Weekly hazards of collapse and of demobilisation, (runs, groups)."""
    p, inp, on = ctx.p, ctx.inputs, ctx.on
    R, G = s.M.shape
    h_col = h_dem = np.zeros((R, G))
    if "collapse" in on:
        weak = (p["collapse_cohesion"] > s.C) | (p["collapse_capability"] * inp.size > s.M)
        h_col = np.where(weak & s.active, p["collapse_rate"], 0.0)
    if "demobilisation" in on and inp.K:
        from armednet.sim.mechanisms.ceasefire import political_influence

        phat = np.minimum(1.0, political_influence(s, ctx))
        h_dem = p["demobilisation_rate"] * phat * (1.0 - s.H) * s.active
    return h_col, h_dem


def _allies(ctx: Context) -> tuple[Any, np.ndarray]:
    """Coordination weights between groups on the same side of the theatre's edge
    (fighters do not leave the theatre, or come into it, by a merger), as a sparse (CSR)
    matrix, and each group's largest weight; built once per inputs (a dense (G, G)
    product every week grew with the square of the network)."""
    def build(inp: Any) -> tuple[Any, np.ndarray]:
        import scipy.sparse as sp

        W = np.asarray(inp.coordination * (inp.in_theatre[:, None] == inp.in_theatre[None, :]))
        top = W.max(axis=1) if W.size else np.zeros(len(W))
        return sp.csr_array(W), top

    return ctx.inputs.cached("endings.allies", build)


def _merger_at(s: State, ctx: Context, r: np.ndarray, g: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Merger hazard and ally of group ``g[i]`` in run ``r[i]``: the ally is the first
    ``j`` with the largest ``W_gj M_j`` among active allies."""
    p = ctx.p
    Wg = _allies(ctx)[0][g].toarray()  # (cells, groups): the few cells that may end
    pull = Wg * (s.M * s.active)[r]
    j = pull.argmax(axis=1)
    cell = np.arange(len(r))
    best = pull[cell, j]
    small = (at_rows(p["merger_ratio"], r) * s.M[r, j] > s.M[r, g]) & (best > 0) & s.active[
        r, g]
    return np.where(small, at_rows(p["merger_rate"], r) * Wg[cell, j], 0.0), j


def step_endings(s: State, ctx: Context) -> None:
    """End groups: mark them inactive for good and move or drop their fighters and funds.

    The merger hazard (which needs each group's strongest ally) is computed only where a
    group can end this week: where the week's uniform lies below the chance of ending with
    the largest merger hazard the group could have (most cells in most weeks are not).
    """
    if not {"collapse", "merger", "demobilisation"} & ctx.on:
        return
    h_col, h_dem = _hazards(s, ctx)
    merger = "merger" in ctx.on
    bound = h_col + (ctx.p["merger_rate"] * _allies(ctx)[1] * s.active if merger
                     else 0.0) + h_dem
    rows, cols = np.nonzero(bound > 0)
    if rows.size == 0:
        return
    slots = np.arange(s.M.shape[1])
    u_end, u_kind = ctx.uniform(STREAM_ENDINGS, slots, pair=True)
    may = u_end[rows, cols] < 1.0 - np.exp(-bound[rows, cols])
    r, g = rows[may], cols[may]
    if merger and len(r):
        h_mer, j = _merger_at(s, ctx, r, g)
    else:
        h_mer, j = np.zeros(len(r)), np.zeros(len(r), dtype=np.intp)
    hc = h_col[r, g] + h_mer + h_dem[r, g]
    end = u_end[r, g] < 1.0 - np.exp(-hc)
    if not end.any():
        return
    r, g, j, hc, h_mer = r[end], g[end], j[end], hc[end], h_mer[end]
    x = u_kind[r, g] * hc
    kind = np.where(x < h_col[r, g], 1, np.where(x < h_col[r, g] + h_mer, 2, 3))
    ending = np.zeros_like(s.active)
    ending[r, g] = True
    kind = np.where((kind == 2) & ending[r, j], 1, kind)  # an ally that ends absorbs nobody
    m = kind == 2
    np.add.at(s.M, (r[m], j[m]), s.M[r[m], g[m]])
    np.add.at(s.F, (r[m], j[m]), s.F[r[m], g[m]])
    s.M[r, g] = 0.0
    s.F[r, g] = 0.0
    s.active[r, g] = False
    s.S[r, g] = False
    s.extra["ended"][r, g] = True
    s.extra["end_week"][r, g] = ctx.t
    s.extra["end_kind"][r, g] = kind


def record_alive(name: str, s: State, ctx: Context) -> np.ndarray:
    """``groups_alive``: active group slots (groups and splinters) per run."""
    return s.active.sum(axis=1).astype(np.float64)


def summarize_endings(s: State, ctx: Context) -> dict[str, np.ndarray]:
    """``groups_ended`` and, per scenario group, ``end_week_<id>`` (NaN: alive at the end)
    and ``end_kind_<id>`` (0 alive, 1 collapse, 2 merger, 3 demobilisation)."""
    inp = ctx.inputs
    out = {"groups_ended": s.extra["ended"].sum(axis=1).astype(np.float64)}
    for g, gid in enumerate(inp.group_ids[:inp.n_groups0]):
        out[f"end_week_{gid}"] = s.extra["end_week"][:, g].copy()
        out[f"end_kind_{gid}"] = s.extra["end_kind"][:, g].copy()
    return out


COLLAPSE = Mechanism(
    name="collapse", title="Groups collapse",
    claims=("C2",),
    summary="A group whose cohesion or fighters fall below a threshold ends with a weekly "
            "hazard; its fighters and funds are lost. Off: no group collapses.",
    step=step_endings, order=125, init=init_endings, weekly=("groups_alive",),
    record=record_alive, summarize=summarize_endings,
    parameters=(
        Parameter(
            name="collapse_rate", symbol="h_c", unit="1 / week",
            default=0.05, low=0.01, high=0.3, hard_high=5.0,
            meaning="Weekly hazard of collapse of a group below a threshold.",
            source="judgment",
        ),
        Parameter(
            name="collapse_cohesion", symbol="c_min", unit="1",
            default=0.2, low=0.05, high=0.4, hard_high=1.0,
            meaning="Command cohesion below which a group can collapse.",
            source="judgment",
        ),
        Parameter(
            name="collapse_capability", symbol="m_min", unit="1",
            default=0.03, low=0.005, high=0.1, hard_high=1.0,
            meaning="Capability, as a share of the group's reported size, below which it "
                    "can collapse.",
            source="judgment",
        ),
    ),
)
MERGER = Mechanism(
    name="merger", title="Small groups merge into strong allies",
    claims=("C2",),
    summary="A group much weaker than its strongest ally is absorbed by it with a weekly "
            "hazard; its fighters and funds pass to the ally. Off: no mergers.",
    parameters=(
        Parameter(
            name="merger_rate", symbol="h_m", unit="1 / week",
            default=0.005, low=0.0, high=0.05, hard_high=5.0,
            meaning="Weekly hazard of a merger per unit of coordination weight with the "
                    "ally.",
            source="judgment (Stanford MMP records mergers among Iraqi groups as rare)",
        ),
        Parameter(
            name="merger_ratio", symbol="q", unit="1",
            default=0.1, low=0.02, high=0.3, hard_high=1.0,
            meaning="A group can merge into an ally at least 1/q times its capability.",
            source="judgment",
        ),
    ),
)
DEMOBILISATION = Mechanism(
    name="demobilisation", title="Demobilisation into the state",
    claims=("C5",),
    summary="A group embedded in the state with little hostility left hands its fighters to "
            "the state's forces with a weekly hazard; its offices stay. Off: no group "
            "demobilises.",
    parameters=(
        Parameter(
            name="demobilisation_rate", symbol="h_d", unit="1 / week",
            default=0.001, low=0.0, high=0.01, hard_high=5.0,
            meaning="Weekly hazard of demobilisation of a fully embedded group with no "
                    "hostility.",
            source="judgment",
        ),
    ),
)
