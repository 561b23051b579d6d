"""What-if: the immediate impact of removing nodes or cutting ties (ORA's "what if").

Measures (the same in :mod:`armednet.analysis.resilience`):

- ``fragmentation`` (Borgatti 2006): the share of ordered pairs of remaining nodes that
  cannot reach each other, on weak components:
  :math:`F = 1 - \\sum_k s_k (s_k - 1) / (n (n - 1))`;
- ``largest_component``: nodes in the largest weak component;
- ``command_reach``: (leader, unit) pairs with a directed path over ``leads`` and
  ``commands`` ties, where leaders are persons with a ``leads`` tie to an armed group
  and units are armed groups, umbrellas and foreign forces (for a group: summed over
  its leaders);
- ``state_capture``: :func:`~armednet.analysis.capture.state_capture` (for a group, the
  budget share it holds, :func:`~armednet.analysis.capture.group_capture`);
- ``embeddedness_weight``, ``embeddedness_share``, ``state_ties``: from
  :func:`~armednet.analysis.embeddedness.state_embeddedness`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net, check_node_ids, check_tie_types
from armednet.analysis.capture import _group_capture, _state_capture
from armednet.analysis.embeddedness import _embeddedness, group_actors
from armednet.analysis.period import DateArg, Period

__all__ = ["IMPACT_MEASURES", "WhatIf", "command_reach", "fragmentation", "impact_measures",
           "what_if"]

IMPACT_MEASURES = ("fragmentation", "largest_component", "command_reach", "state_capture",
                   "embeddedness_weight", "embeddedness_share", "state_ties")


def _components(net: Net, node_alive: np.ndarray, tie_alive: np.ndarray) -> np.ndarray:
    """Sizes of the weak components of the alive nodes."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    k = tie_alive & node_alive[net.src] & node_alive[net.dst]
    mat = sparse.csr_array((np.ones(int(k.sum())), (net.src[k], net.dst[k])),
                           shape=(net.n, net.n))
    _, labels = connected_components(mat, directed=True, connection="weak")
    return np.bincount(labels[node_alive]) if node_alive.any() else np.zeros(0, dtype=int)


def _fragmentation(sizes: np.ndarray) -> float:
    n = int(sizes.sum())
    if n < 2:
        return 1.0 if n == 1 else 0.0
    s = sizes[sizes > 0].astype(float)
    return float(1.0 - (s * (s - 1)).sum() / (n * (n - 1)))


def fragmentation(graph: GraphLike, *, layer: str | Iterable[str] | None = None,
                  at: DateArg = None) -> float:
    """Borgatti's fragmentation: share of ordered node pairs in different weak components.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    float
        0 when the graph is (weakly) connected, 1 when no two nodes are tied.

    References
    ----------
    Borgatti, S. P. (2006). Identifying sets of key players in a social network.
    *Computational and Mathematical Organization Theory* 12(1), 21-34.
    """
    net = as_net(graph, layer=layer, at=at)
    return _fragmentation(_components(net, np.ones(net.n, bool), np.ones(net.m, bool)))


def _command_reach(net: Net, tie_alive: np.ndarray) -> tuple[int, pd.Series]:
    """Total distinct (leader, unit) pairs, and per group (indexed by group node index)."""
    from scipy import sparse

    actors = group_actors(net, tie_alive)
    leaders = actors[actors["role"] == "leader"]
    gidx = np.flatnonzero(net.mask_type("armed_group"))
    if leaders.empty:
        return 0, pd.Series(0, index=gidx, dtype=np.int64)
    k = tie_alive & net.tie_mask_type("leads", "commands")
    cmd = sparse.csr_array((np.ones(int(k.sum())), (net.src[k], net.dst[k])),
                           shape=(net.n, net.n))
    lead_ids = np.unique(leaders["actor"].to_numpy())
    start = sparse.csr_array((np.ones(len(lead_ids)), (np.arange(len(lead_ids)), lead_ids)),
                             shape=(len(lead_ids), net.n))
    reach = start.copy()
    frontier = start
    for _ in range(net.n):
        nxt = (frontier @ cmd > 0).astype(float)
        nxt = nxt - nxt.multiply(reach > 0)
        nxt.eliminate_zeros()
        if nxt.nnz == 0:
            break
        reach = reach + nxt
        frontier = nxt
    units = net.mask_type("armed_group", "umbrella", "foreign_force").astype(float)
    per_leader = np.asarray(reach @ units).ravel() - units[lead_ids]  # a leader is no unit
    lead_pos = {int(a): i for i, a in enumerate(lead_ids)}
    per_group = pd.Series(per_leader[[lead_pos[int(a)] for a in leaders["actor"]]],
                          index=leaders["group"].to_numpy()).groupby(level=0).sum()
    return int(per_leader.sum()), per_group.reindex(gidx, fill_value=0).astype(np.int64)


def command_reach(graph: GraphLike, *, layer: str | Iterable[str] | None = None,
                  at: DateArg = None) -> pd.Series:
    """Units each armed group's leaders reach along ``leads``/``commands`` ties.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by group id, named ``command_reach``: summed over the group's leaders,
        the number of units (armed groups, umbrellas, foreign forces) each reaches.

    Notes
    -----
    Breadth-first search from all leaders at once, as sparse frontier products.

    References
    ----------
    Mansour, R. (2024), Foreign Affairs essay (brief claim C2: decapitation splinters
    command).
    """
    net = as_net(graph, layer=layer, at=at)
    _, per_group = _command_reach(net, np.ones(net.m, dtype=bool))
    return pd.Series(per_group.to_numpy(), name="command_reach",
                     index=pd.Index([net.ids[i] for i in per_group.index], name="group"))


