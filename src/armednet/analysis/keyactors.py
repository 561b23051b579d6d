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


MEASURES = ("degree_in", "degree_out", "strength", "betweenness", "closeness", "eigenvector",
            "pagerank", "kcore", "brokerage", "cross_layer_brokerage")
"""Measures of the key-actor report (see :mod:`armednet.analysis.centrality` and
:mod:`armednet.analysis.brokerage`): unweighted directed betweenness and in-closeness,
eigenvector on the symmetrised weighted graph, weighted PageRank, total k-core, and
Gould-Fernandez brokerage (all roles, and the cross-layer ones) with layers as groups."""


def measure_table(graph: GraphLike, measures: Sequence[str] | None = None, *,
                  layer: str | Iterable[str] | None = None,
                  at: DateArg = None, workers: int = 1) -> pd.DataFrame:
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
    workers : int
        Run betweenness (split by sources) and closeness in this many forked processes
        (see :func:`~armednet.analysis.centrality.igraph_calls`); 1 stays in-process.

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
    if {"betweenness", "closeness"} <= set(wanted) and workers > 1 and net.n > 2:
        from armednet.analysis import centrality as c

        g, calls = c._betweenness_calls(net, False, workers)
        _, ccalls = c._closeness_calls(net, False, "in")
        results = c.igraph_calls(g, calls + ccalls, workers)
        cache["betweenness"] = c._betweenness_finish(net, results[:len(calls)], True)
        cache["closeness"] = c._closeness_finish(net, results[-1], False, "in")
    cols = {m: cache[m] if m in cache else funcs[m](net) for m in wanted}
    return frame.assign(**cols)


def key_actor_report(graph: GraphLike, top: int = 10, measures: Sequence[str] | None = None,
                     by_type: bool = True, *, layer: str | Iterable[str] | None = None,
                     at: DateArg = None, workers: int = 1) -> pd.DataFrame:
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
    workers : int
        Processes for the path-based measures (see :func:`measure_table`).

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
    rows = []
    ids = table.index.to_numpy()
    for m in wanted:
        values = table[m].to_numpy(dtype=float)
        order = np.lexsort((ids.astype(str), -values))
        ranked = table.iloc[order]
        ranked = ranked[ranked[m].to_numpy() > 0]
        scopes = [("all", ranked)]
        if by_type:
            scopes += [(str(t), part) for t, part in ranked.groupby("type", sort=True)]
        for scope, part in scopes:
            head = part.head(top)
            rows.append(pd.DataFrame({
                "measure": m, "scope": scope, "rank": np.arange(1, len(head) + 1),
                "node": head.index.to_numpy(), "name": head["name"].to_numpy(),
                "type": head["type"].to_numpy(), "layer": head["layer"].to_numpy(),
                "value": head[m].to_numpy(dtype=float),
            }))
    cols = ["measure", "scope", "rank", "node", "name", "type", "layer", "value"]
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.concat(rows, ignore_index=True)[cols]
