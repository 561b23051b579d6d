"""The in-memory knowledge graph: a typed, time-bounded, sourced multigraph.

:class:`KnowledgeGraph` wraps a validated :class:`~armednet.kb.schema.Scenario` and gives
typed access (nodes and ties by type or layer), views (a layer, a snapshot at a date) and
lossless conversion to NetworkX and igraph. It never mutates its scenario; views return new
graphs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError
from armednet.kb.dates import earliest, latest, parse_date
from armednet.kb.schema import Node, Scenario, Tie
from armednet.kb.types import DEFAULT_NODE_LAYER, DEFAULT_TIE_LAYER, Layer, NodeType, TieType

if TYPE_CHECKING:
    import igraph
    import networkx as nx

__all__ = ["KnowledgeGraph", "node_layer", "scenario_hash", "tie_layer"]


def node_layer(node: Node) -> Layer:
    """The node's layer: as written, or the default for its type."""
    return node.layer or DEFAULT_NODE_LAYER[node.type]


def tie_layer(tie: Tie, nodes: dict[str, Node]) -> Layer:
    """The tie's layer: as written, the default for its type, or its ``to`` node's layer."""
    if tie.layer is not None:
        return tie.layer
    default = DEFAULT_TIE_LAYER[tie.type]
    return default if default is not None else node_layer(nodes[tie.to])


def _active(start: str | None, end: str | None, at: dt.date) -> bool:
    return (start is None or earliest(start) <= at) and (end is None or at <= latest(end))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON: the same facts give the same hash,
    whatever the file layout, comments or key order."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_attrs(record: Node | Tie) -> dict[str, Any]:
    return record.model_dump(mode="json", by_alias=True, exclude={"id"})


