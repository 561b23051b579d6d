"""The analysis backend: a graph as flat numpy arrays, with igraph and scipy views.

Every measure in :mod:`armednet.analysis` accepts a :class:`~armednet.kb.KnowledgeGraph`, a
NetworkX graph or a :class:`Net` and turns it into a :class:`Net` once (:func:`as_net`).
A :class:`Net` holds the nodes and ties as parallel numpy arrays (node index ``i`` is
``net.ids[i]``; tie ``k`` runs from ``net.src[k]`` to ``net.dst[k]``), so views (a layer, a
graph without some nodes, a graph with some tie types cut) are cheap boolean masks, and the
heavy measures run in C on an :class:`igraph.Graph` or a :mod:`scipy.sparse` matrix built
from the arrays and cached on the (immutable) :class:`Net`.

Multi-edges
-----------
The knowledge graph is a multigraph: two actors may be joined by several ties of different
types (a patron both ``funds`` and is ``patron_of`` a group). Path-based and spectral
measures run on the *collapsed* simple directed graph: one edge per ordered pair
``(u, v)`` with at least one tie, whose weight is the **sum** of the weights of the ties
from ``u`` to ``v`` (tie strengths add up). Where a measure uses distances, the length of
an edge is ``1 / weight`` (a strong tie is a short one; Opsahl, Agneessens & Skvoretz
2010); edges of weight 0 are dropped from weighted distance computations. Degree counts
ties (every parallel tie), as ``networkx.MultiDiGraph.degree`` does. Self-loops are not
allowed by the schema and are dropped from networkx input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from armednet.errors import InputError
from armednet.kb.types import DEFAULT_NODE_LAYER, DEFAULT_TIE_LAYER, Layer, NodeType, TieType

if TYPE_CHECKING:
    import igraph as ig
    import networkx as nx
    import pandas as pd
    from scipy import sparse

    from armednet.analysis.period import DateArg, Period
    from armednet.kb.graph import KnowledgeGraph

__all__ = [
    "GraphLike",
    "Net",
    "as_net",
    "check_layers",
    "check_node_ids",
    "check_tie_types",
    "closest",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ObjArray: TypeAlias = npt.NDArray[np.object_]

GraphLike: TypeAlias = "Net | KnowledgeGraph | nx.Graph"
"""What every measure accepts: a knowledge graph, a NetworkX graph or a prepared :class:`Net`."""


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many short-lived lists (edge
    lists for igraph): they cannot form cycles, and a full collection triggered by them
    scans the whole heap (0.3 s with a 10,000-node knowledge graph and its networkx copy
    alive)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _obj(values: Iterable[Any]) -> ObjArray:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def closest(word: str, valid: Iterable[str], what: str) -> InputError:
    """An :class:`InputError` for an unknown name, listing the valid names closest to it."""
    names = sorted({str(v) for v in valid})
    near = difflib.get_close_matches(word, names, n=5, cutoff=0.4)
    if near:
        hint = f"; did you mean: {', '.join(near)}?"
    elif len(names) <= 20:
        hint = f"; valid: {', '.join(names)}"
    else:
        hint = ""
    return InputError(f"unknown {what} {word!r}{hint}")


def _check_names(names: Iterable[str], valid: list[str], what: str) -> list[str]:
    out = []
    for name in names:
        if name not in valid:
            raise closest(name, valid, what)
        out.append(name)
    return out


def check_layers(layers: Iterable[str]) -> list[str]:
    """Validate layer names (raise :class:`InputError` naming the closest valid ones)."""
    return _check_names(layers, [str(v) for v in Layer], "layer")


def check_tie_types(types: Iterable[str]) -> list[str]:
    """Validate tie-type names (raise :class:`InputError` naming the closest valid ones)."""
    return _check_names(types, [str(v) for v in TieType], "tie type")


def check_node_ids(net: Net, ids: Iterable[str]) -> list[str]:
    """Validate node ids (raise :class:`InputError` naming the closest ids in the graph)."""
    out = []
    for nid in ids:
        if nid not in net.index:
            period = net.period
            if period is not None and nid in period.left_out_ids:
                raise InputError(
                    f"node {nid!r} is not active in the {period.label()} (its dates do not "
                    "meet it); choose a date when it was (at=...) or the whole record "
                    "(at='all')")
            raise closest(nid, net.ids, "node id")
        out.append(nid)
    return out


@dataclass(frozen=True, eq=False)
class Net:
    """A directed multigraph as parallel arrays (immutable; views return new objects).

    Attributes
    ----------
    ids : tuple of str
        Node ids; node ``i`` is ``ids[i]``.
    node_type, node_layer, node_name : ndarray of str
        Per node: type, resolved layer, display name (``""`` when unknown).
    budget_share : ndarray of float
        State institutions: share of the national budget (NaN for other nodes).
    inst_kind : ndarray of str
        State institutions: their kind (``ministry``, ``judiciary`` ...), else ``""``.
    sanctionable : ndarray of bool
        Businesses: reachable by financial sanctions (schema default True).
    src, dst : ndarray of int
        Tie ends (node indices).
    tie_id, tie_type, tie_layer, channel : ndarray of str
        Per tie: id, type, resolved layer, funds channel (``""`` when unset).
    weight, share, amount : ndarray of float
        Per tie: weight (default 1), share (NaN when unset), amount's central value (NaN
        when unset).
    at : datetime.date or None
        The snapshot date, when the graph is a snapshot.
    period : Period or None
        The time the graph covers (the scenario's window, a snapshot, a span or the whole
        record; see :mod:`armednet.analysis.period`); None for graphs that carry no dates.
    """

    ids: tuple[str, ...]
    node_type: ObjArray
    node_layer: ObjArray
    node_name: ObjArray
    budget_share: FloatArray
    inst_kind: ObjArray
    sanctionable: BoolArray
    src: IntArray
    dst: IntArray
    tie_id: ObjArray
    tie_type: ObjArray
    tie_layer: ObjArray
    weight: FloatArray
    share: FloatArray
    amount: FloatArray
    channel: ObjArray
    at: dt.date | None = field(default=None)
    period: Period | None = field(default=None)

    # -- sizes and lookup ------------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.ids)

    @property
    def m(self) -> int:
        """Number of ties."""
        return len(self.src)

    @cached_property
    def index(self) -> dict[str, int]:
        """Node id -> node index."""
        return {nid: i for i, nid in enumerate(self.ids)}

    def mask_type(self, *types: str) -> BoolArray:
        """Boolean node mask: nodes of any of these types."""
        return np.isin(self.node_type, list(types))

    def tie_mask_type(self, *types: str) -> BoolArray:
        """Boolean tie mask: ties of any of these types."""
        return np.isin(self.tie_type, list(types))

    # -- views -------------------------------------------------------------------------------
    def subgraph(self, node_mask: BoolArray, tie_mask: BoolArray | None = None) -> Net:
        """The nodes in ``node_mask`` and the ties (in ``tie_mask``) between them."""
        node_mask = np.asarray(node_mask, dtype=bool)
        keep_t = node_mask[self.src] & node_mask[self.dst]
        if tie_mask is not None:
            keep_t &= tie_mask
        new_index = np.cumsum(node_mask) - 1
        return Net(
            ids=tuple(np.asarray(self.ids, dtype=object)[node_mask].tolist()),
            node_type=self.node_type[node_mask], node_layer=self.node_layer[node_mask],
            node_name=self.node_name[node_mask], budget_share=self.budget_share[node_mask],
            inst_kind=self.inst_kind[node_mask], sanctionable=self.sanctionable[node_mask],
            src=new_index[self.src[keep_t]].astype(np.int64),
            dst=new_index[self.dst[keep_t]].astype(np.int64),
            tie_id=self.tie_id[keep_t], tie_type=self.tie_type[keep_t],
            tie_layer=self.tie_layer[keep_t], weight=self.weight[keep_t],
            share=self.share[keep_t], amount=self.amount[keep_t], channel=self.channel[keep_t],
            at=self.at, period=self.period,
        )

    def without(self, node_ids: Iterable[str]) -> Net:
        """The graph with these nodes and their ties removed (unknown ids raise)."""
        mask = np.ones(self.n, dtype=bool)
        for nid in check_node_ids(self, node_ids):
            mask[self.index[nid]] = False
        return self.subgraph(mask)

    def cut(self, tie_types: Iterable[str]) -> Net:
        """The graph with every tie of these types removed (nodes stay)."""
        types = check_tie_types(tie_types)
        return self.subgraph(np.ones(self.n, dtype=bool), ~self.tie_mask_type(*types))

    def layer_view(self, layers: Iterable[str]) -> Net:
        """The ties of these layers, their end nodes and the layers' own nodes (as
        :meth:`KnowledgeGraph.layer_view`)."""
        wanted = check_layers(layers)
        tmask = np.isin(self.tie_layer, wanted)
        nmask = np.isin(self.node_layer, wanted)
        nmask[self.src[tmask]] = True
        nmask[self.dst[tmask]] = True
        return self.subgraph(nmask, tmask)

    # -- collapsed simple graph ----------------------------------------------------------------
    @cached_property
    def _collapsed(self) -> tuple[IntArray, IntArray, FloatArray]:
        if self.m == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0, dtype=np.float64)
        code = self.src * self.n + self.dst
        uniq, inverse = np.unique(code, return_inverse=True)
        w = np.bincount(inverse, weights=self.weight, minlength=len(uniq))
        return ((uniq // self.n).astype(np.int64), (uniq % self.n).astype(np.int64),
                np.asarray(w, dtype=np.float64))

    @property
    def edges(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The collapsed simple digraph: ``(src, dst, weight)``, weight = sum of tie weights."""
        return self._collapsed

    @cached_property
    def igraph(self) -> ig.Graph:
        """The collapsed simple digraph as an :class:`igraph.Graph` (edge attr ``weight``)."""
        import igraph

        s, d, w = self._collapsed
        with _no_gc():
            g = igraph.Graph(n=self.n, edges=np.column_stack([s, d]).tolist(), directed=True)
            g.es["weight"] = w.tolist()
        return g

    @cached_property
    def igraph_distance(self) -> tuple[ig.Graph, list[float]]:
        """The collapsed digraph without zero-weight edges, and edge lengths ``1/weight``."""
        import igraph

        s, d, w = self._collapsed
        keep = w > 0
        with _no_gc():
            g = igraph.Graph(n=self.n, edges=np.column_stack([s[keep], d[keep]]).tolist(),
                             directed=True)
            lengths = (1.0 / w[keep]).tolist()
        return g, lengths

    def adjacency(self, weighted: bool = False) -> sparse.csr_array:
        """Collapsed adjacency matrix (``A[u, v]`` = 1 or summed weight of ties u -> v)."""
        from scipy import sparse

        s, d, w = self._collapsed
        data = w if weighted else np.ones(len(s))
        return sparse.csr_array((data, (s, d)), shape=(self.n, self.n))

    # -- frames ----------------------------------------------------------------------------------
    def node_frame(self) -> pd.DataFrame:
        """Nodes as a DataFrame indexed by id (type, layer, name)."""
        import pandas as pd

        return pd.DataFrame(
            {"type": self.node_type, "layer": self.node_layer, "name": self.node_name},
            index=pd.Index(self.ids, name="node"),
        )

    def series(self, values: Sequence[float] | FloatArray, name: str) -> pd.Series:
        """A float Series indexed by node id."""
        import pandas as pd

        return pd.Series(np.asarray(values, dtype=float), index=pd.Index(self.ids, name="node"),
                         name=name)


