"""Export a knowledge graph to JSON, GraphML, GEXF and CSV.

- JSON is the scenario document itself (the authoring format as JSON): loading it back
  gives the identical scenario and graph.
- GraphML and CSV flatten nested attributes (``group.orientation`` becomes
  ``group_orientation``; lists become JSON text; GraphML calls the tie id ``tie_id``),
  because those formats hold scalars only.
- GEXF carries each node's and tie's time span as a spell with full dates, so Gephi's
  timeline can play the graph over time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from armednet.errors import InputError
from armednet.fileio import atomic_path
from armednet.kb.dates import earliest, latest
from armednet.kb.graph import KnowledgeGraph

__all__ = ["EXPORT_FORMATS", "export", "flatten", "to_json"]

EXPORT_FORMATS = ("json", "graphml", "gexf", "csv")


def to_json(kg: KnowledgeGraph) -> str:
    """The scenario as one JSON document, loadable by :func:`armednet.kb.load_scenario`."""
    doc = kg.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def flatten(attrs: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts to ``a_b`` keys and lists to JSON text; drop ``None``."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        name = f"{prefix}{key}"
        if value is None:
            continue
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}_"))
        elif isinstance(value, list | tuple):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def _flat_graph(kg: KnowledgeGraph) -> Any:
    import networkx as nx

    g = kg.to_networkx()
    flat = nx.MultiDiGraph()
    flat.graph.update(
        {"name": kg.name, "scenario_hash": kg.hash,
         "scenario": json.dumps(g.graph["scenario"], ensure_ascii=False)}
    )
    for n, data in g.nodes(data=True):
        flat.add_node(n, **flatten(data))
    for u, v, k, data in g.edges(keys=True, data=True):
        flat.add_edge(u, v, key=k, **flatten(data))
    return flat


def _spell(data: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    start, end = data.pop("start", None), data.pop("end", None)
    return [(earliest(start).isoformat() if start else None,
             latest(end).isoformat() if end else None)]


def _write_gexf(kg: KnowledgeGraph, path: Path) -> None:
    import networkx as nx

    g = _flat_graph(kg)
    for _, data in g.nodes(data=True):
        data["spells"] = _spell(data)
        data["label"] = data.get("name", "")
    for _, _, data in g.edges(data=True):
        data["spells"] = _spell(data)
        # GEXF reserves an edge's "type" (directed / undirected): the tie type is an
        # attribute of its own, and the label too for Gephi's display
        data["tie_type"] = data.pop("type", "")
        data["label"] = data["tie_type"]
    g.graph["mode"] = "dynamic"
    nx.write_gexf(g, path)


def _write_csv(rows: Iterable[dict[str, Any]], path: Path, first: list[str]) -> None:
    rows = list(rows)
    columns = list(first) + sorted({k for r in rows for k in r} - set(first))
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def export(kg: KnowledgeGraph, fmt: str, out: Path) -> list[Path]:
    """Write the graph in one format; return the files written.

    Parameters
    ----------
    kg : KnowledgeGraph
    fmt : {"json", "graphml", "gexf", "csv"}
    out : Path
        The output file; for ``csv`` a directory that receives ``nodes.csv``,
        ``ties.csv`` and ``sources.csv``.

    Raises
    ------
    InputError
        For an unknown format.
    """
    import networkx as nx

    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(EXPORT_FORMATS)}")
    out = Path(out)
    if fmt == "csv":
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: csv export needs a directory, and this is a file")
        g = kg.to_networkx()
        _write_csv(({"id": n, **flatten(d)} for n, d in g.nodes(data=True)),
                   out / "nodes.csv", ["id", "type", "name", "layer"])
        _write_csv(({"from": t.from_, "to": t.to, **flatten(g.edges[t.from_, t.to, t.key])}
                    for t in kg.scenario.ties),
                   out / "ties.csv", ["id", "type", "from", "to", "layer"])
        _write_csv((flatten(s.model_dump(mode="json")) for s in kg.scenario.sources),
                   out / "sources.csv", ["id", "author", "title"])
        return [out / "nodes.csv", out / "ties.csv", out / "sources.csv"]
    with atomic_path(out) as tmp:
        if fmt == "json":
            tmp.write_text(to_json(kg), encoding="utf-8")
        elif fmt == "graphml":
            g = _flat_graph(kg)
            for _, _, data in g.edges(data=True):
                # GraphML readers disagree on the XML edge id (igraph does not keep it),
                # so the tie id travels as an ordinary attribute too.
                data["tie_id"] = data.pop("id")
            nx.write_graphml(g, tmp)
        else:
            _write_gexf(kg, tmp)
    return [out]
