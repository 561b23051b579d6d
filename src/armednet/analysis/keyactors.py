"""The key-actor report: the top actors by each measure, overall and by node type."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net, closest
from armednet.analysis.period import DateArg

__all__ = ["MEASURES", "key_actor_report", "measure_table"]


def _measures() -> dict[str, Callable[[Net], np.ndarray]]:
    from armednet.analysis import brokerage as b
    from armednet.analysis import centrality as c

    def roles(net: Net) -> np.ndarray:
        groups = b._groups(net, None)
        return b._role_counts(net, groups)

    return {
        "degree_in": lambda net: np.bincount(net.dst, minlength=net.n).astype(float),
        "degree_out": lambda net: np.bincount(net.src, minlength=net.n).astype(float),
        "strength": lambda net: (np.bincount(net.src, weights=net.weight, minlength=net.n)
                                 + np.bincount(net.dst, weights=net.weight, minlength=net.n)),
        "betweenness": lambda net: c._betweenness(net, False, True),
        "closeness": lambda net: c._closeness(net, False, "in"),
        "eigenvector": lambda net: c._eigenvector(net, True, False),
        "pagerank": lambda net: c._pagerank(net, 0.85, True),
        "kcore": lambda net: np.asarray(net.igraph.coreness(mode="all"), dtype=float),
        "brokerage": lambda net: roles(net).sum(1),
        "cross_layer_brokerage": lambda net: roles(net)[:, 2:].sum(1),
    }


def _cores() -> int:
    """The cores this process may run on (at least 1)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


MEASURES = ("degree_in", "degree_out", "strength", "betweenness", "closeness", "eigenvector",
            "pagerank", "kcore", "brokerage", "cross_layer_brokerage")
"""Measures of the key-actor report (see :mod:`armednet.analysis.centrality` and
:mod:`armednet.analysis.brokerage`): unweighted directed betweenness and in-closeness,
eigenvector on the symmetrised weighted graph, weighted PageRank, total k-core, and
Gould-Fernandez brokerage (all roles, and the cross-layer ones) with layers as groups."""


def measure_table(graph: GraphLike, measures: Sequence[str] | None = None, *,
                  layer: str | Iterable[str] | None = None,
                  at: DateArg = None, workers: int | None = None) -> pd.DataFrame:
    """Every node with every report measure, one column per measure.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    measures : sequence of str, optional
        Subset of :data:`MEASURES` (default all).
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).
    workers : int, optional
        Threads for betweenness and closeness, which come from one breadth-first search
        per source (:mod:`armednet.analysis._paths`; sources are split in fixed chunks
        whose sums are added in order, so the values do not depend on ``workers``).
        Default: every core this process may use; 1 stays in this thread.

    Returns
    -------
    pandas.DataFrame
        Indexed by node id: ``name``, ``type``, ``layer``, then one column per measure.
    """
    net = as_net(graph, layer=layer, at=at)
    funcs = _measures()
    wanted = list(measures) if measures is not None else list(MEASURES)
    for m in wanted:
        if m not in funcs:
            raise closest(m, funcs, "measure")
    frame = net.node_frame()[["name", "type", "layer"]]
    cache: dict[str, np.ndarray] = {}
    if {"brokerage", "cross_layer_brokerage"} & set(wanted):
        from armednet.analysis import brokerage as b

        counts = b._role_counts(net, b._groups(net, None))
        cache["brokerage"] = counts.sum(1)
        cache["cross_layer_brokerage"] = counts[:, 2:].sum(1)
    if workers is None:
        workers = _cores()
    if {"betweenness", "closeness"} <= set(wanted):
        from armednet.analysis import centrality as c

        cache["betweenness"], cache["closeness"] = c._betweenness_closeness(net, workers)
    elif "betweenness" in wanted:
        from armednet.analysis import centrality as c

        cache["betweenness"] = c._betweenness(net, False, True, workers)
    cols = {m: cache[m] if m in cache else funcs[m](net) for m in wanted}
    return frame.assign(**cols)


def key_actor_report(graph: GraphLike, top: int = 10, measures: Sequence[str] | None = None,
                     by_type: bool = True, *, layer: str | Iterable[str] | None = None,
                     at: DateArg = None, workers: int | None = None) -> pd.DataFrame:
    """The top actors by each measure, overall and within each node type (ORA's key-entity
    report), as one tidy table.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    top : int
        Actors per measure and scope.
    measures : sequence of str, optional
        Subset of :data:`MEASURES` (default all).
    by_type : bool
        Also rank within each node type.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).
    workers : int, optional
        Threads for the path-based measures (default: every core this process may use;
        see :func:`measure_table`).

    Returns
    -------
    pandas.DataFrame
        Columns ``measure``, ``scope`` (``"all"`` or a node type), ``rank`` (1 = top),
        ``node``, ``name``, ``type``, ``layer``, ``value``. Ties in value are broken by node
        id, so the table is deterministic. Nodes with value 0 are left out.

    Notes
    -----
    Each measure is computed once on the prepared graph; see :func:`measure_table`.

    References
    ----------
    Carley, K. M. (2017). ORA: a toolkit for dynamic network analysis and visualization.
    In *Encyclopedia of Social Network Analysis and Mining*. Springer.
    """
    table = measure_table(graph, measures, layer=layer, at=at, workers=workers)
    wanted = [c for c in table.columns if c not in ("name", "type", "layer")]
    cols = ["measure", "scope", "rank", "node", "name", "type", "layer", "value"]
    ids = table.index.to_numpy()
    types = table["type"].to_numpy()
    # rank of each id in string order: ties in value broken by node id
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(len(ids))
    type_names = sorted({str(t) for t in types}) if by_type else []
    type_str = types.astype(str)
    picks: list[tuple[str, str, np.ndarray]] = []  # (measure, scope, node positions)
    for m in wanted:
        values = table[m].to_numpy(dtype=float)
        order = np.lexsort((id_rank, -values))
        order = order[values[order] > 0]
        picks.append((m, "all", order[:top]))
        ranked_types = type_str[order]
        for t in type_names:
            part = order[ranked_types == t][:top]
            if len(part):
                picks.append((m, t, part))
    if not picks:
        return pd.DataFrame(columns=cols)
    rows = np.concatenate([p for _, _, p in picks])
    lengths = [len(p) for _, _, p in picks]
    values = np.concatenate([table[m].to_numpy(dtype=float)[p] for m, _, p in picks])
    return pd.DataFrame({
        "measure": np.repeat(np.array([m for m, _, _ in picks], dtype=object), lengths),
        "scope": np.repeat(np.array([sc for _, sc, _ in picks], dtype=object), lengths),
        "rank": np.concatenate([np.arange(1, k + 1) for k in lengths]),
        "node": ids[rows], "name": table["name"].to_numpy()[rows], "type": types[rows],
        "layer": table["layer"].to_numpy()[rows], "value": values,
    })[cols]