# -- conversion -----------------------------------------------------------------------------------
def as_net(graph: GraphLike, *, layer: str | Iterable[str] | None = None,
           at: DateArg = None) -> Net:
    """Prepare any supported graph for analysis, cut to a time and optionally to layers.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
        The graph. NetworkX graphs are read like :meth:`KnowledgeGraph.to_networkx` output:
        node attributes ``type``, ``layer``, ``name``, ``institution`` (``budget_share``,
        ``kind``), ``business`` (``sanctionable``); edge attributes ``type``, ``layer``,
        ``weight`` (default 1), ``share``, ``amount`` (a number or ``{"value": ...}``),
        ``channel``. Undirected graphs count each edge in both directions. A prepared
        :class:`Net` is used as it is.
    layer : str or list of str, optional
        Keep only these layers (see :meth:`Net.layer_view`).
    at : None, "window", str, date, (start, end) or "all"
        Knowledge graphs only (they carry the time spans). By default the scenario's window
        as a whole: the nodes and ties active at some point in it (people and ties whose
        life ended before it are left out). A date gives the snapshot on that day, a
        ``(start, end)`` pair another span, ``"all"`` every fact on record (see
        :func:`armednet.analysis.period.resolve`). A knowledge graph that is already a
        snapshot is kept as it is.

    Returns
    -------
    Net
        With ``period`` saying what time it covers (None for networkx input).

    Raises
    ------
    InputError
        On unknown layers, a bad date, or ``at`` given with a graph that has no dates.

    Warns
    -----
    OutsideWindowWarning
        If ``at`` is a date outside the scenario's window.

    Examples
    --------
    >>> from armednet.kb import KnowledgeGraph
    >>> net = as_net(KnowledgeGraph.load())
    >>> net.period.kind, "qasem-soleimani" in net.index
    ('window', False)
    >>> "qasem-soleimani" in as_net(KnowledgeGraph.load(), at="all").index
    True
    """
    from armednet.analysis.period import resolve
    from armednet.kb.graph import KnowledgeGraph

    if isinstance(graph, Net):
        if at is not None:
            raise InputError("at: a time needs a knowledge graph; a prepared Net is already "
                             "cut (pass at= to as_net instead)")
        net = graph
    elif isinstance(graph, KnowledgeGraph):
        kg, period = resolve(graph, at)
        net = _from_kg(kg, period)
    else:
        if at is not None:
            raise InputError("at: a time needs a knowledge graph; networkx graphs carry no "
                             "dates")
        net = _from_networkx(graph)
    if layer is not None:
        layers = [layer] if isinstance(layer, str) else list(layer)
        net = net.layer_view(layers)
    return net