@dataclass(frozen=True)
class KnowledgeGraph:
    """A scenario's actors and ties as a typed, directed multigraph.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`armednet.kb.load_scenario`).
    at : datetime.date, optional
        Set on snapshots: the date the graph was cut at.

    Examples
    --------
    >>> from armednet.kb import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> kg.node("kataib-hezbollah").type
    <NodeType.ARMED_GROUP: 'armed_group'>
    >>> len(kg.snapshot("2024-02-10").nodes()) <= len(kg.nodes())
    True
    """

    scenario: Scenario
    at: dt.date | None = field(default=None)

    def __repr__(self) -> str:
        """One line: the scenario, its size, its window (or the snapshot date), its hash.

        Examples
        --------
        >>> repr(KnowledgeGraph.load()).startswith("<KnowledgeGraph iraq-2024: ")
        True
        """
        meta = self.scenario.scenario
        when = (f"at {self.at}" if self.at is not None
                else f"{meta.start} .. {meta.end or 'open'}")
        return (f"<KnowledgeGraph {meta.id}: {len(self.scenario.nodes)} nodes, "
                f"{len(self.scenario.ties)} ties, {when}, hash {self.hash[:12]}>")

    @classmethod
    def load(cls, path_or_name: str | None = None) -> KnowledgeGraph:
        """Load a scenario (path or bundled name; default ``iraq-2024``)."""
        from armednet.kb.loader import load_scenario

        return cls(load_scenario(path_or_name))

    # -- access -----------------------------------------------------------------------
    @cached_property
    def _nodes(self) -> dict[str, Node]:
        return {n.id: n for n in self.scenario.nodes}

    @cached_property
    def hash(self) -> str:
        """The scenario hash (see :func:`scenario_hash`)."""
        return scenario_hash(self.scenario)

    @property
    def name(self) -> str:
        return self.scenario.scenario.id

    def node(self, node_id: str) -> Node:
        """The node with this id.

        Raises
        ------
        InputError
            If there is none (the message lists close matches).
        """
        try:
            return self._nodes[node_id]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(node_id, list(self._nodes), n=5, cutoff=0.5)
            hint = f"; close: {', '.join(near)}" if near else ""
            raise InputError(f"unknown node id {node_id!r}{hint}") from None

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes

    def nodes(
        self, type: NodeType | str | Iterable[NodeType | str] | None = None,
        layer: Layer | str | Iterable[Layer | str] | None = None,
    ) -> list[Node]:
        """Nodes, optionally only those of the given type(s) and/or layer(s)."""
        types = _as_set(type, NodeType)
        layers = _as_set(layer, Layer)
        return [
            n for n in self.scenario.nodes
            if (types is None or n.type in types) and (layers is None or node_layer(n) in layers)
        ]

    def ties(
        self, type: TieType | str | Iterable[TieType | str] | None = None,
        layer: Layer | str | Iterable[Layer | str] | None = None,
    ) -> list[Tie]:
        """Ties, optionally only those of the given type(s) and/or layer(s)."""
        types = _as_set(type, TieType)
        layers = _as_set(layer, Layer)
        return [
            t for t in self.scenario.ties
            if (types is None or t.type in types)
            and (layers is None or tie_layer(t, self._nodes) in layers)
        ]

    def node_layer(self, node_id: str) -> Layer:
        return node_layer(self.node(node_id))

    def tie_layer(self, tie: Tie) -> Layer:
        return tie_layer(tie, self._nodes)

    def layers(self) -> list[Layer]:
        """Layers that hold at least one node or tie, in canonical order."""
        used = {node_layer(n) for n in self.scenario.nodes}
        used |= {tie_layer(t, self._nodes) for t in self.scenario.ties}
        return [layer for layer in Layer if layer in used]

    # -- views --------------------------------------------------------------------------
    def _subgraph(self, nodes: list[Node], ties: list[Tie], at: dt.date | None) -> KnowledgeGraph:
        keep = {n.id for n in nodes}
        ties = [t for t in ties if t.from_ in keep and t.to in keep]
        sc = self.scenario.model_copy(update={"nodes": nodes, "ties": ties})
        return KnowledgeGraph(sc, at=at if at is not None else self.at)

    def snapshot(self, at: str | dt.date) -> KnowledgeGraph:
        """The graph as it stood on a date: nodes and ties whose span covers it.

        A partial start date counts from its first day, a partial end date to its last.

        Raises
        ------
        InputError
            If ``at`` is not a date, or lies outside the scenario's facts entirely.
        """
        try:
            day = parse_date(at)
        except ValueError as exc:
            raise InputError(f"at: {exc}", params=("at",)) from None
        nodes = [n for n in self.scenario.nodes if _active(n.start, n.end, day)]
        ties = [t for t in self.scenario.ties if _active(t.start, t.end, day)]
        return self._subgraph(nodes, ties, day)

    def layer_view(self, *layers: Layer | str) -> KnowledgeGraph:
        """The ties of the given layers, with their end nodes and the layers' own nodes.

        Raises
        ------
        InputError
            If a name is not a layer.
        """
        wanted = _as_set(layers, Layer) or set()
        ties = [t for t in self.scenario.ties if tie_layer(t, self._nodes) in wanted]
        ends = {t.from_ for t in ties} | {t.to for t in ties}
        nodes = [n for n in self.scenario.nodes if n.id in ends or node_layer(n) in wanted]
        return self._subgraph(nodes, ties, self.at)

    def without(self, node_ids: Iterable[str]) -> KnowledgeGraph:
        """The graph with these nodes (and their ties) removed."""
        drop = set(node_ids)
        for nid in drop:
            self.node(nid)  # raise InputError on unknown ids
        nodes = [n for n in self.scenario.nodes if n.id not in drop]
        return self._subgraph(nodes, list(self.scenario.ties), self.at)

    # -- summaries ----------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Counts by type and layer, share of sourced facts, and the date range."""
        nodes, ties = self.scenario.nodes, self.scenario.ties
        facts = [*nodes, *ties]
        dates = [d for f in facts for d in (f.start, f.end) if d is not None]
        dates += [e.date for e in self.scenario.events]
        return {
            "scenario": self.scenario.scenario.id,
            "name": self.scenario.scenario.name,
            "hash": self.hash,
            "start": self.scenario.scenario.start,
            "nodes": len(nodes),
            "ties": len(ties),
            "sources": len(self.scenario.sources),
            "events": len(self.scenario.events),
            "series": len(self.scenario.series),
            "nodes_by_type": dict(sorted(Counter(str(n.type) for n in nodes).items())),
            "ties_by_type": dict(sorted(Counter(str(t.type) for t in ties).items())),
            "nodes_by_layer": {str(k): v for k, v in sorted(
                Counter(node_layer(n) for n in nodes).items())},
            "ties_by_layer": {str(k): v for k, v in sorted(
                Counter(tie_layer(t, self._nodes) for t in ties).items())},
            "sourced_share": (sum(1 for f in facts if f.sources) / len(facts)) if facts else 1.0,
            "confidence": dict(sorted(Counter(str(f.confidence) for f in facts).items())),
            "date_range": [min(dates, key=earliest), max(dates, key=latest)] if dates else None,
        }

    # -- conversion ---------------------------------------------------------------------
    def to_networkx(self) -> nx.MultiDiGraph:
        """A :class:`networkx.MultiDiGraph` with every attribute of every node and tie.

        Node keys are node ids; edge keys are tie ids. Nested blocks (``group``,
        ``institution``, ``amount`` ...) stay nested dicts; ``layer`` holds the resolved
        layer. Graph attributes carry the scenario metadata and hash.
        """
        import networkx as nx

        g = nx.MultiDiGraph(
            name=self.name, scenario=self.scenario.scenario.model_dump(mode="json"),
            scenario_hash=self.hash, at=self.at.isoformat() if self.at else None,
        )
        for n in self.scenario.nodes:
            attrs = _record_attrs(n)
            attrs["layer"] = str(node_layer(n))
            g.add_node(n.id, **attrs)
        for t in self.scenario.ties:
            attrs = _record_attrs(t)
            attrs.pop("from", None)
            attrs.pop("to", None)
            attrs["id"] = t.key
            attrs["layer"] = str(tie_layer(t, self._nodes))
            g.add_edge(t.from_, t.to, key=t.key, **attrs)
        return g

    def to_igraph(self) -> igraph.Graph:
        """An :class:`igraph.Graph` (directed, multi-edges kept) with the same attributes as
        :meth:`to_networkx`.

        igraph looks vertices up by the ``name`` attribute, so ``name`` holds the node id
        and the node's display name moves to ``label``.
        """
        import igraph

        nodes = self.scenario.nodes
        index = {n.id: i for i, n in enumerate(nodes)}
        g = igraph.Graph(n=len(nodes), directed=True)
        g["name"] = self.name
        g["scenario_hash"] = self.hash
        node_attrs = [_record_attrs(n) | {"layer": str(node_layer(n)), "label": n.name}
                      for n in nodes]
        for a in node_attrs:
            del a["name"]
        keys = sorted({k for a in node_attrs for k in a})
        g.vs["name"] = [n.id for n in nodes]
        for k in keys:
            g.vs[k] = [a.get(k) for a in node_attrs]
        ties = self.scenario.ties
        g.add_edges([(index[t.from_], index[t.to]) for t in ties])
        tie_attrs = []
        for t in ties:
            a = _record_attrs(t)
            a.pop("from", None)
            a.pop("to", None)
            a["id"] = t.key
            a["layer"] = str(tie_layer(t, self._nodes))
            tie_attrs.append(a)
        for k in sorted({k for a in tie_attrs for k in a}):
            g.es[k] = [a.get(k) for a in tie_attrs]
        return g


def _as_set(value: Any, enum: type[Any]) -> set[Any] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    out = set()
    for item in items:
        try:
            out.add(enum(item))
        except ValueError:
            valid = ", ".join(e.value for e in enum)
            raise InputError(
                f"unknown {enum.__name__} {item!r}; expected one of: {valid}"
            ) from None
    return out
