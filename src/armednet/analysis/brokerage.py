"""Brokerage across layers: Gould-Fernandez roles with the node layer as the group.

Why this measure
----------------
The essay's claim C3 is about *who connects* the armed (military) layer to parties,
ministries, courts and money. Gould and Fernandez (1989) classify each open directed
two-path ``a -> b -> c`` (no direct tie ``a -> c``) by the groups of its three nodes, which
is exactly "brokerage across layers" when the group is the node's layer:

=================  ================================  ===========================
role of ``b``      groups                            reading
=================  ================================  ===========================
coordinator        g(a) = g(b) = g(c)                inside one layer
itinerant          g(a) = g(c) != g(b)               outsider between two insiders
representative     g(a) = g(b) != g(c)               speaks for its layer outward
gatekeeper         g(a) != g(b) = g(c)               lets outsiders into its layer
liaison            g(a), g(b), g(c) all different    between two other layers
=================  ================================  ===========================

Ties are taken as binary and directed on the collapsed simple digraph. The cross-layer
score counts the open two-paths whose ends lie in different layers (representative +
gatekeeper + liaison); :func:`layer_brokerage` counts those that join one given layer to the
rest (e.g. military to non-military).

Algorithm
---------
Counts are vectorised (no loop over two-paths) and memory-bounded. Per node ``b``, the
in- and out-degrees split by "same group as b" give every two-path per role by products
(itinerant from the per-group in/out counts, a sparse ``n x k`` product); two-paths with
``a = c`` are the mutual ties; the closed ones (``a -> c`` present) are transitive triads,
listed from the undirected triangles, each once, from its vertex of lowest degree rank,
a bounded number of wedges at a time (:func:`_closed_counts`). Time O(m^1.5) at worst,
memory O(n + m) plus one chunk of wedges, whatever the hubs: the products ``A A^T`` of the
earlier version grew with the squares of hub degrees (8.5 M entries at 10,000 nodes).

References
----------
Chiba, N. & Nishizeki, T. (1985). Arboricity and subgraph listing algorithms. *SIAM
Journal on Computing* 14(1), 210-223.
Schank, T. & Wagner, D. (2005). Finding, counting and listing all triangles in large
graphs, an experimental study. *WEA 2005*, LNCS 3503, 606-609.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net, check_layers
from armednet.analysis.period import DateArg

__all__ = ["ROLES", "brokerage_roles", "layer_brokerage"]

_CHUNK = 2_000_000
"""Wedges (pairs of neighbours) examined at once when counting closed two-paths."""

ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")
"""Gould-Fernandez roles, in the order of the columns of :func:`brokerage_roles`."""


def brokerage_roles(graph: GraphLike, partition: Sequence[str] | str | None = None, *,
                    layer: str | Iterable[str] | None = None,
                    at: DateArg = None) -> pd.DataFrame:
    """Gould-Fernandez brokerage role counts of every node.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    partition : sequence of str, or "layer" / "type", optional
        The group of each node (same order as the graph's nodes), or the name of a node
        attribute to use. Default: the node's layer.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.DataFrame
        Indexed by node id; integer columns ``coordinator``, ``itinerant``,
        ``representative``, ``gatekeeper``, ``liaison``, ``total`` and ``cross_layer``
        (= representative + gatekeeper + liaison: open two-paths whose ends lie in
        different groups).

    Notes
    -----
    Only open two-paths count (no tie ``a -> c``), as in Gould & Fernandez and
    ``sna::brokerage`` in R. See the module docstring for the vectorised algorithm.

    References
    ----------
    Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation: a formal approach to
    brokerage in transaction networks. *Sociological Methodology* 19, 89-126.
    """
    net = as_net(graph, layer=layer, at=at)
    groups = _groups(net, partition)
    counts = _role_counts(net, groups)
    df = pd.DataFrame(counts, index=pd.Index(net.ids, name="node"), columns=list(ROLES))
    df = df.astype(np.int64)
    df["total"] = df[list(ROLES)].sum(axis=1)
    df["cross_layer"] = df["representative"] + df["gatekeeper"] + df["liaison"]
    return df


def layer_brokerage(graph: GraphLike, source_layer: str = "military", *,
                    layer: str | Iterable[str] | None = None,
                    at: DateArg = None) -> pd.Series:
    """Open two-paths through each node that join ``source_layer`` to any other layer.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    source_layer : str
        The layer on one side (default ``military``): counts ``a -> b -> c`` (open) with
        exactly one of ``a``, ``c`` in it, whatever ``b``'s layer.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``brokerage_<source_layer>``.

    Notes
    -----
    Gould-Fernandez roles on the two-group partition {source_layer, rest}: the sum of
    representative and gatekeeper counts (a liaison needs three groups).

    References
    ----------
    Gould, R. V. & Fernandez, R. M. (1989). Structures of mediation. *Sociological
    Methodology* 19, 89-126.
    """
    check_layers([source_layer])
    net = as_net(graph, layer=layer, at=at)
    groups = np.where(net.node_layer == source_layer, 1, 0)
    counts = _role_counts(net, groups)
    return net.series(counts[:, 2] + counts[:, 3], f"brokerage_{source_layer}")


def _groups(net: Net, partition: Sequence[str] | str | None) -> np.ndarray:
    if partition is None or partition == "layer":
        labels = net.node_layer
    elif partition == "type":
        labels = net.node_type
    else:
        labels = np.asarray(list(partition), dtype=object)
        if len(labels) != net.n:
            raise ValueError(f"partition has {len(labels)} labels for {net.n} nodes")
    _, codes = np.unique(labels.astype(str), return_inverse=True)
    return codes.astype(np.int64)


def _role_counts(net: Net, groups: np.ndarray, chunk: int = _CHUNK) -> np.ndarray:
    """(n, 5) float array of role counts; ``groups`` is an int code per node.

    Open two-paths = all two-paths ``a -> b -> c`` per role (products of per-group in-
    and out-degrees) minus those with ``a = c`` (mutual ties) minus the closed ones
    (transitive triads, :func:`_closed_counts`). Memory O(n + m + chunk).
    """
    from scipy import sparse

    n = net.n
    src, dst = _simple_edges(net)
    if n == 0 or len(src) == 0:
        return np.zeros((n, 5))
    k = int(groups.max()) + 1
    gs, gd = groups[src], groups[dst]
    same = gs == gd
    indeg = np.bincount(dst, minlength=n).astype(float)
    outdeg = np.bincount(src, minlength=n).astype(float)
    in_same = np.bincount(dst[same], minlength=n).astype(float)  # a -> b, g(a) = g(b)
    out_same = np.bincount(src[same], minlength=n).astype(float)  # b -> c, g(c) = g(b)
    in_oth, out_oth = indeg - in_same, outdeg - out_same
    # pairs (a, c) around b with g(a) = g(c), a = c included: sum_g in_g[b, g] out_g[b, g]
    in_g = sparse.csr_array((np.ones(len(src)), (dst, gs)), shape=(n, k))
    out_g = sparse.csr_array((np.ones(len(src)), (src, gd)), shape=(n, k))
    same_ends = np.asarray(in_g.multiply(out_g).sum(axis=1)).ravel()
    # a -> b -> a: the mutual ties of b, with a in b's group or not
    code = src * n + dst
    mutual = np.isin(code, dst * n + src)
    mut_same = np.bincount(dst[mutual & same], minlength=n).astype(float)
    mut_oth = np.bincount(dst[mutual & ~same], minlength=n).astype(float)
    coord = in_same * out_same - mut_same
    rep = in_same * out_oth
    gate = in_oth * out_same
    itin = same_ends - in_same * out_same - mut_oth
    liaison = in_oth * out_oth - (itin + mut_oth)  # raw other-other minus same-group pairs
    counts = np.column_stack([coord, itin, rep, gate, liaison])
    return np.rint(counts - _closed_counts(n, src, dst, groups, chunk))


def _simple_edges(net: Net) -> tuple[np.ndarray, np.ndarray]:
    """Binary collapsed digraph without self-loops, sorted by ``(src, dst)``."""
    s, d, _ = net.edges
    keep = s != d
    return s[keep].astype(np.int64), d[keep].astype(np.int64)


def _role_codes(ga: np.ndarray, gb: np.ndarray, gc: np.ndarray) -> np.ndarray:
    """Role index (order of :data:`ROLES`) of two-paths with end groups ``ga``, ``gc``."""
    return np.select(
        [(ga == gb) & (gb == gc), ga == gc, ga == gb, gb == gc],
        [0, 1, 2, 3], default=4)


def _closed_counts(n: int, src: np.ndarray, dst: np.ndarray, groups: np.ndarray,
                   chunk: int) -> np.ndarray:
    """Closed two-paths ``a -> b -> c`` (with ``a -> c``) per broker ``b`` and role.

    Every triangle of the undirected graph is listed once, from its vertex of lowest
    degree rank (Chiba & Nishizeki 1985; Schank & Wagner 2005): pairs of higher-ranked
    neighbours ("wedges") are generated ``chunk`` at a time and kept when the pair is
    tied. Each of a triangle's six orderings ``(a, b, c)`` whose three ties exist adds one
    closed two-path at ``b``. Work O(m^1.5), memory O(n + m + chunk), whatever the hubs.
    """
    closed = np.zeros(n * 5)
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    pair = np.unique(lo * n + hi)  # undirected pairs, sorted
    directed = np.zeros(len(pair) * 2, dtype=bool).reshape(-1, 2)
    pos = np.searchsorted(pair, lo * n + hi)
    directed[pos, (src > dst).astype(np.int64)] = True  # [lo -> hi, hi -> lo]
    u, v = pair // n, pair % n
    deg = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), deg))] = np.arange(n)
    # orient each undirected pair from lower to higher rank; forward lists in CSR
    low = np.where(rank[u] < rank[v], u, v)
    high = np.where(rank[u] < rank[v], v, u)
    order = np.argsort(low, kind="stable")
    low, high = low[order], high[order]
    fwd = np.bincount(low, minlength=n)
    start = np.concatenate([[0], np.cumsum(fwd)])
    # edge e (the i-th of its node's list) pairs with the later ones of that list
    later = start[low + 1] - np.arange(len(low)) - 1
    bounds = np.concatenate([[0], np.cumsum(later)])
    e0 = 0
    while e0 < len(low):
        e1 = int(np.searchsorted(bounds, bounds[e0] + chunk, side="right")) - 1
        e1 = max(e1, e0 + 1)
        _close_chunk(closed, n, groups, pair, directed, low, high, later, e0, e1)
        e0 = e1
    return closed.reshape(n, 5)


def _close_chunk(closed: np.ndarray, n: int, groups: np.ndarray, pair: np.ndarray,
                 directed: np.ndarray, low: np.ndarray, high: np.ndarray,
                 later: np.ndarray, e0: int, e1: int) -> None:
    cnt = later[e0:e1]
    total = int(cnt.sum())
    if total == 0:
        return
    first = np.repeat(np.arange(e0, e1), cnt)
    offset = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    second = first + offset + 1
    x, y, z = low[first], high[first], high[second]
    code = np.minimum(y, z) * n + np.maximum(y, z)
    at = np.minimum(np.searchsorted(pair, code), len(pair) - 1)
    hit = pair[at] == code
    x, y, z = x[hit], y[hit], z[hit]
    nodes = (x, y, z)
    for a, b, c in itertools.permutations(range(3)):
        ok = (_has(pair, directed, n, nodes[a], nodes[b])
              & _has(pair, directed, n, nodes[b], nodes[c])
              & _has(pair, directed, n, nodes[a], nodes[c]))
        na, nb, nc = nodes[a][ok], nodes[b][ok], nodes[c][ok]
        role = _role_codes(groups[na], groups[nb], groups[nc])
        closed += np.bincount(nb * 5 + role, minlength=n * 5)


def _has(pair: np.ndarray, directed: np.ndarray, n: int, a: np.ndarray,
         b: np.ndarray) -> np.ndarray:
    """Whether the tie ``a -> b`` exists (``{a, b}`` is known to be a tied pair)."""
    at = np.searchsorted(pair, np.minimum(a, b) * n + np.maximum(a, b))
    return directed[at, (a > b).astype(np.int64)]