def _from_kg(kg: KnowledgeGraph, period: Period | None = None) -> Net:
    from armednet.kb.graph import node_layer, tie_layer

    nodes = kg.scenario.nodes
    by_id = {n.id: n for n in nodes}
    index = {n.id: i for i, n in enumerate(nodes)}
    ties = kg.scenario.ties
    return Net(
        ids=tuple(n.id for n in nodes),
        node_type=_obj(str(n.type) for n in nodes),
        node_layer=_obj(str(node_layer(n)) for n in nodes),
        node_name=_obj(n.name for n in nodes),
        budget_share=np.array([n.institution.budget_share if n.institution else np.nan
                               for n in nodes], dtype=float),
        inst_kind=_obj(str(n.institution.kind) if n.institution else "" for n in nodes),
        sanctionable=np.array([n.business.sanctionable if n.business else True for n in nodes],
                              dtype=bool),
        src=np.array([index[t.from_] for t in ties], dtype=np.int64),
        dst=np.array([index[t.to] for t in ties], dtype=np.int64),
        tie_id=_obj(t.key for t in ties),
        tie_type=_obj(str(t.type) for t in ties),
        tie_layer=_obj(str(tie_layer(t, by_id)) for t in ties),
        weight=np.array([t.weight for t in ties], dtype=float),
        share=np.array([np.nan if t.share is None else t.share for t in ties], dtype=float),
        amount=np.array([np.nan if t.amount is None else t.amount.value for t in ties],
                        dtype=float),
        channel=_obj(t.channel or "" for t in ties),
        at=kg.at, period=period,
    )


