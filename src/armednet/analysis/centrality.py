"""Standard centrality measures on the knowledge graph (igraph / scipy backends).

Every function takes a graph first (a :class:`~armednet.kb.KnowledgeGraph`, a NetworkX
graph or a prepared :class:`~armednet.analysis._backend.Net`), optional ``layer`` and ``at``
to measure one layer or a snapshot, and returns a :class:`pandas.Series` indexed by node
id. Inputs are never mutated. Path-based and spectral measures run on the collapsed simple
digraph (parallel ties summed, see :mod:`armednet.analysis._backend`); each agrees with the
NetworkX function named in its Notes to 1e-9 on simple digraphs (``tests/analysis``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net
from armednet.analysis.period import DateArg

__all__ = [
    "betweenness",
    "closeness",
    "degree",
    "eigenvector",
    "igraph_calls",
    "kcore",
    "pagerank",
]

Mode = Literal["in", "out", "all"]
LayerArg = str | Iterable[str] | None


_SHARED: list[Any] = []


def _call(args: tuple[str, dict[str, Any]]) -> np.ndarray:
    method, kwargs = args
    return np.asarray(getattr(_SHARED[0], method)(**kwargs), dtype=float)


def igraph_calls(g: Any, calls: list[tuple[str, dict[str, Any]]], workers: int = 1
                 ) -> list[np.ndarray]:
    """Run igraph methods on ``g``, in ``workers`` forked processes when above 1.

    Parameters
    ----------
    g : igraph.Graph
    calls : list of (method name, keyword arguments)
    workers : int
        Processes to use; 1 runs in this process. Children are forked (POSIX only) and
        inherit the graph, so nothing is pickled but the results.

    Returns
    -------
    list of ndarray
        One result per call, in order.
    """
    import multiprocessing as mp
    import sys

    if workers <= 1 or len(calls) <= 1 or sys.platform == "win32":
        return [np.asarray(getattr(g, m)(**kw), dtype=float) for m, kw in calls]
    _SHARED[:] = [g]
    try:
        with mp.get_context("fork").Pool(min(workers, len(calls))) as pool:
            return pool.map(_call, calls, chunksize=1)
    finally:
        _SHARED.clear()


def _split(n: int, parts: int) -> list[list[int]]:
    return [chunk.tolist() for chunk in np.array_split(np.arange(n), parts) if len(chunk)]


def degree(graph: GraphLike, mode: Mode = "all", weighted: bool = False, *,
           layer: LayerArg = None, at: DateArg = None) -> pd.Series:
    """Degree (number of ties) or strength (sum of tie weights) of every node.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    mode : {"all", "in", "out"}
        Count incoming, outgoing or all ties.
    weighted : bool
        Sum tie weights (strength) instead of counting ties.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``degree_<mode>`` (``strength_<mode>`` when weighted).

    Notes
    -----
    Every parallel tie counts, as in ``networkx.MultiDiGraph.degree(weight=...)``.
    O(n + m) with :func:`numpy.bincount`.

    References
    ----------
    Freeman, L. C. (1978). Centrality in social networks: conceptual clarification.
    *Social Networks* 1(3), 215-239.
    """
    net = as_net(graph, layer=layer, at=at)
    w = net.weight if weighted else None
    out = np.zeros(net.n)
    if mode in ("out", "all"):
        out += np.bincount(net.src, weights=w, minlength=net.n)
    if mode in ("in", "all"):
        out += np.bincount(net.dst, weights=w, minlength=net.n)
    return net.series(out, f"{'strength' if weighted else 'degree'}_{mode}")


def betweenness(graph: GraphLike, weighted: bool = False, normalized: bool = True, *,
                layer: LayerArg = None, at: DateArg = None, workers: int = 1) -> pd.Series:
    """Shortest-path betweenness on directed paths.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    weighted : bool
        Use edge lengths ``1 / weight`` (strong ties are short); otherwise hop counts.
    normalized : bool
        Divide by ``(n - 1)(n - 2)``, the number of ordered pairs excluding the node.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).
    workers : int
        Split the source nodes over this many threads (unweighted: the compiled sweep of
        :mod:`armednet.analysis._paths`, whose result does not depend on ``workers``) or
        forked processes (weighted: igraph); contributions of sources add up. 1 (default)
        stays in this thread.

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``betweenness``.

    Notes
    -----
    :math:`c_B(v) = \\sum_{s \\ne v \\ne t} \\sigma_{st}(v) / \\sigma_{st}`. Brandes'
    algorithm, O(nm) unweighted (a compiled BFS per source, :mod:`armednet.analysis._paths`)
    and O(nm + n^2 log n) weighted (igraph). Equals
    ``networkx.betweenness_centrality(G, normalized=..., weight="distance")`` with
    ``distance = 1 / weight``.

    References
    ----------
    Freeman, L. C. (1977). A set of measures of centrality based on betweenness.
    *Sociometry* 40(1), 35-41.
    Brandes, U. (2001). A faster algorithm for betweenness centrality. *Journal of
    Mathematical Sociology* 25(2), 163-177.
    """
    net = as_net(graph, layer=layer, at=at)
    return net.series(_betweenness(net, weighted, normalized, workers), "betweenness")


def _betweenness_calls(net: Net, weighted: bool, parts: int
                       ) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    kw: dict[str, Any] = {"directed": True}
    if weighted:
        g, lengths = net.igraph_distance
        kw["weights"] = lengths
    else:
        g = net.igraph
    if parts <= 1:
        return g, [("betweenness", kw)]
    return g, [("betweenness", {**kw, "sources": chunk}) for chunk in _split(net.n, parts)]


def _betweenness_finish(net: Net, parts: list[np.ndarray], normalized: bool) -> np.ndarray:
    values = np.sum(parts, axis=0) if parts else np.zeros(net.n)
    n = net.n
    if normalized and n > 2:
        values = values / ((n - 1) * (n - 2))
    return np.asarray(values, dtype=float)


def _sweep(net: Net, workers: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Unweighted betweenness, distance sums and reach counts in one compiled BFS sweep
    (:func:`armednet.analysis._paths.sweep`), or None without numba."""
    try:
        from armednet.analysis import _paths
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    s, d, _ = net.edges
    return _paths.sweep(net.n, s, d, workers)


