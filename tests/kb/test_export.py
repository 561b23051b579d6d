"""Exports: JSON round-trips exactly; GraphML opens in networkx and igraph with attributes
intact; GEXF carries spells; CSV writes three tables."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from armednet.errors import InputError
from armednet.kb import KnowledgeGraph, load_scenario
from armednet.kb.export import export, flatten


@pytest.fixture
def kg(tiny_path: Path) -> KnowledgeGraph:
    return KnowledgeGraph(load_scenario(tiny_path))


def _same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True), key=str) == sorted(
        b.edges(keys=True, data=True), key=str)
    assert a.graph == b.graph


def test_json_round_trip_is_identical(kg: KnowledgeGraph, tmp_path: Path) -> None:
    (out,) = export(kg, "json", tmp_path / "kg.json")
    again = KnowledgeGraph.load(str(out))
    assert again.scenario == kg.scenario
    assert again.hash == kg.hash
    _same_graph(again.to_networkx(), kg.to_networkx())


def test_graphml_opens_in_networkx_and_igraph(kg: KnowledgeGraph, tmp_path: Path) -> None:
    import igraph

    (out,) = export(kg, "graphml", tmp_path / "kg.graphml")
    expected_nodes = {n: flatten(d) for n, d in kg.to_networkx().nodes(data=True)}
    g = nx.read_graphml(out, force_multigraph=True)
    assert set(g.nodes) == set(expected_nodes)
    for n, attrs in expected_nodes.items():
        assert g.nodes[n] == pytest.approx(attrs), n
    assert json.loads(g.nodes["group-a"]["aliases"]) == ["GA"]
    assert g.nodes["group-a"]["group_orientation"] == 0.9
    assert g.number_of_edges() == 6
    edges = {k: d for _, _, k, d in g.edges(keys=True, data=True)}
    assert edges["leader-a--leads--group-a"]["share"] == 0.6

    ig = igraph.Graph.Read_GraphML(str(out))
    assert ig.vcount() == 7 and ig.ecount() == 6 and ig.is_directed()
    v = ig.vs.find(id="group-a")
    assert v["group_orientation"] == 0.9 and v["type"] == "armed_group"
    assert v["group_size_value"] == 5000.0
    e = ig.es.find(tie_id="leader-a--leads--group-a")
    assert e["share"] == 0.6 and e["layer"] == "military"


def test_gexf_has_date_spells(kg: KnowledgeGraph, tmp_path: Path) -> None:
    (out,) = export(kg, "gexf", tmp_path / "kg.gexf")
    root = ET.parse(out).getroot()
    ns = {"g": root.tag.split("}")[0].strip("{")}
    graph = root.find("g:graph", ns)
    assert graph is not None
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    node = next(n for n in root.iter(f"{{{ns['g']}}}node") if n.get("id") == "group-b")
    spell = node.find("g:spells/g:spell", ns)
    assert spell is not None and spell.get("start") == "2003-05-01"
    leader = next(n for n in root.iter(f"{{{ns['g']}}}node") if n.get("id") == "leader-a")
    spell = leader.find("g:spells/g:spell", ns)
    assert spell is not None and spell.get("end") == "2024-02-07"
    g = nx.read_gexf(out)
    assert g.number_of_nodes() == 7
    # the tie type is an attribute of its own (GEXF reserves an edge's "type")
    types = {d["tie_type"] for _, _, d in g.edges(data=True)}
    assert "leads" in types
    assert all(d["label"] == d["tie_type"] for _, _, d in g.edges(data=True))


def test_repr_is_one_short_line(kg: KnowledgeGraph) -> None:
    text = repr(kg)
    assert "\n" not in text and len(text) < 160
    assert kg.scenario.scenario.id in text and "nodes" in text and kg.hash[:12] in text


def test_csv_writes_three_tables(kg: KnowledgeGraph, tmp_path: Path) -> None:
    files = export(kg, "csv", tmp_path / "csv")
    assert [f.name for f in files] == ["nodes.csv", "ties.csv", "sources.csv"]
    with (tmp_path / "csv" / "ties.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6
    assert rows[0]["from"] == "leader-a" and rows[0]["share"] == "0.6"
    with (tmp_path / "csv" / "nodes.csv").open() as fh:
        header = next(csv.reader(fh))
    assert header[:4] == ["id", "type", "name", "layer"]


def test_unknown_format(kg: KnowledgeGraph, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected one of: json, graphml, gexf, csv"):
        export(kg, "xlsx", tmp_path / "kg.xlsx")
    assert not (tmp_path / "kg.xlsx").exists()