def _default_node_layer(ntype: str) -> str:
    try:
        return str(DEFAULT_NODE_LAYER[NodeType(ntype)])
    except ValueError:
        return ""


def _from_networkx(g: nx.Graph) -> Net:
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    attrs = [g.nodes[v] for v in nodes]
    ntype = [str(a.get("type") or "") for a in attrs]
    nlayer = [str(a.get("layer") or _default_node_layer(t)) for a, t in zip(attrs, ntype,
                                                                            strict=True)]
    src: list[int] = []
    dst: list[int] = []
    tid: list[str] = []
    data: list[dict[str, Any]] = []
    multi = g.is_multigraph()
    edge_iter = g.edges(keys=True, data=True) if multi else (
        (u, v, None, d) for u, v, d in g.edges(data=True))
    for u, v, key, d in edge_iter:
        if u == v:
            continue
        pairs = [(u, v)] if g.is_directed() else [(u, v), (v, u)]
        for a, b in pairs:
            src.append(index[a])
            dst.append(index[b])
            tid.append(str(d.get("id") or (key if key is not None else f"{a}->{b}")))
            data.append(d)
    ttype = [str(d.get("type") or "") for d in data]

    def t_layer(d: dict[str, Any], t: str, to: int) -> str:
        if d.get("layer"):
            return str(d["layer"])
        try:
            default = DEFAULT_TIE_LAYER[TieType(t)]
        except ValueError:
            default = None
        return str(default) if default is not None else nlayer[to]

    def amount(d: dict[str, Any]) -> float:
        a = d.get("amount")
        if a is None:
            return np.nan
        return float(a["value"]) if isinstance(a, dict) else float(a)

    def nz(x: Any) -> float:
        return np.nan if x is None else float(x)

    return Net(
        ids=tuple(str(v) for v in nodes),
        node_type=_obj(ntype), node_layer=_obj(nlayer),
        node_name=_obj(str(a.get("name") or a.get("label") or v) for v, a in zip(nodes, attrs,
                                                                                 strict=True)),
        budget_share=np.array([nz((a.get("institution") or {}).get("budget_share"))
                               for a in attrs], dtype=float),
        inst_kind=_obj(str((a.get("institution") or {}).get("kind") or "") for a in attrs),
        sanctionable=np.array([bool((a.get("business") or {}).get("sanctionable", True))
                               for a in attrs], dtype=bool),
        src=np.array(src, dtype=np.int64), dst=np.array(dst, dtype=np.int64),
        tie_id=_obj(tid), tie_type=_obj(ttype),
        tie_layer=_obj(t_layer(d, t, b) for d, t, b in zip(data, ttype, dst, strict=True)),
        weight=np.array([float(d.get("weight", 1.0)) for d in data], dtype=float),
        share=np.array([nz(d.get("share")) for d in data], dtype=float),
        amount=np.array([amount(d) for d in data], dtype=float),
        channel=_obj(str(d.get("channel") or "") for d in data),
    )
