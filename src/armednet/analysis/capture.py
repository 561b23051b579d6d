"""State capture index: how much of each institution, and of the budget, armed groups hold.

A group holds part of an institution when it, one of its leaders or one of its wings
``holds_office_in`` it or is ``integrated_into`` it; the tie's ``share`` says how much of
the institution's posts and budget the holder controls. Weighting institutions by their
share of the national budget gives the state-level index (brief, outcome "state capture").
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net
from armednet.analysis.embeddedness import group_actors
from armednet.analysis.period import DateArg

__all__ = ["CAPTURE_TIES", "capture_index", "group_capture", "state_capture"]

CAPTURE_TIES = ("holds_office_in", "integrated_into")
"""Tie types through which a holder controls part of an institution."""


def _capture_ties(net: Net, alive: np.ndarray | None,
                  unspecified_share: float | None) -> pd.DataFrame:
    alive = np.ones(net.m, dtype=bool) if alive is None else alive
    actors = group_actors(net, alive)
    sel = alive & net.tie_mask_type(*CAPTURE_TIES) & (net.node_type[net.dst]
                                                      == "state_institution")
    k = np.flatnonzero(sel)
    share = net.share[k]
    fallback = net.weight[k] if unspecified_share is None else np.full(len(k),
                                                                      unspecified_share)
    share = np.where(np.isnan(share), fallback, share)
    ties = pd.DataFrame({"tie": k, "actor": net.src[k], "inst": net.dst[k], "share": share})
    return actors.merge(ties, on="actor")


def capture_index(graph: GraphLike, unspecified_share: float | None = None, *,
                  layer: str | Iterable[str] | None = None,
                  at: DateArg = None) -> pd.DataFrame:
    """Share of each state institution under armed-group influence.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    unspecified_share : float, optional
        Share to assume for a capture tie without ``share``; default: the tie's weight.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.DataFrame
        Indexed by institution id, columns ``name``, ``kind``, ``budget_share``,
        ``captured_share`` (0..1), ``captured_budget`` (= budget_share x captured_share)
        and ``groups`` (comma-separated ids of the groups holding a part), sorted by
        ``captured_budget``.

    Notes
    -----
    :math:`s_I = \\min(1, \\sum_k s_k)` over the distinct capture ties ``k`` into ``I`` held
    by any group's actor (the group, a leader, a wing): holders are taken to control
    distinct posts, capped at the whole institution. A person leading two groups counts
    once in :math:`s_I` and for both groups in ``groups``.

    References
    ----------
    Hellman, J. S., Jones, G. & Kaufmann, D. (2000). "Seize the state, seize the day":
    state capture, corruption and influence in transition. World Bank Policy Research
    Working Paper 2444.
    """
    net = as_net(graph, layer=layer, at=at)
    j = _capture_ties(net, None, unspecified_share)
    inst = np.flatnonzero(net.mask_type("state_institution"))
    per_tie = j.drop_duplicates("tie")
    captured = per_tie.groupby("inst")["share"].sum().clip(upper=1.0)
    holders = j.groupby("inst")["group"].agg(
        lambda s: ",".join(sorted({net.ids[g] for g in s})))
    budget = np.nan_to_num(net.budget_share[inst])
    cap = captured.reindex(inst, fill_value=0.0).to_numpy()
    df = pd.DataFrame({
        "name": net.node_name[inst], "kind": net.inst_kind[inst], "budget_share": budget,
        "captured_share": cap, "captured_budget": budget * cap,
        "groups": holders.reindex(inst, fill_value="").to_numpy(),
    }, index=pd.Index([net.ids[i] for i in inst], name="institution"))
    return df.sort_values(["captured_budget", "captured_share"], ascending=False, kind="stable")


def state_capture(graph: GraphLike, unspecified_share: float | None = None, *,
                  layer: str | Iterable[str] | None = None,
                  at: DateArg = None) -> float:
    """The state capture index: budget-weighted share of institutions under group influence.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    unspecified_share : float, optional
        As in :func:`capture_index`.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    float
        :math:`\\sum_I b_I s_I`, with :math:`b_I` the institution's share of the national
        budget: the share of the national budget spent under armed-group influence.

    References
    ----------
    Hellman, Jones & Kaufmann (2000), see :func:`capture_index`.
    """
    net = as_net(graph, layer=layer, at=at)
    return _state_capture(net, None, unspecified_share)


def _state_capture(net: Net, alive: np.ndarray | None, unspecified_share: float | None = None
                   ) -> float:
    j = _capture_ties(net, alive, unspecified_share)
    if j.empty:
        return 0.0
    per_tie = j.drop_duplicates("tie")
    captured = per_tie.groupby("inst")["share"].sum().clip(upper=1.0)
    budget = np.nan_to_num(net.budget_share[captured.index.to_numpy()])
    return float((budget * captured.to_numpy()).sum())


def group_capture(graph: GraphLike, unspecified_share: float | None = None, *,
                  layer: str | Iterable[str] | None = None,
                  at: DateArg = None) -> pd.Series:
    """Budget share each armed group holds: :math:`\\sum_I b_I \\min(1, s_{gI})`.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    unspecified_share : float, optional
        As in :func:`capture_index`.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by group id (every ``armed_group``), named ``captured_budget``.

    References
    ----------
    Hellman, Jones & Kaufmann (2000), see :func:`capture_index`.
    """
    net = as_net(graph, layer=layer, at=at)
    return _group_capture(net, None, unspecified_share)


def _group_capture(net: Net, alive: np.ndarray | None,
                   unspecified_share: float | None = None) -> pd.Series:
    j = _capture_ties(net, alive, unspecified_share)
    gidx = np.flatnonzero(net.mask_type("armed_group"))
    if j.empty:
        values = np.zeros(len(gidx))
    else:
        s = j.drop_duplicates(["group", "tie"]).groupby(["group", "inst"])["share"].sum()
        s = s.clip(upper=1.0)
        b = np.nan_to_num(net.budget_share[s.index.get_level_values("inst").to_numpy()])
        per_group = pd.Series(b * s.to_numpy(), index=s.index.get_level_values("group"))
        values = per_group.groupby(level=0).sum().reindex(gidx, fill_value=0.0).to_numpy()
    return pd.Series(values, index=pd.Index([net.ids[i] for i in gidx], name="group"),
                     name="captured_budget")