def _impact(net: Net, node_alive: np.ndarray, tie_alive: np.ndarray) -> pd.DataFrame:
    ties = tie_alive & node_alive[net.src] & node_alive[net.dst]
    sizes = _components(net, node_alive, ties)
    total_reach, group_reach = _command_reach(net, ties)
    emb = _embeddedness(net, ties)
    gcap = _group_capture(net, ties)
    gidx = np.flatnonzero(net.mask_type("armed_group"))
    gids = [net.ids[i] for i in gidx]
    groups = pd.DataFrame({
        "fragmentation": np.nan, "largest_component": np.nan,
        "command_reach": group_reach.reindex(gidx).to_numpy(dtype=float),
        "state_capture": gcap.reindex(gids).to_numpy(dtype=float),
        "embeddedness_weight": emb["weight"].reindex(gids).to_numpy(dtype=float),
        "embeddedness_share": emb["weight_share"].reindex(gids).to_numpy(dtype=float),
        "state_ties": emb["state_ties"].reindex(gids).to_numpy(dtype=float),
    }, index=gids)
    alive_groups = node_alive[gidx]
    groups.loc[~alive_groups, ["command_reach", "state_capture", "embeddedness_weight",
                               "embeddedness_share", "state_ties"]] = 0.0
    network = pd.DataFrame({
        "fragmentation": [_fragmentation(sizes)],
        "largest_component": [float(sizes.max()) if len(sizes) else 0.0],
        "command_reach": [float(total_reach)],
        "state_capture": [_state_capture(net, ties)],
        "embeddedness_weight": [float(groups["embeddedness_weight"].sum())],
        "embeddedness_share": [float(groups["embeddedness_share"].mean())
                               if len(groups) else 0.0],
        "state_ties": [float(groups["state_ties"].sum())],
    }, index=["network"])
    out = pd.concat([network, groups])
    out.index.name = "scope"
    return out[list(IMPACT_MEASURES)]


def impact_measures(graph: GraphLike, *, layer: str | Iterable[str] | None = None,
                    at: DateArg = None) -> pd.DataFrame:
    """The what-if measures of a graph (row ``network`` and one row per armed group).

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.DataFrame
        Indexed by scope (``network``, then group ids), columns :data:`IMPACT_MEASURES`.
        Network-only measures are NaN on group rows; on the network row
        ``embeddedness_share`` is the mean over groups and the other embeddedness columns
        the sums.

    References
    ----------
    Borgatti (2006), see :func:`fragmentation`.
    """
    net = as_net(graph, layer=layer, at=at)
    return _impact(net, np.ones(net.n, dtype=bool), np.ones(net.m, dtype=bool))


@dataclass(frozen=True)
class WhatIf:
    """Impact of a removal: measures before and after, and their difference.

    Attributes
    ----------
    removed : tuple of str
        Node ids removed.
    cut_ties : tuple of str
        Tie types cut.
    before, after, delta : pandas.DataFrame
        As :func:`impact_measures`; ``delta = after - before``. A removed group's row is 0
        after.
    period : Period or None
        The time the measures cover (:mod:`armednet.analysis.period`).
    """

    removed: tuple[str, ...]
    cut_ties: tuple[str, ...]
    before: pd.DataFrame
    after: pd.DataFrame
    delta: pd.DataFrame
    period: Period | None = None

    def summary(self) -> pd.DataFrame:
        """Network-level measures as rows, with columns before, after, delta."""
        return pd.DataFrame({"before": self.before.loc["network"],
                             "after": self.after.loc["network"],
                             "delta": self.delta.loc["network"]})


def what_if(graph: GraphLike, remove: Iterable[str] = (), cut_ties: Iterable[str] = (), *,
            layer: str | Iterable[str] | None = None, at: DateArg = None) -> WhatIf:
    """Remove nodes and/or cut every tie of some types, and report the immediate impact.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    remove : iterable of str
        Node ids to remove (a leader killed, a depot destroyed, a bank sanctioned, a
        minister dismissed).
    cut_ties : iterable of str
        Tie types to cut everywhere (e.g. ``funds``).
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    WhatIf

    Raises
    ------
    InputError
        On an unknown node id or tie type (the message names the closest valid ones), or
        a node not active in the time covered (a person killed before the window: pass
        ``at=`` a date when they were).

    Warns
    -----
    OutsideWindowWarning
        If ``at`` is a date outside the scenario's window.

    Examples
    --------
    >>> from armednet.kb import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> res = what_if(kg, remove=["kataib-hezbollah"])
    >>> res.period.kind, float(res.delta.loc["kataib-hezbollah", "command_reach"]) < 0
    ('window', True)

    Notes
    -----
    The input graph is not changed. Measures are recomputed on the graph after removal,
    with no adaptation by the actors (the immediate impact, as ORA reports it).

    References
    ----------
    Borgatti, S. P. (2006). Identifying sets of key players in a social network.
    *Computational and Mathematical Organization Theory* 12(1), 21-34.
    Carley, K. M. (2017). ORA: a toolkit for dynamic network analysis and visualization.
    """
    net = as_net(graph, layer=layer, at=at)
    removed = tuple(check_node_ids(net, remove))
    cut = tuple(check_tie_types(cut_ties))
    node_alive = np.ones(net.n, dtype=bool)
    node_alive[[net.index[r] for r in removed]] = False
    tie_alive = ~net.tie_mask_type(*cut) if cut else np.ones(net.m, dtype=bool)
    before = _impact(net, np.ones(net.n, dtype=bool), np.ones(net.m, dtype=bool))
    after = _impact(net, node_alive, tie_alive)
    return WhatIf(removed, cut, before, after, after - before, net.period)
