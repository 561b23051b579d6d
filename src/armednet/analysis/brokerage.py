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
Counts are vectorised with sparse products (no loop over two-paths). With ``A`` the
binary adjacency and ``G`` the one-hot group matrix, ``A^T G`` and ``A G`` give each node's
in- and out-neighbours per group, whose products count all two-paths per role; two-paths
with ``a = c`` come from ``(A o A^T) G`` and the closed ones (``a -> c`` present) from the
masked products ``A o (A A^T)``, ``A o (A S^T)`` and ``A o (S A^T)`` where ``S`` keeps the
within-group ties. Cost O(m + number of closed triads).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net, check_layers
from armednet.analysis.period import DateArg

__all__ = ["ROLES", "brokerage_roles", "layer_brokerage"]

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


def _role_counts(net: Net, groups: np.ndarray) -> np.ndarray:
    """(n, 5) float array of role counts; ``groups`` is an int code per node."""
    from scipy import sparse

    n = net.n
    a = sparse.csr_matrix(net.adjacency(weighted=False))
    if n == 0 or a.nnz == 0:
        return np.zeros((n, 5))
    k = int(groups.max()) + 1
    gm = sparse.csr_matrix((np.ones(n), (np.arange(n), groups)), shape=(n, k))
    in_g = np.asarray((a.T @ gm).todense())  # in-neighbours of b per group
    out_g = np.asarray((a @ gm).todense())
    mutual_g = np.asarray((a.multiply(a.T) @ gm).todense())
    own = groups
    rows = np.arange(n)
    in_same, out_same = in_g[rows, own], out_g[rows, own]
    indeg, outdeg = in_g.sum(1), out_g.sum(1)
    in_oth, out_oth = indeg - in_same, outdeg - out_same
    mut_same = mutual_g[rows, own]
    mut_oth = mutual_g.sum(1) - mut_same
    coord = in_same * out_same - mut_same
    rep = in_same * out_oth
    gate = in_oth * out_same
    itin = (in_g * out_g).sum(1) - in_same * out_same - mut_oth
    liaison = in_oth * out_oth - (itin + mut_oth)  # raw other-other minus same-group pairs
    # closed two-paths a -> b -> c with a -> c, attributed to broker b
    coo = a.tocoo()
    ea, eb = coo.row, coo.col  # edges a -> b
    same = groups[ea] == groups[eb]
    s_mat = sparse.csr_matrix((np.ones(int(same.sum())), (ea[same], eb[same])), shape=(n, n))
    total_c = _masked(a @ a.T, ea, eb)  # common out-neighbours c of a and b
    c_same_b = _masked(a @ s_mat.T, ea, eb)  # ... with g(c) = g(b)
    c_same_a = _masked(s_mat @ a.T, ea, eb)  # ... with g(c) = g(a)
    closed = np.zeros((n, 5))
    sa = same
    np.add.at(closed[:, 0], eb[sa], c_same_b[sa])
    np.add.at(closed[:, 2], eb[sa], total_c[sa] - c_same_b[sa])
    np.add.at(closed[:, 3], eb[~sa], c_same_b[~sa])
    np.add.at(closed[:, 1], eb[~sa], c_same_a[~sa])
    np.add.at(closed[:, 4], eb[~sa], total_c[~sa] - c_same_b[~sa] - c_same_a[~sa])
    counts = np.column_stack([coord, itin, rep, gate, liaison]) - closed
    return np.rint(counts)


def _masked(product: object, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    from scipy import sparse

    mat = sparse.csr_matrix(product)
    return np.asarray(mat[rows, cols]).ravel().astype(float)