def _betweenness(net: Net, weighted: bool, normalized: bool, workers: int = 1) -> np.ndarray:
    if net.n == 0:
        return np.zeros(0)
    if not weighted:
        swept = _sweep(net, workers)
        if swept is not None:
            return _betweenness_finish(net, [swept[0]], normalized)
    g, calls = _betweenness_calls(net, weighted, workers)
    return _betweenness_finish(net, igraph_calls(g, calls, workers), normalized)


def _betweenness_closeness(net: Net, workers: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The report's pair: normalised unweighted betweenness and unweighted in-closeness,
    from one BFS per source (igraph's two sweeps, split over forked workers, without
    numba)."""
    if net.n <= 2:
        return _betweenness(net, False, True), _closeness(net, False, "in")
    swept = _sweep(net, workers)
    if swept is None:  # pragma: no cover - numba is a dependency
        g, calls = _betweenness_calls(net, False, workers)
        _, ccalls = _closeness_calls(net, False, "in")
        results = igraph_calls(g, calls + ccalls, workers)
        return (_betweenness_finish(net, results[:len(calls)], True),
                _closeness_finish(net, results[-1], False, "in"))
    bc, dsum, reach = swept
    with np.errstate(divide="ignore"):
        raw = np.where(dsum > 0, 1.0 / dsum, np.nan)  # igraph's closeness(normalized=False)
    return (_betweenness_finish(net, [bc], True),
            _closeness_finish(net, raw, False, "in", reach.astype(float)))


def closeness(graph: GraphLike, weighted: bool = False, mode: Mode = "in", *,
              layer: LayerArg = None, at: DateArg = None) -> pd.Series:
    """Closeness centrality with the Wasserman-Faust correction for unreachable nodes.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    weighted : bool
        Use edge lengths ``1 / weight``; otherwise hop counts.
    mode : {"in", "out", "all"}
        ``"in"``: distances *to* the node from those that reach it (NetworkX's
        convention on digraphs); ``"out"``: distances from it; ``"all"``: ignore direction.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``closeness``.

    Notes
    -----
    :math:`C(u) = \\frac{r(u)}{n - 1} \\cdot \\frac{r(u)}{\\sum_v d(v, u)}` where
    :math:`r(u)` is the number of nodes that reach ``u`` (0 when none do). One igraph
    search per node gives ``1 / sum d`` over the nodes that reach it (O(nm) unweighted);
    the reach counts ``r`` come from the condensation DAG without a second sweep (bitset
    unions of ancestors, O(k m / 64) for k strongly connected components). Equals
    ``networkx.closeness_centrality(G, distance=..., wf_improved=True)``.

    References
    ----------
    Wasserman, S. & Faust, K. (1994). *Social Network Analysis*. Cambridge UP, p. 201.
    """
    net = as_net(graph, layer=layer, at=at)
    return net.series(_closeness(net, weighted, mode), "closeness")


def _closeness_calls(net: Net, weighted: bool, mode: Mode
                     ) -> tuple[Any, list[tuple[str, dict[str, Any]]]]:
    kw: dict[str, Any] = {"mode": mode, "normalized": False}
    if weighted:
        g, lengths = net.igraph_distance
        kw["weights"] = lengths
    else:
        g = net.igraph
    return g, [("closeness", kw)]


def _closeness(net: Net, weighted: bool, mode: Mode, workers: int = 1) -> np.ndarray:
    if net.n <= 1:
        return np.zeros(net.n)
    g, calls = _closeness_calls(net, weighted, mode)
    (raw,) = igraph_calls(g, calls, workers)
    return _closeness_finish(net, raw, weighted, mode)


def _closeness_finish(net: Net, raw: np.ndarray, weighted: bool, mode: Mode,
                      reach: np.ndarray | None = None) -> np.ndarray:
    """Wasserman-Faust closeness from igraph's ``1 / sum d`` and the reach counts (computed
    here unless given)."""
    if reach is None:
        reach = _reach_counts(net, weighted, mode)
    with np.errstate(invalid="ignore"):
        out = raw * reach * reach / (net.n - 1)
    return np.where(np.isfinite(out) & (reach > 0), out, 0.0)


def _reach_counts(net: Net, weighted: bool, mode: Mode) -> np.ndarray:
    """How many other nodes reach each node (``in``), it reaches (``out``) or share its
    weak component (``all``), on the graph closeness runs on.

    Exact, without a search per node: ancestors are unions along the condensation DAG
    (strongly connected components in topological order), kept as Python integers used as
    bitsets with one bit per node, so a count is one ``int.bit_count``. Memory about
    ``n / 8`` bytes per component whose successors are still pending.
    """
    from scipy import sparse
    from scipy.sparse import csgraph

    n = net.n
    s, d, w = net.edges
    if weighted:
        s, d = s[w > 0], d[w > 0]
    if mode == "out":
        s, d = d, s
    a = sparse.csr_array((np.ones(len(s)), (s, d)), shape=(n, n))
    if mode == "all":
        _, lab = csgraph.connected_components(a, directed=False)
        return (np.bincount(lab)[lab] - 1).astype(float)
    k, lab = csgraph.connected_components(a, directed=True, connection="strong")
    size = np.bincount(lab, minlength=k)
    cs, cd = lab[s], lab[d]
    cross = np.unique(cs[cs != cd] * k + cd[cs != cd])
    dag = sparse.csr_array((np.ones(len(cross)), (cross % k, cross // k)), shape=(k, k))
    succ_left = np.bincount(cross // k, minlength=k)  # successors still to process
    order = _topological(k, cross // k, cross % k)
    offset = np.zeros(k, dtype=np.int64)
    offset[order] = np.concatenate([[0], np.cumsum(size[order])[:-1]])
    bits: list[int] = [0] * k
    count = np.zeros(k)
    indptr, preds = dag.indptr, dag.indices
    for c in order.tolist():
        x = ((1 << int(size[c])) - 1) << int(offset[c])
        for p in preds[indptr[c]:indptr[c + 1]].tolist():
            x |= bits[p]
            succ_left[p] -= 1
            if succ_left[p] == 0:
                bits[p] = 0  # no successor needs it any more
        if succ_left[c] > 0:
            bits[c] = x
        count[c] = x.bit_count()
    return count[lab] - 1.0


def _topological(k: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """A topological order of a DAG on ``k`` nodes (Kahn's algorithm, by levels)."""
    from scipy import sparse

    succ = sparse.csr_array((np.ones(len(src)), (src, dst)), shape=(k, k))
    indeg = np.bincount(dst, minlength=k)
    level = np.flatnonzero(indeg == 0)
    out = []
    while len(level):
        out.append(level)
        nxt = succ[level].indices
        np.subtract.at(indeg, nxt, 1)
        level = np.unique(nxt[indeg[nxt] == 0])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def pagerank(graph: GraphLike, damping: float = 0.85, weighted: bool = True, *,
             layer: LayerArg = None, at: DateArg = None) -> pd.Series:
    """PageRank of every node (random surfer along tie directions).

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    damping : float
        Probability of following a tie rather than jumping to a random node.
    weighted : bool
        Follow ties in proportion to their (summed) weight.
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``pagerank``; sums to 1.

    Notes
    -----
    Dangling nodes (no out-ties, or out-ties of total weight 0) jump uniformly. Power
    iteration on the row-normalised :mod:`scipy.sparse` adjacency, as
    ``networkx.pagerank`` does (same update, same dangling-node handling, same stopping
    rule: the L1 change of one step below ``n * tol``), with a tighter ``tol`` (1e-12
    against NetworkX's 1e-6), so it agrees with ``networkx.pagerank(G, alpha=damping,
    weight=...)`` at a tight tolerance to 1e-9 and with NetworkX's default tolerance to its
    own error (about 1e-6). Each step is one sparse matrix-vector product, O(m); about
    ``log(tol) / log(damping)`` steps (170 at the defaults). If it has not converged
    after 10,000 steps (damping very close to 1), igraph's PRPACK solver (an exact linear
    solve) is used instead.

    References
    ----------
    Page, L., Brin, S., Motwani, R. & Winograd, T. (1999). The PageRank citation ranking:
    bringing order to the web. Stanford InfoLab.
    Langville, A. N. & Meyer, C. D. (2006). *Google's PageRank and Beyond*. Princeton UP,
    ch. 4 (the power method and dangling nodes).
    """
    net = as_net(graph, layer=layer, at=at)
    return net.series(_pagerank(net, damping, weighted), "pagerank")


def _pagerank(net: Net, damping: float, weighted: bool, tol: float = 1e-12,
              max_iter: int = 10_000) -> np.ndarray:
    from scipy import sparse

    n = net.n
    if n == 0:
        return np.zeros(0)
    s, d, w = net.edges
    data = w if weighted else np.ones(len(s))
    out_w = np.bincount(s, weights=data, minlength=n)
    dangling = out_w == 0
    inv = np.divide(1.0, out_w, out=np.zeros(n), where=~dangling)
    # transpose of the row-stochastic matrix, so each step is one CSR mat-vec
    qt = sparse.csr_array((data * inv[s], (d, s)), shape=(n, n))
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = damping * (qt @ last + last[dangling].sum() / n) + (1.0 - damping) / n
        if np.abs(x - last).sum() < n * tol:
            return np.asarray(x, dtype=float)
    g = net.igraph  # not converged (damping close to 1): PRPACK's exact solve
    return np.asarray(g.pagerank(damping=damping, directed=True,
                                 weights="weight" if weighted else None), dtype=float)


def eigenvector(graph: GraphLike, weighted: bool = True, directed: bool = True, *,
                layer: LayerArg = None, at: DateArg = None) -> pd.Series:
    """Eigenvector centrality: a node is central when central nodes tie to it.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    weighted : bool
        Use summed tie weights as adjacency entries.
    directed : bool
        ``True``: left Perron vector (in-ties count, NetworkX's convention); well defined
        on strongly connected graphs. ``False``: on the symmetrised graph ``A + A^T``,
        well defined on any connected graph (the key-actor report uses this).
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``eigenvector``; unit Euclidean norm, non-negative sum.

    Notes
    -----
    Solves :math:`A^T x = \\lambda x` for the eigenvalue of largest real part with ARPACK
    (:func:`scipy.sparse.linalg.eigs`, or ``eigsh`` when symmetric), as
    ``networkx.eigenvector_centrality_numpy`` does. On graphs that are not (strongly)
    connected the leading eigenvector may not be unique; results are then one valid
    choice.

    References
    ----------
    Bonacich, P. (1987). Power and centrality: a family of measures. *American Journal of
    Sociology* 92(5), 1170-1182.
    """
    net = as_net(graph, layer=layer, at=at)
    return net.series(_eigenvector(net, weighted, directed), "eigenvector")


def _eigenvector(net: Net, weighted: bool, directed: bool) -> np.ndarray:
    from scipy import sparse
    from scipy.sparse import linalg

    n = net.n
    if n == 0:
        return np.zeros(0)
    a = net.adjacency(weighted=weighted).astype(float)
    if a.nnz == 0:
        return np.full(n, 1.0 / np.sqrt(n))
    if n < 3:
        dense = a.toarray().T if directed else (a + a.T).toarray()
        vals, vecs = np.linalg.eig(dense)
        vec = vecs[:, int(np.argmax(vals.real))].real
    elif directed:
        _, v = linalg.eigs(sparse.csr_matrix(a.T), k=1, which="LR", maxiter=n * 100, tol=0)
        vec = v.flatten().real
    else:
        _, v = linalg.eigsh(sparse.csr_matrix(a + a.T), k=1, which="LA", maxiter=n * 100,
                            tol=0)
        vec = v.flatten()
    norm = np.sign(vec.sum()) * np.linalg.norm(vec)
    if norm == 0:
        norm = np.linalg.norm(vec)
    return vec / norm


def kcore(graph: GraphLike, mode: Mode = "all", *, layer: LayerArg = None,
          at: DateArg = None) -> pd.Series:
    """Core number: the largest k such that the node is in a subgraph of minimum degree k.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    mode : {"all", "in", "out"}
        Degree used to peel the graph (``"all"`` = in + out, NetworkX's convention).
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.Series
        Indexed by node id, named ``kcore``.

    Notes
    -----
    Batagelj-Zaversnik peeling in igraph, O(m), on the collapsed simple digraph (a pair
    tied both ways counts twice). Equals ``networkx.core_number(G)``.

    References
    ----------
    Seidman, S. B. (1983). Network structure and minimum degree. *Social Networks* 5(3),
    269-287. Batagelj, V. & Zaversnik, M. (2003). An O(m) algorithm for cores
    decomposition of networks. arXiv:cs/0310049.
    """
    net = as_net(graph, layer=layer, at=at)
    values = net.igraph.coreness(mode=mode) if net.n else []
    return net.series(values, "kcore")
